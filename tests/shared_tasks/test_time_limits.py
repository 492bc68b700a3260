"""Time limits in a real worker: what the production chapter says they do.

A task's soft limit raises ``SoftTimeLimitExceeded`` inside it; at the hard limit
the worker kills the pool process and starts another. Both come from the prefork
pool's parent process: the solo and threads pools do not enforce them.
"""

import uuid

import pytest

from tests.shared_tasks.crash_app import app, limited_probe, slow_probe
from tests.shared_tasks.test_crash import worker
from tests.support.brokers import use_broker
from tests.support.processes import wait_for

pytestmark = pytest.mark.broker

# Per call, so the test does not wait the demo's minutes; the mechanism is the same.
LIMITS = {"soft_time_limit": 1, "time_limit": 3}


def lines(path) -> list[str]:
    return path.read_text().splitlines() if path.exists() else []


def run_probe(broker_url, tmp_path, pool, stop_at_soft_limit):
    """The probe under LIMITS, then a slow_probe behind it in the same queue: once
    that has run, the worker is past the probe, whatever became of it."""
    use_broker(app, broker_url)
    queue, runs_file, after = f"limits-{uuid.uuid4().hex}", tmp_path / "runs", tmp_path / "after"
    log_path = tmp_path / "worker.log"
    with log_path.open("w") as log, worker(broker_url, queue, log, pool=pool):
        limited_probe.apply_async((str(runs_file), stop_at_soft_limit), queue=queue, **LIMITS)
        slow_probe.apply_async((str(after), 0), queue=queue)
        wait_for(lambda: "done" in " ".join(lines(after)), timeout=60)
    return lines(runs_file), lines(after), log_path.read_text()


def test_the_soft_limit_interrupts_the_task_which_can_stop_cleanly(broker_url, tmp_path):
    runs, _, log = run_probe(broker_url, tmp_path, "prefork", stop_at_soft_limit=True)
    assert [line.split()[0] for line in runs] == ["start", "soft"], log
    assert "succeeded" in log and "'stopped'" in log


def test_the_hard_limit_kills_the_pool_process_and_the_task_is_not_run_again(broker_url, tmp_path):
    runs, after, log = run_probe(broker_url, tmp_path, "prefork", stop_at_soft_limit=False)
    # One start: with late acknowledgement too, a task killed at its hard limit has
    # failed and is acknowledged, not put back like one whose worker was lost.
    assert [line.split()[0] for line in runs] == ["start", "soft"], log
    assert "Hard time limit (3s) exceeded for limited_probe" in log
    assert "exited with 'signal 9 (SIGKILL)'" in log
    assert runs[0].split()[1] != after[0].split()[1]  # the next task ran in a new process


@pytest.mark.parametrize("pool", ["solo", "threads"])
def test_the_solo_and_threads_pools_enforce_no_limit(embedded_broker, tmp_path, pool):
    runs, _, log = run_probe(embedded_broker.url, tmp_path, pool, stop_at_soft_limit=True)
    assert [line.split()[0] for line in runs] == ["start", "done"], log
