"""The Flask demo's djangobin features, parallel to the Django tests."""

from __future__ import annotations

import re
import time
from datetime import timedelta
from unittest import mock

import pytest
from sqlalchemy import func, select

from flask_demo.extensions import db
from flask_demo.models import OutboxMessage, Snippet, User, utcnow
from flask_demo.tokens import MAX_AGE, make_token
from shared_tasks.mail import send_activation_mail, send_feedback_mail
from shared_tasks.outbox import CONFIRM_SECONDS
from shared_tasks.snippets import delete_expired_snippets, sweep
from tests.cases import BAD_SNIPPETS, CONTACT
from tests.support import in_zone, times_as_shown

SIGNUP = {
    "username": "ada",
    "email": "ada@example.com",
    "password": "correct-horse-battery",
    "password2": "correct-horse-battery",
}


def count(model):
    return db.session.scalar(select(func.count()).select_from(model))


@pytest.fixture
def sent_tasks(app):
    """The shared tasks' apply_async, on this Flask app's own Celery app, mocked."""
    tasks = app.extensions["celery"].tasks
    with (
        mock.patch.object(tasks[send_activation_mail.name], "apply_async") as activation,
        mock.patch.object(tasks[send_feedback_mail.name], "apply_async") as feedback,
    ):
        yield activation, feedback


# Snippets ---------------------------------------------------------------------


def test_create_and_view_a_snippet(client):
    response = client.post("/", data={"title": "Hi", "code": "print('hi')", "expiration": "1w"})
    snippet = db.session.scalar(select(Snippet))
    assert response.status_code == 302 and response.location.endswith(f"/{snippet.slug}/")
    assert snippet.expires_at == snippet.created_at + timedelta(weeks=1)
    page = client.get(f"/{snippet.slug}/")
    assert page.status_code == 200 and b"print(&#39;hi&#39;)" in page.data


def test_snippet_times_are_shown_in_the_readers_zone(client):
    client.post("/", data={"title": "Hi", "code": "print('hi')", "expiration": "1w"})
    snippet = db.session.scalar(select(Snippet))
    zone = "America/New_York"
    for path in ("/", f"/{snippet.slug}/"):
        shown = times_as_shown(client.get(path).get_data(as_text=True), zone)
        assert in_zone(snippet.expires_at, zone) in shown[-1], (path, shown)


@BAD_SNIPPETS
def test_bad_snippet_input_gives_form_errors_and_no_row(client, data):
    response = client.post("/", data=data)
    assert response.status_code == 200 and b"errorlist" in response.data
    assert count(Snippet) == 0


def test_expired_snippet_is_404_before_the_sweep(client):
    snippet = Snippet(code="x", expiration="1w")
    db.session.add(snippet)
    db.session.commit()
    snippet.expires_at = utcnow() - timedelta(seconds=1)
    db.session.commit()
    assert client.get(f"/{snippet.slug}/").status_code == 404
    assert count(Snippet) == 1


def test_sweep_deletes_expired_in_batches_and_keeps_the_rest(app):
    now = utcnow()
    times = [now - timedelta(minutes=i + 1) for i in range(10)]
    times += [now + timedelta(minutes=5), None]  # later today, never
    for when in times:
        s = Snippet(code="x", expiration="1w")
        s.expires_at = when
        db.session.add(s)
    db.session.commit()
    assert delete_expired_snippets.apply(kwargs={"batch_size": 4}).get() == 10
    assert count(Snippet) == 2


def test_sweep_batches_stay_within_their_size_when_many_expire_at_once(app):
    # A bulk import can give thousands the same expiry time: the range ends there,
    # and the batch falls back on their keys.
    now = utcnow()
    for _ in range(250):
        s = Snippet(code="x", expiration="1w")
        s.expires_at = now - timedelta(hours=1)
        db.session.add(s)
    db.session.commit()
    assert list(sweep(Snippet, now, 100)) == [100, 100, 50]


# Accounts ---------------------------------------------------------------------


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


# Contact ----------------------------------------------------------------------


def test_contact_form_sends_the_feedback_mail(client, sent_tasks):
    assert client.post("/contact/", data=CONTACT).status_code == 302
    sent_tasks[1].assert_called_once_with((), CONTACT)


def test_feedback_mail_goes_to_the_admins(app, outbox):
    app.config["ADMINS"] = ["one@example.com", "two@example.com"]
    assert send_feedback_mail.apply(kwargs=CONTACT).get() == "sent"
    (mail,) = outbox
    assert mail.to == ["one@example.com", "two@example.com"]
    assert mail.reply_to == ["grace@example.com"]
    assert mail.subject == "[Bug report] Snippets vanish (from Grace)"
    assert "expired & disappeared <early>?" in mail.body


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"name": "Grace\r\nBcc: victim@example.com"}, b"Line breaks are not allowed"),
        ({"subject": "Hi\nBcc: victim@example.com"}, b"Line breaks are not allowed"),
        ({"name": "Grace\n"}, b"Line breaks are not allowed"),
        ({"subject": "Hi\n"}, b"Line breaks are not allowed"),
        ({"email": "grace@example.com\nBcc: v@example.com"}, b"Invalid email"),
        ({"purpose": "spam"}, b"Not a valid choice"),
        ({"message": ""}, b"This field is required"),
        ({"message": "m" * 5001}, b"5000"),
    ],
    ids=[
        "crlf-name",
        "lf-subject",
        "trailing-lf-name",
        "trailing-lf-subject",
        "lf-email",
        "unknown-purpose",
        "missing-message",
        "long",
    ],
)
def test_bad_contact_input_gives_a_form_error_and_sends_nothing(
    client, sent_tasks, changes, message
):
    response = client.post("/contact/", data={**CONTACT, **changes})
    assert response.status_code == 200 and message in response.data
    assert count(OutboxMessage) == 0
    sent_tasks[1].assert_not_called()


@pytest.mark.parametrize("path", ["/", "/signup/", "/login/", "/contact/"])
def test_every_page_renders(client, path):
    assert client.get(path).status_code == 200
