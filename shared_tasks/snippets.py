"""The periodic sweep of expired snippets."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from datetime import UTC, datetime

from celery import shared_task
from celery.exceptions import SoftTimeLimitExceeded

from shared_tasks.framework import Snippets

logger = logging.getLogger(__name__)

#: Rows per batch, each its own write transaction. On SQLite each batch rewrites most
#: pages of the random slug index. Fewer, larger batches cost less in all, but each holds
#: the write lock longer (docs/performance.md has the figures).
SWEEP_BATCH_SIZE = 25_000


# A sweep that overruns its soft limit stops where it is: the batch in progress is
# rolled back (each batch is its own short transaction), the earlier ones stay
# deleted, and the next run goes on. The hard limit kills a pool process stuck
# inside one statement.
@shared_task(bind=True, soft_time_limit=240, time_limit=300)
def delete_expired_snippets(self, batch_size: int = SWEEP_BATCH_SIZE) -> int:
    """Delete every snippet whose expiry time has passed, one indexed batch at a time.

    ``now`` is fixed once, so a sweep never chases rows that expire while it runs
    and never deletes a row before its expiry time.
    """
    # The admin can edit these arguments: a batch of 0 would never finish.
    if not isinstance(batch_size, int) or isinstance(batch_size, bool) or batch_size < 1:
        raise ValueError(f"batch_size must be a whole number of at least 1, not {batch_size!r}")
    now = datetime.now(UTC)
    deleted = 0
    try:
        # self.snippets is the app's snippet table: Snippet in
        # django_demo/djangobin/models.py or flask_demo/models.py.
        for count in sweep(self.snippets, now, batch_size):
            deleted += count
    except SoftTimeLimitExceeded:
        logger.warning(
            "Sweep stopped at its time limit after %d rows; the next run goes on.", deleted
        )
    return deleted


def sweep(snippets: Snippets, now: datetime, batch_size: int) -> Iterator[int]:
    """Delete the snippets expired at ``now``, a batch at a time; yield each batch's count.

    A batch ends where ``batch_size`` entries of the expires_at index end. One DELETE
    of that range goes through the same index, so no key travels to Python and back
    (an IN list of the keys costs more than the delete itself).
    """
    start = None  # every snippet expiring before start is already deleted
    while (end := snippets.batch_end(start, now, batch_size)) is not None:
        # Up to the end, not including it, so a batch never runs past its size. Snippets
        # expiring exactly at end wait for the next batch; if a whole batch expires at
        # end, delete_at deletes it by key.
        deleted = snippets.delete_before(start, end)
        yield deleted or snippets.delete_at(end, batch_size)
        # The next search starts here, not at the first expiry time. PostgreSQL keeps
        # the index entries of deleted rows until VACUUM, and would step over them all.
        start = end
    yield snippets.delete_expired(start, now)  # the rest, under a batch
