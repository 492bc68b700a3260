"""Reload latency of the worker launchers, next to the worker's cold start and the baseline.

Reload latency: from saving a task module to the first newly sent task that
answers with the new code, on the embedded broker. Measured for ``runworker``
and for ``watchfiles --filter python celery.__main__.main`` (cookiecutter-django's
launcher, the baseline), with the prefork pool (two processes) and the solo
pool, idle and busy (each pool process running a task when the file is saved).
The floor is the cold start of the same worker (``runworker --no-reload``):
from starting the process to its first answer.

Then 100 probes with a reload in the middle, for each launcher: how many were
lost, run twice, or sent after the launcher saw the change and still ran the old code.
"""

from __future__ import annotations

import os
import statistics
import tempfile
import time
from pathlib import Path

from celery.exceptions import TimeoutError as CeleryTimeoutError

from devstack.broker import EmbeddedRedis
from tests.launcher.harness import Client, ProjectCopy, Running, launcher_command, tally

EDITS = int(os.environ.get("BENCH_RELOAD_EDITS", "10"))
COLD_STARTS = 5
BUSY_SECONDS = 3.0
POOLS = {"prefork": ("-c", "2"), "solo": ()}
PROCESSES = {"prefork": 2, "solo": 1}
LAUNCHERS = {"runworker": "django", "watchfiles": "watchfiles"}
#: What each launcher prints when it has seen a change.
DETECTED = {"runworker": "changed, reloading.", "watchfiles": "detected"}

LATENCY_HEADER = (
    "pool",
    "state",
    "cold start s (floor)",
    "runworker median / max s",
    "runworker minus floor s",
    "watchfiles median / max s",
    "watchfiles / runworker",
)
SAFETY_HEADER = ("launcher", "pool", "probes", "lost", "run twice", "stale code")


class Bench:
    def __init__(self, root: Path, broker: EmbeddedRedis):
        self.root = root
        self.broker = broker
        self.client = Client(broker.url)
        self.copies = 0

    def start(self, launcher: str, pool: str, *options: str) -> tuple[ProjectCopy, Running]:
        self.copies += 1
        copy = ProjectCopy(self.root / f"copy{self.copies}")
        command = launcher_command(LAUNCHERS[launcher], pool, *POOLS[pool], *options)
        return copy, Running(command, copy, self.broker.url)

    def first_answer(self, running: Running) -> None:
        try:
            assert self.client.answer() == 1
        except CeleryTimeoutError:
            raise RuntimeError(f"the worker did not answer:\n{running.output()}") from None

    def cold_start(self, pool: str) -> float:
        copy, running = self.start("runworker", pool, "--no-reload")
        self.first_answer(running)
        seconds = time.monotonic() - running.started
        running.stop()
        return seconds

    def reload_latencies(self, launcher: str, pool: str, busy: bool) -> list[float]:
        copy, running = self.start(launcher, pool)
        self.first_answer(running)
        latencies = []
        for version in range(2, EDITS + 2):
            tasks = []
            if busy:
                tasks = [self.client.send(BUSY_SECONDS) for _ in range(PROCESSES[pool])]
                time.sleep(0.5)  # they are running now
            saved = copy.write_probe(version)
            latencies.append(self.client.wait_for_version(version, timeout=120) - saved)
            for task in tasks:
                try:
                    task.get(timeout=60)
                except CeleryTimeoutError:  # lost in the reload; the safety table counts these
                    pass
        running.stop()
        return latencies

    def safety(self, launcher: str, pool: str) -> tuple[int, ...]:
        copy, running = self.start(launcher, pool)
        self.first_answer(running)
        first = self.client.sent + 1
        results = [self.client.send(0.02) for _ in range(50)]
        saved = time.monotonic()
        copy.write_probe(2)
        running.wait_for_line(DETECTED[launcher], since=saved)
        fresh = self.client.sent + 1
        results += [self.client.send(0.02) for _ in range(50)]
        for result in results:
            try:
                result.get(timeout=60)
            except CeleryTimeoutError:  # counted below as lost
                pass
        running.stop()
        probes = range(first, self.client.sent + 1)
        return (len(probes), *tally(copy.executions(), probes, range(fresh, probes.stop), 2))


def seconds(values: list[float]) -> str:
    return f"{statistics.median(values):.2f} / {max(values):.2f}"


def run() -> tuple[list[tuple[str, ...]], list[tuple[str, ...]]]:
    latency_rows, safety_rows = [], []
    with tempfile.TemporaryDirectory(prefix="bench-reload-") as tmp:
        root = Path(tmp)
        with EmbeddedRedis(root / "broker") as broker:
            bench = Bench(root, broker)
            for pool in POOLS:
                floor = statistics.median(bench.cold_start(pool) for _ in range(COLD_STARTS))
                for busy in (False, True):
                    ours = bench.reload_latencies("runworker", pool, busy)
                    baseline = bench.reload_latencies("watchfiles", pool, busy)
                    ratio = statistics.median(baseline) / statistics.median(ours)
                    latency_rows.append(
                        (
                            pool,
                            "busy" if busy else "idle",
                            f"{floor:.2f}",
                            seconds(ours),
                            f"{statistics.median(ours) - floor:+.2f}",
                            seconds(baseline),
                            f"{ratio:.2f}x",
                        )
                    )
                    print(latency_rows[-1], flush=True)
                for launcher in LAUNCHERS:
                    safety_rows.append((launcher, pool, *map(str, bench.safety(launcher, pool))))
                    print(safety_rows[-1], flush=True)
            bench.client.close()
    return latency_rows, safety_rows
