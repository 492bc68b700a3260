"""The demo's pages pass axe-core's WCAG 2 A and AA rules, as the tutorial site does."""

import threading

from sqlalchemy import select
from werkzeug.serving import make_server

from flask_demo.extensions import db
from flask_demo.models import Snippet
from tests.support.chromium import wcag_violations


def test_the_pages_pass_the_wcag_rules(app, client):
    client.post("/", data={"title": "hello.py", "code": "print(1)", "expiration": "1w"})
    slug = db.session.scalar(select(Snippet.slug))
    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        base = f"http://127.0.0.1:{server.server_port}"
        pages = ["/", "/signup/", "/login/", "/contact/", f"/{slug}/"]
        assert wcag_violations([base + page for page in pages]) == []
    finally:
        server.shutdown()
