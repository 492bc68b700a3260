"""A Celery extension for Flask application factories.

``celery = FlaskCelery()`` at import time creates nothing: no Celery app, no
broker connection, no registration with Celery's list of apps. ``init_app``
builds one Celery app per Flask app, from that Flask app's ``CELERY`` mapping,
so two Flask apps in one process each get their own broker.
"""

from __future__ import annotations

import celery
from flask import Flask, appcontext_pushed, request_started

from flask_demo.context import ContextTask
from shared_tasks import worker_steps


@appcontext_pushed.connect
@request_started.connect
def make_current(sender: Flask, **extra) -> None:
    """In a Flask app's context, and in each of its requests, its Celery app is current.

    ``@shared_task`` proxies send through the current Celery app, so a view, a
    CLI command or a test of one Flask app never sends through another's broker.
    Requests too: a request reuses an app context that is already pushed.
    """
    celery_app = sender.extensions.get("celery")
    if isinstance(celery_app, celery.Celery):
        celery_app.set_current()


class FlaskCelery:
    def __init__(self, app: Flask | None = None):
        if app is not None:
            self.init_app(app)

    def init_app(self, app: Flask) -> celery.Celery:
        # set_as_current=False: which Celery app is "current" follows the Flask
        # app context (see make_current), not whichever Flask app was created last.
        celery_app = celery.Celery(app.import_name, task_cls=ContextTask, set_as_current=False)
        celery_app.config_from_object(app.config["CELERY"])
        # A malformed message is refused instead of stopping the worker.
        worker_steps.install(celery_app)
        celery_app.flask_app = app
        app.extensions["celery"] = celery_app
        return celery_app
