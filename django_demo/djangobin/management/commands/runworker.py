"""``manage.py runworker``: a Celery worker that restarts when the code changes.

Modelled on Django's ``runserver``: the parent process only watches and
supervises; each fresh child runs the system checks, warns about unapplied
migrations, prints a banner, then runs the worker in its main thread.
"""

import sys

import django
from django.apps import apps
from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import connections
from django.utils import autoreload

from devstack.reloader import run_reloading
from devstack.worker import LAUNCHER_OPTIONS, banner, run_worker, worker_argv
from django_demo import celery_app


class Command(BaseCommand):
    help = "Run a Celery worker for this project, restarted on each code change."
    # Checked in every fresh worker process instead, as runserver does, so a
    # failed check is reported and the next edit tries again.
    requires_system_checks = []
    suppressed_base_arguments = {"--verbosity", "--traceback"}

    def add_arguments(self, parser):
        for option in LAUNCHER_OPTIONS:
            parser.add_argument(*option.flags, **option.argparse_kwargs())
        parser.add_argument("--skip-checks", action="store_true", help="Skip system checks.")

    def handle(self, *args, **options):
        if options["no_reload"]:
            code = self.inner_run(**options)
        else:
            modules = [
                settings.SETTINGS_MODULE,
                *(config.name for config in apps.get_app_configs()),
                *celery_app.conf.imports,
            ]
            # Django's own way to re-run this command line (python -m, -W, -X kept).
            code = run_reloading(autoreload.get_child_arguments(), modules, options)
        if code:
            sys.exit(code)

    def inner_run(self, **options) -> int:
        if not options["skip_checks"]:
            self.stdout.write("Performing system checks...\n\n")
            self.check(display_num_errors=True)
        self.check_migrations()
        # The worker opens its own connections, in each pool process.
        for connection in connections.all(initialized_only=True):
            connection.close()
        self.stdout.write(
            banner(
                celery_app,
                f"Django version {django.get_version()}, "
                f"using settings {settings.SETTINGS_MODULE!r}",
            )
        )
        return run_worker(celery_app, worker_argv(options))
