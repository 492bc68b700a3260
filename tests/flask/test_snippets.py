"""Snippets in the Flask demo: created, shown, refused when bad, gone once expired."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from flask_demo.extensions import db
from flask_demo.models import Snippet, utcnow
from tests.cases import BAD_SNIPPETS
from tests.flask.conftest import count
from tests.support.chromium import times_as_shown
from tests.support.zones import in_zone


def test_create_and_view_a_snippet(client):
    response = client.post("/", data={"title": "Hi", "code": "print('hi')", "expiration": "1w"})
    snippet = db.session.scalar(select(Snippet))
    assert response.status_code == 302 and response.location.endswith(f"/{snippet.slug}/")
    assert snippet.expires_at == snippet.created_at + timedelta(weeks=1)
    page = client.get(f"/{snippet.slug}/")
    assert page.status_code == 200 and b"print(&#39;hi&#39;)" in page.data


def test_snippet_times_are_shown_in_the_readers_zone(client):
    client.post("/", data={"title": "Hi", "code": "print('hi')", "expiration": "1w"})
    snippet = db.session.scalar(select(Snippet))
    zone = "America/New_York"
    for path in ("/", f"/{snippet.slug}/"):
        shown = times_as_shown(client.get(path).get_data(as_text=True), zone)
        assert in_zone(snippet.expires_at, zone) in shown[-1], (path, shown)


@BAD_SNIPPETS
def test_bad_snippet_input_gives_form_errors_and_no_row(client, data):
    response = client.post("/", data=data)
    assert response.status_code == 200 and b"errorlist" in response.data
    assert count(Snippet) == 0


def test_expired_snippet_is_404_before_the_sweep(client):
    snippet = Snippet(code="x", expiration="1w")
    db.session.add(snippet)
    db.session.commit()
    snippet.expires_at = utcnow() - timedelta(seconds=1)
    db.session.commit()
    assert client.get(f"/{snippet.slug}/").status_code == 404
    assert count(Snippet) == 1
