"""The Flask demo's tasks through a real worker, on each broker."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from celery.contrib.testing.worker import start_worker
from sqlalchemy import select

from flask_demo import create_app
from flask_demo.extensions import db
from flask_demo.models import OutboxMessage, Snippet, User, utcnow
from shared_tasks.outbox import RELAY_AFTER_SECONDS, relay_outbox
from shared_tasks.snippets import delete_expired_snippets
from tests.cases import CONTACT, SIGN_UP
from tests.shared_tasks.test_hostile import message_count, put
from tests.support.brokers import own_key_space, use_broker
from tests.support.processes import wait_for
from tests.support.servers import unreachable

pytestmark = pytest.mark.broker
MAILS = []
SIGNUP = SIGN_UP["flask"]


@pytest.fixture(scope="module")
def stack(broker_url, database_uri, tmp_path_factory):
    app = create_app("testing", SQLALCHEMY_DATABASE_URI=database_uri())
    celery_app = app.extensions["celery"]
    results = tmp_path_factory.mktemp("flask-results") / "results.sqlite3"
    celery_app.conf.update(
        broker_url=broker_url, broker_heartbeat=0, result_backend=f"db+sqlite:///{results}"
    )
    # Flask-Mailman's test backend keeps what the tasks send.
    app.extensions["mailman"].outbox = MAILS
    with app.app_context(), own_key_space(celery_app):
        db.create_all()
        celery_app.control.purge()
        with start_worker(celery_app, pool="solo", perform_ping_check=False):
            yield app
        db.session.remove()
        db.drop_all()


def test_sign_up_to_activation_through_the_worker(stack):
    MAILS.clear()
    client = stack.test_client()
    response = client.post("/signup/", data=SIGNUP, base_url="https://bin.example.org")
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


def test_sign_up_while_the_broker_is_down_mails_once_it_is_back(stack, broker_url):
    MAILS.clear()
    celery_app = stack.extensions["celery"]
    client = stack.test_client()
    use_broker(celery_app, unreachable(broker_url))
    try:
        form = {**SIGNUP, "username": "bob", "email": "bob@example.com"}
        response = client.post("/signup/", data=form, base_url="https://bin.example.org")
        contact = client.post("/contact/", data=CONTACT)
    finally:
        use_broker(celery_app, broker_url)
    # Sign-up answered as usual and kept its message; the contact form asks the
    # visitor to send again (no 500, and nothing half-sent).
    assert response.status_code == 200 and b"Check your mail" in response.data
    assert contact.status_code == 200 and b"could not be sent just now" in contact.data
    assert db.session.scalar(select(User).where(User.username == "bob")) is not None
    pending = db.session.scalars(select(OutboxMessage)).all()
    assert [message.task for message in pending] == ["shared_tasks.mail.send_activation_mail"]
    assert MAILS == []

    # The broker is back; beat's next relay run finds the messages old enough.
    for message in pending:
        message.created_at = utcnow() - timedelta(seconds=RELAY_AFTER_SECONDS + 1)
    db.session.commit()
    with stack.app_context():  # as beat sends it: this app's Celery app is current
        assert relay_outbox.delay().get(timeout=15) == 1

    def the_mail():
        """the activation mail"""
        return len(MAILS) == 1

    wait_for(the_mail)
    # Relayed outside any request, the link is built from the site URL the view stored.
    (activation,) = MAILS
    assert activation.to == ["bob@example.com"]
    assert "https://bin.example.org/activate/" in activation.body
    db.session.expire_all()
    assert db.session.scalars(select(OutboxMessage)).all() == []
    with stack.app_context():
        assert relay_outbox.delay().get(timeout=15) == 0  # nothing sent twice


def test_a_malformed_message_is_refused_and_the_worker_goes_on(stack):
    celery_app = stack.extensions["celery"]
    put('"just a string"', "application/json", task=delete_expired_snippets.name, app=celery_app)
    with stack.app_context():
        assert delete_expired_snippets.delay().get(timeout=15) == 0
    assert message_count(delete_expired_snippets.name, celery_app) == 0
