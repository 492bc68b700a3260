"""Fixtures for the Flask demo's tests (``client`` here is Flask's, not pytest-django's).

With ``DATABASE_URL`` naming a PostgreSQL server (``make test``'s second pass), the
tests run on a throw-away database there instead of a SQLite file each.
"""

from __future__ import annotations

import os
from unittest import mock
from urllib.parse import urlsplit

import pytest
from sqlalchemy import func, select

from flask_demo import create_app
from flask_demo.extensions import db
from shared_tasks.mail import send_activation_mail, send_feedback_mail
from tests.support.servers import require, throwaway_database


@pytest.fixture(scope="session")
def postgres_url():
    """A throw-away PostgreSQL database for this run, if DATABASE_URL names a server."""
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql://")):
        yield None
        return
    require("postgresql", url)
    with throwaway_database(url, "test_flask") as database:
        yield urlsplit(database)._replace(scheme="postgresql+psycopg").geturl()


@pytest.fixture(scope="session")
def database_uri(postgres_url, tmp_path_factory):
    """Where a Flask test app keeps its data: a fresh SQLite file, or the PostgreSQL one."""

    def database_uri() -> str:
        return postgres_url or f"sqlite:///{tmp_path_factory.mktemp('flask') / 'flask.sqlite3'}"

    return database_uri


@pytest.fixture
def app(database_uri):
    app = create_app("testing", SQLALCHEMY_DATABASE_URI=database_uri())
    with app.app_context():
        db.create_all()
        yield app
        db.session.remove()
        db.drop_all()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def outbox(app):
    """Mails the shared tasks send: Flask-Mailman's test backend keeps them here."""
    app.extensions["mailman"].outbox = []
    return app.extensions["mailman"].outbox


@pytest.fixture
def sent_tasks(app):
    """The shared tasks' apply_async, on this Flask app's own Celery app, mocked."""
    tasks = app.extensions["celery"].tasks
    with (
        mock.patch.object(tasks[send_activation_mail.name], "apply_async") as activation,
        mock.patch.object(tasks[send_feedback_mail.name], "apply_async") as feedback,
    ):
        yield activation, feedback


def count(model) -> int:
    """How many rows the model's table holds."""
    return db.session.scalar(select(func.count()).select_from(model))
