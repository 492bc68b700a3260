"""Mail tasks: account activation and contact-form feedback."""

from __future__ import annotations

import smtplib

from celery import shared_task

from shared_tasks.site import site_for

#: The contact form's purposes, shared so both apps offer the same choices.
PURPOSES = [
    ("feedback", "Feedback"),
    ("bug", "Bug report"),
    ("feature", "Feature request"),
    ("other", "Other"),
]


def feedback_context(name: str, email: str, purpose: str, subject: str, message: str) -> dict:
    """What both apps' feedback mail templates show: the purpose by its label."""
    return {
        "name": name,
        "email": email,
        "purpose": dict(PURPOSES).get(purpose, purpose),
        "subject": subject,
        "message": message,
    }


# A refused or unreachable SMTP server is worth retrying; a bad template is not.
SMTP_ERRORS = (smtplib.SMTPException, OSError)

# Backoff 5 s, 10 s, 20 s … capped at 10 minutes, with jitter so that a queue of
# mails does not hit a recovering server at the same instant. Eight tries span
# about half an hour; after that the failure stays visible in the results.
MAIL_RETRY = {
    "autoretry_for": SMTP_ERRORS,
    "retry_backoff": 5,
    "retry_backoff_max": 600,
    "retry_jitter": True,
    "max_retries": 8,
}


@shared_task(bind=True, **MAIL_RETRY)
def send_activation_mail(self, user_id: int, site_url: str) -> str:
    site = site_for(self.app)
    mail = site.activation_mail(user_id, site_url)
    if mail is None:
        return "skipped: no inactive user with that id"
    site.send_mail(mail)
    return "sent"


@shared_task(bind=True, **MAIL_RETRY)
def send_feedback_mail(
    self, name: str, email: str, purpose: str, subject: str, message: str
) -> str:
    site = site_for(self.app)
    site.send_mail(site.feedback_mail(name, email, purpose, subject, message))
    return "sent"
