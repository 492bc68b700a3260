"""The Flask demo's contact form and the feedback mail."""

from __future__ import annotations

import pytest

from flask_demo.models import OutboxMessage
from shared_tasks.mail import send_feedback_mail
from tests.cases import CONTACT
from tests.flask.conftest import count


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
