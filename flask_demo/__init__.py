"""The Flask demo: an application factory, with Celery as one more extension."""

from __future__ import annotations

import copy
import os
from pathlib import Path

from flask import Flask

from flask_demo.celery import celery_init_app
from flask_demo.cli import init_db, worker
from flask_demo.config import CONFIGS
from flask_demo.extensions import csrf, db, login_manager, mail
from flask_demo.models import User

#: The stylesheet both demos share.
STATIC = Path(__file__).resolve().parent.parent / "static"


def create_app(config_name: str | None = None, **overrides) -> Flask:
    """Build the app; ``config_name`` is development, testing or production."""
    app = Flask(__name__, static_folder=STATIC)
    config = CONFIGS[config_name or os.environ.get("FLASK_CONFIG", "development")]
    app.config.from_object(config)
    # Each app its own copy: from_prefixed_env writes FLASK_CELERY__* keys into it.
    app.config["CELERY"] = copy.deepcopy(config.CELERY)
    app.config.from_prefixed_env()
    app.config.update(overrides)
    config.init_app(app)

    db.init_app(app)
    csrf.init_app(app)
    mail.init_app(app)
    login_manager.init_app(app)
    celery_init_app(app)

    from flask_demo.views import bp

    app.register_blueprint(bp)
    app.cli.add_command(init_db)
    app.cli.add_command(worker)
    return app


@login_manager.user_loader
def load_user(user_id: str):
    return db.session.get(User, int(user_id))
