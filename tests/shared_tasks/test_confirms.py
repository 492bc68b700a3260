"""On RabbitMQ the outbox keeps a row until the broker has confirmed its message.

A queue that takes nothing (``x-max-length`` 0, ``reject-publish``) makes RabbitMQ
refuse every publish to it. Without publisher confirms the refusal never reaches
the sender, who would delete the row of a message that was dropped.
"""

import uuid

import pytest
from celery import Celery
from kombu import Queue

from flask_demo.config import Config
from shared_tasks.framework import Message
from shared_tasks.outbox import deliver, publish
from tests.support import REAL_BROKERS, require


@pytest.fixture
def refusing_app():
    """A Celery app with the demos' settings, routing everything to a queue that refuses."""
    require("rabbitmq", REAL_BROKERS["rabbitmq"])
    name = f"refuses-{uuid.uuid4().hex}"
    refuses = Queue(
        name,
        routing_key=name,
        # RabbitMQ deletes it a minute after its last use.
        queue_arguments={"x-max-length": 0, "x-overflow": "reject-publish", "x-expires": 60_000},
    )
    app = Celery("refusing", set_as_current=False)
    app.conf.update(
        Config.CELERY,
        broker_url=REAL_BROKERS["rabbitmq"],
        task_queues=[refuses],
        task_routes={"*": {"queue": name}},
    )

    @app.task(name="probe", shared=False)
    def probe():
        """Never runs: nothing consumes the queue."""

    yield app
    app.close()


def test_a_refused_message_is_not_published_and_its_row_stays(refusing_app):
    message = Message("probe", {})
    assert publish(refusing_app, message) is False
    # deliver() would remove the row (on the task's outbox) only after a publish.
    assert deliver(refusing_app, message) is False


def test_without_confirms_the_refusal_goes_unseen(refusing_app):
    options = refusing_app.conf.broker_transport_options
    refusing_app.conf.broker_transport_options = {**options, "confirm_publish": False}
    assert publish(refusing_app, Message("probe", {})) is True  # and the message is gone
