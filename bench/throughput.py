"""What each setting costs: tasks/s for no-op tasks, one setting changed at a time.

The baseline is the demos' own settings (``django_demo/settings.py``,
``flask_demo/config.py``): late acknowledgement with requeue on a lost worker
process, prefetch 1, results in the Django database with the extended fields
and STARTED, task events on, the prefork pool with one process per core, and
gossip, mingle and heartbeats on as a plain ``celery worker`` has them. Each
other row changes one thing; the throughput profile changes them all.

Each cell starts a worker on an empty queue of its own, queues ``TASKS`` tasks
while the worker is not consuming it, then tells the worker to consume it and
times until the worker has run them all (asking for its stats every
``POLL_SECONDS``, then for its running tasks). So start-up and sending are
outside the figure. The django-db
results go to a fresh SQLite file per cell, with the demo's SQLite options.

Each run uses queues, a control exchange and an events exchange named
``bench-<run>`` (nothing else on the broker sees its workers or messages),
Redis database 14, and deletes its queues and result keys afterwards.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

from bench import table
from bench.noop_app import make_app, noop_worker
from dev_defaults import ROOT
from devstack.broker import EmbeddedRedis
from tests.support.servers import server_answers

TASKS = int(os.environ.get("BENCH_MATRIX_TASKS", "5000"))
#: Cells that store results in the Django database run a few hundred tasks/s at
#: best here: fewer tasks keep the run within minutes.
SLOW_TASKS = int(os.environ.get("BENCH_MATRIX_SLOW_TASKS", "500"))
POLL_SECONDS = 0.1
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/14")
AMQP_URL = os.environ.get("BENCH_AMQP_URL", "amqp://guest:guest@127.0.0.1:5672//")

#: The demos' settings that bear on throughput ("redis" is filled in per broker).
DEMO = {
    "task_acks_late": True,
    "task_reject_on_worker_lost": True,
    "worker_prefetch_multiplier": 1,
    "result_backend": "django-db",
    "result_extended": True,
    "task_track_started": True,
    "worker_send_task_events": True,
}
DEMO_OPTIONS = ("--pool=prefork",)
QUIET = ("--without-gossip", "--without-mingle", "--without-heartbeat")

#: Everything that buys throughput at once (what each gives up: docs/performance.md).
PROFILE = {
    "task_acks_late": False,
    "task_reject_on_worker_lost": False,
    "worker_prefetch_multiplier": 64,
    "result_backend": None,
    "task_ignore_result": True,
    "worker_send_task_events": False,
}
PROFILE_OPTIONS = (*DEMO_OPTIONS, *QUIET)

#: name: (settings over DEMO, worker options instead of DEMO_OPTIONS or None)
CELLS = {
    "demo defaults (baseline)": ({}, None),
    "prefetch multiplier 4": ({"worker_prefetch_multiplier": 4}, None),
    "prefetch multiplier 64": ({"worker_prefetch_multiplier": 64}, None),
    "acks_late off": ({"task_acks_late": False, "task_reject_on_worker_lost": False}, None),
    "results in Redis": ({"result_backend": "redis"}, None),
    "no results (ignore_result)": ({"result_backend": None, "task_ignore_result": True}, None),
    "threads pool": ({}, ("--pool=threads",)),
    "solo pool": ({}, ("--pool=solo",)),
    "without gossip, mingle, heartbeat": ({}, (*DEMO_OPTIONS, *QUIET)),
    "task events off": ({"worker_send_task_events": False}, None),
    "throughput profile": (PROFILE, PROFILE_OPTIONS),
    # What each guarantee costs once the results no longer hold everything up.
    "profile, but prefetch multiplier 1": (
        {**PROFILE, "worker_prefetch_multiplier": 1},
        PROFILE_OPTIONS,
    ),
    "profile, but acks_late on": (
        {**PROFILE, "task_acks_late": True, "task_reject_on_worker_lost": True},
        PROFILE_OPTIONS,
    ),
    "profile, but results in Redis": (
        {**PROFILE, "result_backend": "redis", "task_ignore_result": False},
        PROFILE_OPTIONS,
    ),
    "profile, but task events on": ({**PROFILE, "worker_send_task_events": True}, PROFILE_OPTIONS),
    "profile, but gossip, mingle, heartbeat on": (PROFILE, DEMO_OPTIONS),
}
HEADER = (
    "setting changed",
    "embedded Redis tasks/s",
    "ratio",
    "Redis tasks/s",
    "ratio",
    "RabbitMQ tasks/s",
    "ratio",
)


def results_database(tmp: Path) -> Path:
    """A migrated SQLite file for the django-db backend, copied for each cell."""
    path = tmp / "results.sqlite3"
    env = dict(os.environ, DATABASE_URL=f"sqlite:///{path}")
    env.pop("DJANGO_SETTINGS_MODULE", None)
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "--verbosity=0"], cwd=ROOT, env=env, check=True
    )
    return path


def wait_for_worker(app, worker: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while not app.control.ping(destination=[worker], timeout=0.5):
        if time.monotonic() > deadline:
            raise TimeoutError(f"{worker} did not answer in {timeout} s")


def wait_until_run(app, worker: str, count: int, timeout: float = 600) -> None:
    """Until the worker has taken ``count`` tasks and is running none."""
    inspect = app.control.inspect(destination=[worker], timeout=5)
    deadline = time.monotonic() + timeout
    while inspect.stats()[worker]["total"].get("noop", 0) < count:
        time.sleep(POLL_SECONDS)
        if time.monotonic() > deadline:
            raise TimeoutError(f"{worker} did not run {count} tasks in {timeout} s")
    while inspect.active()[worker]:
        time.sleep(POLL_SECONDS / 10)


class Matrix:
    """The cells of one broker, each against a fresh worker and queue."""

    def __init__(self, broker_url: str, redis_url: str, tmp: Path):
        self.broker_url = broker_url
        self.redis_url = redis_url
        self.tmp = tmp
        self.run = f"bench-{uuid.uuid4().hex[:8]}"
        # Nothing else on the broker sees this run's workers, events or messages.
        self.isolated = {"control_exchange": self.run, "event_exchange": f"{self.run}-events"}

    def measure(self, changes: dict, options: tuple[str, ...] | None) -> float:
        """Tasks per second for one cell."""
        queue = f"{self.run}-{uuid.uuid4().hex[:6]}"
        worker = f"{queue}@bench"
        settings = {**DEMO, **changes, **self.isolated, "task_default_queue": queue}
        if settings["result_backend"] == "redis":
            settings["result_backend"] = self.redis_url
        env, tasks = {}, TASKS
        if settings["result_backend"] == "django-db":
            tasks = SLOW_TASKS
            database = self.tmp / f"{queue}.sqlite3"
            shutil.copyfile(self.tmp / "results.sqlite3", database)
            env["DATABASE_URL"] = f"sqlite:///{database}"
        # The sender reads no results, so it needs no result backend.
        sender = make_app(
            self.broker_url, **self.isolated, task_default_queue=queue, result_backend=None
        )
        # The worker starts on an empty queue; it takes the tasks' queue once all are sent.
        command = (f"--hostname={worker}", f"--queues={queue}-idle", *(options or DEMO_OPTIONS))
        with sender:
            with noop_worker(self.broker_url, *command, settings=settings, env=env):
                wait_for_worker(sender, worker)
                noop = sender.signature("noop")
                ids = [noop.apply_async().id for _ in range(tasks)]
                start = time.perf_counter()
                sender.control.add_consumer(queue, destination=[worker], reply=True)
                wait_until_run(sender, worker, tasks)
                seconds = time.perf_counter() - start
            # Once the worker is gone: RabbitMQ tells a consumer its queue was
            # deleted, and the worker would declare it again.
            with sender.connection_for_write() as connection:
                channel = connection.default_channel
                for name in (queue, f"{queue}-idle"):
                    channel.queue_delete(name)
                    channel.exchange_delete(name)
        if settings["result_backend"] == self.redis_url:
            with make_app(self.broker_url, result_backend=self.redis_url) as app:
                app.backend.client.delete(*map(app.backend.get_key_for_task, ids))
        return tasks / seconds

    def close(self) -> None:
        """Delete what the run's workers left: exchanges on RabbitMQ, keys on Redis."""
        with make_app(self.broker_url) as app, app.connection_for_write() as connection:
            channel = connection.default_channel
            for exchange in (
                f"{self.run}.pidbox",
                f"reply.{self.run}.pidbox",
                f"{self.run}-events",
            ):
                channel.exchange_delete(exchange)
            client = getattr(channel, "client", None)  # Redis
            if client is not None:
                keys = list(client.scan_iter(match=f"*{self.run}*"))
                if keys:
                    client.delete(*keys)
                # kombu keeps the exchanges' expiry times in one sorted set.
                deadlines = "_kombu.binding_deadlines"
                run = [m for m, _ in client.zscan_iter(deadlines, match=f"*{self.run}*")]
                if run:
                    client.zrem(deadlines, *run)


def run() -> list[tuple[str, ...]]:
    brokers = {"embedded Redis": None, "Redis": REDIS_URL, "RabbitMQ": AMQP_URL}
    rates: dict[str, dict[str, float | None]] = {}
    with tempfile.TemporaryDirectory(prefix="bench-") as tmp:
        tmp = Path(tmp)
        results_database(tmp)
        with EmbeddedRedis(tmp / "broker") as embedded:
            for name, url in brokers.items():
                if url is not None and not server_answers(url):
                    rates[name] = dict.fromkeys(CELLS)
                    continue
                broker_url = url or embedded.url
                redis_url = embedded.url if url is None else REDIS_URL
                matrix = Matrix(broker_url, redis_url, tmp)
                try:
                    rates[name] = {cell: matrix.measure(*change) for cell, change in CELLS.items()}
                finally:
                    matrix.close()
    rows = []
    for cell in CELLS:
        row = [cell]
        for name in brokers:
            rate, base = rates[name][cell], rates[name]["demo defaults (baseline)"]
            row += ["absent", ""] if rate is None else [f"{rate:,.0f}", f"{rate / base:.2f}x"]
        rows.append(tuple(row))
    return rows


if __name__ == "__main__":
    print(table(HEADER, run()))
