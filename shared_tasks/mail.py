"""Mail tasks: account activation and contact-form feedback."""

from __future__ import annotations

import smtplib

from celery import shared_task
from celery.exceptions import SoftTimeLimitExceeded

# A refused, unreachable or hung SMTP server is worth retrying; a bad template is
# not. A hung server times out after 10 s (EMAIL_TIMEOUT, MAIL_TIMEOUT) with an
# OSError; an attempt that still overruns its soft time limit is retried too.
SMTP_ERRORS = (smtplib.SMTPException, OSError, SoftTimeLimitExceeded)


class DatabaseUnavailable(Exception):
    """The app's database did not answer. A failed task's message is acknowledged and
    its mail is lost, so the task retries, as after an SMTP error."""


MAIL_TASK = {
    # No STARTED state: the Django demo stores states in its database, and a STARTED
    # write that fails there fails the task before its body can retry. Events still
    # show the start in Flower.
    "track_started": False,
    # A few SMTP exchanges of at most 10 s each fit in the soft limit; the hard
    # one kills a pool process stuck past it (the task then fails, visibly).
    "soft_time_limit": 60,
    "time_limit": 90,
    # Up to 9 tries. Each wait is random, up to a bound that doubles from 5 s to 10
    # minutes (full jitter), so queued mails do not all hit a recovering server at
    # once. The waits come to at most about 20 minutes in all,
    # about 10 on average, plus the tries themselves. Then the failure stays visible.
    "autoretry_for": (*SMTP_ERRORS, DatabaseUnavailable),
    "retry_backoff": 5,
    "retry_backoff_max": 600,
    "retry_jitter": True,
    "max_retries": 8,
}


@shared_task(bind=True, **MAIL_TASK)
def send_activation_mail(self, user_id: int, site_url: str) -> str:
    """Mail an inactive user the link that activates the account."""
    try:
        # self.mails is set on the app's task class. The mail is built in
        # django_demo/djangobin/mails.py or flask_demo/mails.py.
        mail = self.mails.activation(user_id, site_url)
    except self.database_errors as error:  # the app's: the database did not answer
        raise DatabaseUnavailable(repr(error)) from error
    if mail is None:  # activated already, or deleted: a retry or a repeat is harmless
        return "skipped: no inactive user with that id"
    mail.send()
    return "sent"


@shared_task(bind=True, **MAIL_TASK)
def send_feedback_mail(
    self, name: str, email: str, purpose: str, subject: str, message: str
) -> str:
    """Mail a contact-form message to the site's admins, replying to the visitor."""
    # Built by django_demo/djangobin/mails.py or flask_demo/mails.py, as above.
    self.mails.feedback(name, email, purpose, subject, message).send()
    return "sent"
