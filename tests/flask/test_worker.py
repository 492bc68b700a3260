"""The Flask demo's tasks through a real worker, on each broker."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from celery.contrib.testing.worker import start_worker
from sqlalchemy import select

from flask_demo import create_app
from flask_demo.extensions import db
from flask_demo.models import Snippet, User, utcnow
from flask_demo.site import FlaskSite
from shared_tasks.snippets import delete_expired_snippets
from tests.conftest import wait_for

pytestmark = pytest.mark.broker
MAILS = []


@pytest.fixture(scope="module")
def stack(broker_url, tmp_path_factory):
    db_path = tmp_path_factory.mktemp("flaskdb") / "flask.sqlite3"
    app = create_app("testing", SQLALCHEMY_DATABASE_URI=f"sqlite:///{db_path}")
    celery_app = app.extensions["celery"]
    celery_app.conf.update(
        broker_url=broker_url,
        broker_heartbeat=0,
        result_backend=f"db+sqlite:///{db_path.with_name('results.sqlite3')}",
        task_default_queue="flask-tests",
    )
    patch = pytest.MonkeyPatch()
    patch.setattr(FlaskSite, "send_mail", lambda self, mail: MAILS.append(mail))
    with app.app_context():
        db.create_all()
        celery_app.control.purge()
        with start_worker(celery_app, pool="solo", perform_ping_check=False):
            yield app
    patch.undo()


def test_sign_up_to_activation_through_the_worker(stack):
    MAILS.clear()
    client = stack.test_client()
    form = {
        "username": "ada",
        "email": "ada@example.com",
        "password": "correct-horse-battery",
        "password2": "correct-horse-battery",
    }
    response = client.post("/signup/", data=form, base_url="https://bin.example.org")
    assert response.status_code == 200

    def activation_mail():
        """the activation mail"""
        return MAILS

    (mail,) = wait_for(activation_mail)
    # url_for in the worker built the link for the host the user signed up on
    link = re.search(r"https://bin\.example\.org(/activate/\S+/)", mail.body).group(1)
    assert client.get(link).status_code == 302
    assert db.session.scalar(select(User).where(User.username == "ada")).is_active


def test_sweep_through_the_worker(stack):
    for when in (utcnow() - timedelta(days=1), utcnow() + timedelta(days=1)):
        snippet = Snippet(code=str(when), expiration="1w")
        snippet.expires_at = when
        db.session.add(snippet)
    db.session.commit()
    with stack.app_context():  # as a CLI command would send it
        assert delete_expired_snippets.delay().get(timeout=15) == 1
    db.session.expire_all()
    assert len(db.session.scalars(select(Snippet)).all()) == 1
