"""The Django demo's tasks through a real worker, on each broker.

The worker is Celery's test worker (solo pool, in a thread of this process),
consuming from the embedded Redis, a Redis server and a RabbitMQ server in turn;
results go to django-celery-results as in the demo.
"""

import re
from datetime import timedelta
from unittest import mock

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone
from django_celery_results.models import TaskResult

from devstack.mailsink import serve
from django_demo.celery import app as celery_app
from django_demo.djangobin.models import OutboxMessage, Snippet
from shared_tasks.mail import send_feedback_mail
from shared_tasks.outbox import RELAY_AFTER_SECONDS, relay_outbox
from shared_tasks.snippets import delete_expired_snippets
from tests.cases import CONTACT, SIGN_UP
from tests.support.brokers import use_broker
from tests.support.processes import wait_for
from tests.support.servers import free_port, unreachable

pytestmark = [pytest.mark.broker, pytest.mark.django_db(transaction=True)]


SIGNUP = SIGN_UP["django"]


def test_sign_up_to_activation_through_the_worker(worker, client, mailoutbox):
    response = client.post("/signup/", SIGNUP)
    assert response.status_code == 200

    def activation_mail_arrived():
        """the activation mail"""
        return mailoutbox[0] if mailoutbox else None

    mail = wait_for(activation_mail_arrived)
    link = re.search(r"http://testserver(/activate/\S+/)", mail.body).group(1)
    assert client.get(link).status_code == 302
    assert get_user_model().objects.get(username="ada").is_active


def test_contact_through_the_worker_reaches_the_admins(worker, client, mailoutbox, settings):
    settings.ADMINS = [("Admin", "admin@example.com")]
    client.post(
        "/contact/",
        {
            "name": "G",
            "email": "g@example.com",
            "purpose": "feedback",
            "subject": "Hello",
            "message": "Nice site",
        },
    )

    def feedback_arrived():
        """the feedback mail"""
        return mailoutbox

    (mail,) = wait_for(feedback_arrived)
    assert mail.to == ["admin@example.com"]


def test_sweep_through_the_worker_with_extended_result(worker):
    now = timezone.now()
    Snippet.objects.create(code="old", expiration="1w")
    Snippet.objects.create(code="new", expiration="1w")
    Snippet.objects.filter(code="old").update(expires_at=now - timedelta(days=1))

    result = delete_expired_snippets.delay(batch_size=500)
    assert result.get(timeout=15) == 1
    assert list(Snippet.objects.values_list("code", flat=True)) == ["new"]

    stored = TaskResult.objects.get(task_id=result.id)
    assert stored.status == "SUCCESS"
    assert stored.task_name == "shared_tasks.snippets.delete_expired_snippets"
    assert "'batch_size': 500" in stored.task_kwargs
    assert stored.worker  # the extended result names the worker


def test_sign_up_while_the_broker_is_down_mails_once_it_is_back(
    worker, broker_url, client, mailoutbox
):
    use_broker(celery_app, unreachable(broker_url))
    try:
        response = client.post("/signup/", SIGNUP)
        contact = client.post("/contact/", CONTACT)
    finally:
        use_broker(celery_app, broker_url)
    # Sign-up answered as usual and kept its message; the contact form asks the
    # visitor to send again (no 500, and nothing half-sent).
    assert response.status_code == 200 and b"Check your mail" in response.content
    assert contact.status_code == 200 and b"could not be sent just now" in contact.content
    user = get_user_model().objects.get(username="ada")
    assert list(OutboxMessage.objects.values_list("task", flat=True)) == [
        "shared_tasks.mail.send_activation_mail"
    ]
    assert mailoutbox == []

    # The broker is back; beat's next relay run finds the messages old enough.
    OutboxMessage.objects.update(
        created_at=timezone.now() - timedelta(seconds=RELAY_AFTER_SECONDS + 1)
    )
    assert relay_outbox.delay().get(timeout=15) == 1

    def the_mail():
        """the activation mail"""
        return len(mailoutbox) == 1

    wait_for(the_mail)
    assert mailoutbox[0].to == ["ada@example.com"]
    assert not OutboxMessage.objects.exists()
    assert relay_outbox.delay().get(timeout=15) == 0  # nothing sent twice
    assert not user.is_active


@pytest.fixture
def smtp_down(settings):
    """Mail over real SMTP to a port where nothing listens (yet)."""
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", free_port()
    return settings


def test_smtp_back_before_the_last_retry_the_mail_goes(worker, smtp_down, tmp_path):
    result = send_feedback_mail.delay(**CONTACT)

    def retrying():
        """the task in state RETRY"""
        return TaskResult.objects.filter(task_id=result.id, status="RETRY").exists()

    wait_for(retrying)
    sink = serve("127.0.0.1", smtp_down.EMAIL_PORT, tmp_path)
    try:
        assert result.get(timeout=30) == "sent"  # backoff: the first retry within 5 s
    finally:
        sink.stop()
    assert len(list(tmp_path.glob("*.eml"))) == 1


def test_smtp_down_past_the_last_retry_the_failure_shows_in_the_admin(
    worker, smtp_down, admin_client
):
    with mock.patch.object(send_feedback_mail, "max_retries", 1):
        result = send_feedback_mail.delay(**CONTACT)
        with pytest.raises(ConnectionRefusedError):
            result.get(timeout=30)
    stored = TaskResult.objects.get(task_id=result.id)
    assert stored.status == "FAILURE" and "ConnectionRefusedError" in stored.result
    page = admin_client.get(f"/admin/django_celery_results/taskresult/{stored.pk}/change/")
    assert b"ConnectionRefusedError" in page.content and b"FAILURE" in page.content
