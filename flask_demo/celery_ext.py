"""A Celery extension for Flask application factories.

``celery = FlaskCelery()`` at import time creates nothing: no Celery app, no
broker connection, no registration with Celery's list of apps. ``init_app``
builds one Celery app per Flask app, from that Flask app's ``CELERY`` mapping,
so two Flask apps in one process each get their own broker.
"""

from __future__ import annotations

import celery
from flask import Flask, current_app

from flask_demo.context import ContextTask


class FlaskCelery:
    def __init__(self, app: Flask | None = None):
        if app is not None:
            self.init_app(app)

    def init_app(self, app: Flask) -> celery.Celery:
        # set_as_current=False: which Celery app is "current" follows the Flask
        # app context (see below), not whichever Flask app was created last.
        celery_app = celery.Celery(app.import_name, task_cls=ContextTask, set_as_current=False)
        celery_app.config_from_object(app.config["CELERY"])
        celery_app.flask_app = app
        app.extensions["celery"] = celery_app

        @app.before_request
        def make_current():
            # @shared_task proxies send through the current Celery app.
            celery_app.set_current()

        return celery_app

    @property
    def app(self) -> celery.Celery:
        """The Celery app of the Flask app in context."""
        return current_app.extensions["celery"]
