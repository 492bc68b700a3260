"""The test helpers that could make other tests pass or fail for the wrong reason."""

from celery import Celery

from tests.support import use_broker


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
