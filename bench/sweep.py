"""The expired-snippet sweep against djangobin's per-row loop, on the same data.

djangobin's ``remove_snippets`` loaded every snippet into Python and called
``delete()`` on each expired one; ours deletes in indexed batches. Both run on
the same freshly filled SQLite table, 10% of it expired.
"""

from __future__ import annotations

import os
import tempfile
import time
from datetime import timedelta

SIZES = [int(n) for n in os.environ.get("BENCH_SWEEP_SIZES", "10000,100000").split(",")]


def setup_django(directory: str) -> None:
    os.environ["DJANGO_SETTINGS_MODULE"] = "django_demo.settings"
    os.environ["DJANGO_DB_PATH"] = os.path.join(directory, "bench.sqlite3")
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0)


def fill(count: int) -> None:
    from django.utils import timezone

    from django_demo.djangobin.models import Snippet

    Snippet.objects.all().delete()
    now = timezone.now()
    rows = [
        Snippet(
            code="print('hello')",
            expiration="1w",
            expires_at=now - timedelta(hours=1) if i % 10 == 0 else now + timedelta(days=7),
        )
        for i in range(count)
    ]
    # bulk_create skips save(), so the expiry times above are kept as given.
    Snippet.objects.bulk_create(rows, batch_size=5000)


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


def timed(function) -> tuple[float, int]:
    start = time.perf_counter()
    result = function()
    return time.perf_counter() - start, result


def run() -> list[tuple[str, ...]]:
    rows = []
    with tempfile.TemporaryDirectory(prefix="bench-") as tmp:
        setup_django(tmp)
        for size in SIZES:
            fill(size)
            loop_seconds, loop_deleted = timed(djangobin_loop)
            fill(size)
            sweep_seconds, sweep_deleted = timed(our_sweep)
            assert loop_deleted == sweep_deleted == size // 10
            rows.append(
                (
                    f"{size:,}",
                    f"{size // 10:,}",
                    f"{loop_seconds:.3f}",
                    f"{sweep_seconds:.3f}",
                    f"{loop_seconds / sweep_seconds:.1f}x",
                )
            )
    return rows


HEADER = ("snippets", "expired", "djangobin loop s", "batched sweep s", "speed-up")
