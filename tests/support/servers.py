"""The real servers the tests use (brokers, PostgreSQL) and free ports; a test whose
server is absent skips, saying why."""

from __future__ import annotations

import os
import socket
import threading
import uuid
from contextlib import contextmanager
from urllib.parse import urlsplit

import psycopg
import pytest

#: The real servers the tests and benchmarks use when they answer.
REAL_BROKERS = {
    "redis": os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15"),
    "rabbitmq": os.environ.get("TEST_AMQP_URL", "amqp://guest:guest@127.0.0.1:5672//"),
}


#: The PostgreSQL server the database tests use when it answers (``make test`` sets it).
TEST_POSTGRES_URL = os.environ.get(
    "TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/celery_in_practice"
)


#: Set by .ci/run: a test whose server is absent fails instead of skipping.
REQUIRE_SERVERS = os.environ.get("REQUIRE_SERVERS") == "1"


def require(server: str, url: str) -> None:
    """Skip, saying why, when nothing answers at ``url``; fail instead under REQUIRE_SERVERS=1."""
    if not server_answers(url):
        reason = f"no {server} server at {urlsplit(url).netloc.rsplit('@')[-1]}"
        if REQUIRE_SERVERS:
            pytest.fail(f"{reason}, and REQUIRE_SERVERS=1 forbids skipping")
        pytest.skip(reason)


@contextmanager
def throwaway_database(server_url: str, prefix: str, template: str | None = None):
    """A new PostgreSQL database on the server of ``server_url``, empty or a copy of the
    database ``template``, dropped after; yields its URL."""
    name = f"{prefix}_{uuid.uuid4().hex[:12]}"
    maintenance = urlsplit(server_url)._replace(path="/postgres").geturl()
    copy = f' TEMPLATE "{template}"' if template else ""
    with psycopg.connect(maintenance, autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{name}"{copy}')
    try:
        yield urlsplit(server_url)._replace(path=f"/{name}").geturl()
    finally:
        with psycopg.connect(maintenance, autocommit=True) as connection:
            connection.execute(f'DROP DATABASE "{name}" WITH (FORCE)')


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


#: The port a URL without one means.
DEFAULT_PORTS = {"redis": 6379, "amqp": 5672, "postgres": 5432, "postgresql": 5432}


def server_answers(url: str) -> bool:
    """Whether something accepts TCP connections at the URL's host and port."""
    parts = urlsplit(url)
    address = (parts.hostname or "127.0.0.1", parts.port or DEFAULT_PORTS.get(parts.scheme))
    try:
        with socket.create_connection(address, timeout=1):
            return True
    except OSError:
        return False


def unreachable(url: str) -> str:
    """A URL of the same transport with no server behind it: the broker seen as down."""
    parts = urlsplit(url)
    if parts.scheme == "redis+socket":
        return f"redis+socket:///nonexistent-{free_port()}/redis.sock"
    return parts._replace(netloc=f"{parts.netloc.rsplit(':', 1)[0]}:{free_port()}").geturl()


@contextmanager
def silent_server():
    """A TCP server on 127.0.0.1 that takes every connection and never answers, as a hung
    server or a half-open network path would; yields its port."""
    server = socket.create_server(("127.0.0.1", 0))
    held = []

    def accept():
        while True:
            try:
                held.append(server.accept()[0])
            except OSError:  # closed
                return

    threading.Thread(target=accept, daemon=True).start()
    try:
        yield server.getsockname()[1]
    finally:
        server.close()
        for connection in held:
            connection.close()
