"""Which queue each shared task goes to, and the queues a worker takes."""

from kombu import Queue

#: Celery's ``task_routes``: a worker started with ``-Q mail`` sends mail and nothing else,
#: and a long sweep never holds up an activation mail.
TASK_ROUTES = {
    "shared_tasks.mail.*": {"queue": "mail"},
    "shared_tasks.snippets.*": {"queue": "maintenance"},
    "shared_tasks.outbox.*": {"queue": "maintenance"},
}

#: Celery's ``task_queues``: a worker started without ``-Q`` takes all three. Each queue is
#: bound by its own name. Without that, all three share one exchange and one empty key, and
#: a message another program publishes to one queue's binding reaches all three.
TASK_QUEUES = tuple(Queue(name, routing_key=name) for name in ("celery", "mail", "maintenance"))
