"""A broker that is up but silent must not hang a sign-up (Django).

Before the demos set Redis's socket timeouts, such a request waited for good on
Redis; AMQP gives up by itself after its 4 s connection timeout.
"""

import pytest

from django_demo.celery import app as celery_app
from django_demo.djangobin.models import OutboxMessage
from tests.cases import SIGN_UP
from tests.support.brokers import use_broker
from tests.support.processes import answer_within


@pytest.mark.django_db(transaction=True)
def test_sign_up_answers_and_keeps_its_message_for_the_relay(silent_broker, client):
    previous = celery_app.conf.broker_url
    use_broker(celery_app, silent_broker)
    try:
        response = answer_within(lambda: client.post("/signup/", SIGN_UP["django"]))
    finally:
        use_broker(celery_app, previous)
    assert response.status_code == 200 and b"Check your mail" in response.content
    assert list(OutboxMessage.objects.values_list("task", flat=True)) == [
        "shared_tasks.mail.send_activation_mail"
    ]
