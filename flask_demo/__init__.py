"""The Flask demo: an application factory, with Celery as an extension."""

from __future__ import annotations

import os

from flask import Flask

import shared_tasks
from devstack import ROOT
from flask_demo.cli import init_db, worker
from flask_demo.config import CONFIGS
from flask_demo.context import is_task_copy
from flask_demo.extensions import celery, csrf, db, login_manager
from flask_demo.models import User
from flask_demo.site import FlaskSite


def create_app(config_name: str | None = None, **overrides) -> Flask:
    """Build the app; ``config_name`` is development, testing or production."""
    app = Flask(__name__, static_folder=str(ROOT / "static"))
    config = CONFIGS[config_name or os.environ.get("FLASK_CONFIG", "development")]()
    app.config.from_object(config)
    app.config["CELERY"] = config.CELERY
    app.config.update(overrides)

    db.init_app(app)
    csrf.init_app(app)
    login_manager.init_app(app)
    celery_app = celery.init_app(app)
    shared_tasks.install(celery_app, FlaskSite(app))

    @app.before_request
    def check_csrf():
        # The original request was checked when it came in. Its copy in a task
        # has no token to check: the token is a credential and never travels.
        if app.config["WTF_CSRF_ENABLED"] and not is_task_copy():
            csrf.protect(apply_exemptions=True)

    from flask_demo.views import bp

    app.register_blueprint(bp)
    app.cli.add_command(init_db)
    app.cli.add_command(worker)
    return app


@login_manager.user_loader
def load_user(user_id: str):
    return db.session.get(User, int(user_id))
