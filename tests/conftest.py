"""Fixtures shared by the test suite.

Real-broker tests take the ``broker_url`` fixture, parametrized over the
embedded Redis (always there: the tests start their own), a Redis server and a
RabbitMQ server. An absent server skips with its reason, unless
``REQUIRE_SERVERS=1`` (set by ``.ci/run``) turns that skip into a failure.
"""

from __future__ import annotations

import os
from types import SimpleNamespace
from unittest import mock

import celery.contrib.testing.tasks  # noqa: F401  (registers celery.ping for start_worker)
import pytest
from celery.contrib.testing.worker import start_worker
from flask import Flask, appcontext_pushed, request_started

from devstack.broker import EmbeddedRedis
from django_demo.celery import app as celery_app
from shared_tasks.mail import send_activation_mail, send_feedback_mail
from tests.shared_tasks import crash_app
from tests.support.brokers import own_key_space, use_broker
from tests.support.servers import REAL_BROKERS, require, silent_server

#: The simulated hosts (tests/hosts/) take minutes and root: ``make test-hosts`` runs them.
collect_ignore = [] if os.environ.get("SIMULATED_HOSTS") else ["hosts"]

# Celery reads these two over any configuration: the tests pick their brokers
# themselves, so a developer's shell setting must not redirect them all.
for variable in ("CELERY_BROKER_URL", "CELERY_RESULT_BACKEND"):
    os.environ.pop(variable, None)


@pytest.fixture(scope="session")
def django_db_modify_db_settings(tmp_path_factory):
    from django.conf import settings

    database = settings.DATABASES["default"]
    if database["ENGINE"] == "django.db.backends.sqlite3":
        # A file, not SQLite's shared in-memory database: the worker thread writes
        # results while the test thread reads, and shared-cache mode locks tables.
        database["TEST"]["NAME"] = str(tmp_path_factory.mktemp("db") / "test.sqlite3")
    else:  # DATABASE_URL names a server: pytest-django makes a test_ database there
        host, port = database["HOST"] or "127.0.0.1", database["PORT"] or 5432
        require(database["ENGINE"].rsplit(".", 1)[-1], f"//{host}:{port}")


@pytest.fixture(scope="session")
def embedded_broker(tmp_path_factory):
    with EmbeddedRedis(tmp_path_factory.mktemp("broker")) as server:
        yield server


@pytest.fixture(scope="session", params=["embedded", "redis", "rabbitmq"])
def broker_url(request):
    if request.param == "embedded":
        return request.getfixturevalue("embedded_broker").url
    url = REAL_BROKERS[request.param]
    require(request.param, url)
    return url


@appcontext_pushed.connect
@request_started.connect
def flask_celery_app_is_current(sender: Flask, **extra) -> None:
    """In a Flask app's context, and in each of its requests, that app's Celery app is
    current. A process of the demo has one Flask app; the tests make many, and a test of
    one must never send through another's broker."""
    celery_app = sender.extensions.get("celery")
    if celery_app is not None:
        celery_app.set_current()


@pytest.fixture(autouse=True)
def django_celery_app_is_current():
    """Shared tasks send through Celery's *current* app, a per-thread setting that
    any earlier test may have moved (a Flask app context makes its own app current).
    Each test starts from the Django demo's; the Flask fixtures then push their own."""
    celery_app.set_current()


@pytest.fixture(autouse=True)
def crash_app_key_space(monkeypatch):
    """The crash tests' app, here and in the workers and beats a test starts, keeps its
    Redis keys under a prefix of the test's own."""
    with own_key_space(crash_app.app) as prefix:
        monkeypatch.setenv("CRASH_KEYPREFIX", prefix)
        yield


@pytest.fixture
def queued():
    """The mail tasks' ``apply_async`` mocked: what a Django view sent, as calls."""
    with (
        mock.patch.object(send_activation_mail, "apply_async") as activation,
        mock.patch.object(send_feedback_mail, "apply_async") as feedback,
    ):
        yield SimpleNamespace(activation=activation, feedback=feedback)


@pytest.fixture(scope="module")
def worker(broker_url, django_db_setup, django_db_blocker):
    """A real worker (Celery's test worker, solo pool, in a thread) on ``broker_url``.

    Module-scoped: Celery keeps worker state in module globals, so two test
    workers (the Django and the Flask one) must never run at the same time.
    """
    use_broker(celery_app, broker_url)
    # In a thread the test worker cannot service AMQP heartbeats between
    # drains, and RabbitMQ deliveries then stall for seconds; the demo's real
    # worker process keeps heartbeats on.
    celery_app.conf.broker_heartbeat = 0
    with django_db_blocker.unblock(), own_key_space(celery_app):
        celery_app.control.purge()  # nothing left over from an earlier run
        with start_worker(celery_app, pool="solo", perform_ping_check=True) as worker:
            yield worker


@pytest.fixture(params=["redis", "amqp"])
def silent_broker(request):
    """A broker that is up but silent: it takes every connection and never answers."""
    with silent_server() as port:
        yield {"redis": f"redis://127.0.0.1:{port}/0", "amqp": f"amqp://127.0.0.1:{port}//"}[
            request.param
        ]
