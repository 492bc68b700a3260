import pytest

from shared_tasks.mail import send_feedback_mail
from tests.cases import CONTACT

pytestmark = pytest.mark.django_db


def test_contact_form_enqueues_the_feedback_mail(
    client, queued, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/contact/", CONTACT)
    assert response.status_code == 302
    queued.feedback.assert_called_once_with((), CONTACT)


def test_feedback_mail_goes_to_the_admins_with_reply_to(mailoutbox, settings):
    settings.ADMINS = [("One", "one@example.com"), ("Two", "two@example.com")]
    assert send_feedback_mail.apply(kwargs=CONTACT).get() == "sent"
    (mail,) = mailoutbox
    assert mail.to == ["one@example.com", "two@example.com"]
    assert mail.reply_to == ["grace@example.com"]
    assert mail.subject == "[Bug report] Snippets vanish (from Grace)"
    assert "expired & disappeared <early>?" in mail.body  # plain text: not HTML-escaped


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"name": "Grace\r\nBcc: victim@example.com"}, "name"),
        ({"name": "Grace\nBcc: victim@example.com"}, "name"),
        ({"subject": "Hi\nBcc: victim@example.com"}, "subject"),
        ({"subject": "Hi\rBcc: victim@example.com"}, "subject"),
        ({"email": "grace@example.com\nBcc: victim@example.com"}, "email"),
        ({"email": "not-an-email"}, "email"),
        ({"purpose": "spam"}, "purpose"),
        ({"message": ""}, "message"),
        ({"name": ""}, "name"),
        ({"message": "m" * 5001}, "message"),
        ({"subject": "s" * 151}, "subject"),
    ],
    ids=[
        "crlf-name",
        "lf-name",
        "lf-subject",
        "cr-subject",
        "lf-email",
        "invalid-email",
        "unknown-purpose",
        "missing-message",
        "missing-name",
        "long-message",
        "long-subject",
    ],
)
def test_bad_contact_input_gives_a_form_error_and_sends_nothing(
    client, queued, django_capture_on_commit_callbacks, changes, field
):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = client.post("/contact/", {**CONTACT, **changes})
    assert response.status_code == 200
    assert field in response.context["form"].errors
    assert callbacks == []
    queued.feedback.assert_not_called()
