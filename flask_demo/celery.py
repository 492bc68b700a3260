"""Celery for a Flask application factory, as in Flask's own Celery example.

``celery_init_app`` builds one Celery app per Flask app, from that app's
``CELERY`` mapping, so two Flask apps in one process (tests, a CLI beside a
web app) each get their own broker. Nothing is created at import time.
"""

from __future__ import annotations

from celery import Celery, Task
from flask import Flask, appcontext_pushed, request_started

from flask_demo import mails
from flask_demo.models import OutboxMessage, Snippet
from shared_tasks.worker_steps import FreeSlotOnFailedAck, RejectMalformed


class FlaskTask(Task):
    """Every task runs in a fresh app context of its Flask app.

    Fresh each time, even where one is already active (a worker started by
    ``flask worker`` runs inside one): ``g`` and the database session then
    belong to one task, and are torn down after it.
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


def celery_init_app(app: Flask) -> Celery:
    """Flask's ``examples/celery`` function, with four differences.

    It adds the worker steps of :mod:`shared_tasks.worker_steps`. It keeps the
    Flask app on the Celery app (``flask_app``), where the task class finds it,
    instead of closing over it in a class defined inside the function, so that
    other task classes can build on that one. Its task class is the demo's,
    ``FlaskbinTask``. And the Celery app is not made the default:
    ``make_current`` makes it *current* in its Flask app's context and requests,
    because a ``@shared_task`` sends through the current app.
    """
    # set_as_current=False: which Celery app is "current" follows the Flask app
    # context (see make_current), not whichever Flask app was created last.
    celery_app = Celery(app.import_name, task_cls=FlaskbinTask, set_as_current=False)
    celery_app.config_from_object(app.config["CELERY"])
    # A malformed message is refused instead of stopping the worker (celery/celery#7975).
    celery_app.steps["consumer"].add(RejectMalformed)
    # After a Redis ack fails (the broker hung), the worker must go on taking tasks (kombu).
    celery_app.steps["consumer"].add(FreeSlotOnFailedAck)
    celery_app.flask_app = app
    app.extensions["celery"] = celery_app
    return celery_app


@appcontext_pushed.connect
@request_started.connect
def make_current(sender: Flask, **extra) -> None:
    """In a Flask app's context, and in each of its requests, its Celery app is current.

    ``@shared_task`` proxies send through the current Celery app, so a view, a
    CLI command or a test of one Flask app never sends through another's broker.
    Requests too: a request reuses an app context that is already pushed.
    """
    celery_app = sender.extensions.get("celery")
    if isinstance(celery_app, Celery):
        celery_app.set_current()
