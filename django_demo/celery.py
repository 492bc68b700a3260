"""The Celery app of the Django demo, as in Celery's "First steps with Django"."""

import os

from celery import Celery

from shared_tasks import worker_steps

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "django_demo.settings")

app = Celery("django_demo")
# Every CELERY_* Django setting, read lazily, so settings are loaded only when needed.
app.config_from_object("django.conf:settings", namespace="CELERY")
# Finds tasks.py in each installed Django app.
app.autodiscover_tasks()
# A malformed message is refused instead of stopping the worker.
worker_steps.install(app)
