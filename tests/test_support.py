"""The test helpers that could make other tests pass or fail for the wrong reason."""

from celery import Celery, _state, current_app

from tests.support.brokers import use_broker
from tests.support.processes import answer_within


def test_use_broker_moves_the_task_sender_and_its_event_exchange_too():
    # Celery sends a task's "sent" event through an exchange typed for the broker it
    # first met: a fanout on Redis. Kept after a move to RabbitMQ, it was declared
    # there as a fanout "celeryev", and every later worker on RabbitMQ died with
    # PRECONDITION_FAILED (seen in make test on a fresh RabbitMQ).
    app = Celery(set_as_current=False)
    use_broker(app, "redis://127.0.0.1:1/0")
    assert app.amqp._event_dispatcher.exchange.type == "fanout"
    use_broker(app, "amqp://127.0.0.1:1//")
    assert app.amqp._event_dispatcher.exchange.type == "topic"


def test_answer_within_calls_with_this_threads_celery_app():
    # A Django view run by answer_within sent through the Flask app an earlier test's
    # worker had made the default, and wrote its outbox row into Flask's database
    # (test_silent_broker, in one random order).
    mine, other = Celery("mine", set_as_current=False), Celery("other", set_as_current=False)
    default = _state.default_app
    other.set_default()
    mine.set_current()
    try:
        assert answer_within(lambda: current_app._get_current_object()) is mine
    finally:
        _state.set_default_app(default)
