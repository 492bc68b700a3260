"""Worker steps that mend two failures of Celery 5.7 and kombu 5.7 in the worker.

Both apps add them where they define their Celery app.

:class:`RejectMalformed`: a malformed task message is refused, not fatal. Celery
5.7 checks a message's content type and decodes its body, but not the body's
shape. A JSON body that is not ``[args, kwargs, embed]`` (a string, a list of
two, ``null``) raises inside the worker's consumer, and Celery treats that as an
unrecoverable error: the worker shuts down, the message goes back to the queue,
and the next worker that takes it shuts down too (celery/celery#7975).

:class:`FreeSlotOnFailedAck`: after an acknowledgement on Redis fails, the worker
goes on taking tasks.
"""

from __future__ import annotations

from celery import bootsteps
from celery.exceptions import InvalidTaskError
from kombu.transport import redis, virtual


class MessageGate(bootsteps.StartStopStep):
    """A consumer step that sees each task message before Celery builds a request from it.

    Subclasses say in :meth:`admit` whether the message goes on to its task.
    """

    requires = ("celery.worker.consumer.tasks:Tasks",)

    def start(self, consumer):
        # Tasks.start rebuilds the strategies on every (re)connection; this step
        # starts after it each time, so the gate is always in place.
        for name, strategy in consumer.strategies.items():
            consumer.strategies[name] = self.gated(strategy, consumer)

    def gated(self, strategy, consumer):
        def handle(message, body, *args, **kwargs):
            if self.admit(consumer, message, body):
                return strategy(message, body, *args, **kwargs)
            return None

        return handle

    def admit(self, consumer, message, body) -> bool:
        raise NotImplementedError


def check_body(body) -> None:
    """Raise InvalidTaskError unless ``body`` is protocol 2's ``[args, kwargs, embed]``."""
    if not (
        isinstance(body, (list, tuple))
        and len(body) == 3
        and isinstance(body[0], (list, tuple))
        and isinstance(body[1], dict)
        and isinstance(body[2], (dict, type(None)))
    ):
        raise InvalidTaskError(f"task body is not [args, kwargs, embed]: {body!r:.200}")


class RejectMalformed(MessageGate):
    """Check each task message's body; InvalidTaskError is what Celery's consumer
    already handles for a message it cannot use: it logs it and rejects it
    without requeueing."""

    def admit(self, consumer, message, body) -> bool:
        # body is None for protocol 2, whose body the strategy decodes itself;
        # decoding here first is the same work (kombu caches the payload).
        check_body(message.payload if body is None else body)
        return True


class RedisQoS(redis.QoS):
    """kombu's Redis QoS, freeing a message's prefetch slot even when its ack fails.

    kombu counts a message against the prefetch limit until Redis has answered
    its ack (or reject). When that call fails, a timeout while the broker hangs,
    the count never goes down: with a prefetch of one the worker never asks for
    another message, and kombu only logs "Couldn't ack". Freed here, the message
    stays in Redis's unacked index, and comes back after the visibility timeout,
    as a dead worker's would.
    """

    def ack(self, delivery_tag):
        try:
            super().ack(delivery_tag)
        except Exception:
            virtual.QoS.ack(self, delivery_tag)  # the slot only; the error goes on to kombu
            raise

    def reject(self, delivery_tag, requeue=False):
        try:
            super().reject(delivery_tag, requeue=requeue)
        except Exception:
            virtual.QoS.ack(self, delivery_tag)
            raise


class FreeSlotOnFailedAck(bootsteps.Step):
    """A consumer step that makes :class:`RedisQoS` the QoS of every Redis channel of
    the process, before the worker connects: a patch of kombu, made only in workers,
    since only a worker acknowledges."""

    def __init__(self, consumer, **kwargs):
        super().__init__(consumer, **kwargs)
        redis.Channel.QoS = RedisQoS
