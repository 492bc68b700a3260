"""The Django demo's Celery task class (``task_cls`` in ``django_demo/celery.py``)."""

from celery.contrib.django.task import DjangoTask
from django.db import InterfaceError, OperationalError

from django_demo.djangobin import mails
from django_demo.djangobin.models import OutboxMessage, Snippet


class DjangobinTask(DjangoTask):
    """Celery's DjangoTask (``delay_on_commit``), and the shared tasks' Django side.

    Each attribute is one role of :mod:`shared_tasks.framework`.
    """

    mails = mails
    snippets = Snippet.objects
    outbox = OutboxMessage.objects
    # What Django raises when the database does not answer: the mail tasks retry on it.
    database_errors = (OperationalError, InterfaceError)
