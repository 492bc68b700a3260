"""SMTP failures: the mail tasks retry with backoff and give up visibly."""

import smtplib
import socket
from email import message_from_bytes
from unittest import mock

import pytest
from celery import states
from django.core.mail import EmailMessage

from devstack.mailsink import serve
from shared_tasks.mail import (
    MAIL_TASK,
    SMTP_ERRORS,
    DatabaseUnavailable,
    send_activation_mail,
    send_feedback_mail,
)
from tests.cases import CONTACT
from tests.support.servers import free_port

pytestmark = pytest.mark.django_db


@pytest.fixture
def smtp(settings):
    """Send over real SMTP to 127.0.0.1:<port>, with nothing listening yet."""
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", free_port()
    return settings


def test_mail_goes_over_smtp_to_the_sink(smtp, tmp_path):
    sink = serve("127.0.0.1", smtp.EMAIL_PORT, tmp_path)
    try:
        assert send_feedback_mail.apply(kwargs=CONTACT).get() == "sent"
    finally:
        sink.stop()
    (saved,) = tmp_path.glob("*.eml")
    assert (
        message_from_bytes(saved.read_bytes())["Subject"]
        == "[Bug report] Snippets vanish (from Grace)"
    )


def test_retry_policy_backs_off_on_smtp_and_database_errors():
    assert send_feedback_mail.autoretry_for == (*SMTP_ERRORS, DatabaseUnavailable)
    assert {smtplib.SMTPException, OSError} < set(SMTP_ERRORS)
    assert send_feedback_mail.retry_backoff and send_feedback_mail.retry_jitter
    assert send_feedback_mail.max_retries == MAIL_TASK["max_retries"]


def test_refused_connection_is_retried_until_smtp_returns(smtp, tmp_path):
    real_send = EmailMessage.send
    attempts = []

    def send_then_start_server(self, *args, **kwargs):
        attempts.append(1)
        if len(attempts) == 3:  # the server comes back before the third try
            send_then_start_server.sink = serve("127.0.0.1", smtp.EMAIL_PORT, tmp_path)
        return real_send(self, *args, **kwargs)

    with mock.patch.object(EmailMessage, "send", send_then_start_server):
        result = send_feedback_mail.apply(kwargs=CONTACT)
    send_then_start_server.sink.stop()
    assert result.state == states.SUCCESS
    assert len(attempts) == 3
    assert len(list(tmp_path.glob("*.eml"))) == 1


def test_after_the_last_retry_the_failure_is_recorded(smtp):
    with mock.patch.object(send_feedback_mail, "max_retries", 2):
        result = send_feedback_mail.apply(kwargs=CONTACT)
    assert result.state == states.FAILURE
    assert isinstance(result.result, ConnectionRefusedError)


def test_a_hung_smtp_server_times_out_and_the_attempt_is_retried(smtp, settings):
    # A server that accepts the connection and never says a word.
    with socket.create_server(("127.0.0.1", 0)) as hung:
        settings.EMAIL_PORT = hung.getsockname()[1]
        settings.EMAIL_TIMEOUT = 0.5  # 10 s in the demo's settings
        with (
            mock.patch.object(send_feedback_mail, "max_retries", 1),
            mock.patch.object(
                EmailMessage, "send", autospec=True, side_effect=EmailMessage.send
            ) as send,
        ):
            result = send_feedback_mail.apply(kwargs=CONTACT)
    assert send.call_count == 2  # the first try, and its retry
    assert result.state == states.FAILURE
    assert "timed out" in str(result.result)


def test_an_activation_mail_that_meets_a_database_error_is_retried(mailoutbox, monkeypatch):
    from django.contrib.auth import get_user_model
    from django.db import OperationalError

    from django_demo.djangobin import mails

    user = get_user_model().objects.create_user("ada", "ada@example.com", is_active=False)
    real, tries = mails.activation, []

    def database_away_once(*args):
        tries.append(1)
        if len(tries) == 1:
            raise OperationalError("server closed the connection unexpectedly")
        return real(*args)

    monkeypatch.setattr(mails, "activation", database_away_once)
    result = send_activation_mail.apply(kwargs={"user_id": user.pk, "site_url": "http://x/"})
    assert (result.get(), len(tries), len(mailoutbox)) == ("sent", 2, 1)
