"""The Flask demo's sweep of expired snippets, in batches."""

from __future__ import annotations

from datetime import timedelta

from flask_demo.extensions import db
from flask_demo.models import Snippet, utcnow
from shared_tasks.snippets import delete_expired_snippets, sweep
from tests.flask.conftest import count


def test_sweep_deletes_expired_in_batches_and_keeps_the_rest(app):
    now = utcnow()
    times = [now - timedelta(minutes=i + 1) for i in range(10)]
    times += [now + timedelta(minutes=5), None]  # later today, never
    for when in times:
        s = Snippet(code="x", expiration="1w")
        s.expires_at = when
        db.session.add(s)
    db.session.commit()
    assert delete_expired_snippets.apply(kwargs={"batch_size": 4}).get() == 10
    assert count(Snippet) == 2


def test_sweep_batches_stay_within_their_size_when_many_expire_at_once(app):
    # A bulk import can give thousands the same expiry time: the range ends there,
    # and the batch falls back on their keys.
    now = utcnow()
    for _ in range(250):
        s = Snippet(code="x", expiration="1w")
        s.expires_at = now - timedelta(hours=1)
        db.session.add(s)
    db.session.commit()
    assert list(sweep(Snippet, now, 100)) == [100, 100, 50]
