"""Extension objects, created unbound at import time and bound in ``create_app``."""

from flask_login import LoginManager
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect

from flask_demo.celery_ext import FlaskCelery

db = SQLAlchemy()
celery = FlaskCelery()
csrf = CSRFProtect()
login_manager = LoginManager()
login_manager.login_view = "bin.login"
