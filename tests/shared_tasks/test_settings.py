"""Both demos run the shared tasks with the same Celery settings, written each app's way."""

from django.conf import settings

from flask_demo.config import Config

#: Settings that differ by design: where messages and results go, and how beat
#: keeps its schedule (Django: rows in the database; Flask: the mapping itself).
PER_APP = {"broker_url", "result_backend", "beat_scheduler", "beat_schedule"}


def django_celery_settings() -> dict:
    return {
        name.removeprefix("CELERY_").lower(): getattr(settings, name)
        for name in dir(settings)
        if name.startswith("CELERY_")
    }


def comparable(value):
    return tuple(value) if isinstance(value, list | tuple) else value


def test_the_django_and_flask_celery_settings_agree():
    django, flask = django_celery_settings(), dict(Config.CELERY)
    assert set(django) - PER_APP == set(flask) - PER_APP
    differ = {
        name: (django[name], flask[name])
        for name in set(django) - PER_APP
        if comparable(django[name]) != comparable(flask[name])
    }
    assert differ == {}


def test_every_shared_task_has_limits_of_its_own_within_the_backstop():
    from django_demo.celery import app

    app.loader.import_default_modules()
    shared = [task for name, task in app.tasks.items() if name.startswith("shared_tasks.")]
    assert len(shared) >= 4
    for task in shared:
        assert task.soft_time_limit < task.time_limit <= app.conf.task_time_limit, task.name
    assert app.conf.task_soft_time_limit < app.conf.task_time_limit
