# Importing the Celery app here makes it the current app as soon as Django
# starts, so @shared_task binds to it in the web process too.
from django_demo.celery import app as celery_app

__all__ = ("celery_app",)
