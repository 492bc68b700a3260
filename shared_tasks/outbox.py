"""The outbox: task messages that survive a broker outage.

Signing up changes two stores, the database (the new user) and the broker (the
activation mail's task message), and no transaction spans both. So the view writes
the task message into an outbox table in the same transaction as the user, and sends
it after the commit. If the broker is down, the row stays and the page still answers.
Beat runs :func:`relay_outbox` every minute, and the relay sends the row once the
broker is back.

A row is deleted only after the broker took its message. A crash between the two
sends the message again, and the mail tasks allow that.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from uuid import uuid4

from amqp.exceptions import MessageNacked
from celery import Celery, Task, shared_task
from celery.exceptions import SoftTimeLimitExceeded
from kombu.exceptions import OperationalError

logger = logging.getLogger(__name__)

#: The relay leaves younger rows to the view that wrote them. That view sends them
#: right after its commit, and a relay racing it would send them twice.
RELAY_AFTER_SECONDS = 30

#: Rows per relay run: a long outage drains over several runs, none of them long.
RELAY_BATCH = 500

#: How long a send waits for RabbitMQ's confirm. A broker that took the message and
#: never answers (a memory alarm) must not hold the request.
CONFIRM_SECONDS = 5


@dataclass(frozen=True)
class TaskMessage:
    """A task message as an outbox row holds it; ``id`` becomes the task id."""

    task: str
    kwargs: dict
    id: str = field(default_factory=lambda: str(uuid4()))


def write(task: Task, **kwargs) -> Callable[[], bool]:
    """Write a message for ``task`` into the outbox, in the caller's transaction.

    Returns the function that sends it. Call it once that transaction has committed
    (Django: ``transaction.on_commit``), so that a worker that takes the task at once
    finds the user the task names.
    """
    app = task.app  # bound now: another app may be current by the time the commit runs
    message = TaskMessage(task.name, kwargs)
    # task.outbox is the app's table: OutboxMessage in django_demo/djangobin/models.py
    # or flask_demo/models.py.
    task.outbox.add(message)
    return partial(send, app, message)


def send(app: Celery, message: TaskMessage) -> bool:
    """Send a committed message and delete its row; False if the broker did not take it.

    With publisher confirms on (the demos' ``confirm_publish``), RabbitMQ answers each
    message, and a refusal raises MessageNacked here. Without confirms it would drop
    the message silently, after the row was deleted. An answer that does not come
    within CONFIRM_SECONDS counts as a refusal. The row then stays, and the message
    may go twice.
    """
    task = app.tasks[message.task]
    try:
        # The task's apply_async, not send_task: a task class may add to the message.
        task.apply_async(kwargs=message.kwargs, task_id=message.id, confirm_timeout=CONFIRM_SECONDS)
    except (OperationalError, MessageNacked, TimeoutError) as error:
        logger.warning("broker did not take %s; it stays in the outbox: %r", message.id, error)
        return False
    task.outbox.remove(message)
    return True


# Beat sends one every minute. A relay stops at its soft limit, within that minute,
# and the next one goes on. Two relays may still overlap (one waited in the queue);
# a message they both send goes twice, which the mail tasks allow.
@shared_task(bind=True, soft_time_limit=45, time_limit=55)
def relay_outbox(self) -> int:
    """Send what views could not send (the broker was down); return how many went out."""
    sent = 0
    try:
        for message in self.outbox.waiting(RELAY_AFTER_SECONDS, RELAY_BATCH):
            if not send(self.app, message):
                break
            sent += 1
    except SoftTimeLimitExceeded:
        logger.warning("Relay stopped at its time limit after %d messages.", sent)
    return sent
