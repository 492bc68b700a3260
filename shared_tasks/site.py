"""The small interface between the shared tasks and the app that runs them."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Protocol
from weakref import WeakKeyDictionary

from celery import Celery

if TYPE_CHECKING:
    from shared_tasks.outbox import Message


@dataclass(frozen=True)
class Mail:
    """A rendered plain-text mail, ready for the framework's mail connection."""

    subject: str
    body: str
    to: list[str]
    reply_to: list[str] = field(default_factory=list)


class Site(Protocol):
    """What an app supplies so that the shared tasks can run in its worker."""

    def activation_mail(self, user_id: int, site_url: str) -> Mail | None:
        """The activation mail for an inactive user, or None if there is nothing to activate."""

    def feedback_mail(
        self, name: str, email: str, purpose: str, subject: str, message: str
    ) -> Mail:
        """The contact-form mail, addressed to the site's admins."""

    def send_mail(self, mail: Mail) -> None:
        """Send over SMTP; raise ``smtplib.SMTPException`` or ``OSError`` on failure."""

    def delete_expired_snippets(self, now: datetime, limit: int) -> int:
        """Delete at most ``limit`` snippets that expired at or before ``now``; return how many."""

    def outbox_add(self, message: Message) -> None:
        """Add ``message`` to the outbox within the current database transaction."""

    def outbox_pending(self, older_than: float, limit: int) -> list[Message]:
        """The oldest ``limit`` messages written more than ``older_than`` seconds ago."""

    def outbox_sent(self, message: Message) -> None:
        """Delete ``message``: the broker has it."""


# Keyed by Celery app, not global: two apps in one process (the test suite, a
# Flask app built twice) each keep their own site.
_sites: WeakKeyDictionary[Celery, Site] = WeakKeyDictionary()


def install(app: Celery, site: Site) -> None:
    """Make ``site`` the framework side of the shared tasks run through ``app``."""
    _sites[app] = site


def site_for(app: Celery) -> Site:
    try:
        return _sites[app]
    except KeyError:
        raise RuntimeError(
            f"No site is installed on Celery app {app.main!r}: "
            "call shared_tasks.install(app, site) when the app starts."
        ) from None
