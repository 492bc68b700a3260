"""Run a worker launcher on a temporary copy of the project, edit a task, watch what runs.

Shared by the launcher tests (``tests/launcher/test_launchers.py``) and the reload benchmark
(``bench/reload.py``), so what is measured is what is tested. Edits go to a copy,
never to the checkout.
"""

from __future__ import annotations

import gc
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from pathlib import Path
from typing import NamedTuple

from celery import Celery
from celery.exceptions import TimeoutError as CeleryTimeoutError

from dev_defaults import ROOT
from tests.support.processes import demo_environ

PY = sys.executable
COPIED = (
    "django_demo",
    "flask_demo",
    "shared_tasks",
    "examples",
    "launcher",
    "devstack",
    "static",
    "manage.py",
    "dev_defaults.py",
)
#: A real task module of both apps; the probe task is appended to it.
TASK_MODULE = Path("shared_tasks/snippets.py")

PROBE = '''

@shared_task(name="probe")
def probe(n, seconds=0.0):
    """Appended by tests/launcher/harness.py: its answer says which version of the code ran."""
    import os
    import time

    time.sleep(seconds)
    with open(os.environ["PROBE_LOG"], "a") as log:
        log.write(f"{{n}} {version} {{os.getpid()}}\\n")
    return {version}
'''


def launcher_command(kind: str, pool: str, *options: str) -> list[str]:
    """The command line of each launcher, as a user would type it."""
    if kind == "django":
        return [PY, "manage.py", "runworker", "-P", pool, *options]
    if kind == "flask":
        return [PY, "-m", "flask", "--app", "flask_demo", "worker", "-P", pool, *options]
    if kind == "watchfiles":
        # cookiecutter-django's compose/local/django/celery/worker/start
        args = f"-A django_demo worker -l INFO -P {pool} {' '.join(options)}".strip()
        watchfiles = str(Path(PY).with_name("watchfiles"))
        return [watchfiles, "--filter", "python", "celery.__main__.main", "--args", args]
    raise ValueError(kind)


class ProjectCopy:
    """The project's code in a temporary folder, with a probe task to edit."""

    def __init__(self, root: Path):
        self.root = root
        root.mkdir(parents=True, exist_ok=True)
        for name in COPIED:
            source = ROOT / name
            if source.is_dir():
                shutil.copytree(source, root / name, ignore=shutil.ignore_patterns("__pycache__"))
            else:
                shutil.copy2(source, root / name)
        (root / "var").mkdir()
        self.module = root / TASK_MODULE
        self.original = self.module.read_text()
        self.log = root / "probe.log"
        self.log.touch()
        self.write_probe(1)

    def write_probe(self, version: int) -> float:
        """Save the task module with the probe answering ``version``; when it was saved."""
        text = self.original + PROBE.format(version=version)
        saved = time.monotonic()
        self.module.write_text(text)
        return saved

    def break_syntax(self) -> None:
        self.module.write_text(self.original + "\n\ndef broken(:\n")

    def executions(self) -> list[tuple[int, int]]:
        """(task number, code version) for each time a probe ran."""
        rows = (line.split() for line in self.log.read_text().splitlines())
        return [(int(n), int(version)) for n, version, _pid in rows]


class Running:
    """A launcher process, its output kept line by line with the time it arrived."""

    def __init__(
        self, command: list[str], copy: ProjectCopy, broker_url: str, quiet=True, **extra_env
    ):
        # Nothing from the caller's configuration: the copy's own defaults, as a user has them.
        env = demo_environ(
            CELERY_BROKER_URL=broker_url,
            # Results in the broker's Redis, so a plain client can read them.
            CELERY_RESULT_BACKEND=broker_url,
            DEMO_VAR_DIR=str(copy.root / "var"),
            PROBE_LOG=str(copy.log),
            PYTHONUNBUFFERED="1",
            **extra_env,
        )
        self.marker = f"PROBE_LOG={copy.log}"
        self.started = time.monotonic()
        self.lines: list[tuple[float, str]] = []
        self.quiet = quiet
        # Its own process group, so a signal to it is what a terminal's Ctrl-C sends.
        self.process = subprocess.Popen(
            command,
            cwd=copy.root,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            start_new_session=True,
        )
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self) -> None:
        for line in self.process.stdout:
            self.lines.append((time.monotonic(), line.rstrip("\n")))
            if not self.quiet:
                print(line, end="", file=sys.stderr)

    def find(self, text: str, since: float = 0.0) -> float | None:
        """When a line containing ``text`` arrived after ``since``, if one did."""
        for arrived, line in list(self.lines):
            if arrived >= since and text in line:
                return arrived
        return None

    def wait_for_line(self, text: str, since: float = 0.0, timeout: float = 60) -> float:
        deadline = time.monotonic() + timeout
        while (arrived := self.find(text, since)) is None:
            if time.monotonic() > deadline or self.process.poll() is not None:
                raise AssertionError(f"no line with {text!r}; output:\n{self.output()}")
            time.sleep(0.02)
        return arrived

    def output(self) -> str:
        return "\n".join(line for _, line in self.lines)

    def stop(self, signum: int = signal.SIGINT, timeout: float = 60) -> int:
        os.killpg(self.process.pid, signum)
        try:
            return self.process.wait(timeout)
        finally:
            self.reader.join(5)

    def leftovers(self) -> list[int]:
        """Processes still carrying this launcher's environment (workers, pool children)."""
        found = []
        for proc in Path("/proc").iterdir():
            if not proc.name.isdigit():
                continue
            try:
                environ = (proc / "environ").read_bytes().split(b"\0")
            except OSError:
                continue
            if self.marker.encode() in environ:
                found.append(int(proc.name))
        return found

    def kill(self) -> None:
        for pid in [self.process.pid, *self.leftovers()]:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass


class Client:
    """Sends probes through the broker and reads their answers from Redis."""

    def __init__(self, broker_url: str):
        self.app = Celery(
            "probe-client",
            broker=broker_url,
            backend=broker_url,
            set_as_current=False,
        )
        self.app.conf.update(accept_content=["json"], task_serializer="json")
        self.sent = 0

    def send(self, seconds: float = 0.0):
        self.sent += 1
        return self.app.send_task("probe", args=[self.sent, seconds])

    def answer(self, timeout: float = 60) -> int:
        return self.send().get(timeout=timeout)

    def wait_for_version(self, version: int, timeout: float = 60, patience: float = 5) -> float:
        """Send probes until one answers ``version``; when that answer came.

        A probe that gets no answer within ``patience`` seconds (held by a worker
        that is going away) does not stop the measurement: another one is sent.
        """
        deadline = time.monotonic() + timeout
        while (left := deadline - time.monotonic()) > 0:
            try:
                answer = self.send().get(timeout=min(patience, max(left, 0.1)))
            except CeleryTimeoutError:
                continue
            if answer == version:
                return time.monotonic()
        raise TimeoutError(f"no probe answered version {version} within {timeout} s")

    def close(self) -> None:
        # A result object unsubscribes from Redis when it is freed: free them all
        # now, while the broker still answers.
        gc.collect()
        self.app.close()


class Tally(NamedTuple):
    lost: int
    duplicated: int
    stale: int


def tally(executions: list[tuple[int, int]], sent: range, fresh: range, version: int) -> Tally:
    """Lost and duplicated among ``sent``; stale: ``fresh`` ones that ran an older version."""
    runs = Counter(n for n, _ in executions if n in sent)
    lost = sum(1 for n in sent if runs[n] == 0)
    duplicated = sum(count - 1 for count in runs.values() if count > 1)
    stale = sum(1 for n, v in executions if n in fresh and v < version)
    return Tally(lost, duplicated, stale)
