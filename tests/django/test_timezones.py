"""Time zones in django-celery-beat's DatabaseScheduler (docs/timezones.md).

Each crontab row has a time zone of its own; the scheduler reads several clocks
(its crontab's ``datetime.now(tz)``, Django's ``timezone.now()`` for the crontab
window, a naive ``datetime.now()`` for its five-minute reload): all are pinned.
"""

import datetime as dt
import types
from contextlib import contextmanager
from datetime import UTC, datetime
from unittest import mock
from zoneinfo import ZoneInfo

import pytest
import pytz
from celery import Celery
from django_celery_beat.models import CrontabSchedule, PeriodicTask
from django_celery_beat.schedulers import DatabaseScheduler

from django_demo.celery import app as django_celery
from tests.shared_tasks.test_timezones import (
    DST_IDS,
    DST_RUNS,
    HOURLY_FALL_BACK,
    JOB,
    Clock,
    local_day,
    run_beat,
)


@contextmanager
def pinned(clock: Clock, app: Celery):
    class PinnedDatetime(datetime):
        @classmethod
        def now(cls, tz=None):
            return clock.now(tz) if tz else clock.now().replace(tzinfo=None)

    with (
        mock.patch("django_celery_beat.tzcrontab.datetime", PinnedDatetime),
        mock.patch(
            "django_celery_beat.schedulers.datetime",
            types.SimpleNamespace(datetime=PinnedDatetime, timedelta=dt.timedelta),
        ),
        mock.patch("django_celery_beat.schedulers.aware_now", clock.now),
        mock.patch("django_celery_beat.schedulers.now", clock.now),
        mock.patch.object(app, "now", lambda: clock.now(app.timezone)),
    ):
        yield


@pytest.fixture
def beat_app():
    """The demo's configuration (Celery in UTC) on an in-memory broker, with only our row."""
    app = Celery("tz", broker="memory://")
    app.conf.timezone = "UTC"
    PeriodicTask.objects.all().delete()  # the demo's own entries, made by its migrations
    yield app
    django_celery.set_current()


def crontab_row(zone: str, hour, last_run_at=None) -> PeriodicTask:
    schedule = CrontabSchedule.objects.create(minute="30", hour=str(hour), timezone=zone)
    return PeriodicTask.objects.create(
        name="job", task=JOB, crontab=schedule, last_run_at=last_run_at
    )


@pytest.mark.django_db(transaction=True)  # the scheduler closes connections
@pytest.mark.parametrize(("zone", "hour", "day", "runs_at"), DST_RUNS, ids=DST_IDS)
def test_django_beat_runs_a_local_crontab_once_on_each_dst_day(beat_app, zone, hour, day, runs_at):
    start, end = local_day(zone, day)
    crontab_row(zone, hour, last_run_at=start)
    clock = Clock(start)
    with pinned(clock, beat_app):
        # Beat sleeps until the next due time, at most max_interval; the default 5 s is
        # for noticing admin changes, which this run does not make.
        beat = DatabaseScheduler(app=beat_app, max_interval=300)
        assert run_beat(beat, clock, end) == [runs_at]
        beat.close()


@pytest.mark.django_db(transaction=True)  # the scheduler closes connections
def test_django_beat_runs_an_hourly_crontab_24_times_on_the_25_hour_day(beat_app):
    start, end = local_day("Europe/Berlin", "2026-10-25")
    crontab_row("Europe/Berlin", "*", last_run_at=start)
    clock = Clock(start)
    with pinned(clock, beat_app):
        beat = DatabaseScheduler(app=beat_app, max_interval=300)
        assert run_beat(beat, clock, end) == HOURLY_FALL_BACK
        beat.close()


def loaded_at_utc_hours(app: Celery, day: str) -> list[int]:
    clock = Clock(datetime.fromisoformat(day).replace(tzinfo=UTC))
    hours = []
    with pinned(clock, app):
        for hour in range(24):
            clock.at = clock.at.replace(hour=hour, minute=30)
            if "job" in {task.name for task in DatabaseScheduler(app=app).enabled_models()}:
                hours.append(hour)
    return hours


@pytest.mark.django_db(transaction=True)  # the scheduler closes connections
@pytest.mark.parametrize("day", ["2026-01-15", "2026-07-15"], ids=["winter", "summer"])
def test_django_beat_loads_a_crontab_row_only_near_its_hour_in_utc(beat_app, day):
    """Berlin's 02:30 is 01:30 UTC in winter, 00:30 UTC in summer: the window is the
    same all year, worked out from the zone's offset on 1 January."""
    crontab_row("Europe/Berlin", 2)
    assert loaded_at_utc_hours(beat_app, day) == [0, 1, 2, 3, 23]


@pytest.mark.django_db(transaction=True)  # the scheduler closes connections
def test_django_beat_always_loads_hour_4_and_hours_that_are_not_one_number(beat_app):
    for name, hour in [("four", "4"), ("twice", "2,14"), ("far", "15")]:
        schedule = CrontabSchedule.objects.create(minute="0", hour=hour, timezone="UTC")
        PeriodicTask.objects.create(name=name, task=JOB, crontab=schedule)
    with pinned(Clock(datetime(2026, 1, 15, 9, 30, tzinfo=UTC)), beat_app):
        loaded = {task.name for task in DatabaseScheduler(app=beat_app).enabled_models()}
    # celery.backend_cleanup (04:00) is the entry the scheduler adds itself.
    assert loaded == {"celery.backend_cleanup", "four", "twice"}


@pytest.mark.django_db
def test_a_pytz_zone_is_stored_by_name_and_read_back_as_zoneinfo():
    schedule = CrontabSchedule.objects.create(
        minute="30", hour="2", timezone=pytz.timezone("Europe/Berlin")
    )
    assert CrontabSchedule.objects.filter(timezone="Europe/Berlin").get() == schedule
    schedule.refresh_from_db()
    assert schedule.timezone == ZoneInfo("Europe/Berlin")
    assert type(schedule.schedule.tz) is ZoneInfo


@pytest.mark.django_db
def test_the_demo_keeps_crontabs_in_the_sites_zone():
    from django.conf import settings

    sweep = PeriodicTask.objects.get(task="shared_tasks.snippets.delete_expired_snippets")
    assert str(sweep.crontab.timezone) == settings.TIME_ZONE == django_celery.conf.timezone
    assert settings.USE_TZ and django_celery.conf.enable_utc
