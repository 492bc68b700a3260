"""A bare Celery app with one no-op task, for measuring the broker alone."""

import os

from celery import Celery


def make_app(broker_url: str) -> Celery:
    app = Celery("bench", broker=broker_url, backend="rpc://", set_as_current=False)
    app.conf.update(
        accept_content=["json"],
        task_serializer="json",
        result_serializer="json",
        broker_connection_retry_on_startup=True,
    )

    @app.task(name="noop", shared=False)
    def noop():
        return None

    return app


# The worker's app: ``celery -A bench.noop_app worker`` with CELERY_BROKER_URL set.
app = make_app(os.environ["CELERY_BROKER_URL"]) if "CELERY_BROKER_URL" in os.environ else None
