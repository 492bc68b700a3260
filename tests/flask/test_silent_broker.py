"""A broker that is up but silent must not hang a sign-up (Flask)."""

from sqlalchemy import select

from flask_demo.extensions import db
from flask_demo.models import OutboxMessage
from tests.cases import SIGN_UP
from tests.support.brokers import use_broker
from tests.support.processes import answer_within


def test_sign_up_answers_and_keeps_its_message_for_the_relay(silent_broker, app):
    use_broker(app.extensions["celery"], silent_broker)
    response = answer_within(lambda: app.test_client().post("/signup/", data=SIGN_UP["flask"]))
    assert response.status_code == 200 and b"Check your mail" in response.data
    assert [row.task for row in db.session.scalars(select(OutboxMessage))] == [
        "shared_tasks.mail.send_activation_mail"
    ]
