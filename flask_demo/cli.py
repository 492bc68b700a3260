"""The app's ``flask`` commands: ``init-db``, and ``worker``, the autoreloading worker."""

import sys
from importlib.metadata import version

import click
from flask import current_app
from flask.cli import with_appcontext
from werkzeug._reloader import _get_args_for_reloading

from devstack.reloader import Reloader, project_packages
from devstack.worker import (
    GRACE,
    NO_RELOAD,
    WORKER_OPTIONS,
    banner,
    cold_shutdown_works,
    run_worker,
    worker_argv,
)
from flask_demo.extensions import db


@click.command("init-db")
@with_appcontext
def init_db():
    """Create the database tables that do not exist yet."""
    db.create_all()
    click.echo("database ready")


def worker_options(command):
    for option in reversed((*WORKER_OPTIONS, NO_RELOAD, GRACE)):
        command = option.click_option()(command)
    return command


@click.command("worker")
@worker_options
@with_appcontext
def worker(no_reload: bool, grace: float, **options):
    """Run a Celery worker for this app, restarted on each code change."""
    app = current_app._get_current_object()
    celery_app = app.extensions["celery"]
    if no_reload:
        click.echo(
            banner(
                f"Flask version {version('flask')}, app {app.import_name!r}",
                f"Starting Celery worker for {celery_app.main!r} on {celery_app.conf.broker_url}",
            )
        )
        code = run_worker(celery_app, worker_argv(options))
    else:
        # Werkzeug's own way to re-run this command line, as `flask run --reload` does.
        command = [*_get_args_for_reloading(), "--no-reload"]
        packages = project_packages([app.import_name, *celery_app.conf.imports])
        code = Reloader(
            command,
            packages,
            grace=grace,
            serial=options["beat"],
            cold_shutdown=cold_shutdown_works(options),
        ).run()
    sys.exit(code)
