"""The worker side of the launcher: Celery's own options, a banner, and the drain step.

``runworker`` (Django) and ``flask worker`` take only their own few options and
hand every other argument to ``celery worker`` as it is, so each behaves as it
does there, checked by Celery's own parser.
"""

from __future__ import annotations

import os
import signal
import sys
import threading
from collections.abc import Sequence
from datetime import datetime

import click
from celery import Celery, bootsteps
from celery.bin.base import CLIContext
from celery.bin.worker import worker as celery_worker
from celery.concurrency import get_implementation
from celery.utils.log import get_logger
from celery.worker import state
from kombu.utils.url import maybe_sanitize_url

logger = get_logger(__name__)

#: Prepended to the user's arguments, which win: Celery takes an option's last value.
#: Mingle asks the other workers for revoked ids and clocks and waits a full
#: second for answers at every start; a development worker is alone.
DEFAULT_ARGS = ("--loglevel=INFO", "--without-mingle")


def worker_argv(worker_args: Sequence[str]) -> list[str]:
    return ["worker", *DEFAULT_ARGS, *worker_args]


def parse_worker_args(app: Celery, worker_args: Sequence[str]) -> dict:
    """``celery worker``'s own parse of the arguments; exit with its message if it refuses."""
    obj = CLIContext(app=app, no_color=True, workdir=None, quiet=True)
    try:
        context = celery_worker.make_context("celery worker", worker_argv(worker_args)[1:], obj=obj)
    except click.ClickException as error:
        error.show()
        sys.exit(error.exit_code)
    return context.params


def cold_shutdown_works(params: dict) -> bool:
    """Whether Celery's cold shutdown can stop this worker's tasks and put them back.

    Only the prefork pool can: solo and threads run tasks in the worker's own
    process, and Celery 5.7 cannot cancel them there (the solo pool has no
    kill_job, and the error surfaces inside the running task, failing it).
    """
    return params["pool"] is get_implementation("prefork")


def banner(app: Celery, *details: str) -> str:
    """What ``runserver`` prints on start, for a worker: when, what, and how to quit."""
    now = datetime.now().strftime("%B %d, %Y - %X")
    # The password masked, as in Celery's own banner.
    broker = maybe_sanitize_url(app.conf.broker_url)
    starting = f"Starting Celery worker for {app.main!r} on {broker}"
    return "\n".join((now, *details, starting, "Quit the worker with CONTROL-C."))


#: What the launcher sends to retire a worker: drain, then shut down warmly.
DRAIN_SIGNAL = signal.SIGUSR2
#: How often a draining worker checks whether its pool is idle yet.
DRAIN_CHECK_SECONDS = 0.05

draining = threading.Event()


def stopping() -> bool:
    """Whether this worker was told to drain, or a shutdown signal reached it.

    Celery's signal handler stores the exit code, and 0 means success, so its
    flags are compared with None and False rather than tested for truth.
    """
    return draining.is_set() or any(
        flag is not None and flag is not False
        for flag in (state.should_stop, state.should_terminate)
    )


class Drain(bootsteps.StartStopStep):
    """Stop taking tasks at once, finish the running ones, then shut down warmly.

    Two things in Celery make a plain SIGTERM unsafe for a reload under load.
    Celery notices its shutdown flag only between turns of its event loop, so a
    message that lands in the same turn still runs, with the old code. And a
    prefork worker that stops while a task is still on its way to a pool
    process can wait for that process forever (seen here about once in ten
    reloads under a stream of tasks). So a draining worker refuses, and puts
    back, every message it receives, cancels its consumer, and sends itself
    Celery's warm-shutdown signal only once its pool is idle.
    """

    requires = ("celery.worker.consumer.tasks:Tasks",)

    def __init__(self, consumer, **kwargs):
        self.timer_entry = None
        self.consumer_cancelled = False
        self.shutdown_sent = False
        super().__init__(consumer, **kwargs)

    def start(self, consumer):
        # Tasks.start rebuilds the strategies on every (re)connection; this step
        # starts after it each time, so every message passes admit() first.
        for name, strategy in consumer.strategies.items():
            consumer.strategies[name] = self.gated(strategy, consumer)
        self.consumer_cancelled = False  # a reconnection brings a new task consumer
        self.timer_entry = consumer.timer.call_repeatedly(
            DRAIN_CHECK_SECONDS, self.check, (consumer,)
        )

    def stop(self, consumer):
        if self.timer_entry is not None:
            self.timer_entry.cancel()
            self.timer_entry = None

    def gated(self, strategy, consumer):
        def handle(message, body, *args, **kwargs):
            if self.admit(consumer, message, body):
                return strategy(message, body, *args, **kwargs)
            return None

        return handle

    def admit(self, consumer, message, body) -> bool:
        if stopping():
            message.reject_log_error(logger, consumer.connection_errors, requeue=True)
            return False
        return True

    def check(self, consumer):
        if not draining.is_set() or self.shutdown_sent:
            return
        if not self.consumer_cancelled and consumer.task_consumer is not None:
            consumer.task_consumer.cancel()
            self.consumer_cancelled = True
            logger.info("Draining: taking no new tasks, %d running.", len(state.active_requests))
        if not state.active_requests and not state.reserved_requests:
            self.shutdown_sent = True
            os.kill(os.getpid(), signal.SIGTERM)


def run_worker(app: Celery, worker_args: Sequence[str]) -> int:
    """Run ``celery worker`` in this process's main thread and return its exit code.

    The main thread, because only it can install Celery's signal handlers, and
    without them there is no warm shutdown.
    """
    signal.signal(DRAIN_SIGNAL, lambda signum, frame: draining.set())
    app.steps["consumer"].add(Drain)
    return app.start(worker_argv(worker_args)) or 0
