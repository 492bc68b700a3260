"""Request latency of sign-up and contact while the SMTP server takes 2 s to answer.

Ours: the view commits, puts the message on the broker and answers; a worker
sends the mail later. Baseline: the same views with the mail sent inside the
request (``task_always_eager``), as djangobin did before Celery. Both run here,
in one process, through Django's test client; the broker is the embedded one.
Run alone with ``python -m bench.mail_latency``: it sets up Django for itself.
"""

from __future__ import annotations

import asyncio
import json
import os
import statistics
import tempfile
import time
from pathlib import Path

from aiosmtpd.controller import Controller

from bench import in_child
from tests.support.servers import free_port

SMTP_DELAY = 2.0
REQUESTS = int(os.environ.get("BENCH_MAIL_REQUESTS", "5"))
HEADER = (
    "view",
    "mail through Celery, median s",
    "mail sent in the request, median s",
    "in-request / Celery",
)


class SlowServer:
    """aiosmtpd handler: accepts every message, after SMTP_DELAY seconds."""

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd's name)
        await asyncio.sleep(SMTP_DELAY)
        return "250 Message accepted for delivery"


def measure() -> dict[str, dict[str, float]]:
    """Runs in a fresh process: Django is set up here, against a temporary database."""
    import django
    from django.core.management import call_command
    from django.test import Client

    from devstack.broker import EmbeddedRedis

    tmp = Path(tempfile.mkdtemp(prefix="bench-mail-"))
    os.environ.update(
        DJANGO_SETTINGS_MODULE="django_demo.settings", DATABASE_URL=f"sqlite:///{tmp / 'db'}"
    )
    django.setup()
    call_command("migrate", verbosity=0)

    from django.conf import settings

    from django_demo.celery import app
    from tests.cases import CONTACT

    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", free_port()
    smtp = Controller(SlowServer(), hostname=settings.EMAIL_HOST, port=settings.EMAIL_PORT)
    smtp.start()
    client = Client(SERVER_NAME="127.0.0.1")
    counter = iter(range(10**6))

    def signup():
        n = next(counter)
        password = "correct-horse-battery"
        form = {"username": f"u{n}", "email": f"u{n}@example.com"}
        form |= {"password1": password, "password2": password}
        return client.post("/signup/", form)

    def contact():
        return client.post("/contact/", CONTACT)

    results = {}
    with EmbeddedRedis(tmp / "broker") as broker:
        app.conf.broker_url = broker.url
        for name, view in (("sign-up", signup), ("contact", contact)):
            results[name] = {}
            for mode, eager in (("celery", False), ("in-request", True)):
                app.conf.task_always_eager = eager
                times = []
                for _ in range(REQUESTS):
                    start = time.perf_counter()
                    response = view()
                    times.append(time.perf_counter() - start)
                    assert response.status_code in (200, 302), response.status_code
                results[name][mode] = statistics.median(times)
    smtp.stop()
    return results


def run() -> list[tuple[str, ...]]:
    results = in_child(__name__)
    return [
        (
            view,
            f"{r['celery']:.3f}",
            f"{r['in-request']:.3f}",
            f"{r['in-request'] / r['celery']:.0f}x",
        )
        for view, r in results.items()
    ]


if __name__ == "__main__":
    print(json.dumps(measure()))
