"""The systemd units: valid, and stopping a worker the warm way the production chapter says.

systemd stops a service by signalling it, as its ``KillMode`` says: ``control-group``
(the default) sends SIGTERM to every process of the unit at once, the prefork
pool's children included, so a running task dies with its child; ``mixed`` sends
it to the main process only, which is Celery's warm shutdown, and SIGKILLs the
rest only after ``TimeoutStopSec``.
"""

import configparser
import os
import shutil
import signal
import subprocess
import uuid

import pytest

from dev_defaults import ROOT
from tests.shared_tasks.crash_app import app, slow_probe
from tests.shared_tasks.test_crash import worker
from tests.support.brokers import use_broker
from tests.support.processes import wait_for

UNITS = sorted((ROOT / "deploy" / "systemd").glob("*.service"))


def unit(path) -> configparser.ConfigParser:
    parser = configparser.ConfigParser(strict=False, interpolation=None)
    parser.optionxform = str
    parser.read(path)
    return parser


@pytest.mark.parametrize("path", UNITS, ids=lambda path: path.name)
def test_each_unit_stops_only_its_main_process_first(path):
    assert unit(path)["Service"]["KillMode"] == "mixed"


@pytest.mark.skipif(not shutil.which("systemd-analyze"), reason="no systemd-analyze here")
@pytest.mark.parametrize("path", UNITS, ids=lambda path: path.name)
def test_systemd_finds_nothing_wrong_in_the_units(path, tmp_path):
    # The deployment's folder, here: a checkout with the programs the units start.
    bin_dir = tmp_path / "srv" / ".venv" / "bin"
    bin_dir.mkdir(parents=True)
    for program in ("celery", "python", "gunicorn"):
        (bin_dir / program).write_text("#!/bin/sh\n")
        (bin_dir / program).chmod(0o755)
    local = tmp_path / path.name
    local.write_text(path.read_text().replace("/srv/celery-in-practice", str(tmp_path / "srv")))
    result = subprocess.run(
        ["systemd-analyze", "verify", "--man=no", str(local)], capture_output=True, text=True
    )
    assert (result.returncode, result.stderr) == (0, "")


def lines(path) -> list[str]:
    return path.read_text().splitlines() if path.exists() else []


@pytest.mark.parametrize("kill_mode", ["control-group", "mixed"])
def test_stopping_the_worker_as_systemd_does(embedded_broker, tmp_path, kill_mode):
    use_broker(app, embedded_broker.url)
    queue, runs_file = f"stop-{uuid.uuid4().hex}", tmp_path / "runs"
    log = (tmp_path / "worker.log").open("w")
    with worker(embedded_broker.url, queue, log) as process:
        slow_probe.apply_async((str(runs_file), 3), queue=queue)
        wait_for(lambda: lines(runs_file), timeout=30)
        if kill_mode == "mixed":
            os.kill(process.pid, signal.SIGTERM)  # the main process only
        else:
            os.killpg(process.pid, signal.SIGTERM)  # the main process and its pool at once
        process.wait(30)
    log.close()
    finished = [line for line in lines(runs_file) if line.startswith("done")]
    if kill_mode == "mixed":
        assert finished, (tmp_path / "worker.log").read_text()  # warm shutdown: it ran to the end
    else:
        assert not finished  # the pool child died mid-task
