"""Each task goes to its queue, and a worker started with ``-Q`` takes only that queue."""

from __future__ import annotations

import json
import subprocess
import sys
from contextlib import ExitStack

import pytest
from celery import Celery

from dev_defaults import ROOT
from devstack.broker import EmbeddedRedis
from django_demo.celery import app as django_celery
from tests.support.brokers import use_broker
from tests.support.processes import demo_environ, running

pytestmark = pytest.mark.broker
CALLS = {
    "shared_tasks.mail.send_activation_mail": ({"user_id": 0, "site_url": "http://x/"}, "mail"),
    "shared_tasks.snippets.delete_expired_snippets": ({}, "maintenance"),
    "shared_tasks.outbox.relay_outbox": ({}, "maintenance"),
}


@pytest.fixture(scope="module")
def two_workers(tmp_path_factory):
    """The Django demo's workers: one on the mail queue, one on maintenance."""
    var = tmp_path_factory.mktemp("queues")
    with EmbeddedRedis(var / "broker") as broker:
        env = demo_environ()
        # Results in the broker's Redis, where this test reads which worker ran each task.
        env |= {"DEMO_VAR_DIR": str(var), "CELERY_BROKER_URL": broker.url}
        env |= {"CELERY_RESULT_BACKEND": broker.url}
        manage = [sys.executable, "manage.py"]
        subprocess.run([*manage, "migrate", "-v", "0"], env=env, cwd=ROOT, check=True)
        command = [*manage, "runworker", "--no-reload", "-P", "solo"]
        queues = ("mail", "maintenance")
        client = Celery("client", broker=broker.url, backend=broker.url, set_as_current=False)
        with ExitStack() as workers:
            for queue in queues:
                workers.enter_context(running([*command, "-Q", queue, "-n", f"{queue}@%h"], env))
            yield env, client
        client.close()


@pytest.mark.parametrize("task", list(CALLS))
def test_each_task_is_taken_by_the_worker_of_its_queue(two_workers, task):
    env, client = two_workers
    kwargs, queue = CALLS[task]
    # Sent as a user would, by Celery's own command with the demo's routes.
    sent = subprocess.run(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "django_demo",
            "call",
            task,
            "--kwargs",
            json.dumps(kwargs),
        ],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    result = client.AsyncResult(sent.stdout.strip())
    result.get(timeout=60)
    assert result.worker.split("@")[0] == queue


def counts_after(publish) -> dict[str, int]:
    """How many messages each queue holds after ``publish(channel)``, with no worker."""
    queues = {queue.name: queue for queue in django_celery.conf.task_queues}
    with django_celery.connection_for_write() as connection:
        channel = connection.default_channel
        for queue in queues.values():
            queue(channel).declare()
            queue(channel).purge()
        publish(channel)
        counts = {name: q(channel).queue_declare().message_count for name, q in queues.items()}
        for queue in queues.values():
            queue(channel).purge()
    return counts


@pytest.mark.parametrize("task", list(CALLS))
def test_a_task_reaches_its_queue_and_no_other(broker_url, task):
    use_broker(django_celery, broker_url)
    kwargs, expected = CALLS[task]
    counts = counts_after(lambda channel: django_celery.send_task(task, kwargs=kwargs))
    assert counts == {"celery": 0, "mail": 0, "maintenance": 0} | {expected: 1}


def test_a_message_published_to_a_queues_binding_reaches_that_queue_alone(broker_url):
    """As any producer but Celery publishes: to the queue's exchange, with its key."""
    use_broker(django_celery, broker_url)
    mail = django_celery.amqp.queues["mail"]  # as Celery declares it, exchange and all

    def publish(channel):
        django_celery.amqp.Producer(channel).publish(
            "{}", exchange=mail.exchange, routing_key=mail.routing_key
        )

    assert counts_after(publish) == {"celery": 0, "mail": 1, "maintenance": 0}
