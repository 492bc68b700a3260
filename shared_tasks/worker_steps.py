"""The consumer steps both apps add to their workers, in one line:
``app.steps["consumer"].update(CONSUMER_STEPS)``.

Each mends a failure of Celery 5.7 or kombu 5.7 in the worker.
"""

from __future__ import annotations

from celery import bootsteps
from celery.exceptions import InvalidTaskError

from shared_tasks.kombu_patch import FreeSlotOnFailedAck


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
    """Refuse a malformed task message instead of stopping the worker (celery/celery#7975).

    It checks each body before Celery builds a request from it, and raises
    InvalidTaskError, which Celery logs and rejects.
    """

    requires = ("celery.worker.consumer.tasks:Tasks",)

    def start(self, consumer):
        # Tasks.start rebuilds the strategies on every (re)connection; this step
        # starts after it each time, so the check is always in place.
        for name, strategy in consumer.strategies.items():
            consumer.strategies[name] = self.checked(strategy)

    @staticmethod
    def checked(strategy):
        def handle(message, body, *args, **kwargs):
            # body is None for protocol 2, whose body the strategy decodes itself;
            # decoding here first is the same work (kombu caches the payload).
            check_body(message.payload if body is None else body)
            return strategy(message, body, *args, **kwargs)

        return handle


#: What each app adds to its worker's consumer.
CONSUMER_STEPS = (RejectMalformed, FreeSlotOnFailedAck)
