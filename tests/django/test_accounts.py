"""Sign-up, activation mail, activation link, log-in and log-out."""

import re
from datetime import timedelta
from unittest import mock

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.tokens import default_token_generator
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from django_demo.djangobin.models import OutboxMessage
from django_demo.djangobin.tokens import activation_token
from shared_tasks.mail import send_activation_mail
from shared_tasks.outbox import CONFIRM_SECONDS
from tests.cases import CONTACT, SIGN_UP

pytestmark = pytest.mark.django_db
User = get_user_model()
GOOD = SIGN_UP["django"]


def sign_up(client, django_capture_on_commit_callbacks, **changes):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = client.post("/signup/", {**GOOD, **changes})
    return response, callbacks


def activation_link(mailoutbox):
    (mail,) = mailoutbox
    return re.search(r"http://testserver(/activate/[^/\s]+/[^/\s]+/)", mail.body).group(1)


def test_sign_up_creates_an_inactive_user_and_sends_the_mail_on_commit(
    client, queued, django_capture_on_commit_callbacks
):
    response, callbacks = sign_up(client, django_capture_on_commit_callbacks)
    user = User.objects.get(username="ada")
    assert response.status_code == 200 and b"Check your mail" in response.content
    assert not user.is_active
    assert len(callbacks) == 1  # sent on commit, not before
    queued.activation.assert_called_once_with(
        kwargs={"user_id": user.pk, "site_url": "http://testserver/"},
        task_id=mock.ANY,
        confirm_timeout=CONFIRM_SECONDS,
    )
    assert not OutboxMessage.objects.exists()  # the broker took it


def test_activation_link_activates_once_and_logs_in(client, mailoutbox):
    user = User.objects.create_user("ada", "ada@example.com", "pw", is_active=False)
    assert send_activation_mail.apply(args=(user.pk, "http://testserver/")).get() == "sent"
    assert mailoutbox[0].to == ["ada@example.com"]
    link = activation_link(mailoutbox)

    response = client.get(link)
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.is_active
    assert client.session["_auth_user_id"] == str(user.pk)

    again = client.get(link)
    assert again.status_code == 400
    assert b"already active" in again.content


def test_activation_mail_is_skipped_for_an_active_or_missing_user(mailoutbox):
    user = User.objects.create_user("ada", "ada@example.com", "pw")
    assert send_activation_mail.apply(args=(user.pk, "http://x/")).get().startswith("skipped")
    assert send_activation_mail.apply(args=(999, "http://x/")).get().startswith("skipped")
    assert mailoutbox == []


def uid(user):
    return urlsafe_base64_encode(force_bytes(user.pk))


@pytest.mark.parametrize(
    "make_path",
    [
        lambda u: f"/activate/{uid(u)}/{activation_token.make_token(u)[:-1]}x/",
        lambda u: f"/activate/{uid(u)}/garbage/",
        lambda u: f"/activate/bm9wZQ/{activation_token.make_token(u)}/",
        lambda u: f"/activate/%25%25%25/{activation_token.make_token(u)}/",
        lambda u: f"/activate/{uid(u)}/{default_token_generator.make_token(u)}/",
    ],
    ids=["tampered-token", "garbage-token", "unknown-uid", "undecodable-uid", "reset-token"],
)
def test_bad_activation_links_give_a_clear_page(client, make_path):
    user = User.objects.create_user("ada", "ada@example.com", "pw", is_active=False)
    response = client.get(make_path(user))
    assert response.status_code == 400
    assert b"not valid" in response.content
    user.refresh_from_db()
    assert not user.is_active


def test_expired_activation_link(client, settings):
    user = User.objects.create_user("ada", "ada@example.com", "pw", is_active=False)
    token = activation_token.make_token(user)
    later = activation_token._now() + timedelta(seconds=settings.PASSWORD_RESET_TIMEOUT + 1)
    with mock.patch.object(type(activation_token), "_now", return_value=later):
        response = client.get(f"/activate/{uid(user)}/{token}/")
    assert response.status_code == 400
    user.refresh_from_db()
    assert not user.is_active


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"password2": "something-else-entirely"}, "password2"),
        ({"email": "not-an-email"}, "email"),
        ({"email": ""}, "email"),
        ({"username": ""}, "username"),
        ({"username": "u" * 151}, "username"),
        ({"username": "bad name!"}, "username"),
        ({"password1": "123", "password2": "123"}, "password2"),
    ],
    ids=[
        "mismatch",
        "invalid-email",
        "missing-email",
        "missing-username",
        "long-username",
        "bad-username",
        "weak-password",
    ],
)
def test_bad_sign_up_gives_form_errors_and_writes_nothing(
    client, queued, django_capture_on_commit_callbacks, changes, field
):
    response, _ = sign_up(client, django_capture_on_commit_callbacks, **changes)
    assert response.status_code == 200
    assert field in response.context["form"].errors
    assert not User.objects.exists() and not OutboxMessage.objects.exists()
    queued.activation.assert_not_called()


@pytest.mark.parametrize(
    "changes",
    [{"email": "other@example.com"}, {"username": "other", "email": "ADA@example.com"}],
    ids=["duplicate-username", "duplicate-email"],
)
def test_duplicates_are_refused(client, queued, django_capture_on_commit_callbacks, changes):
    User.objects.create_user("ada", "ada@example.com", "pw")
    response, _ = sign_up(client, django_capture_on_commit_callbacks, **changes)
    assert response.status_code == 200 and response.context["form"].errors
    assert User.objects.count() == 1 and not OutboxMessage.objects.exists()
    queued.activation.assert_not_called()


@pytest.mark.parametrize(("path", "data"), [("/signup/", GOOD), ("/contact/", CONTACT)])
def test_posts_without_csrf_token_are_refused(path, data):
    from django.test import Client

    response = Client(enforce_csrf_checks=True).post(path, data)
    assert response.status_code == 403
    assert not User.objects.exists() and not OutboxMessage.objects.exists()


def test_inactive_user_cannot_log_in(client):
    User.objects.create_user("ada", "ada@example.com", "pw-long-enough", is_active=False)
    response = client.post("/login/", {"username": "ada", "password": "pw-long-enough"})
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session


def test_log_in_and_log_out(client):
    User.objects.create_user("ada", "ada@example.com", "pw-long-enough")
    response = client.post("/login/", {"username": "ada", "password": "pw-long-enough"})
    assert response.status_code == 302
    assert "_auth_user_id" in client.session
    assert b"Log out" in client.get("/").content
    assert client.post("/logout/").status_code == 302
    assert "_auth_user_id" not in client.session
