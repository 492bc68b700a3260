"""The app's ``flask`` commands: ``init-db``, and ``worker``, the autoreloading worker."""

import sys
from importlib.metadata import version

import click
from flask import current_app
from flask.cli import with_appcontext

from flask_demo.extensions import db


@click.command("init-db")
@with_appcontext
def init_db():
    """Create the database tables that do not exist yet."""
    db.create_all()
    click.echo("database ready")


@click.command("worker", context_settings={"ignore_unknown_options": True})
@click.option("--no-reload", is_flag=True, help="Run the worker without the reloader.")
@click.option(
    "--grace",
    type=float,
    default=30.0,
    show_default=True,
    help="Seconds a stopping worker may finish its tasks in, before it is stopped harder.",
)
@click.argument("worker_args", nargs=-1, type=click.UNPROCESSED)
@with_appcontext
def worker(no_reload, grace, worker_args):
    """Run a Celery worker for this app, restarted on each code change.

    Every other argument goes to `celery worker` as it is (-l info, -c 4, -Q mail, -B …).
    """
    # Imported here: every process that builds the app loads this module, and
    # only this command needs the launcher.
    from launcher.worker import banner, parse_worker_args, run_worker

    app = current_app._get_current_object()
    celery_app = app.extensions["celery"]
    worker_params = parse_worker_args(celery_app, worker_args)  # a bad option ends here
    if no_reload:
        click.echo(banner(celery_app, f"Flask version {version('flask')}, app {app.import_name!r}"))
        sys.exit(run_worker(celery_app, worker_args))
    from launcher.reloader import run_reloading

    modules = [app.import_name, *celery_app.conf.imports]
    sys.exit(run_reloading(worker_params, modules, grace))
