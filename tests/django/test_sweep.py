"""The expired-snippet sweep and its beat schedule."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django_celery_beat.models import PeriodicTask

from django_demo.djangobin.models import Snippet
from shared_tasks.snippets import delete_expired_snippets

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
    assert len(deletes) == 3  # 4 + 4 + 2
    assert all("expires_at" in sql and "LIMIT 4" in sql for sql in selects)
    assert all('"code"' not in sql for sql in selects)  # primary keys only
    assert Snippet.objects.count() == 1


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
    batches = iter([2, SoftTimeLimitExceeded()])
    real = Snippet.objects.delete_expired

    def one_batch_then_the_limit(now, limit):
        outcome = next(batches)
        if isinstance(outcome, Exception):
            raise outcome
        return real(now, limit)

    monkeypatch.setattr(Snippet.objects, "delete_expired", one_batch_then_the_limit)
    assert delete_expired_snippets.apply(kwargs={"batch_size": 2}).get() == 2
    assert Snippet.objects.count() == 3  # the next run deletes the rest
