"""Reload latency of the worker launchers, next to the worker's cold start and the baseline.

Reload latency: from saving a task module to the first newly sent task that
answers with the new code, on the embedded broker. Measured for ``runworker``,
for ``watchfiles --filter python celery.__main__.main`` (cookiecutter-django's
launcher, the baseline), and for the recipe docs/reloading.md argues against: the
worker as the ``main_func`` of Django's own autoreloader (``bench/autoreload_recipe.py``),
with the prefork pool (two processes) and the solo pool, idle and busy (each
pool process running a task when the file is saved). The floor is the cold start
of the same worker (``runworker --no-reload``): from starting the process to its
first answer.

Then 100 probes with a reload in the middle, for each launcher: how many were
lost, run twice, or sent after the launcher saw the change and still ran the old code.
"""

from __future__ import annotations

import math
import os
import shutil
import statistics
import subprocess
import tempfile
import time
from pathlib import Path

from celery.exceptions import TimeoutError as CeleryTimeoutError

from devstack.broker import EmbeddedRedis
from tests.launcher.harness import PY, Client, ProjectCopy, Running, launcher_command, tally

EDITS = int(os.environ.get("BENCH_RELOAD_EDITS", "10"))
COLD_STARTS = 5
BUSY_SECONDS = 3.0
#: Past this, a launcher has failed to reload.
RELOAD_TIMEOUT = 120
POOLS = {"prefork": ("-c", "2"), "solo": ()}
PROCESSES = {"prefork": 2, "solo": 1}
RECIPE = "autoreload recipe"
LAUNCHERS = {"runworker": "django", "watchfiles": "watchfiles", RECIPE: None}
#: What each launcher prints when it has seen a change (the recipe: Django's reloader).
DETECTED = {
    "runworker": "changed, reloading.",
    "watchfiles": "detected",
    RECIPE: "changed, reloading.",
}
#: Not part of the demo, so each copy of the project gets it as a management command.
RECIPE_MODULE = Path(__file__).with_name("autoreload_recipe.py")
RECIPE_COMMAND = Path("django_demo/djangobin/management/commands/autoreload_recipe.py")

LATENCY_HEADER = (
    "pool",
    "state",
    "cold start s (floor)",
    "runworker median / max s",
    "runworker minus floor s",
    "watchfiles median / max s",
    "watchfiles / runworker",
    "recipe median / max s",
    "recipe / runworker",
)
SAFETY_HEADER = (
    "launcher",
    "pool",
    "probes",
    "lost",
    "run twice",
    "stale code",
    "busy tasks at a save",
    "of those lost",
    "of those cut off, run again",
)


class Bench:
    def __init__(self, root: Path, broker: EmbeddedRedis):
        self.root = root
        self.broker = broker
        self.client = Client(broker.url)
        self.copies = 0
        #: (launcher, pool): the fate of the tasks running at each save of the busy runs.
        self.busy: dict[tuple[str, str], tuple[int, int, int]] = {}

    def start(self, launcher: str, pool: str, *options: str) -> tuple[ProjectCopy, Running]:
        self.copies += 1
        copy = ProjectCopy(self.root / f"copy{self.copies}")
        if launcher == RECIPE:
            shutil.copy2(RECIPE_MODULE, copy.root / RECIPE_COMMAND)
            command = [PY, "manage.py", RECIPE_COMMAND.stem, "-P", pool, *POOLS[pool], *options]
        else:
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
        self.stop(running)
        return seconds

    def stop(self, running: Running) -> None:
        """Ctrl-C, as a user stops it; then kill what it left, so no process outlives its run.

        A launcher that ignores Ctrl-C for a minute is killed too: one hang must
        not cost the rest of the run.
        """
        try:
            running.stop()
        except subprocess.TimeoutExpired:
            print(f"still running a minute after Ctrl-C: {running.process.args}", flush=True)
            running.kill()
            running.process.wait()
        # Again until none is left: a reloader killed mid-restart may have just started a child.
        while leftovers := running.leftovers():
            print(f"left running after Ctrl-C: {leftovers}", flush=True)
            running.kill()
            time.sleep(0.1)

    def reload_latencies(self, launcher: str, pool: str, busy: bool) -> list[float]:
        copy, running = self.start(launcher, pool)
        self.first_answer(running)
        latencies = []
        running_at_save = {}  # task number: the version of the code it started on
        for version in range(2, EDITS + 2):
            tasks = []
            for _ in range(PROCESSES[pool] if busy else 0):
                tasks.append(self.client.send(BUSY_SECONDS))
                running_at_save[self.client.sent] = version - 1
            if busy:
                time.sleep(0.5)  # they are running now
            saved = copy.write_probe(version)
            try:
                answered = self.client.wait_for_version(version, timeout=RELOAD_TIMEOUT)
            except TimeoutError:
                # A launcher that never reloads is a result, not a crash of the benchmark.
                print(f"{launcher} {pool}: no reload; its last output:", flush=True)
                print("\n".join(running.output().splitlines()[-40:]), flush=True)
                latencies.append(float("inf"))
                break
            latencies.append(answered - saved)
            # Lost in the reload or not, they are not measured here (the safety
            # table counts losses): a bounded wait, so a lost one costs seconds, not minutes.
            settle(tasks, answered + 2 * BUSY_SECONDS)
        self.stop(running)
        if busy:
            self.busy[launcher, pool] = busy_fates(copy.executions(), running_at_save)
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
        settle(results, time.monotonic() + 60)  # what is still missing then is counted as lost
        self.stop(running)
        probes = range(first, self.client.sent + 1)
        return (len(probes), *tally(copy.executions(), probes, range(fresh, probes.stop), 2))


def busy_fates(executions: list[tuple[int, int]], started: dict[int, int]) -> tuple[int, ...]:
    """How many of the tasks running at a save: in all, lost, cut off and run again.

    A probe logs only when it ends, so one that answers with code newer than it
    started on was stopped part-way and run again from the start.
    """
    finished = {n for n, _ in executions}
    rerun = {n for n, version in executions if n in started and version > started[n]}
    return len(started), len(started.keys() - finished), len(rerun)


def settle(results: list, deadline: float) -> None:
    """Wait until every result is in or the deadline has passed."""
    for result in results:
        try:
            result.get(timeout=max(deadline - time.monotonic(), 0.01))
        except CeleryTimeoutError:
            pass


def seconds(values: list[float]) -> str:
    if math.isinf(values[-1]):
        return (
            f"{statistics.median(values):.2f} / none in {RELOAD_TIMEOUT:g} s at edit {len(values)}"
        )
    return f"{statistics.median(values):.2f} / {max(values):.2f}"


def ratio(values: list[float], ours: list[float]) -> str:
    return f"{statistics.median(values) / statistics.median(ours):.2f}x"


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
                    recipe = bench.reload_latencies(RECIPE, pool, busy)
                    latency_rows.append(
                        (
                            pool,
                            "busy" if busy else "idle",
                            f"{floor:.2f}",
                            seconds(ours),
                            f"{statistics.median(ours) - floor:+.2f}",
                            seconds(baseline),
                            ratio(baseline, ours),
                            seconds(recipe),
                            ratio(recipe, ours),
                        )
                    )
                    print(latency_rows[-1], flush=True)
                for launcher in LAUNCHERS:
                    counts = (*bench.safety(launcher, pool), *bench.busy[launcher, pool])
                    safety_rows.append((launcher, pool, *map(str, counts)))
                    print(safety_rows[-1], flush=True)
            bench.client.close()
    return latency_rows, safety_rows
