"""The expired-snippet sweep and its beat schedule."""

from datetime import timedelta
from itertools import islice

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django_celery_beat.models import PeriodicTask

from django_demo.djangobin.models import Snippet
from shared_tasks.snippets import delete_expired_snippets, sweep

pytestmark = pytest.mark.django_db


def snippets_expiring_at(*times):
    Snippet.objects.bulk_create(Snippet(code="x", expiration="1w") for _ in times)
    for pk, when in zip(
        Snippet.objects.order_by("pk").values_list("pk", flat=True), times, strict=True
    ):
        Snippet.objects.filter(pk=pk).update(expires_at=when)


def test_sweep_deletes_expired_and_keeps_the_rest():
    now = timezone.now()
    snippets_expiring_at(
        now - timedelta(days=400),
        now - timedelta(seconds=1),
        None,
        now + timedelta(hours=1),
        now + timedelta(days=30),
    )
    assert delete_expired_snippets.apply().get() == 2
    assert sorted(Snippet.objects.values_list("expires_at", flat=True), key=str) == sorted(
        [None, now + timedelta(hours=1), now + timedelta(days=30)], key=str
    )


def test_sweep_keeps_a_snippet_that_expires_later_today():
    # djangobin's remove_snippets compared (expiry - now).days == 0 and so
    # deleted snippets up to a day before they expired.
    snippets_expiring_at(timezone.now() + timedelta(minutes=5))
    assert delete_expired_snippets.apply().get() == 0
    assert Snippet.objects.count() == 1


def test_sweep_deletes_in_batches_without_loading_rows():
    now = timezone.now()
    snippets_expiring_at(*[now - timedelta(minutes=i + 1) for i in range(10)], now + timedelta(1))
    with CaptureQueriesContext(connection) as queries:
        assert delete_expired_snippets.apply(kwargs={"batch_size": 4}).get() == 10
    deletes = [q["sql"] for q in queries if q["sql"].startswith("DELETE")]
    selects = [q["sql"] for q in queries if q["sql"].startswith("SELECT")]
    # Each batch ends before its 4th expiry time: 3 + 3 + 3, then the last 1.
    assert len(deletes) == 4 and all(" IN (" not in sql for sql in deletes)
    assert all("LIMIT 1 OFFSET 3" in sql for sql in selects)
    assert all('"code"' not in sql and '"id"' not in sql for sql in selects)  # expiry times
    assert Snippet.objects.count() == 1


def test_batches_stay_within_their_size_when_many_snippets_expire_at_once():
    # A bulk import can give thousands the same expiry time: the range ends there,
    # and the batch falls back on their keys.
    now = timezone.now()
    snippets_expiring_at(*[now - timedelta(hours=1)] * 250)
    assert list(sweep(Snippet.objects, now, 100)) == [100, 100, 50]


def test_sweep_of_an_empty_table():
    assert delete_expired_snippets.apply().get() == 0


def test_the_daily_schedule_exists_after_migrate():
    task = PeriodicTask.objects.get(name="Delete expired snippets")
    assert task.task == delete_expired_snippets.name
    assert task.enabled
    cron = task.crontab
    assert (cron.minute, cron.hour, cron.day_of_week, cron.day_of_month, cron.month_of_year) == (
        "0",
        "0",
        "*",
        "*",
        "*",
    )


@pytest.mark.parametrize("batch_size", [0, -5, 2.5, "100", True, None])
def test_a_bad_batch_size_is_refused_clearly(batch_size):
    # An admin can edit the schedule's arguments: a batch of 0 used to loop forever.
    with pytest.raises(ValueError, match="batch_size must be a whole number of at least 1"):
        delete_expired_snippets.apply(kwargs={"batch_size": batch_size}, throw=True)


def test_a_sweep_that_overruns_its_soft_limit_stops_between_batches(monkeypatch):
    from celery.exceptions import SoftTimeLimitExceeded

    snippets_expiring_at(*[timezone.now() - timedelta(days=1)] * 5)
    outcomes = iter([None, SoftTimeLimitExceeded()])
    real = Snippet.objects.delete_before

    def one_batch_then_the_limit(*args, **kwargs):
        if isinstance(outcome := next(outcomes), Exception):
            raise outcome
        return real(*args, **kwargs)

    monkeypatch.setattr(Snippet.objects, "delete_before", one_batch_then_the_limit)
    assert delete_expired_snippets.apply(kwargs={"batch_size": 2}).get() == 2
    assert Snippet.objects.count() == 3  # the next run deletes the rest


def explain(sql: str) -> list[str]:
    """The database's plan for ``sql``, one line per step, without running it."""
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute(f"EXPLAIN QUERY PLAN {sql}")
            return [row[-1] for row in cursor.fetchall()]
        cursor.execute(f"EXPLAIN {sql}")
        return [row[0] for row in cursor.fetchall()]


@pytest.mark.parametrize("expired_tenths", [1, 9])
def test_a_sweep_batch_walks_the_expires_at_index_and_sorts_nothing(expired_tenths):
    # Enough rows that PostgreSQL's planner chooses as it would in production. The
    # model's default ordering (-created_at) once made every batch sort all the
    # expired rows, so the sweep slowed down as the table grew.
    now = timezone.now()
    past, future = now - timedelta(minutes=1), now + timedelta(days=7)
    Snippet.objects.bulk_create(
        Snippet(
            code="x", expires_at=past - timedelta(seconds=i) if i % 10 < expired_tenths else future
        )
        for i in range(5000)
    )
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE djangobin_snippet")
    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(cursor, Snippet._meta.db_table)
    (expires_at_index,) = [
        name for name, c in constraints.items() if c["index"] and c["columns"] == ["expires_at"]
    ]

    with CaptureQueriesContext(connection) as queries:
        # Each batch ends before its 100th expiry time; the second starts at the first's end.
        assert list(islice(sweep(Snippet.objects, now, 100), 2)) == [99, 99]
    statements = [q["sql"] for q in queries if q["sql"].startswith(("SELECT", "DELETE"))]
    assert len(statements) == 4

    for sql in statements:
        plan = "\n".join(explain(sql))
        assert expires_at_index in plan, plan
        assert "TEMP B-TREE" not in plan and "Sort" not in plan, plan
        assert "Seq Scan" not in plan and not plan.startswith("SCAN"), plan
