"""``celery -A flask_demo.make_celery worker``: the worker's entry point."""

from flask_demo import create_app

flask_app = create_app()
celery_app = flask_app.extensions["celery"]
