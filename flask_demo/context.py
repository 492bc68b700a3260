"""Tasks that run in the Flask app context and, if sent during a request, in a copy of it.

Sending: when a request is being handled, ``apply_async``/``apply`` add a JSON
snapshot of it to the message headers (so the task's own arguments are
untouched). Running: ``__call__`` pushes the app context if none is active and,
when the message carries a snapshot, a request context rebuilt from it, with
the app's ``before_request`` and ``after_request`` hooks around the task.
"""

from __future__ import annotations

import re
from contextlib import ExitStack

from celery import Task
from flask import has_app_context, has_request_context, request

HEADER = "flask_request"

#: Marks the WSGI environ of a request context rebuilt in a task.
TASK_COPY = "celery_in_practice.task_copy"

#: Headers worth having in a task; everything else, and above all Cookie,
#: Authorization, Proxy-Authorization and API keys, never leaves the web process.
ALLOWED_HEADERS = frozenset({"accept", "accept-language", "user-agent", "referer", "x-request-id"})

#: Form fields that hold secrets are left out of the snapshot too.
SECRET_FIELD = re.compile(r"pass|secret|token|csrf|key", re.IGNORECASE)


def snapshot() -> dict:
    """The current request, reduced to what is safe and useful to carry in a message."""
    return {
        "base_url": request.root_url,
        "path": request.path,
        "method": request.method,
        "query_string": request.query_string.decode("latin-1"),
        "form": {k: v for k, v in request.form.lists() if not SECRET_FIELD.search(k)},
        "headers": {k: v for k, v in request.headers.items() if k.lower() in ALLOWED_HEADERS},
    }


def rebuild(app, snap: dict):
    """A request context equivalent to the snapshotted request."""
    return app.test_request_context(
        snap["path"],
        base_url=snap["base_url"],
        method=snap["method"],
        query_string=snap["query_string"],
        data=snap["form"] or None,
        headers=snap["headers"],
        environ_overrides={TASK_COPY: True},
    )


def is_task_copy() -> bool:
    """Whether the request in context is a task's copy, not a request from a client.

    Hooks that check what a client sent (a CSRF token, a session) ran on the
    original request; the copy carries none of those credentials, so such hooks
    should let it through.
    """
    return bool(request.environ.get(TASK_COPY))


def with_snapshot(options: dict) -> dict:
    """Send options with the current request's snapshot added to the headers, if any.

    Headers already there win: a retry re-sends the snapshot it was given.
    """
    if has_request_context():
        options["headers"] = {HEADER: snapshot(), **(options.get("headers") or {})}
    return options


class ContextTask(Task):
    def apply_async(self, args=None, kwargs=None, **options):
        return super().apply_async(args, kwargs, **with_snapshot(options))

    def apply(self, args=None, kwargs=None, **options):
        return super().apply(args, kwargs, **with_snapshot(options))

    def _request_snapshot(self) -> dict | None:
        # A worker merges custom headers into the request; apply() keeps them apart.
        return getattr(self.request, HEADER, None) or (self.request.headers or {}).get(HEADER)

    def __call__(self, *args, **kwargs):
        flask_app = self.app.flask_app
        snap = self._request_snapshot()
        with ExitStack() as stack:
            if not has_app_context():
                stack.enter_context(flask_app.app_context())
            if snap is None or has_request_context():
                return self.run(*args, **kwargs)
            stack.enter_context(rebuild(flask_app, snap))
            # A before_request hook's return value would replace a view's
            # response; a task has none to replace, so it is ignored.
            flask_app.preprocess_request()
            result = self.run(*args, **kwargs)
            flask_app.process_response(flask_app.response_class())
            return result
