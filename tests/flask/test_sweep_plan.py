"""The plan of one sweep batch in the Flask demo, as ``tests/django/test_sweep.py`` checks
the Django one's: the expires_at index walked in order and deleted by range, nothing sorted."""

from __future__ import annotations

from datetime import timedelta
from itertools import islice

import pytest
from sqlalchemy import event, text

from flask_demo.extensions import db
from flask_demo.models import Snippet, utcnow
from shared_tasks.snippets import sweep


def explain(statement: str, parameters) -> str:
    """The database's plan for ``statement``, without running it."""
    connection = db.session.connection()
    if connection.dialect.name == "sqlite":
        rows = connection.exec_driver_sql(f"EXPLAIN QUERY PLAN {statement}", parameters)
        return "\n".join(row[-1] for row in rows)
    return "\n".join(
        row[0] for row in connection.exec_driver_sql(f"EXPLAIN {statement}", parameters)
    )


# Without an ORDER BY, PostgreSQL planned a batch as a sequential scan from the start
# of the table once most rows had expired.
@pytest.mark.parametrize("expired_tenths", [1, 9])
def test_a_sweep_batch_walks_the_expires_at_index_and_sorts_nothing(app, expired_tenths):
    # Enough rows that PostgreSQL's planner chooses as it would in production.
    now = utcnow()
    past, future = now - timedelta(minutes=1), now + timedelta(days=7)
    for i in range(5000):
        snippet = Snippet(code="x", expiration="1w")
        snippet.expires_at = past - timedelta(seconds=i) if i % 10 < expired_tenths else future
        db.session.add(snippet)
    db.session.commit()
    if db.engine.dialect.name == "postgresql":
        db.session.execute(text("ANALYZE snippet"))
        db.session.commit()

    statements = []

    def record(conn, cursor, statement, parameters, context, executemany):
        statements.append((statement, parameters))

    event.listen(db.engine, "before_cursor_execute", record)
    try:
        # Each batch ends before its 100th expiry time; the second starts at the first's end.
        assert list(islice(sweep(Snippet, now, 100), 2)) == [99, 99]
    finally:
        event.remove(db.engine, "before_cursor_execute", record)
    statements = [s for s in statements if s[0].startswith(("SELECT", "DELETE"))]
    assert len(statements) == 4

    for statement in statements:
        plan = explain(*statement)
        assert "ix_snippet_expires_at" in plan, plan
        assert "TEMP B-TREE" not in plan and "Sort" not in plan, plan
        assert "Seq Scan" not in plan and not plan.startswith("SCAN"), plan
