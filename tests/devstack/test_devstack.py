"""The local stack: embedded broker, SMTP sink, and `make run-django` end to end."""

import base64
import json
import re
import signal
import socket
import stat
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest
import redis
from celery import Celery
from kombu import Connection

from dev_defaults import broker_url
from devstack.broker import EmbeddedRedis
from devstack.mailsink import serve
from shared_tasks.routing import TASK_QUEUES
from tests.cases import SIGN_UP
from tests.support.http import Browser, http_get, http_status
from tests.support.processes import start_stack, wait_for
from tests.support.servers import (
    REAL_BROKERS,
    TEST_POSTGRES_URL,
    free_port,
    require,
    throwaway_database,
)


def test_embedded_broker_is_private_and_stops_cleanly(tmp_path):
    with EmbeddedRedis(tmp_path / "b") as server:
        assert stat.S_IMODE((tmp_path / "b").stat().st_mode) == 0o700
        client = redis.Redis(unix_socket_path=str(server.socket))
        assert client.ping()
        assert client.config_get("port") == {"port": "0"}  # no TCP listener
        assert client.config_get("unixsocketperm") == {"unixsocketperm": "700"}
        process = server.process
    assert process.returncode == 0
    assert not server.socket.exists()


def test_embedded_broker_keeps_queued_messages_across_a_restart(tmp_path):
    with EmbeddedRedis(tmp_path / "b") as server:
        redis.Redis(unix_socket_path=str(server.socket)).lpush("queue", "task")
    with EmbeddedRedis(tmp_path / "b") as server:
        assert redis.Redis(unix_socket_path=str(server.socket)).rpop("queue") == b"task"


def test_embedded_broker_refuses_to_start_twice(tmp_path):
    with EmbeddedRedis(tmp_path / "b"):
        with pytest.raises(RuntimeError, match="already answers"):
            EmbeddedRedis(tmp_path / "b").start()


def test_mail_sink_keeps_each_message(tmp_path, capsys):
    import smtplib

    port = free_port()
    sink = serve("127.0.0.1", port, tmp_path)
    try:
        with smtplib.SMTP("127.0.0.1", port) as smtp:
            smtp.sendmail("a@x", ["b@x"], "Subject: hi\r\n\r\nthe body\r\n")
    finally:
        sink.stop()
    (saved,) = tmp_path.glob("*.eml")
    assert b"the body" in saved.read_bytes()
    assert "Subject: hi" in capsys.readouterr().out


def http_json(url, auth=None):
    status, body = http_get(url, auth)
    return json.loads(body) if status == 200 else None


#: What Flower serves without credentials: its health probe ("OK") and the
#: log-out page, which only clears a cookie. Flower 2.2 exempts /metrics too;
#: deploy/run_flower.py puts it behind the same check as the pages.
FLOWER_OPEN_ROUTES = {"/healthcheck", "/logout"}


def flower_routes_answering(flower, auth=None) -> set[str]:
    """Flower's own routes (from its URL table) that serve a GET or a POST: answer
    with anything but a refusal (401, 403, 404, 405)."""
    from flower.urls import handlers

    answering = set()
    for route in handlers:
        pattern = route.regex.pattern if hasattr(route, "regex") else route[0]
        if pattern == ".*":
            continue
        path = re.sub(r"\(\.[*+]\)", "celery@nowhere", pattern).replace("/?", "").rstrip("$")
        for data in (None, b""):
            request = urllib.request.Request(flower + path, data=data)
            if auth:
                request.add_header(
                    "Authorization", "Basic " + base64.b64encode(auth.encode()).decode()
                )
            try:
                with urllib.request.urlopen(request, timeout=10) as r:
                    status = r.status
            except urllib.error.HTTPError as e:
                status = e.code
            if status not in (401, 403, 404, 405):
                answering.add(pattern.rstrip("$"))
    return answering


def listening_addresses(port: int) -> set[str]:
    """The local addresses with a TCP socket listening on ``port`` (from /proc)."""
    addresses = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            local, state = line.split()[1], line.split()[3]
            address, port_hex = local.split(":")
            if state == "0A" and int(port_hex, 16) == port:
                packed = bytes.fromhex(address)
                if len(packed) == 4:
                    addresses.add(socket.inet_ntop(socket.AF_INET, packed[::-1]))
                else:
                    words = b"".join(packed[i : i + 4][::-1] for i in range(0, 16, 4))
                    addresses.add(socket.inet_ntop(socket.AF_INET6, words))
    return addresses


@pytest.fixture
def servers(request):
    """The environment that moves a stack to real servers, if the case asks for them:
    RabbitMQ with its queues emptied, and a throw-away PostgreSQL database."""
    if not request.param:
        yield {}
        return
    amqp = REAL_BROKERS["rabbitmq"]
    require("rabbitmq", amqp)
    require("postgresql", TEST_POSTGRES_URL)
    with Connection(amqp) as connection:
        for queue in TASK_QUEUES:
            queue(connection.default_channel).declare()
            queue(connection.default_channel).purge()
    with throwaway_database(TEST_POSTGRES_URL, "test_stack") as database:
        yield {"CELERY_BROKER_URL": amqp, "DATABASE_URL": database}


@pytest.mark.parametrize(
    ("name", "servers"),
    [("django", False), ("flask", False), ("django", True)],
    ids=["django", "flask", "django-rabbitmq-postgresql"],
    indirect=["servers"],
)
def test_run_stack_end_to_end(tmp_path, name, servers):
    """`make run-django` / `make run-flask` as a user meets them: sign up, get the mail,
    activate, Ctrl-C. And the same on RabbitMQ and PostgreSQL, as the README says."""
    var = tmp_path / "var"
    log = (tmp_path / "stack.log").open("w")
    stack = start_stack(name, var, "flower:s3cret-pass", output=log, **servers)
    base, flower = stack.web, stack.flower
    try:

        def stack_is_up():
            """web and Flower"""
            return http_status(base + "/") == 200 and http_status(flower + "/") == 401

        wait_for(stack_is_up, timeout=60, interval=0.3)
        assert flower_routes_answering(flower, auth="flower:wrong") == FLOWER_OPEN_ROUTES
        assert flower_routes_answering(flower) == FLOWER_OPEN_ROUTES
        assert listening_addresses(stack.flower_port) == {"127.0.0.1"}
        status, metrics = http_get(flower + "/metrics", auth="flower:s3cret-pass")
        assert status == 200 and b"flower_events_total" in metrics

        def worker_in_flower():
            """the worker in Flower (remote control works on the embedded broker)"""
            workers = http_json(flower + "/api/workers?refresh=1", auth="flower:s3cret-pass")
            return any(worker.startswith(f"{name}") for worker in workers or {})

        wait_for(worker_in_flower, timeout=30, interval=0.5)

        # A task that fails shows as failed in Flower, with its exception.
        broker = servers.get("CELERY_BROKER_URL") or broker_url(name, var)
        sender = Celery("probe", broker=broker, set_as_current=False)
        failing = sender.send_task(
            "shared_tasks.snippets.delete_expired_snippets", kwargs={"batch_size": "ten"}
        )

        def failure_in_flower():
            """the failed task in Flower"""
            info = http_json(flower + f"/api/task/info/{failing.id}", auth="flower:s3cret-pass")
            return info if info and info.get("state") == "FAILURE" else None

        assert "Error" in wait_for(failure_in_flower, timeout=30, interval=0.5)["exception"]
        cmdlines = subprocess.run(["ps", "-eo", "args"], capture_output=True, text=True).stdout
        assert "s3cret-pass" not in cmdlines

        browser = Browser(base)
        status, page = browser.post_form(
            "/signup/",
            SIGN_UP[name],
        )
        assert status == 200 and "Check your mail" in page

        def activation_mail():
            """the activation mail in var/mail"""
            return [p.read_text() for p in (var / "mail").glob("*.eml")]

        (mail,) = wait_for(activation_mail, timeout=30)
        link = re.search(r"http://127\.0\.0\.1:\d+(/activate/\S+/)", mail).group(1)
        assert browser.get(link)[0] == 302
        status, page = browser.get("/")
        assert "ada" in page and "Log out" in page
    finally:
        returncode = stack.interrupt()
        log.close()
    output = (tmp_path / "stack.log").read_text()
    assert returncode == 130, output[-3000:]
    assert "worker: Warm shutdown" in output
    time.sleep(0.5)
    leftovers = subprocess.run(["pgrep", "-f", str(var)], capture_output=True, text=True).stdout
    assert leftovers == "", f"processes left behind: {leftovers}"
    assert not (var / f"{name}-redis" / "redis.sock").exists()


SLOW_TO_STOP = """
import pathlib, signal, sys, time

def finish(signum, frame):
    signal.signal(signal.SIGTERM, hurry)
    time.sleep(7)  # a task that needs 7 more seconds
    pathlib.Path(sys.argv[1]).write_text("finished")
    sys.exit(0)

def hurry(signum, frame):
    pathlib.Path(sys.argv[1]).write_text("hurried")
    sys.exit(0)

signal.signal(signal.SIGTERM, finish)
print("ready", flush=True)
time.sleep(60)
"""


@pytest.mark.parametrize("presses", [1, 2])
def test_ctrl_c_lets_a_process_finish_and_again_hurries_it(tmp_path, presses):
    # honcho SIGKILLs what is left 5 s after the first process stops: after Ctrl-C,
    # `make run-django` cut off a worker finishing a task once the web server was gone.
    # And honcho ignores a second Ctrl-C, which the worker's launcher reads as "hurry".
    script, outcome = tmp_path / "slow.py", tmp_path / "outcome"
    script.write_text(SLOW_TO_STOP)
    procfile = (
        f"quick: {sys.executable} -c 'import time; time.sleep(60)'\n"
        f"slow: {sys.executable} {script} {outcome}\n"
    )
    run = f"from devstack.__main__ import run_procfile; run_procfile({procfile!r}, {{}})"
    runner = subprocess.Popen([sys.executable, "-c", run], stdout=subprocess.PIPE, text=True)
    try:
        for line in runner.stdout:
            if "ready" in line:
                break
        for _ in range(presses):
            runner.send_signal(signal.SIGINT)
            time.sleep(1)
        runner.wait(timeout=30)
    finally:
        runner.kill()
    assert outcome.read_text() == ("finished" if presses == 1 else "hurried")


def test_the_start_up_lines_and_the_worker_banner_mask_the_broker_password():
    from celery import Celery

    from devstack.__main__ import startup_message
    from launcher.worker import banner

    url = "amqp://demo:s3cret-broker-pw@broker.internal:5672//"
    env = {"WEB_PORT": "1", "FLOWER_PORT": "2", "SMTP_PORT": "3", "FLOWER_BASIC_AUTH": "a:b"}
    message = startup_message("django", env | {"CELERY_BROKER_URL": url}, None)
    shown = banner(Celery("demo", broker=url, set_as_current=False))
    for text in (message, shown):
        assert "s3cret-broker-pw" not in text and "amqp://demo:**@broker.internal:5672//" in text
