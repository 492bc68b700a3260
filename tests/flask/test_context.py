"""Flask: the Celery app per Flask app; the opt-in request copy.

The tasks run through a real worker (Celery's test worker, in a thread) on each broker.
"""

from __future__ import annotations

import json

import pytest
from celery.contrib.testing.worker import start_worker
from flask import (
    Blueprint,
    current_app,
    g,
    has_app_context,
    has_request_context,
    render_template_string,
    request,
    url_for,
)

from examples.request_task import RequestContextTask
from flask_demo import create_app
from tests.support.brokers import own_key_space

COOKIE = "session=top-secret-cookie"
AUTH = "Bearer top-secret-token"


def make_app(broker_url: str):
    app = create_app("testing", MARKER="from-config")
    celery_app = app.extensions["celery"]
    celery_app.conf.update(broker_url=broker_url, broker_heartbeat=0)
    bp = Blueprint("probe", __name__)

    @celery_app.task(name="probe", bind=True, shared=False, base=RequestContextTask)
    def probe(self, word):
        return {
            "word": word,
            "app_context": has_app_context(),
            "request_context": has_request_context(),
            "config": current_app.config["MARKER"],
            **(
                {
                    "url": url_for("probe.send", _external=True),
                    "path": request.path,
                    "method": request.method,
                    "args": request.args.to_dict(),
                    "form": request.form.to_dict(),
                    "headers": dict(request.headers),
                    "rendered": render_template_string("{{ request.url_root }}|{{ g.hook }}"),
                    "g": sorted(g),
                    "retries": self.request.retries,
                }
                if has_request_context()
                else {}
            ),
        }

    @celery_app.task(name="flaky", bind=True, shared=False, max_retries=1, base=RequestContextTask)
    def flaky(self):
        if self.request.retries == 0:
            raise self.retry(countdown=0)
        return {"path": request.path, "retries": self.request.retries}

    @celery_app.task(name="plain", shared=False)
    def plain():
        """The default task class: the app context, and never a request."""
        return {"app_context": has_app_context(), "request_context": has_request_context()}

    @bp.before_app_request
    def before():
        g.hook = "before-ran"

    @bp.route("/send", methods=["POST"])
    def send():
        how = request.args["how"]
        if how == "delay":
            return {"id": probe.delay("hi").id}
        if how == "apply_async":
            return {"id": probe.apply_async(("hi",)).id}
        if how == "apply":
            return {"result": probe.apply(("hi",)).get()}
        if how == "retry":
            return {"id": flaky.delay().id}
        if how == "inspect":
            return {"id": probe.apply_async(("hi",), queue="inspect").id}
        if how == "plain":
            return {"id": plain.delay().id}
        raise ValueError(how)

    app.register_blueprint(bp)
    return app, probe


@pytest.fixture(scope="module")
def flask_stack(broker_url):
    app, probe = make_app(broker_url)
    celery_app = app.extensions["celery"]
    with own_key_space(celery_app):
        celery_app.control.purge()
        with start_worker(celery_app, pool="solo", perform_ping_check=False):
            yield app, probe


def post(app, how, **kw):
    client = app.test_client()
    return client.post(
        f"/send?how={how}&q=1",
        data={"title": "hello", "password": "hunter2", "csrf_token": "x"},
        headers={
            "Cookie": COOKIE,
            "Authorization": AUTH,
            "Proxy-Authorization": AUTH,
            "X-Api-Key": "top-secret-key",
            "User-Agent": "probe-agent",
        },
        base_url="https://demo.example.org",
        **kw,
    ).get_json()


@pytest.mark.broker
@pytest.mark.parametrize("how", ["delay", "apply_async"])
def test_task_sent_from_a_view_runs_in_a_copy_of_the_request(flask_stack, how):
    app, probe = flask_stack
    task_id = post(app, how)["id"]
    result = probe.AsyncResult(task_id).get(timeout=15)
    assert result["word"] == "hi"  # the task's own arguments are untouched
    assert result["app_context"] and result["request_context"]
    assert result["config"] == "from-config"
    assert result["url"] == "https://demo.example.org/send"
    assert result["path"] == "/send" and result["method"] == "POST"
    assert result["args"] == {"how": how, "q": "1"}
    assert result["form"] == {"title": "hello"}  # password and CSRF token left out
    # The app's before_request hooks check what a client sent: not run on a copy.
    assert result["rendered"] == "https://demo.example.org/|" and "hook" not in result["g"]
    assert result["headers"]["User-Agent"] == "probe-agent"
    assert not {"Cookie", "Authorization", "Proxy-Authorization", "X-Api-Key"} & set(
        result["headers"]
    )


@pytest.mark.broker
def test_a_task_of_the_default_class_sent_from_a_view_gets_the_app_context_only(flask_stack):
    app, probe = flask_stack
    result = probe.app.AsyncResult(post(app, "plain")["id"]).get(timeout=15)
    assert result == {"app_context": True, "request_context": False}


def test_apply_runs_eagerly_in_a_copy_of_the_request():
    app, _ = make_app("memory://")
    result = post(app, "apply")["result"]
    assert result["request_context"]
    assert result["url"] == "https://demo.example.org/send"


@pytest.mark.broker
def test_retry_keeps_the_request_context(flask_stack):
    app, probe = flask_stack
    task_id = post(app, "retry")["id"]
    result = app.extensions["celery"].AsyncResult(task_id).get(timeout=15)
    assert result == {"path": "/send", "retries": 1}


@pytest.mark.broker
def test_task_sent_outside_a_request_has_the_app_context_only(flask_stack):
    app, probe = flask_stack
    with app.app_context():
        result = probe.delay("cli").get(timeout=15)
    assert result == {
        "word": "cli",
        "app_context": True,
        "request_context": False,
        "config": "from-config",
    }
    # and with no context at all, as beat sends it: the worker pushes the app context
    assert probe.delay("beat").get(timeout=15)["app_context"]


@pytest.mark.broker
def test_no_credentials_reach_the_broker_message(flask_stack):
    app, _ = flask_stack
    celery_app = app.extensions["celery"]
    post(app, "inspect")  # to a queue no worker reads
    with celery_app.connection_for_read() as conn:
        queue = conn.SimpleQueue("inspect")
        message = queue.get(timeout=10)
        body = message.body
        raw = json.dumps(message.headers) + (body.decode() if isinstance(body, bytes) else body)
        message.ack()
        queue.close()
    assert "flask_request" in raw
    for secret in ("top-secret", "hunter2", "Cookie", "Authorization", "X-Api-Key"):
        assert secret not in raw


def test_two_apps_in_one_process_get_their_own_broker():
    one = create_app("testing", CELERY={"broker_url": "redis://127.0.0.1:6379/3"})
    two = create_app("testing", CELERY={"broker_url": "amqp://guest:guest@127.0.0.1:5672//"})
    urls = [
        app.extensions["celery"].connection_for_write().as_uri(include_password=True)
        for app in (one, two)
    ]
    assert urls == ["redis://127.0.0.1:6379/3", "amqp://guest:guest@127.0.0.1:5672//"]
    assert one.extensions["celery"] is not two.extensions["celery"]
