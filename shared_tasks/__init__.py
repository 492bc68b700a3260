"""Celery tasks written once and run by both demo apps' workers.

Nothing here imports Django or Flask. What only a framework can do (render a
mail, query a table) the tasks ask of ``self``, an instance of the app's task
class: see :mod:`shared_tasks.framework`. The settings both apps run them with are
in :mod:`shared_tasks.settings`.
"""
