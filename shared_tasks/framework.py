"""The roles each app's task class plays for the shared tasks.

A shared task runs as an instance of its app's task class, so ``self.mails`` in a
task is an attribute of that class. Each app's class sets four attributes: the three
roles below, and ``database_errors``, the exceptions its database raises when it does
not answer. The classes are ``DjangobinTask`` in django_demo/djangobin/task_class.py
and ``FlaskbinTask`` in flask_demo/celery.py; tests/shared_tasks/test_framework.py
checks that both have every method. The mails that ``mails`` builds send themselves,
over the app's own mail settings.
"""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

from shared_tasks.outbox import TaskMessage


class SendableMail(Protocol):
    def send(self) -> int:
        """Send over SMTP; raise ``smtplib.SMTPException`` or ``OSError`` on failure."""


class Mails(Protocol):
    """Builds the mails, with the app's templates and data."""

    def activation(self, user_id: int, site_url: str) -> SendableMail | None:
        """The activation mail of an inactive user; None if there is nothing to activate."""

    def feedback(
        self, name: str, email: str, purpose: str, subject: str, message: str
    ) -> SendableMail:
        """The contact-form mail, addressed to the site's admins."""


class Snippets(Protocol):
    """The snippet table, as the sweep (:func:`shared_tasks.snippets.sweep`) walks it.

    Each method walks the expires_at index from ``start`` (None: the first expiry
    time). Each delete commits.
    """

    def batch_end(self, start: datetime | None, now: datetime, size: int) -> datetime | None:
        """The expiry time of the ``size``-th snippet from ``start`` expired by ``now``,
        where a batch of that size ends; None if fewer are left."""

    def delete_before(self, start: datetime | None, end: datetime) -> int:
        """Delete the snippets expiring from ``start`` up to ``end``, not including it."""

    def delete_at(self, moment: datetime, limit: int) -> int:
        """Delete at most ``limit`` of the snippets expiring exactly at ``moment``."""

    def delete_expired(self, start: datetime | None, now: datetime) -> int:
        """Delete the snippets expiring from ``start`` to ``now``, ``now`` included."""


class Outbox(Protocol):
    """The outbox table (see :mod:`shared_tasks.outbox`)."""

    def add(self, message: TaskMessage) -> None:
        """Write ``message`` in the current database transaction."""

    def waiting(self, older_than: float, limit: int) -> list[TaskMessage]:
        """The oldest ``limit`` messages written more than ``older_than`` seconds ago."""

    def remove(self, message: TaskMessage) -> None:
        """Delete ``message``: the broker has it."""
