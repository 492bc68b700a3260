"""``flask worker`` runs the worker inside an app context; each task still gets its own.

A real ``flask --app ... worker --no-reload`` process, on the embedded broker.
"""

import signal
import textwrap

import pytest

from devstack.broker import EmbeddedRedis
from tests.launcher.harness import PY, Client, ProjectCopy, Running

APP = textwrap.dedent(
    '''
    from flask import g, request

    from flask_demo import create_app
    from flask_demo.extensions import db
    from flask_demo.models import User
    from examples.request_task import RequestContextTask

    app = create_app("testing")
    celery_app = app.extensions["celery"]


    @celery_app.task(name="leak", shared=False)
    def leak(word):
        """What an earlier task left in g, if anything."""
        seen, g.word = g.get("word"), word
        return seen


    @celery_app.task(name="request_leak", shared=False, base=RequestContextTask)
    def request_leak(word):
        """The same, in a copy of the request that sent it."""
        seen, g.word = g.get("word"), word
        return [seen, request.path]


    @celery_app.task(name="duplicate_user", shared=False)
    def duplicate_user():
        db.session.add(User(username="ada", email="other@example.com", password_hash="x"))
        db.session.flush()  # IntegrityError: the username is taken


    @celery_app.task(name="count_users", shared=False)
    def count_users():
        return len(db.session.scalars(db.select(User)).all())


    with app.app_context():
        db.create_all()
        if not db.session.scalar(db.select(User)):
            db.session.add(User(username="ada", email="ada@example.com", password_hash="x"))
            db.session.commit()
    '''
)


@pytest.fixture
def worker(tmp_path):
    with EmbeddedRedis(tmp_path / "broker") as broker:
        copy = ProjectCopy(tmp_path / "project")
        (copy.root / "cli_app.py").write_text(APP)
        command = [PY, "-m", "flask", "--app", "cli_app", "worker", "--no-reload", "-P", "solo"]
        database = f"sqlite:///{copy.root / 'var' / 'cli.sqlite3'}"
        running = Running(command, copy, broker.url, FLASK_SQLALCHEMY_DATABASE_URI=database)
        client = Client(broker.url)
        try:
            yield client
        finally:
            client.close()
            assert running.stop(signal.SIGINT) == 0, running.output()


def test_g_does_not_leak_from_one_task_to_the_next(worker):
    assert worker.app.send_task("leak", args=["first"]).get(timeout=30) is None
    assert worker.app.send_task("leak", args=["second"]).get(timeout=30) is None


SNAPSHOT = {
    "base_url": "https://bin.example.org/",
    "path": "/contact/",
    "method": "POST",
    "query_string": "",
    "form": {},
    "headers": {},
}


def test_g_does_not_leak_between_tasks_that_run_in_a_copy_of_the_request(worker):
    headers = {"flask_request": SNAPSHOT}
    first = worker.app.send_task("request_leak", args=["first"], headers=headers)
    assert first.get(timeout=30) == [None, "/contact/"]
    second = worker.app.send_task("request_leak", args=["second"], headers=headers)
    assert second.get(timeout=30) == [None, "/contact/"]


def test_a_failed_flush_does_not_poison_the_next_task(worker):
    with pytest.raises(Exception, match="UNIQUE constraint failed"):
        worker.app.send_task("duplicate_user").get(timeout=30)
    assert worker.app.send_task("count_users").get(timeout=30) == 1
