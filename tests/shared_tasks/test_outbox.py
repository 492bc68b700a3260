"""The outbox when the broker really goes away and comes back (the embedded one).

The broker-matrix tests (test_worker.py, flask/test_worker.py) see the broker as
down by an address with nothing behind it. Here the server itself stops under a
connection the web process already holds, as when Redis restarts.
"""

import json
from datetime import timedelta

import pytest
import redis
from django.utils import timezone

from devstack.broker import EmbeddedRedis
from django_demo.celery import app as celery_app
from django_demo.djangobin.models import OutboxMessage
from shared_tasks.outbox import RELAY_AFTER_SECONDS, relay_outbox
from tests.cases import CONTACT, SIGN_UP
from tests.support.brokers import use_broker

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def broker(tmp_path, broker_url):
    with EmbeddedRedis(tmp_path / "broker") as server:
        use_broker(celery_app, server.url)
        yield server
    use_broker(celery_app, broker_url)


def queued_tasks(server) -> list[str]:
    bodies = redis.Redis(unix_socket_path=str(server.socket)).lrange("mail", 0, -1)
    return sorted(json.loads(body)["headers"]["task"] for body in bodies)


@pytest.mark.parametrize("broker_url", ["embedded"], indirect=True)
def test_a_broker_restart_under_a_pooled_connection_loses_nothing(broker, client):
    assert client.post("/contact/", CONTACT).status_code == 302  # the pool is warm now
    broker.stop()
    response = client.post("/signup/", SIGN_UP["django"])
    assert response.status_code == 200
    (pending,) = OutboxMessage.objects.all()

    broker.start()  # its append-only file kept the contact message
    assert queued_tasks(broker) == ["shared_tasks.mail.send_feedback_mail"]
    assert relay_outbox.apply().get() == 0  # too young: the view may still be sending it
    pending.created_at = timezone.now() - timedelta(seconds=RELAY_AFTER_SECONDS + 1)
    pending.save()
    assert relay_outbox.apply().get() == 1
    assert queued_tasks(broker) == [
        "shared_tasks.mail.send_activation_mail",
        "shared_tasks.mail.send_feedback_mail",
    ]
    assert not OutboxMessage.objects.exists()
