"""The expired-snippet sweep against its floor, one DELETE, and djangobin's loop.

The floor is what the database needs to delete the same rows at all: one
``DELETE … WHERE expires_at <= now`` in one transaction. The sweep (the task's
body, run as a worker runs it once started) deletes them in batches, each its
own transaction: of the task's ``SWEEP_BATCH_SIZE`` and of the other sizes in
``BENCH_SWEEP_BATCHES``. Its longest batch is the longest it holds the write lock. djangobin's
``remove_snippets`` loaded every snippet into Python and called ``delete()`` on
each expired one.

Each database (SQLite; PostgreSQL when it answers) and size is filled once, 10%
of it expired; each method then runs in a fresh process on its own copy, so that
its memory figure is its own: how far the process's peak resident set grew while
the method ran. The floor and the sweep run ``REPEATS`` times (the median is
reported); the loop once, on SQLite, at the sizes in ``BENCH_SWEEP_LOOP_SIZES``.
Run one step alone with ``python -m bench.sweep``.
"""

from __future__ import annotations

import json
import os
import resource
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

from bench import in_child
from shared_tasks.snippets import SWEEP_BATCH_SIZE
from tests.support.servers import server_answers, throwaway_database

SIZES = [int(n) for n in os.environ.get("BENCH_SWEEP_SIZES", "200000,1000000").split(",")]
#: The loop takes minutes and gigabytes at a million rows, so it runs on SQLite only
#: and only at these sizes.
LOOP_SIZES = [int(n) for n in os.environ.get("BENCH_SWEEP_LOOP_SIZES", "200000").split(",")]
REPEATS = int(os.environ.get("BENCH_SWEEP_REPEATS", "3"))
#: A smaller batch than the task's own (more, shorter write transactions), and its own.
BATCHES = [
    int(n) for n in os.environ.get("BENCH_SWEEP_BATCHES", f"10000,{SWEEP_BATCH_SIZE}").split(",")
]
POSTGRES_URL = os.environ.get("BENCH_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
FILL_BATCH = 10_000
HEADER = (
    "database",
    "snippets",
    "expired",
    "one DELETE s (floor)",
    "batch size",
    "batched sweep s",
    "sweep / floor",
    "longest batch ms",
    "djangobin loop s",
    "loop / floor",
    "memory +MB: floor / sweep / loop",
)


def setup_django(database_url: str) -> None:
    os.environ["DJANGO_SETTINGS_MODULE"] = "django_demo.settings"
    os.environ["DATABASE_URL"] = database_url
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0)


def fill(count: int) -> None:
    from django.db import connection
    from django.utils import timezone

    from django_demo.djangobin.models import Snippet

    now = timezone.now()
    for start in range(0, count, FILL_BATCH):
        # bulk_create skips save(), so the expiry times below are kept as given.
        Snippet.objects.bulk_create(
            Snippet(
                code="print('hello')",
                expiration="1w",
                # Spread over days, as snippets created one by one expire: no two
                # share an expiry time.
                expires_at=now - timedelta(seconds=count - i)
                if i % 10 == 0
                else now + timedelta(days=7, seconds=i),
            )
            for i in range(start, min(start + FILL_BATCH, count))
        )
    if connection.vendor == "postgresql":
        # What autovacuum does to a table this size soon after: statistics for the planner.
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE djangobin_snippet")


def one_delete() -> tuple[int, list[float]]:
    from django.utils import timezone

    from django_demo.djangobin.models import Snippet

    # The queryset's delete() with no signals or relations to follow is one
    # DELETE … WHERE expires_at <= now.
    deleted, _ = Snippet.objects.filter(expires_at__lte=timezone.now()).delete()
    return deleted, []


def djangobin_loop() -> tuple[int, list[float]]:
    """The shape of djangobin's remove_snippets (with the boundary bug fixed)."""
    from django.utils import timezone

    from django_demo.djangobin.models import Snippet

    now, deleted = timezone.now(), 0
    for snippet in Snippet.objects.all():
        if snippet.expires_at is not None and snippet.expires_at <= now:
            snippet.delete()
            deleted += 1
    return deleted, []


def our_sweep(batch_size: int) -> tuple[int, list[float]]:
    from shared_tasks import snippets

    batches = []
    real = snippets.sweep

    def timed_sweep(*args):
        start = time.perf_counter()
        for count in real(*args):
            batches.append(time.perf_counter() - start)
            yield count
            start = time.perf_counter()

    snippets.sweep = timed_sweep  # as the task finds it
    # The task's body, called as a worker calls it, without Celery's tracing around it.
    return snippets.delete_expired_snippets(batch_size=batch_size), batches


METHODS = {"floor": one_delete, "loop": djangobin_loop}


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # kB on Linux


def step(argv: list[str]) -> dict:
    """One step in this process: ``fill DATABASE_URL SIZE``, ``run DATABASE_URL METHOD``
    or ``run DATABASE_URL BATCH_SIZE`` (the sweep)."""
    action, database_url, what = argv
    setup_django(database_url)
    if action == "fill":
        fill(int(what))
        return {}
    if what.isdigit():
        # A worker imports its tasks once, when it starts; here the first call would,
        # and that is not the sweep's time.
        from shared_tasks.snippets import delete_expired_snippets

        delete_expired_snippets.app.loader.import_default_modules()
    before = peak_mb()
    start = time.perf_counter()
    deleted, batches = our_sweep(int(what)) if what.isdigit() else METHODS[what]()
    return {
        "seconds": time.perf_counter() - start,
        "deleted": deleted,
        "longest": max(batches, default=0),
        "peak": peak_mb() - before,
    }


@contextmanager
def sqlite_database(template: str | None = None) -> Iterator[str]:
    with tempfile.TemporaryDirectory(prefix="bench-") as tmp:
        path = Path(tmp) / "snippets.sqlite3"
        if template:
            shutil.copyfile(urlsplit(template).path, path)
        yield f"sqlite:///{path}"


def postgres_database(template: str | None = None):
    name = template and urlsplit(template).path.lstrip("/")
    return throwaway_database(POSTGRES_URL, f"bench_sweep_{os.getpid()}", template=name)


def measure(database, size: int, loop: bool) -> dict[str, dict]:
    """The median of each method's runs, keyed by method (the sweep by its batch size)."""
    methods = ["floor", *map(str, BATCHES)]
    runs = {method: [] for method in methods}
    with database() as filled:
        in_child(__name__, "fill", filled, str(size))
        for _ in range(REPEATS):
            for method in methods:
                with database(filled) as copy:
                    runs[method].append(in_child(__name__, "run", copy, method))
        if loop:
            with database(filled) as copy:
                runs["loop"] = [in_child(__name__, "run", copy, "loop")]
    assert all(r["deleted"] == size // 10 for results in runs.values() for r in results)
    return {
        method: {key: statistics.median(r[key] for r in results) for key in results[0]}
        for method, results in runs.items()
    }


def run() -> list[tuple[str, ...]]:
    rows = []
    databases = {"SQLite": sqlite_database, "PostgreSQL": postgres_database}
    for name, database in databases.items():
        if name == "PostgreSQL" and not server_answers(POSTGRES_URL):
            rows.append((name, "absent", *[""] * (len(HEADER) - 2)))
            continue
        for size in SIZES:
            result = measure(database, size, loop=name == "SQLite" and size in LOOP_SIZES)
            floor, loop = result["floor"], result.get("loop")
            for batch in BATCHES:
                sweep = result[str(batch)]
                rows.append(
                    (
                        name,
                        f"{size:,}",
                        f"{size // 10:,}",
                        f"{floor['seconds']:.2f}",
                        f"{batch:,}",
                        f"{sweep['seconds']:.2f}",
                        f"{sweep['seconds'] / floor['seconds']:.2f}x",
                        f"{sweep['longest'] * 1000:.0f}",
                        f"{loop['seconds']:.2f}" if loop else "not run",
                        f"{loop['seconds'] / floor['seconds']:.0f}x" if loop else "",
                        f"{floor['peak']:.0f} / {sweep['peak']:.0f} / "
                        + (f"{loop['peak']:.0f}" if loop else "-"),
                    )
                )
    return rows


if __name__ == "__main__":
    print(json.dumps(step(sys.argv[1:])))
