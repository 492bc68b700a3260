"""A worker step both apps install: a malformed task message is refused, not fatal.

Celery 5.7 checks a message's content type and decodes its body, but not the
body's shape. A JSON body that is not ``[args, kwargs, embed]`` (a string, a
list of two, ``null``) raises inside the worker's consumer, and Celery treats
that as an unrecoverable error: the worker shuts down, the message goes back to
the queue, and the next worker that takes it shuts down too (celery/celery#7975).
"""

from __future__ import annotations

from celery import Celery, bootsteps
from celery.exceptions import InvalidTaskError


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


class RejectMalformed(bootsteps.StartStopStep):
    """Check each task message's body before Celery builds a request from it.

    InvalidTaskError is what Celery's consumer already handles for a message it
    cannot use: it logs the message and rejects it without requeueing.
    """

    requires = ("celery.worker.consumer.tasks:Tasks",)

    def start(self, consumer):
        # Tasks.start rebuilds the strategies on every (re)connection; this step
        # starts after it each time, so the check is always in place.
        for name, strategy in consumer.strategies.items():
            consumer.strategies[name] = checked(strategy)


def checked(strategy):
    def handle(message, body, *args, **kwargs):
        # body is None for protocol 2, whose body the strategy decodes itself;
        # decoding here first is the same work (kombu caches the payload).
        check_body(message.payload if body is None else body)
        return strategy(message, body, *args, **kwargs)

    return handle


def install(app: Celery) -> None:
    """Add the steps to ``app``'s workers (call where the app is defined)."""
    app.steps["consumer"].add(RejectMalformed)
