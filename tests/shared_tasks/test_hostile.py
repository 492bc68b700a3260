"""Hostile or broken messages put straight onto the queue, on each broker.

Each is refused without running anything, is logged, leaves nothing behind on
the queue, and the worker goes on to run the next good task.
"""

import json
import logging
import pickle
import uuid

import pytest
from celery.exceptions import InvalidTaskError

from django_demo.celery import app as celery_app
from shared_tasks.mail import send_feedback_mail
from shared_tasks.worker_steps import check_body
from tests.cases import CONTACT

pytestmark = [pytest.mark.broker, pytest.mark.django_db(transaction=True)]

UNPICKLED = []


def unpickled():
    """Called if anything ever unpickles a ``Trap``."""
    UNPICKLED.append(True)


class Trap:
    def __reduce__(self):
        return unpickled, ()


def headers(task=send_feedback_mail.name):
    task_id = str(uuid.uuid4())
    return {"lang": "py", "task": task, "id": task_id, "root_id": task_id, "parent_id": None}


def queue_of(task: str, app=celery_app):
    """The queue ``app`` routes ``task`` to: a bad message there comes before the good
    task the test sends after it."""
    return app.amqp.router.route({}, task)["queue"]


def put(body, content_type, task=send_feedback_mail.name, encoding="utf-8", app=celery_app):
    """Publish ``body`` as it is onto the task's queue, as any producer could."""
    queue = queue_of(task, app)
    with app.connection_for_write() as connection:
        connection.Producer().publish(
            body,
            exchange=queue.exchange,
            routing_key=queue.routing_key,
            declare=[queue],
            serializer=None,
            content_type=content_type,
            content_encoding=encoding,
            headers=headers(task),
        )


def message_count(task=send_feedback_mail.name, app=celery_app) -> int:
    queue = queue_of(task, app)
    with app.connection_for_write() as connection:
        return queue(connection.default_channel).queue_declare().message_count


VALID_BODY = json.dumps([[], CONTACT, {"callbacks": None, "errbacks": None, "chain": None}])

HOSTILE = {
    "pickle": (pickle.dumps(([Trap()], CONTACT, {})), "application/x-python-serialize", "binary"),
    "yaml": ("- []\n- {}\n- {}\n", "application/x-yaml", "utf-8"),
    "unknown-content-type": (VALID_BODY, "application/x-made-up", "utf-8"),
    "malformed-json": ('[[], {"name": ', "application/json", "utf-8"),
    "string-body": ('"just a string"', "application/json", "utf-8"),
    "null-body": ("null", "application/json", "utf-8"),
    "number-body": ("5", "application/json", "utf-8"),
    "two-item-body": ("[[], {}]", "application/json", "utf-8"),
    "kwargs-not-a-dict": ('[[], "x", {}]', "application/json", "utf-8"),
    "protocol-1-dict": ('{"args": 5, "kwargs": 6}', "application/json", "utf-8"),
    "not-utf8": (b"\xff\xfe[[], {}, {}]", "application/json", "utf-8"),
}


@pytest.mark.parametrize("case", HOSTILE)
def test_refused_content_never_runs_and_the_worker_goes_on(worker, case, mailoutbox, caplog):
    body, content_type, encoding = HOSTILE[case]
    put(body, content_type, encoding=encoding)
    with caplog.at_level(logging.WARNING):
        assert send_feedback_mail.delay(**CONTACT).get(timeout=15) == "sent"
    assert len(mailoutbox) == 1  # only the good task's mail
    assert UNPICKLED == []
    assert message_count() == 0
    assert "Received invalid task message" in caplog.text or "Can't decode message" in caplog.text


def test_unknown_task_is_rejected_and_logged(worker, mailoutbox, caplog):
    # Unknown, so routed nowhere: put on the mail queue by hand, before a good task.
    put(VALID_BODY, "application/json", task="shared_tasks.mail.no_such_task")
    with caplog.at_level(logging.WARNING):
        assert send_feedback_mail.delay(**CONTACT).get(timeout=15) == "sent"
    assert "no_such_task" in caplog.text
    assert len(mailoutbox) == 1
    assert message_count() == 0


@pytest.mark.parametrize(
    "body",
    [[[], {}, {}], ([1], {"a": 1}, None), [[], {}, {"callbacks": None, "chain": None}]],
)
def test_well_formed_bodies_pass_the_check(body):
    check_body(body)


@pytest.mark.parametrize(
    "body", ["x", None, 5, [[], {}], [[], "x", {}], {"args": []}, [{}, {}, {}]]
)
def test_malformed_bodies_are_invalid_tasks(body):
    with pytest.raises(InvalidTaskError, match="not \\[args, kwargs, embed\\]"):
        check_body(body)
