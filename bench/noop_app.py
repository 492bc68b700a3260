"""A bare Celery app with one no-op task, for measuring the broker and the settings alone."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager

from celery import Celery

from dev_defaults import ROOT

#: The worker's settings, as JSON, over ``make_app``'s (``bench/throughput.py`` sets it).
SETTINGS_VARIABLE = "BENCH_CELERY_SETTINGS"


def make_app(broker_url: str, **settings) -> Celery:
    if settings.get("result_backend") == "django-db":
        # The django-db backend stores results through Django's models.
        import django

        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "django_demo.settings")
        django.setup()
    app = Celery("bench", broker=broker_url, set_as_current=False)
    app.conf.update(
        result_backend="rpc://",
        accept_content=["json"],
        task_serializer="json",
        result_serializer="json",
        broker_connection_retry_on_startup=True,
    )
    app.conf.update(settings)

    @app.task(name="noop", shared=False)
    def noop():
        return None

    return app


@contextmanager
def noop_worker(
    broker_url: str, *options: str, settings: dict | None = None, env: dict | None = None
) -> Iterator[subprocess.Popen]:
    """``celery -A bench.noop_app worker`` with ``options`` and ``settings``, quiet, stopped
    after; ``env`` adds to its environment."""
    env = dict(os.environ, **(env or {}), CELERY_BROKER_URL=broker_url)
    env[SETTINGS_VARIABLE] = json.dumps(settings or {})
    worker = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "bench.noop_app", "worker", "--loglevel=WARNING"]
        + list(options),
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        yield worker
    finally:
        worker.terminate()
        worker.wait(30)


# The worker's app: ``celery -A bench.noop_app worker`` with CELERY_BROKER_URL set.
app = (
    make_app(os.environ["CELERY_BROKER_URL"], **json.loads(os.environ.get(SETTINGS_VARIABLE, "{}")))
    if "CELERY_BROKER_URL" in os.environ
    else None
)
