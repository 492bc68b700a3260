"""THE RECIPE UNDER TEST, NOT A RECOMMENDATION: a Celery worker inside Django's autoreloader.

This is the widely copied "runworker with autoreload" management command, written
the way its proponents write it (PostHog's ``run_autoreload_celery`` has this shape):
the worker is the reloader's ``main_func``, so Django runs it in a daemon thread
of the reloader's child process, and a code change ends that process with
``sys.exit(3)`` wherever the worker was. docs/reloading.md explains why the
project does not use it; ``bench/reload.py`` measures it next to the project's
launcher (``manage.py runworker``).

It is not part of the Django demo: the benchmark copies it into a temporary copy
of the project as the management command ``autoreload_recipe``.
"""

from django.core.management.base import BaseCommand
from django.utils import autoreload

from django_demo import celery_app


class Command(BaseCommand):
    help = "The autoreload recipe under test in bench/reload.py; do not use it."

    def add_arguments(self, parser):
        # The recipe hard-codes its worker options; the benchmark needs to pick the pool.
        parser.add_argument("-P", "--pool", default="prefork")
        parser.add_argument("-c", "--concurrency")

    def handle(self, *args, pool, concurrency, **options):
        argv = ["worker", "--loglevel=INFO", f"--pool={pool}"]
        if concurrency:
            argv.append(f"--concurrency={concurrency}")

        def run_worker():
            celery_app.worker_main(argv)

        autoreload.run_with_reloader(run_worker)
