"""Time zones: what eta, expires and Celery's own beat do with them (docs/timezones.md).

Every test pins the clock, so the results are the same on any day and in any zone
the machine is in. The DST days are those of 2026: Europe/Berlin springs forward at
02:00 on 29 March and falls back at 03:00 on 25 October; America/New_York springs
forward at 02:00 on 8 March and falls back at 02:00 on 1 November.
"""

from datetime import UTC, datetime, time, timedelta
from unittest import mock
from zoneinfo import ZoneInfo

import pytest
from celery import Celery
from celery.beat import PersistentScheduler
from celery.schedules import crontab
from celery.signals import before_task_publish
from celery.worker.request import Request

from django_demo.celery import app as django_celery

JOB = "tz.job"

# (zone, crontab hour, DST day, the one run that day, in UTC)
DST_RUNS = [
    # 02:30 does not exist: it runs at 03:30 CEST, the instant 02:30 CET would have been.
    ("Europe/Berlin", 2, "2026-03-29", "01:30"),
    # 02:30 happens twice: it runs once, at the first (CEST).
    ("Europe/Berlin", 2, "2026-10-25", "00:30"),
    ("America/New_York", 2, "2026-03-08", "07:30"),
    # New York repeats 01:00-01:59, not 02:30: once, at the first 01:30 (EDT)...
    ("America/New_York", 1, "2026-11-01", "05:30"),
    # ...and 02:30 happens once anyway, in EST.
    ("America/New_York", 2, "2026-11-01", "07:30"),
]
DST_IDS = [f"{zone}-{hour:02d}:30-{day}" for zone, hour, day, _ in DST_RUNS]


class Clock:
    """The time every part of beat reads, moved by the simulation, never by the wall."""

    def __init__(self, at: datetime):
        self.at = at

    def now(self, tz=None):
        return self.at.astimezone(tz or UTC)


def local_day(zone: str, day: str) -> tuple[datetime, datetime]:
    """The local calendar day, as two UTC instants: 23 or 25 hours apart on DST days."""
    date = datetime.fromisoformat(day).date()
    start = datetime.combine(date, time(0), ZoneInfo(zone))
    end = datetime.combine(date + timedelta(days=1), time(0), ZoneInfo(zone))
    return start.astimezone(UTC), end.astimezone(UTC)


def run_beat(scheduler, clock: Clock, until: datetime) -> list[str]:
    """Beat's own loop (celery.apps.beat: tick, sleep what it says) on the pinned clock;
    the UTC times, to the minute, at which it sent the job."""
    sent = []

    def record(sender=None, **_):
        if sender == JOB:
            sent.append(clock.at.strftime("%H:%M"))

    before_task_publish.connect(record)
    try:
        while clock.at < until:
            # A tick that returns 0 runs again at once; real time moves meanwhile.
            clock.at += timedelta(seconds=max(scheduler.tick(), 1))
    finally:
        before_task_publish.disconnect(record)
    return sent


# Celery's own beat: PersistentScheduler, as the Flask demo runs it --------------


def beat_app(zone: str) -> Celery:
    app = Celery("tz", broker="memory://")
    app.conf.timezone = zone
    return app


@pytest.fixture
def current():
    """The schedule file does not pickle an entry's app: an entry read back uses the
    *current* app (its time zone, its clock). Beat has one app; tests restore theirs."""
    yield
    django_celery.set_current()


@pytest.mark.parametrize(("zone", "hour", "day", "runs_at"), DST_RUNS, ids=DST_IDS)
def test_celery_beat_runs_a_local_crontab_once_on_each_dst_day(
    tmp_path, current, zone, hour, day, runs_at
):
    app = beat_app(zone)
    app.conf.beat_schedule = {"job": {"task": JOB, "schedule": crontab(minute=30, hour=hour)}}
    start, end = local_day(zone, day)
    clock = Clock(start)
    with mock.patch.object(app, "now", lambda: clock.now(app.timezone)):
        beat = PersistentScheduler(app=app, schedule_filename=str(tmp_path / "beat"))
        assert run_beat(beat, clock, end) == [runs_at]
        beat.close()


# Berlin's fall-back day has 25 hours; an hourly entry runs 24 times: once per wall-clock
# time, so not in the second 02:00-02:59 (01:30 UTC is missing).
HOURLY_FALL_BACK = ["22:30", "23:30", "00:30", "02:30", *(f"{h:02d}:30" for h in range(3, 23))]
# In the hour that does not exist, an every-15-minutes entry runs once, at 03:00 CEST.
QUARTERS_SPRING_FORWARD = ["01:00"]


@pytest.mark.parametrize(
    ("minute", "hour", "day", "runs_at"),
    [
        ("30", "*", "2026-10-25", HOURLY_FALL_BACK),
        ("*/15", "2", "2026-03-29", QUARTERS_SPRING_FORWARD),
    ],
    ids=["hourly-fall-back", "quarters-in-the-missing-hour"],
)
def test_celery_beat_runs_each_wall_clock_time_at_most_once(
    tmp_path, current, minute, hour, day, runs_at
):
    app = beat_app("Europe/Berlin")
    schedule = crontab(minute=minute, hour=hour)
    app.conf.beat_schedule = {"job": {"task": JOB, "schedule": schedule}}
    start, end = local_day("Europe/Berlin", day)
    clock = Clock(start)
    with mock.patch.object(app, "now", lambda: clock.now(app.timezone)):
        beat = PersistentScheduler(app=app, schedule_filename=str(tmp_path / "beat"))
        assert run_beat(beat, clock, end) == runs_at
        beat.close()


def test_changing_the_time_zone_forgets_every_last_run(tmp_path, current):
    last_run = datetime(2026, 1, 1, tzinfo=UTC)

    def last_run_in(zone):
        app = beat_app(zone)
        app.conf.beat_schedule = {"job": {"task": JOB, "schedule": crontab(minute=0, hour=0)}}
        beat = PersistentScheduler(app=app, schedule_filename=str(tmp_path / "beat"))
        seen = beat.schedule["job"].last_run_at
        beat.schedule["job"].last_run_at = last_run
        beat.close()
        return seen

    last_run_in("UTC")
    assert last_run_in("UTC") == last_run
    assert last_run_in("Europe/Berlin") != last_run  # a new entry, as on a first start


# eta, countdown and expires: the message, and how a worker reads it ---------------

NOW = datetime(2026, 1, 15, 12, 0, tzinfo=UTC)  # Berlin is at +01:00
BERLIN = ZoneInfo("Europe/Berlin")
NEW_YORK = ZoneInfo("America/New_York")


@pytest.fixture
def berlin_app():
    """A producer and a worker in Europe/Berlin, on an in-memory broker, at NOW."""
    app = Celery("tz", broker="memory://", set_as_current=False)
    app.conf.timezone = "Europe/Berlin"
    with mock.patch.object(app, "now", lambda: NOW.astimezone(app.timezone)):
        yield app


def published(app: Celery, **options):
    """Send a task with ``options``; the message as it is on the queue, and the Request
    a worker of ``app`` makes of it."""
    app.send_task(JOB, queue="tz", **options)
    with app.connection_for_read() as connection:
        channel = connection.default_channel
        message = channel.message_to_python(channel.basic_get("tz", no_ack=True))
    return message, Request(message, app=app, task=mock.Mock(ignore_result=True))


@pytest.mark.parametrize(
    ("eta", "header", "worker_runs_at"),
    [
        # Naive: sent as it is, and every worker reads it as UTC, whatever its zone.
        (datetime(2026, 1, 15, 13, 0), "2026-01-15T13:00:00", "2026-01-15T14:00:00+01:00"),
        (
            datetime(2026, 1, 15, 13, 0, tzinfo=BERLIN),
            "2026-01-15T13:00:00+01:00",
            "2026-01-15T13:00:00+01:00",
        ),
    ],
    ids=["naive", "aware"],
)
def test_eta(berlin_app, eta, header, worker_runs_at):
    message, request = published(berlin_app, eta=eta)
    assert message.headers["eta"] == header
    assert request.eta.isoformat() == worker_runs_at


def test_countdown_becomes_an_aware_eta_in_the_apps_zone(berlin_app):
    message, request = published(berlin_app, countdown=60)
    assert message.headers["eta"] == "2026-01-15T13:01:00+01:00"
    assert request.eta == NOW + timedelta(seconds=60)


@pytest.mark.parametrize(
    ("expires", "header", "ttl_ms", "worker_expires_at"),
    [
        (60, "2026-01-15T13:01:00+01:00", 60_000, NOW + timedelta(seconds=60)),
        # Naive: UTC, for the broker's TTL as for the worker.
        (datetime(2026, 1, 15, 13, 0), "2026-01-15T13:00:00", 3_600_000, NOW + timedelta(hours=1)),
        (
            datetime(2026, 1, 15, 13, 0, tzinfo=NEW_YORK),
            "2026-01-15T13:00:00-05:00",
            6 * 3_600_000,
            NOW + timedelta(hours=6),
        ),
    ],
    ids=["seconds", "naive", "aware"],
)
def test_expires_is_a_header_and_a_broker_ttl(
    berlin_app, expires, header, ttl_ms, worker_expires_at
):
    message, request = published(berlin_app, expires=expires)
    assert message.headers["expires"] == header
    assert int(message.properties["expiration"]) == ttl_ms  # milliseconds
    assert request.expires == worker_expires_at
