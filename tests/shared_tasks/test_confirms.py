"""On RabbitMQ the outbox keeps a row until the broker has confirmed its message.

A queue that takes nothing (``x-max-length`` 0, ``reject-publish``) makes RabbitMQ
refuse every publish to it. Without publisher confirms the refusal never reaches
the sender, who would delete the row of a message that was dropped.
"""

import uuid

import pytest
from celery import Celery, Task
from kombu import Queue

from flask_demo.config import Config
from shared_tasks.outbox import TaskMessage, send
from tests.support.servers import REAL_BROKERS, require


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

    class RecordingTask(Task):
        removed: list = []  # what send() took out of the outbox

        class outbox:  # noqa: N801 (the role's name on the task class)
            @staticmethod
            def remove(message):
                RecordingTask.removed.append(message.id)

    app = Celery("refusing", task_cls=RecordingTask, set_as_current=False)
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


def removed(app) -> list:
    return app.tasks["probe"].removed


def test_a_refused_message_keeps_its_row(refusing_app):
    assert send(refusing_app, TaskMessage("probe", {})) is False
    assert removed(refusing_app) == []


def test_without_confirms_the_refusal_goes_unseen_and_the_row_is_deleted(refusing_app):
    options = refusing_app.conf.broker_transport_options
    refusing_app.conf.broker_transport_options = {**options, "confirm_publish": False}
    message = TaskMessage("probe", {})
    assert send(refusing_app, message) is True
    assert removed(refusing_app) == [message.id]  # for a message RabbitMQ dropped
