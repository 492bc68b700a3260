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
def outbox(app, monkeypatch):
    """Mails the shared tasks send, captured instead of going over SMTP."""
    from flask_demo.site import FlaskSite

    sent = []
    monkeypatch.setattr(FlaskSite, "send_mail", lambda self, mail: sent.append(mail))
    return sent
