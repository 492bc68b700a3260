"""Celery tasks written once and run by both demo apps' workers.

Nothing here imports Django or Flask. What only a framework can do (render a
mail, query a table) the tasks ask of ``self``, an instance of the app's task
class: see :mod:`shared_tasks.framework`.
"""

#: The modules a worker imports at start-up (Celery's ``imports`` setting): they
#: are not in a Django app, so ``autodiscover_tasks()`` would not find them.
TASK_MODULES = ("shared_tasks.mail", "shared_tasks.outbox", "shared_tasks.snippets")
