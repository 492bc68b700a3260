"""Sign-up, activation and log-in in the Flask demo."""

from __future__ import annotations

import re
import time
from unittest import mock

import pytest
from sqlalchemy import select

from flask_demo.extensions import db
from flask_demo.models import OutboxMessage, User
from flask_demo.tokens import MAX_AGE, make_token
from shared_tasks.mail import send_activation_mail
from shared_tasks.outbox import CONFIRM_SECONDS
from tests.cases import CONTACT, SIGN_UP
from tests.flask.conftest import count

SIGNUP = SIGN_UP["flask"]


def test_sign_up_creates_an_inactive_user_and_sends_the_mail(client, sent_tasks):
    response = client.post("/signup/", data=SIGNUP)
    user = db.session.scalar(select(User))
    assert response.status_code == 200 and b"Check your mail" in response.data
    assert not user.is_active and user.check_password(SIGNUP["password"])
    sent_tasks[0].assert_called_once_with(
        kwargs={"user_id": user.id, "site_url": "http://localhost/"},
        task_id=mock.ANY,
        confirm_timeout=CONFIRM_SECONDS,
    )
    assert count(OutboxMessage) == 0  # the broker took it


def test_activation_link_activates_once_and_logs_in(app, client, outbox):
    user = User(username="ada", email="ada@example.com", is_active=False)
    user.set_password("pw-long-enough")
    db.session.add(user)
    db.session.commit()
    assert send_activation_mail.apply(args=(user.id, "http://bin.example/")).get() == "sent"
    (mail,) = outbox
    link = re.search(r"http://bin\.example(/activate/\S+/)", mail.body).group(1)
    assert client.get(link).status_code == 302
    assert db.session.get(User, user.id).is_active
    assert b"Log out" in client.get("/").data
    again = client.get(link)
    assert again.status_code == 400 and b"already active" in again.data


@pytest.mark.parametrize("token", ["garbage", "eyJ.tampered.x"], ids=["garbage", "tampered"])
def test_bad_activation_links_give_a_clear_page(client, token):
    response = client.get(f"/activate/{token}/")
    assert response.status_code == 400 and b"not valid" in response.data


def test_expired_activation_link(app, client):
    user = User(username="ada", email="ada@example.com", password_hash="x", is_active=False)
    db.session.add(user)
    db.session.commit()
    token = make_token(user)
    with mock.patch("itsdangerous.timed.time.time", return_value=time.time() + MAX_AGE + 5):
        response = client.get(f"/activate/{token}/")
    assert response.status_code == 400
    assert not db.session.get(User, user.id).is_active


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"password2": "something-else"}, b"The two passwords differ"),
        ({"email": "not-an-email"}, b"Invalid email"),
        ({"email": ""}, b"This field is required"),
        ({"username": ""}, b"This field is required"),
        ({"username": "bad name!"}, b"Letters, digits"),
        ({"password": "short", "password2": "short"}, b"between 8 and 128"),
    ],
    ids=["mismatch", "invalid-email", "missing-email", "missing-username", "bad-username", "weak"],
)
def test_bad_sign_up_gives_form_errors_and_writes_nothing(client, sent_tasks, changes, message):
    response = client.post("/signup/", data={**SIGNUP, **changes})
    assert response.status_code == 200 and message in response.data
    assert count(User) == 0 and count(OutboxMessage) == 0
    sent_tasks[0].assert_not_called()


@pytest.mark.parametrize(
    "changes",
    [{"email": "other@example.com"}, {"username": "other", "email": "ADA@example.com"}],
    ids=["duplicate-username", "duplicate-email"],
)
def test_duplicates_are_refused(client, sent_tasks, changes):
    client.post("/signup/", data=SIGNUP)
    response = client.post("/signup/", data={**SIGNUP, **changes})
    assert response.status_code == 200 and b"already exists" in response.data
    assert count(User) == 1


def test_csrf_is_required_outside_testing(tmp_path):
    from flask_demo import create_app

    app = create_app(
        "testing",
        WTF_CSRF_ENABLED=True,
        SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'csrf.sqlite3'}",
    )
    with app.app_context():
        db.create_all()
        for path, data in (("/signup/", SIGNUP), ("/contact/", CONTACT)):
            assert app.test_client().post(path, data=data).status_code == 400
        assert count(User) == 0 and count(OutboxMessage) == 0


def test_inactive_user_cannot_log_in_and_active_one_can(client):
    user = User(username="ada", email="ada@example.com", is_active=False)
    user.set_password("pw-long-enough")
    db.session.add(user)
    db.session.commit()
    form = {"username": "ada", "password": "pw-long-enough"}
    assert b"correct username and password" in client.post("/login/", data=form).data
    user.is_active = True
    db.session.commit()
    assert client.post("/login/", data=form).status_code == 302
    assert b"Log out" in client.get("/").data
    assert client.post("/logout/").status_code == 302
    assert b"Log in" in client.get("/").data


def test_an_activation_mail_that_meets_a_database_error_is_retried(app, outbox, monkeypatch):
    from sqlalchemy.exc import OperationalError

    from flask_demo import mails

    user = User(username="ada", email="ada@example.com", is_active=False)
    user.set_password("pw-long-enough")
    db.session.add(user)
    db.session.commit()
    real, tries = mails.activation, []

    def database_away_once(*args):
        tries.append(1)
        if len(tries) == 1:
            raise OperationalError("SELECT", {}, Exception("server closed the connection"))
        return real(*args)

    monkeypatch.setattr(mails, "activation", database_away_once)
    result = send_activation_mail.apply(kwargs={"user_id": user.id, "site_url": "http://x/"})
    assert (result.get(), len(tries), len(outbox)) == ("sent", 2, 1)
