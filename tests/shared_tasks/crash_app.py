"""A Celery app with the demos' recommended settings and one task that can be killed.

The crash tests run it in real worker processes (``celery -A
tests.shared_tasks.crash_app worker``). Three variables set it up there:
``CRASH_BROKER_URL`` says which broker, ``CRASH_KEYPREFIX`` which keys it uses
on Redis (each test has its own: tests/conftest.py) and
``CRASH_VISIBILITY_TIMEOUT`` how soon Redis hands a message held by a lost worker
to another.
"""

import os
import time
from pathlib import Path

from celery import Celery
from celery.exceptions import SoftTimeLimitExceeded

from flask_demo.config import TestingConfig
from shared_tasks.worker_steps import CONSUMER_STEPS

app = Celery("crash", set_as_current=False)
app.conf.update(TestingConfig.CELERY)
app.conf.update(
    broker_url=os.environ.get("CRASH_BROKER_URL", "memory://"),
    worker_send_task_events=False,
    broker_transport_options={
        **TestingConfig.CELERY["broker_transport_options"],
        # Redis hands a message held by a lost worker to another worker only after
        # this timeout (one hour in the demos). A task still running then is handed
        # out again, so 60 s is over five times the longest probe here (8 s); a test
        # that waits for the handover sets a shorter one.
        "visibility_timeout": float(os.environ.get("CRASH_VISIBILITY_TIMEOUT", 60)),
        # Look for such messages every second (kombu's default: about every 100 s).
        "unacked_restore_interval": 1,
        "unacked_restore_throttle": 1,
        "global_keyprefix": os.environ.get("CRASH_KEYPREFIX", ""),
    },
)
app.steps["consumer"].update(CONSUMER_STEPS)


@app.task(name="crash_probe", shared=False)
def crash_probe(runs_file: str) -> str:
    """Record a run; the first run then hangs, waiting to be killed."""
    runs = Path(runs_file)
    first = not runs.exists()
    with runs.open("a") as f:
        f.write(f"{os.getpid()}\n")
    if first:
        time.sleep(300)
    return "done"


@app.task(name="slow_probe", shared=False)
def slow_probe(runs_file: str, seconds: float) -> str:
    """Record a start, take ``seconds``, record the end."""
    with Path(runs_file).open("a") as f:
        f.write(f"start {os.getpid()}\n")
    time.sleep(seconds)
    with Path(runs_file).open("a") as f:
        f.write(f"done {os.getpid()}\n")
    return "done"


# The recovery test's beat: a tick a second into the test's queue.
if "CRASH_TICKS_QUEUE" in os.environ:
    app.conf.beat_schedule = {
        "tick": {
            "task": "tick_probe",
            "schedule": 1.0,
            "args": (os.environ["CRASH_TICKS_FILE"],),
            "options": {"queue": os.environ["CRASH_TICKS_QUEUE"]},
        }
    }


@app.task(name="tick_probe", shared=False)
def tick_probe(ticks_file: str) -> None:
    """Record when it ran."""
    with Path(ticks_file).open("a") as f:
        f.write(f"{time.time()}\n")


@app.task(name="limited_probe", shared=False)
def limited_probe(runs_file: str, stop_at_soft_limit: bool) -> str:
    """Record a start, then hang; record the soft time limit if it comes, and either
    stop there or go on hanging, as a task stuck in a C call would."""
    with Path(runs_file).open("a") as f:
        f.write(f"start {os.getpid()}\n")
    try:
        time.sleep(2.5)  # past the soft limits of the tests
    except SoftTimeLimitExceeded:
        with Path(runs_file).open("a") as f:
            f.write("soft limit\n")
        if stop_at_soft_limit:
            return "stopped"
        time.sleep(300)
    with Path(runs_file).open("a") as f:
        f.write("done\n")
    return "done"
