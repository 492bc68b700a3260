"""Celery tasks written once and run by both demo apps' workers.

Nothing here imports Django or Flask. Each app hands its framework-specific
parts (rendering, user lookup, the snippet query, the mail connection) to
:func:`install`, and the tasks reach them through ``self.app``.
"""

from shared_tasks.site import Mail, Site, install, site_for

#: The modules a worker imports at start-up (Celery's ``imports`` setting).
TASK_MODULES = ("shared_tasks.mail", "shared_tasks.outbox", "shared_tasks.snippets")

__all__ = ["TASK_MODULES", "Mail", "Site", "install", "site_for"]
