"""The Flask side of the shared tasks' interface (see ``shared_tasks.site``).

The tasks run in the Flask app context, and in a copy of the sending request's
context when a view sent them, so ``url_for`` and ``render_template`` work here.
"""

from __future__ import annotations

import smtplib
from contextlib import nullcontext
from datetime import UTC, timedelta
from email.message import EmailMessage

from flask import Flask, has_request_context, render_template, url_for
from sqlalchemy import delete, select

from flask_demo.extensions import db
from flask_demo.models import OutboxMessage, Snippet, User, utcnow
from flask_demo.tokens import make_token
from shared_tasks import Mail
from shared_tasks.mail import feedback_context
from shared_tasks.outbox import Message


class FlaskSite:
    def __init__(self, app: Flask):
        self.app = app

    def activation_mail(self, user_id, site_url):
        user = db.session.scalar(select(User).where(User.id == user_id, User.is_active.is_(False)))
        if user is None:
            return None
        # Sent from a view: the rebuilt request gives url_for the original host.
        # Sent from elsewhere (a shell, a retry from the CLI): use site_url.
        context = (
            nullcontext()
            if has_request_context()
            else self.app.test_request_context(base_url=site_url)
        )
        with context:
            link = url_for("bin.activate", token=make_token(user), _external=True)
            return Mail(
                subject=render_template("mail/activation_subject.txt", user=user).strip(),
                body=render_template("mail/activation_body.txt", user=user, activation_url=link),
                to=[user.email],
            )

    def feedback_mail(self, name, email, purpose, subject, message):
        context = feedback_context(name, email, purpose, subject, message)
        return Mail(
            subject=render_template("mail/feedback_subject.txt", **context).strip(),
            body=render_template("mail/feedback_body.txt", **context),
            to=list(self.app.config["ADMINS"]),
            reply_to=[email],
        )

    def send_mail(self, mail):
        config = self.app.config
        message = EmailMessage()
        message["Subject"] = mail.subject
        message["From"] = config["MAIL_DEFAULT_SENDER"]
        message["To"] = ", ".join(mail.to)
        if mail.reply_to:
            message["Reply-To"] = ", ".join(mail.reply_to)
        message.set_content(mail.body)
        # A hung server must fail the task (and so retry it), not block a worker forever.
        with smtplib.SMTP(config["MAIL_SERVER"], config["MAIL_PORT"], timeout=10) as smtp:
            if config["MAIL_USE_TLS"]:
                smtp.starttls()
            if config["MAIL_USERNAME"]:
                smtp.login(config["MAIL_USERNAME"], config["MAIL_PASSWORD"])
            smtp.send_message(message)

    def delete_expired_snippets(self, now, limit):
        # Naive UTC, as stored. Primary keys of one batch through the expires_at
        # index, then one DELETE … WHERE id IN (…).
        cutoff = now.astimezone(UTC).replace(tzinfo=None)
        batch = db.session.scalars(
            select(Snippet.id).where(Snippet.expires_at <= cutoff).limit(limit)
        ).all()
        if not batch:
            return 0
        deleted = db.session.execute(delete(Snippet).where(Snippet.id.in_(batch))).rowcount
        db.session.commit()
        return deleted

    def outbox_add(self, message):
        db.session.add(OutboxMessage(id=message.id, task=message.task, kwargs=message.kwargs))

    def outbox_pending(self, older_than, limit):
        cutoff = utcnow() - timedelta(seconds=older_than)
        rows = db.session.scalars(
            select(OutboxMessage)
            .where(OutboxMessage.created_at <= cutoff)
            .order_by(OutboxMessage.created_at)
            .limit(limit)
        )
        return [Message(row.task, row.kwargs, row.id) for row in rows]

    def outbox_sent(self, message):
        db.session.execute(delete(OutboxMessage).where(OutboxMessage.id == message.id))
        db.session.commit()
