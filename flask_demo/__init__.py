"""The Flask demo: an application factory with a Celery extension.

Work in progress (issue 3): the factory, configurations, the Celery extension and
the request-context propagation are here; the djangobin features are not yet.
"""

from __future__ import annotations

import os

from flask import Flask

from flask_demo.celery_ext import FlaskCelery
from flask_demo.config import CONFIGS

celery = FlaskCelery()


def create_app(config_name: str | None = None, **overrides) -> Flask:
    app = Flask(__name__)
    config = CONFIGS[config_name or os.environ.get("FLASK_CONFIG", "development")]()
    app.config.from_object(config)
    app.config["CELERY"] = config.CELERY
    app.config.update(overrides)
    celery.init_app(app)
    return app
