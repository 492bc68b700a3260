"""``manage.py runworker``: a Celery worker that restarts when the code changes.

Modelled on Django's ``runserver``: the parent process only watches and
supervises; each fresh child runs the system checks, warns about unapplied
migrations, prints a banner, then runs the worker in its main thread. Every
argument that is not the command's own goes to ``celery worker`` as it is.
"""

import os
import sys

import django
from django.apps import apps
from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import connections

from django_demo import celery_app


class Command(BaseCommand):
    help = (
        "Run a Celery worker for this project, restarted on each code change. "
        "Every other argument goes to `celery worker` as it is (-l info, -c 4, -Q mail, -B …)."
    )
    # Checked in every fresh worker process instead, as runserver does, so a
    # failed check is reported and the next edit tries again.
    requires_system_checks = []
    suppressed_base_arguments = {"--verbosity", "--traceback"}

    def create_parser(self, prog_name, subcommand, **kwargs):
        parser = super().create_parser(prog_name, subcommand, **kwargs)
        parse_known_args = parser.parse_known_args

        def parse_args(args=None, namespace=None):
            # What is not ours is Celery's: Celery's own parser checks it.
            options, worker_args = parse_known_args(args, namespace)
            options.worker_args = worker_args
            return options

        parser.parse_args = parse_args
        return parser

    def add_arguments(self, parser):
        parser.add_argument(
            "--no-reload", action="store_true", help="Run the worker without the reloader."
        )
        parser.add_argument(
            "--grace",
            type=float,
            default=30.0,
            help="Seconds a stopping worker may finish its tasks in, before it is stopped harder.",
        )
        parser.add_argument("--skip-checks", action="store_true", help="Skip system checks.")

    def handle(self, *args, worker_args=(), **options):
        # Development tooling: imported when the command runs, the file watcher
        # only by the process that watches.
        from launcher.worker import parse_worker_args

        worker_params = parse_worker_args(celery_app, worker_args)  # a bad option ends here
        if options["no_reload"]:
            code = self.inner_run(worker_args, **options)
        else:
            from launcher.reloader import run_reloading

            modules = [
                settings.SETTINGS_MODULE,
                *(config.name for config in apps.get_app_configs()),
                *celery_app.conf.imports,
            ]
            code = run_reloading(worker_params, modules, options["grace"])
        if code:
            sys.exit(code)

    def inner_run(self, worker_args, **options) -> int:
        from launcher.worker import banner, run_worker

        if not options["skip_checks"]:
            self.stdout.write("Performing system checks...\n\n")
            self.check(display_num_errors=True)
        # Celery's Django fixup would run them again as the worker starts.
        os.environ["CELERY_SKIP_CHECKS"] = "1"
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
        return run_worker(celery_app, worker_args)
