"""The periodic sweep of expired snippets."""

from __future__ import annotations

import logging
from datetime import UTC, datetime

from celery import shared_task
from celery.exceptions import SoftTimeLimitExceeded

logger = logging.getLogger(__name__)

#: Rows per batch, each its own write transaction: at a million snippets a batch holds
#: SQLite's write lock for well under a second, and the sweep takes about twice one
#: DELETE of everything (bench/sweep.py; 1,000 a batch took about five times).
SWEEP_BATCH_SIZE = 10_000


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
        while True:
            count = self.snippets.delete_expired(now, batch_size)
            deleted += count
            if count == 0:  # a batch may stop short of batch_size before the end
                return deleted
    except SoftTimeLimitExceeded:
        logger.warning(
            "Sweep stopped at its time limit after %d rows; the next run goes on.", deleted
        )
        return deleted
