"""The reloader on its own, supervising a stand-in worker: events, bursts, escalation."""

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from dev_defaults import ROOT
from tests.support.processes import wait_for

# A stand-in worker: records each start, and exits when drained unless told to
# play dead, in which case it also starts a grandchild, as a pool would.
WORKER = textwrap.dedent(
    """
    import os, signal, subprocess, sys, time
    from pathlib import Path

    log = Path(sys.argv[1])
    with log.open("a") as f:
        f.write(f"start {os.getpid()}\\n")
    if Path(sys.argv[2]).exists():
        for signum in (signal.SIGUSR2, signal.SIGTERM, signal.SIGQUIT):
            signal.signal(signum, signal.SIG_IGN)
        child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(600)"])
        with log.open("a") as f:
            f.write(f"pool {child.pid}\\n")
    else:
        signal.signal(signal.SIGUSR2, lambda *_: sys.exit(0))
    while True:
        time.sleep(0.05)
    """
)

LAUNCH = textwrap.dedent(
    """
    import sys
    from pathlib import Path
    from launcher import reloader
    from launcher.reloader import Reloader

    reloader.COLD_SHUTDOWN_SECONDS = 0.5  # the stand-in needs no time to put tasks back

    worker, log, stubborn, package = sys.argv[1:5]
    command = [sys.executable, worker, log, stubborn]
    sys.exit(Reloader(command, [Path(package)], grace=0.5).run())
    """
)


class Supervised:
    def __init__(self, tmp_path: Path, stubborn: bool):
        self.package = tmp_path / "pkg"
        self.package.mkdir()
        (self.package / "__init__.py").write_text("")
        self.module = self.package / "tasks.py"
        self.module.write_text("x = 0\n")
        self.log = tmp_path / "worker.log"
        self.log.touch()
        self.stubborn = tmp_path / "stubborn"
        if stubborn:
            self.stubborn.touch()
        (tmp_path / "worker.py").write_text(WORKER)
        (tmp_path / "launch.py").write_text(LAUNCH)
        self.process = subprocess.Popen(
            [
                sys.executable,
                str(tmp_path / "launch.py"),
                str(tmp_path / "worker.py"),
                str(self.log),
                str(self.stubborn),
                str(self.package),
            ],
            stderr=subprocess.PIPE,
            text=True,
            # launch.py imports the launcher, which runs from the checkout.
            env={**os.environ, "PYTHONPATH": str(ROOT)},
        )
        wait_for(lambda: self.starts() == 1)

    def lines(self, kind: str) -> list[int]:
        return [
            int(pid) for k, pid in map(str.split, self.log.read_text().splitlines()) if k == kind
        ]

    def starts(self) -> int:
        return len(self.lines("start"))

    def stop(self) -> tuple[int, str]:
        self.process.send_signal(signal.SIGTERM)
        _, err = self.process.communicate(timeout=30)
        return self.process.returncode, err


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return Path(f"/proc/{pid}/stat").read_text().split()[2] != "Z"


@pytest.fixture
def supervise(tmp_path):
    started = []

    def supervise(stubborn=False):
        started.append(Supervised(tmp_path, stubborn))
        return started[-1]

    yield supervise
    for supervised in started:
        if supervised.process.poll() is None:
            supervised.process.kill()
        for pid in supervised.lines("start") + supervised.lines("pool"):
            if alive(pid):
                os.kill(pid, signal.SIGKILL)


def test_a_burst_of_saves_restarts_once(supervise):
    supervised = supervise()
    for n in range(5):
        supervised.module.write_text(f"x = {n + 1}\n")
    wait_for(lambda: supervised.starts() == 2)
    time.sleep(0.5)
    assert supervised.starts() == 2
    code, err = supervised.stop()
    assert code == 0
    assert err.count("changed, reloading.") == 1


def test_only_code_changes_count(supervise):
    supervised = supervise()
    (supervised.package / "notes.sqlite3").write_text("data")
    (supervised.package / "__pycache__").mkdir()
    (supervised.package / "__pycache__" / "tasks.cpython-311.pyc").write_bytes(b"\0")
    (supervised.package / "mail.txt").write_text("Hello")  # a template: counts
    wait_for(lambda: supervised.starts() == 2)
    time.sleep(0.5)
    assert supervised.starts() == 2
    assert supervised.stop()[0] == 0


def test_a_stuck_worker_is_escalated_and_its_whole_group_killed(supervise):
    # This worker ignores the drain request, SIGTERM and SIGQUIT, and has a pool child.
    stuck = supervise(stubborn=True)
    wait_for(lambda: stuck.lines("pool"))
    worker, pool = stuck.lines("start")[-1], stuck.lines("pool")[-1]
    code, err = stuck.stop()
    assert "cold shutdown" in err and "killing its process group" in err
    assert code == 128 + signal.SIGKILL
    assert not alive(worker) and not alive(pool), "a pool child was left behind"


def test_on_windows_the_launcher_says_it_is_posix_only():
    # As Windows would be seen: os.name is read when the package is imported.
    code = "import os; os.name = 'nt'; import launcher"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    assert result.returncode == 1
    assert "RuntimeError: The worker launcher needs a POSIX system" in result.stderr
