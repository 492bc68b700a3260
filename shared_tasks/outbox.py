"""The outbox: task messages that survive a broker outage.

Signing up changes two stores, the database (the new user) and the broker (the
activation mail's task), and no transaction spans both. So a view writes the
message into an outbox table in the same transaction as the user, and sends it
after the commit. If the broker is down the row stays, the page still answers,
and :func:`relay_outbox`, run by beat every minute, sends it once the broker is
back. A message is deleted only after the broker took it (on RabbitMQ: after it
confirmed it, see ``publish``): delivery is at least once (a crash between the
two sends it again), which the mail tasks tolerate.

The table is the app's: each task class has an ``outbox`` (see
:mod:`shared_tasks.framework`), a Django model's manager or a Flask model.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from functools import partial

from amqp.exceptions import MessageNacked
from celery import Celery, Task, shared_task
from celery.exceptions import SoftTimeLimitExceeded
from kombu.exceptions import OperationalError

from shared_tasks.framework import Message

logger = logging.getLogger(__name__)

#: The relay leaves younger messages to the view that wrote them: that view is
#: sending them right after its commit, and a relay racing it would send twice.
RELAY_AFTER_SECONDS = 30

#: Messages per relay run: a long outage drains over several runs, none of them long.
RELAY_BATCH = 500

#: How long a publish waits for RabbitMQ's confirm: without a limit, a broker that
#: took the message and never answers (a memory alarm) would hold the request.
CONFIRM_SECONDS = 5


def stage(task: Task, **kwargs) -> Callable[[], bool]:
    """Write a message for ``task`` into the outbox, in the caller's transaction.

    Returns the function that sends it: call it once that transaction has
    committed (Django: ``transaction.on_commit``), so that a worker taking the
    task at once finds the rows it is about.
    """
    app = task.app  # bound now: another app may be current by the time the commit runs
    message = Message(task.name, kwargs)
    task.outbox.add(message)
    return partial(deliver, app, message)


def publish(app: Celery, message: Message) -> bool:
    """Hand ``message`` to the broker; False if it cannot be reached or refuses it.

    With publisher confirms on (the demos' ``confirm_publish``), RabbitMQ answers
    each publish, and a refusal raises MessageNacked here; without them it would
    drop the message silently, after the row was deleted. An answer that does not
    come within CONFIRM_SECONDS counts as a refusal: the row stays, and the
    message may then be sent twice, which the tasks tolerate.
    """
    try:
        # The registered task's apply_async, not send_task: a task class may add
        # to the message (the Flask demo's request snapshot does).
        app.tasks[message.task].apply_async(
            kwargs=message.kwargs, task_id=message.id, confirm_timeout=CONFIRM_SECONDS
        )
    except (OperationalError, MessageNacked, TimeoutError) as error:
        logger.warning("broker did not take %s; it stays in the outbox: %r", message.id, error)
        return False
    return True


def deliver(app: Celery, message: Message) -> bool:
    """Publish a committed message and drop its row, or leave it for the relay."""
    if not publish(app, message):
        return False
    app.tasks[message.task].outbox.remove(message)
    return True


# Beat sends one every minute: a relay stops at its soft limit, within that minute,
# and the next one goes on. Two may still overlap (a relay that waited in the queue);
# delivery is at least once, so a message they both send goes twice, harmlessly.
@shared_task(bind=True, soft_time_limit=45, time_limit=55)
def relay_outbox(self) -> int:
    """Send what views could not send (the broker was down); return how many went out."""
    sent = 0
    try:
        # self.outbox is the app's outbox table: OutboxMessage in
        # django_demo/djangobin/models.py or flask_demo/models.py.
        for message in self.outbox.waiting(RELAY_AFTER_SECONDS, RELAY_BATCH):
            if not deliver(self.app, message):
                break
            sent += 1
    except SoftTimeLimitExceeded:
        logger.warning("Relay stopped at its time limit after %d messages.", sent)
    return sent
