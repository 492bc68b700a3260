"""The app's ``flask`` commands: ``init-db``, and ``worker``, the autoreloading worker."""

import sys
from importlib.metadata import version

import click
from flask import current_app
from flask.cli import with_appcontext
from werkzeug._reloader import _get_args_for_reloading

from devstack.worker import LAUNCHER_OPTIONS, banner, run_worker, worker_argv
from flask_demo.extensions import db


@click.command("init-db")
@with_appcontext
def init_db():
    """Create the database tables that do not exist yet."""
    db.create_all()
    click.echo("database ready")


def worker_options(command):
    for option in reversed(LAUNCHER_OPTIONS):
        command = option.click_option()(command)
    return command


@click.command("worker")
@worker_options
@with_appcontext
def worker(**options):
    """Run a Celery worker for this app, restarted on each code change."""
    app = current_app._get_current_object()
    celery_app = app.extensions["celery"]
    if options["no_reload"]:
        click.echo(banner(celery_app, f"Flask version {version('flask')}, app {app.import_name!r}"))
        sys.exit(run_worker(celery_app, worker_argv(options)))
    # Imported here: every process that builds the app loads this module, and
    # only the launcher needs the file watcher.
    from devstack.reloader import run_reloading

    # Werkzeug's own way to re-run this command line, as `flask run --reload` does.
    modules = [app.import_name, *celery_app.conf.imports]
    sys.exit(run_reloading(_get_args_for_reloading(), modules, options))
