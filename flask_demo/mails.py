"""The mails the shared tasks send, built from the app's templates, sent by Flask-Mailman.

The tasks run in a fresh app context (``FlaskTask`` in flask_demo/celery.py), so
``render_template`` and the database session work here.
"""

from __future__ import annotations

from flask import current_app, render_template, url_for
from flask_mailman import EmailMessage
from sqlalchemy import select

from flask_demo.extensions import db
from flask_demo.models import User
from flask_demo.tokens import make_token
from shared_tasks.choices import feedback_context


def activation(user_id: int, site_url: str) -> EmailMessage | None:
    user = db.session.scalar(select(User).where(User.id == user_id, User.is_active.is_(False)))
    if user is None:
        return None
    # url_for builds the link for the address the user signed up on. The token
    # is made here, in the worker: it never sits in the broker or the results.
    with current_app.test_request_context(base_url=site_url):
        link = url_for("bin.activate", token=make_token(user), _external=True)
    return EmailMessage(
        subject=render_template("mail/activation_subject.txt", user=user).strip(),
        body=render_template("mail/activation_body.txt", user=user, activation_url=link),
        to=[user.email],
    )


def feedback(name: str, email: str, purpose: str, subject: str, message: str) -> EmailMessage:
    context = feedback_context(name, email, purpose, subject, message)
    return EmailMessage(
        subject=render_template("mail/feedback_subject.txt", **context).strip(),
        body=render_template("mail/feedback_body.txt", **context),
        to=list(current_app.config["ADMINS"]),
        reply_to=[email],
    )
