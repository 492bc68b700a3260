"""The Celery app of the Django demo, as in Celery's "First steps with Django"."""

import os

import django
from celery import Celery

from shared_tasks.worker_steps import CONSUMER_STEPS

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "django_demo.settings")

# Every task is an instance of this class: Celery's DjangoTask (delay_on_commit), plus
# what the shared tasks ask of Django (shared_tasks/framework.py). A dotted string,
# so the models it uses are imported once Django is set up.
app = Celery("django_demo", task_cls="django_demo.djangobin.task_class:DjangobinTask")
# Every CELERY_* Django setting, read lazily, so settings are loaded only when needed.
app.config_from_object("django.conf:settings", namespace="CELERY")
# No autodiscover_tasks(): the tasks are shared with the Flask demo, so they live
# outside any Django app, and the shared settings' "imports" names their modules.
# Steps that mend two failures of Celery and kombu in the worker (shared_tasks/worker_steps.py).
app.steps["consumer"].update(CONSUMER_STEPS)


@app.on_after_configure.connect
def set_up_django(**kwargs):
    """Celery's own commands (``celery -A django_demo call``, ``result``) load this app
    without setting Django up, and the django-db result backend needs Django's models
    (django-celery-results#439). A process that is setting Django up is left alone."""
    from django.apps import apps

    if not apps.ready and not apps.loading:
        django.setup()
