"""The mail tasks' retry policy, as its comment states it, computed from the settings."""

import inspect

from celery.utils.time import get_exponential_backoff_interval

import shared_tasks.mail
from shared_tasks.mail import MAIL_TASK


def waits(pick) -> list[float]:
    """The countdown before each retry, as Celery's autoretry computes it."""
    return [
        get_exponential_backoff_interval(
            factor=MAIL_TASK["retry_backoff"],
            retries=retries,
            maximum=MAIL_TASK["retry_backoff_max"],
            full_jitter=False,
        )
        * pick
        for retries in range(MAIL_TASK["max_retries"])
    ]


def test_the_comment_states_the_retry_span_the_settings_give():
    assert MAIL_TASK["retry_jitter"]  # full jitter: each wait is drawn from 0 to its bound
    longest, average = sum(waits(1)) / 60, sum(waits(0.5)) / 60
    assert 20 <= longest < 21 and 10 <= average < 11  # minutes
    comment = inspect.getsource(shared_tasks.mail)
    assert f"Up to {MAIL_TASK['max_retries'] + 1} tries" in comment
    assert "at most about 20 minutes in all,\n    # about 10 on average" in comment
