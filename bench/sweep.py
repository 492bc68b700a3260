"""The expired-snippet sweep against djangobin's per-row loop, on the same data.

djangobin's ``remove_snippets`` loaded every snippet into Python and called
``delete()`` on each expired one; ours deletes in indexed batches. Each size is
filled once into a SQLite file, 10% of it expired; each method then runs in a
fresh process on its own copy, so that its memory figure is its own: how far
the process's peak resident set grew while the method ran. Run one step alone
with ``python -m bench.sweep``.
"""

from __future__ import annotations

import json
import os
import resource
import shutil
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

from bench import in_child

SIZES = [int(n) for n in os.environ.get("BENCH_SWEEP_SIZES", "100000,1000000").split(",")]
FILL_BATCH = 10_000
HEADER = (
    "snippets",
    "expired",
    "djangobin loop s",
    "batched sweep s",
    "speed-up",
    "loop memory +MB",
    "sweep memory +MB",
)


def setup_django(db_path: str) -> None:
    os.environ["DJANGO_SETTINGS_MODULE"] = "django_demo.settings"
    os.environ["DATABASE_URL"] = f"sqlite:///{db_path}"
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0)


def fill(count: int) -> None:
    from django.utils import timezone

    from django_demo.djangobin.models import Snippet

    now = timezone.now()
    for start in range(0, count, FILL_BATCH):
        # bulk_create skips save(), so the expiry times below are kept as given.
        Snippet.objects.bulk_create(
            Snippet(
                code="print('hello')",
                expiration="1w",
                expires_at=now - timedelta(hours=1) if i % 10 == 0 else now + timedelta(days=7),
            )
            for i in range(start, min(start + FILL_BATCH, count))
        )


def djangobin_loop() -> int:
    """The shape of djangobin's remove_snippets (with the boundary bug fixed)."""
    from django.utils import timezone

    from django_demo.djangobin.models import Snippet

    now, deleted = timezone.now(), 0
    for snippet in Snippet.objects.all():
        if snippet.expires_at is not None and snippet.expires_at <= now:
            snippet.delete()
            deleted += 1
    return deleted


def our_sweep() -> int:
    from shared_tasks.snippets import delete_expired_snippets

    return delete_expired_snippets.apply().get()


METHODS = {"loop": djangobin_loop, "sweep": our_sweep}


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # kB on Linux


def step(argv: list[str]) -> dict:
    """One step in this process: ``fill DB SIZE`` or ``run DB METHOD``."""
    action, db_path, what = argv
    setup_django(db_path)
    if action == "fill":
        fill(int(what))
        return {}
    before = peak_mb()
    start = time.perf_counter()
    deleted = METHODS[what]()
    return {"seconds": time.perf_counter() - start, "deleted": deleted, "peak": peak_mb() - before}


def run() -> list[tuple[str, ...]]:
    rows = []
    with tempfile.TemporaryDirectory(prefix="bench-") as tmp:
        for size in SIZES:
            template = Path(tmp) / f"filled-{size}.sqlite3"
            in_child(__name__, "fill", str(template), str(size))
            result = {}
            for method in METHODS:
                copy = Path(tmp) / f"{method}.sqlite3"
                shutil.copyfile(template, copy)
                result[method] = in_child(__name__, "run", str(copy), method)
                copy.unlink()
            template.unlink()
            loop, sweep = result["loop"], result["sweep"]
            assert loop["deleted"] == sweep["deleted"] == size // 10
            rows.append(
                (
                    f"{size:,}",
                    f"{size // 10:,}",
                    f"{loop['seconds']:.2f}",
                    f"{sweep['seconds']:.2f}",
                    f"{loop['seconds'] / sweep['seconds']:.1f}x",
                    f"{loop['peak']:.0f}",
                    f"{sweep['peak']:.0f}",
                )
            )
    return rows


if __name__ == "__main__":
    print(json.dumps(step(sys.argv[1:])))
