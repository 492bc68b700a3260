"""Celery tasks written once and run by both demo apps' workers.

Nothing here imports Django or Flask. What only a framework can do (render a
mail, query a table) the tasks ask of ``self``, an instance of the app's task
class: see :mod:`shared_tasks.framework`.
"""

from kombu import Queue

#: The modules a worker imports at start-up (Celery's ``imports`` setting): they
#: are not in a Django app, so ``autodiscover_tasks()`` would not find them.
TASK_MODULES = ("shared_tasks.mail", "shared_tasks.outbox", "shared_tasks.snippets")

#: Where each task goes (Celery's ``task_routes``): a worker started with ``-Q mail``
#: sends mail and nothing else, and a long sweep never holds up an activation mail.
TASK_ROUTES = {
    "shared_tasks.mail.*": {"queue": "mail"},
    "shared_tasks.snippets.*": {"queue": "maintenance"},
    "shared_tasks.outbox.*": {"queue": "maintenance"},
}
#: Celery's ``task_queues``: a worker started without ``-Q`` consumes all of them. Each is
#: bound by its own name. Celery sends straight to a queue, but left out, all three
#: would be bound to the same exchange with the same (empty) key, and any other
#: producer publishing to one queue's binding would reach all three.
TASK_QUEUES = tuple(Queue(name, routing_key=name) for name in ("celery", "mail", "maintenance"))
