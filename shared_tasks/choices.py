"""What both apps' snippets and contact form share: the choices their forms offer, what
each choice means, and the snippets' random addresses.

It defines no task, so models.py and mails.py can import it while Celery is still
loading the task class.
"""

from __future__ import annotations

import secrets
from datetime import datetime

from dateutil.relativedelta import relativedelta

#: The contact form's purposes.
PURPOSES = [
    ("feedback", "Feedback"),
    ("bug", "Bug report"),
    ("feature", "Feature request"),
    ("other", "Other"),
]


def feedback_context(name: str, email: str, purpose: str, subject: str, message: str) -> dict:
    """The feedback mail's template context, with the purpose's label instead of its key."""
    return {
        "name": name,
        "email": email,
        "purpose": dict(PURPOSES).get(purpose, purpose),
        "subject": subject,
        "message": message,
    }


#: Expiration choices: key, label, and how long a snippet lives (None: forever).
EXPIRATIONS = {
    "never": ("Never", None),
    "1w": ("1 week", relativedelta(weeks=1)),
    "1m": ("1 month", relativedelta(months=1)),
    "6m": ("6 months", relativedelta(months=6)),
    "1y": ("1 year", relativedelta(years=1)),
}
EXPIRATION_CHOICES = [(key, label) for key, (label, _) in EXPIRATIONS.items()]


def expiry_time(expiration: str, created: datetime) -> datetime | None:
    """When a snippet created at ``created`` with this choice stops being visible."""
    lifetime = EXPIRATIONS[expiration][1]
    return None if lifetime is None else created + lifetime


def new_slug() -> str:
    """A snippet's address: 8 random URL-safe characters."""
    return secrets.token_urlsafe(6)
