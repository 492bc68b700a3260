"""Both demos run the shared tasks with the same Celery settings, written once."""

from django_demo.celery import app as django_celery
from flask_demo import create_app
from shared_tasks.settings import CELERY_SETTINGS

#: Settings each app sets itself: where messages and results go, the time zone, and
#: how beat keeps its schedule (Django: rows in the database; Flask: the mapping itself).
PER_APP = {"broker_url", "result_backend", "timezone", "beat_scheduler", "beat_schedule"}


def test_both_apps_run_with_the_shared_settings():
    flask_celery = create_app("development").extensions["celery"]
    for app in (django_celery, flask_celery):
        differ = {
            name: app.conf[name]
            for name, value in CELERY_SETTINGS.items()
            if app.conf[name] != value
        }
        assert differ == {}, app.main
    assert not PER_APP & set(CELERY_SETTINGS)


def test_each_app_sets_only_its_own_celery_settings_besides():
    from django.conf import settings

    django_own = {
        name.removeprefix("CELERY_").lower() for name in dir(settings) if name.startswith("CELERY_")
    } - set(CELERY_SETTINGS)
    flask_own = set(create_app("development").config["CELERY"]) - set(CELERY_SETTINGS)
    assert django_own <= PER_APP and flask_own <= PER_APP


def test_every_shared_task_has_limits_of_its_own_within_the_backstop():
    from django_demo.celery import app

    app.loader.import_default_modules()
    shared = [task for name, task in app.tasks.items() if name.startswith("shared_tasks.")]
    assert len(shared) >= 4
    for task in shared:
        assert task.soft_time_limit < task.time_limit <= app.conf.task_time_limit, task.name
    assert app.conf.task_soft_time_limit < app.conf.task_time_limit
