"""Fixtures for the Flask demo's tests (``client`` here is Flask's, not pytest-django's)."""

from __future__ import annotations

import pytest

from flask_demo import create_app
from flask_demo.extensions import db


@pytest.fixture
def app(tmp_path):
    app = create_app("testing", SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'flask.sqlite3'}")
    with app.app_context():
        db.create_all()
        yield app
        db.session.remove()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def outbox(app):
    """Mails the shared tasks send: Flask-Mailman's test backend keeps them here."""
    app.extensions["mailman"].outbox = []
    return app.extensions["mailman"].outbox
