"""A task class for tasks that need the request that sent them, rebuilt in the worker.

No demo task uses it; the demos pass the site's base URL as an argument. A task opts
in with ``@shared_task(base=RequestContextTask)`` or ``@celery_app.task(base=...)``.

``apply_async`` (so ``delay`` and ``retry``) and ``apply`` add a JSON snapshot of the
current request to the message *headers*. The task's arguments stay as passed, so
results, Flower and the admin show them. The task runs in a request context rebuilt
from the snapshot, so ``request``, ``url_for(..., _external=True)`` (to the host the
user was on) and templates that use them work as in the view. Sent outside a request,
it runs like any ``FlaskTask``.

The snapshot leaves out what could act as the user:

- cookies and the session. A session cookie is a credential that anyone who reads the
  broker, or a result backend that stores headers, could replay. Pass the user's id
  instead;
- ``Authorization``, ``Proxy-Authorization``, API keys, and any header not on an
  allow-list, so that a new credential header is left out by default;
- form fields named like passwords, secrets, tokens or keys, the CSRF token
  among them;
- the body of non-form requests (JSON, uploads): pass what the task needs as
  arguments.

The path and the query string travel as they are: a view with a token in its
URL (``/activate/<token>/``) should not send such a task.

The app's ``before_request`` hooks do not run on the copy: they check what a
client sent (a CSRF token, a login session), which the copy does not carry, and
the original request passed them when it came in.
"""

from __future__ import annotations

import re

from flask import has_request_context, request

from flask_demo.celery import FlaskTask

HEADER = "flask_request"

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
    )


def with_snapshot(options: dict) -> dict:
    """Send options with the current request's snapshot added to the headers, if any.

    Headers already there win: a retry re-sends the snapshot it was given.
    """
    if has_request_context():
        options["headers"] = {HEADER: snapshot(), **(options.get("headers") or {})}
    return options


class RequestContextTask(FlaskTask):
    """The task class to opt in with: it sends the snapshot and runs in its copy."""

    def apply_async(self, args=None, kwargs=None, **options):
        return super().apply_async(args, kwargs, **with_snapshot(options))

    def apply(self, args=None, kwargs=None, **options):
        return super().apply(args, kwargs, **with_snapshot(options))

    def _request_snapshot(self) -> dict | None:
        # A worker merges custom headers into the request; apply() keeps them apart.
        return getattr(self.request, HEADER, None) or (self.request.headers or {}).get(HEADER)

    def __call__(self, *args, **kwargs):
        snap = self._request_snapshot()
        if snap is None:
            return super().__call__(*args, **kwargs)
        flask_app = self.app.flask_app
        # The app context first, fresh as FlaskTask's: a request context would
        # reuse one that is already active (under `flask worker`, always).
        with flask_app.app_context(), rebuild(flask_app, snap):
            return self.run(*args, **kwargs)
