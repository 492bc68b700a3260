"""Beat restarts: a periodic run is neither doubled nor lost.

Beat keeps each entry's last run time (the Django demo in the database, the
Flask demo in a shelve file) and writes it back only when it syncs: by default
every three minutes, here (``beat_sync_every = 1``) after every run. A beat
killed between a run and its sync sends that run again when it restarts; one
that was down across several due times runs the entry once when it is back
(django-celery-beat: once the entry's hour is near, see below).
The schedulers here run in this process and publish to an in-memory broker.
"""

from datetime import UTC, datetime, timedelta
from importlib import import_module
from unittest import mock

import pytest
from celery.beat import PersistentScheduler
from celery.signals import before_task_publish
from django.apps import apps
from django.utils import timezone
from django_celery_beat.models import PeriodicTask
from django_celery_beat.schedulers import DatabaseScheduler

from django_demo.celery import app as django_celery
from flask_demo import create_app
from shared_tasks.snippets import delete_expired_snippets
from tests.support.brokers import use_broker

SWEEP = delete_expired_snippets.name


@pytest.fixture
def sent():
    """Names of the tasks published while the test runs."""
    names = []

    def record(sender=None, **_):
        names.append(sender)

    before_task_publish.connect(record)
    yield names
    before_task_publish.disconnect(record)


def yesterday():
    """A last run before the latest midnight: the daily sweep is due again."""
    return datetime.now(UTC) - timedelta(days=1, hours=1)


# Django: django-celery-beat's DatabaseScheduler ---------------------------------


def beat_clock_at(hour: int):
    """django-celery-beat 2.9 loads a crontab entry only while the hour of the
    scheduler's clock is within two hours of the entry's hour; pin that clock."""
    at = datetime.now(UTC).replace(hour=hour, minute=30)
    return mock.patch("django_celery_beat.schedulers.aware_now", return_value=at)


@pytest.fixture
def django_beat(sent):
    # A transactional test starts from empty tables: make the sweep as migrate does.
    import_module("django_demo.djangobin.migrations.0002_sweep_schedule").create_sweep(apps, None)
    previous = django_celery.conf.broker_url, django_celery.conf.beat_sync_every
    use_broker(django_celery, "memory://")
    with beat_clock_at(0):  # around the sweep's midnight, whatever the time of the test
        yield django_celery
    use_broker(django_celery, previous[0])
    django_celery.conf.beat_sync_every = previous[1]


def sweep_ran_at(when):
    # save(), not update(): its signal tells a running scheduler to reload.
    sweep = PeriodicTask.objects.get(task=SWEEP)
    sweep.last_run_at = when
    sweep.save()


@pytest.mark.django_db(transaction=True)  # the scheduler closes connections
@pytest.mark.parametrize(("sync_every", "runs"), [(1, 2), (0, 3)], ids=["ours", "celery-default"])
def test_django_beat_killed_after_a_run_does_not_repeat_it(django_beat, sent, sync_every, runs):
    django_beat.conf.beat_sync_every = sync_every
    sweep_ran_at(yesterday())
    beat = DatabaseScheduler(app=django_beat)
    beat.tick()  # today's sweep
    sweep_ran_at(yesterday())  # a day later, the next one is due
    beat.tick()
    # Killed here: no close(), so no final sync.
    restarted = DatabaseScheduler(app=django_beat)
    restarted.tick()
    assert sent.count(SWEEP) == runs
    for scheduler in (beat, restarted):  # not left to sync after the test database is gone
        scheduler.close()


@pytest.mark.django_db(transaction=True)  # the scheduler closes connections
def test_django_beat_picks_up_a_change_made_in_the_admin_without_a_restart(django_beat):
    beat = DatabaseScheduler(app=django_beat)
    assert SWEEP in {entry.task for entry in beat.schedule.values()}
    sweep = PeriodicTask.objects.get(task=SWEEP)
    sweep.enabled = False
    sweep.save()  # as the admin does: the save tells running schedulers to reload
    assert SWEEP not in {entry.task for entry in beat.schedule.values()}
    beat.close()


@pytest.mark.django_db(transaction=True)  # the scheduler closes connections
def test_django_beat_down_for_days_runs_the_sweep_once_when_back(django_beat, sent):
    sweep_ran_at(timezone.now() - timedelta(days=3))
    beat = DatabaseScheduler(app=django_beat)
    beat.tick()
    beat.tick()
    assert sent.count(SWEEP) == 1
    beat.close()


@pytest.mark.django_db(transaction=True)  # the scheduler closes connections
def test_django_beat_back_far_from_midnight_runs_the_missed_sweep_two_hours_early(
    django_beat, sent
):
    sweep_ran_at(timezone.now() - timedelta(days=2))
    with beat_clock_at(12):  # back at noon: the midnight entry is not even loaded
        beat = DatabaseScheduler(app=django_beat)
        beat.tick()
        assert sent.count(SWEEP) == 0
        beat.close()
    with beat_clock_at(22):  # at 22:00 it is, and it is overdue
        beat = DatabaseScheduler(app=django_beat)
        beat.tick()
        assert sent.count(SWEEP) == 1
        beat.close()


# Flask: Celery's own PersistentScheduler (a shelve file) --------------------------


@pytest.fixture
def flask_celery():
    return create_app("testing").extensions["celery"]


def flask_beat(celery_app, path):
    return PersistentScheduler(app=celery_app, schedule_filename=str(path))


def flask_sweep_ran_at(beat, when):
    beat.schedule["delete-expired-snippets"].last_run_at = when
    beat.sync()  # on file, as the database row is for Django
    beat.populate_heap()  # due times are computed when the heap is built


@pytest.mark.parametrize(("sync_every", "runs"), [(1, 2), (0, 3)], ids=["ours", "celery-default"])
def test_flask_beat_killed_after_a_run_does_not_repeat_it(
    flask_celery, tmp_path, sent, sync_every, runs
):
    flask_celery.conf.beat_sync_every = sync_every
    beat = flask_beat(flask_celery, tmp_path / "beat")
    flask_sweep_ran_at(beat, yesterday())
    beat.tick()  # today's sweep
    flask_sweep_ran_at(beat, yesterday())  # a day later, the next one is due
    beat.tick()
    # Killed here: no close(), so the shelve file has only what was synced.
    flask_beat(flask_celery, tmp_path / "beat").tick()
    assert sent.count(SWEEP) == runs


def test_flask_beat_down_for_days_runs_the_sweep_once_when_back(flask_celery, tmp_path, sent):
    beat = flask_beat(flask_celery, tmp_path / "beat")
    flask_sweep_ran_at(beat, datetime.now(UTC) - timedelta(days=3))
    beat.tick()
    beat.tick()
    assert sent.count(SWEEP) == 1
