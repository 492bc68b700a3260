"""A worker killed in the middle of a task, on each broker, in real processes.

With the settings the demos use (``task_acks_late``, ``task_reject_on_worker_lost``,
``worker_prefetch_multiplier = 1``) a task is acknowledged only after it ran, so
a kill puts it back:

* a pool process killed (the OOM killer, say): its worker requeues the task
  at once, on every broker;
* the whole worker killed (the machine lost): RabbitMQ requeues when the
  connection drops; Redis, and so the embedded broker, only once the message's
  visibility timeout has passed (here 10 s; one hour in the demos).
"""

import os
import signal
import subprocess
import sys
import uuid
from contextlib import contextmanager

import pytest

from dev_defaults import ROOT
from shared_tasks.settings import CELERY_SETTINGS
from tests.shared_tasks.crash_app import app, crash_probe
from tests.support.brokers import use_broker
from tests.support.processes import wait_for
from tests.support.servers import REAL_BROKERS, require

pytestmark = pytest.mark.broker


@contextmanager
def celery(command: list[str], broker_url: str, log, **env):
    """``celery -A tests.shared_tasks.crash_app COMMAND`` in its own process group,
    killed with all its processes after."""
    process = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "tests.shared_tasks.crash_app", *command],
        cwd=ROOT,
        env={**os.environ, "CRASH_BROKER_URL": broker_url, **env},
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,  # its own process group: one kill takes the pool too
    )
    try:
        yield process
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
        process.wait()


def worker(broker_url, queue, log, pool="prefork", **env):
    return celery(
        ["worker", "-P", pool, "-c", "1", "-Q", queue, "-l", "INFO"]
        + ["--without-mingle", "--without-gossip"],
        broker_url,
        log,
        **env,
    )


def runs(path) -> list[str]:
    return path.read_text().split() if path.exists() else []


@pytest.mark.parametrize("killed", ["pool-process", "whole-worker"])
def test_a_task_killed_mid_run_runs_again(broker_url, tmp_path, killed):
    use_broker(app, broker_url)
    queue, runs_file = f"crash-{uuid.uuid4().hex}", tmp_path / "runs"
    log = (tmp_path / "worker.log").open("w")

    def started():
        """the first run"""
        return runs(runs_file)

    def ran_again():
        """the second run"""
        return len(runs(runs_file)) >= 2

    # The first run is killed as it starts and the second returns at once: 10 s is
    # well over five times either, so Redis cannot hand out a task still running.
    visibility = {"CRASH_VISIBILITY_TIMEOUT": "10"}
    with worker(broker_url, queue, log, **visibility) as first:
        crash_probe.apply_async((str(runs_file),), queue=queue)
        (pool_pid,) = wait_for(started, timeout=30)
        if killed == "pool-process":
            os.kill(int(pool_pid), signal.SIGKILL)
            wait_for(ran_again, timeout=30)
        else:
            os.killpg(first.pid, signal.SIGKILL)
    if killed == "whole-worker":
        with worker(broker_url, queue, log, **visibility):
            wait_for(ran_again, timeout=30)
    log.close()
    first_pid, second_pid = runs(runs_file)
    assert first_pid != second_pid, (tmp_path / "worker.log").read_text()


def test_a_workers_rabbitmq_connection_agrees_on_the_smaller_heartbeat():
    """A worker's connection to RabbitMQ agrees on the smaller of the two heartbeats: its
    own broker_heartbeat (Celery's default, which the demos keep) and the server's
    (RabbitMQ's default, 60 s). A machine that vanishes is noticed after that."""
    require("rabbitmq", REAL_BROKERS["rabbitmq"])
    assert "broker_heartbeat" not in CELERY_SETTINGS
    assert app.conf.broker_heartbeat == 120
    use_broker(app, REAL_BROKERS["rabbitmq"])
    # As the worker's consumer opens it (celery.worker.consumer.Consumer.connect).
    with app.connection_for_read(heartbeat=app.conf.broker_heartbeat) as connection:
        connection.connect()
        amqp = connection.connection
        assert amqp.server_heartbeat == 60
        assert amqp.heartbeat == min(amqp.server_heartbeat, app.conf.broker_heartbeat) == 60
