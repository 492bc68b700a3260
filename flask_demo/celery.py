"""Celery for a Flask application factory, as in Flask's own Celery example.

``celery_init_app`` builds one Celery app per Flask app, from that app's
``CELERY`` mapping, so two Flask apps in one process (tests, a CLI beside a
web app) each get their own broker. It also makes that Celery app the default, the
one a ``@shared_task`` sends through. Nothing is created at import time.
"""

from __future__ import annotations

from celery import Celery, Task
from flask import Flask
from sqlalchemy.exc import InterfaceError, OperationalError

from flask_demo import mails
from flask_demo.models import OutboxMessage, Snippet
from shared_tasks.worker_steps import CONSUMER_STEPS


class FlaskTask(Task):
    """Every task runs in a fresh app context of its Flask app.

    Fresh even inside ``flask worker``, which already has one. So ``g`` and the
    database session belong to one task and are torn down after it.
    """

    def __call__(self, *args, **kwargs):
        with self.app.flask_app.app_context():
            return self.run(*args, **kwargs)


class FlaskbinTask(FlaskTask):
    """The shared tasks' Flask side: each attribute is one role of
    :mod:`shared_tasks.framework`."""

    mails = mails
    snippets = Snippet
    outbox = OutboxMessage
    # What SQLAlchemy raises when the database does not answer: the mail tasks retry on it.
    database_errors = (OperationalError, InterfaceError)


def celery_init_app(app: Flask) -> Celery:
    """Flask's ``examples/celery`` function, with the demo's task class and worker steps.

    Unlike Flask's example, ``FlaskTask`` is defined at module level so that
    ``FlaskbinTask`` can extend it. It reaches its Flask app as ``self.app.flask_app``.
    """
    celery_app = Celery(app.name, task_cls=FlaskbinTask)
    celery_app.config_from_object(app.config["CELERY"])
    # Steps that mend two failures of Celery and kombu in the worker (shared_tasks/worker_steps.py).
    celery_app.steps["consumer"].update(CONSUMER_STEPS)
    celery_app.set_default()
    celery_app.flask_app = app
    app.extensions["celery"] = celery_app
    return celery_app
