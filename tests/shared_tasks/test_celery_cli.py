"""Celery's own command line against both demos, as the docs show it.

``celery -A django_demo call …`` used to fail with AppRegistryNotReady: the
django-db result backend imports Django models, and Celery's commands other
than ``worker`` never set Django up (django-celery-results#439).
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request

import pytest

from dev_defaults import ROOT
from devstack.broker import EmbeddedRedis
from tests.support.processes import demo_environ, running, wait_for
from tests.support.servers import free_port

APPS = {"django": "django_demo", "flask": "flask_demo.make_celery"}
PREPARE = {
    "django": [sys.executable, "manage.py", "migrate", "--noinput", "-v", "0"],
    "flask": [sys.executable, "-m", "flask", "--app", "flask_demo", "init-db"],
}
SWEEP = "shared_tasks.snippets.delete_expired_snippets"


@pytest.fixture(params=list(APPS), scope="module")
def demo(request, tmp_path_factory):
    """A demo's worker (``celery -A APP worker``) on its own embedded broker and var/."""
    name = request.param
    var = tmp_path_factory.mktemp(f"{name}-cli")
    with EmbeddedRedis(var / "broker") as broker:
        env = demo_environ()
        env |= {"DEMO_VAR_DIR": str(var), "CELERY_BROKER_URL": broker.url}
        subprocess.run(PREPARE[name], env=env, cwd=ROOT, check=True)
        worker = [*celery(name), "worker", "-P", "solo", f"--hostname=cli-{name}@%h"]
        with running(worker, env):
            yield name, env


def celery(name: str) -> list[str]:
    return [sys.executable, "-m", "celery", "-A", APPS[name]]


def call(demo, *args: str) -> subprocess.CompletedProcess:
    name, env = demo
    return subprocess.run(
        [*celery(name), *args], env=env, cwd=ROOT, capture_output=True, text=True, timeout=60
    )


def run(demo, *args: str) -> str:
    result = call(demo, *args)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Traceback" not in result.stderr, result.stderr
    return result.stdout


def test_status_inspect_call_result_and_purge(demo):
    wait_for(lambda: "1 node online" in call(demo, "status").stdout, timeout=60)
    assert "pong" in run(demo, "inspect", "ping")
    task_id = run(demo, "call", SWEEP).strip()
    assert re.fullmatch(r"[0-9a-f-]{36}", task_id)
    assert wait_for(lambda: run(demo, "result", task_id).strip() == "0", timeout=30)
    purged = run(demo, "purge", "-f")
    assert "Purged" in purged or "No messages purged" in purged


def runs_until(demo, args: list[str], ready: str, seconds: float = 60) -> str:
    """Start a long-running command, wait for a line containing ``ready``, stop it."""
    name, env = demo
    process = subprocess.Popen(
        [*celery(name), *args],
        env=env,
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    lines: list[str] = []
    reader = threading.Thread(target=lambda: lines.extend(process.stdout), daemon=True)
    reader.start()
    deadline = time.monotonic() + seconds
    try:
        while not any(ready in line for line in lines):
            assert time.monotonic() < deadline, f"no {ready!r} in:\n{''.join(lines)}"
            time.sleep(0.1)
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(30)
        reader.join(5)
    output = "".join(lines)
    assert "Traceback" not in output, output
    return output


def test_events_and_beat_start(demo, tmp_path):
    runs_until(demo, ["events", "--dump"], "-> evdump: starting capture")
    schedule = ["--schedule", str(tmp_path / "schedule")] if demo[0] == "flask" else []
    # Stopped only once its scheduler is set up: Celery's beat, stopped while it is still
    # importing the result backend, re-enters that import and dies with a traceback.
    runs_until(demo, ["beat", "--loglevel=DEBUG", *schedule], "beat: Ticking with max interval")


def test_flower_starts_and_asks_for_credentials(demo):
    port = free_port()
    name, env = demo
    flower = [*celery(name), "flower", "--address=127.0.0.1", f"--port={port}"]

    def refuses_without_credentials():
        """Flower answering 401"""
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=2)
        except urllib.error.HTTPError as error:
            return error.code == 401
        except OSError:
            return False
        return False

    with running(flower, env | {"FLOWER_BASIC_AUTH": "user:pass"}):
        wait_for(refuses_without_credentials, timeout=30)
