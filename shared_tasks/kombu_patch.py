"""A patch of kombu 5.7's Redis transport: a worker goes on taking tasks after an
acknowledgement fails.

It changes kombu for the whole process, so only a worker applies it, through the
consumer step :class:`FreeSlotOnFailedAck` (:mod:`shared_tasks.worker_steps` lists it).
"""

from __future__ import annotations

from celery import bootsteps
from kombu.transport import redis, virtual


class RedisQoS(redis.QoS):
    """kombu's Redis QoS, freeing a message's prefetch slot even when its ack fails.

    kombu counts a message against the prefetch limit until Redis has answered its
    ack or reject. When that call fails (a timeout while the broker hangs), the count
    never goes down. With a prefetch of one the worker never asks for another message,
    and kombu only logs "Couldn't ack". This class frees the slot. The message stays in
    Redis's unacked index and comes back after the visibility timeout, as a dead
    worker's would.
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
    """A consumer step that makes :class:`RedisQoS` the QoS of every Redis channel of the
    process, before the worker connects."""

    def __init__(self, consumer, **kwargs):
        super().__init__(consumer, **kwargs)
        redis.Channel.QoS = RedisQoS
