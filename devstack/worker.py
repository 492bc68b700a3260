"""The worker process the launchers run: its options, and the guard that keeps it honest.

``runworker`` (Django) and ``flask worker`` share these options, so both accept the
same flags; each turns them into its own parser (argparse, click).
"""

from __future__ import annotations

import os
import signal
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import click
from celery import Celery, bootsteps
from celery.utils.log import get_logger
from celery.worker import state

logger = get_logger(__name__)


@dataclass(frozen=True)
class Option:
    flags: tuple[str, ...]
    dest: str
    help: str
    type: type | None = None
    choices: tuple[str, ...] | None = None
    default: Any = None
    is_flag: bool = False

    def argparse_kwargs(self) -> dict[str, Any]:
        if self.is_flag:
            return {"dest": self.dest, "action": "store_true", "help": self.help}
        return {
            "dest": self.dest,
            "type": self.type,
            "choices": self.choices,
            "default": self.default,
            "help": self.help,
        }

    def click_option(self) -> Callable:
        return click.option(
            *self.flags,
            self.dest,
            is_flag=self.is_flag,
            type=click.Choice(self.choices) if self.choices else self.type,
            default=self.default,
            show_default=self.default is not None,
            help=self.help,
        )


#: The usual ``celery worker`` options, passed through as they are.
WORKER_OPTIONS = (
    Option(
        ("-l", "--loglevel"),
        "loglevel",
        "Logging level.",
        choices=("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"),
        default="INFO",
    ),
    Option(("-c", "--concurrency"), "concurrency", "Number of pool processes.", type=int),
    Option(
        ("-P", "--pool"), "pool", "Pool implementation.", choices=("prefork", "solo", "threads")
    ),
    Option(("-Q", "--queues"), "queues", "Comma-separated queues to consume from."),
    Option(("-n", "--hostname"), "hostname", "Node name, such as worker1@example.com."),
    Option(("-B", "--beat"), "beat", "Also run beat, the periodic task scheduler.", is_flag=True),
    Option(("-E", "--task-events"), "task_events", "Send task events (Flower).", is_flag=True),
)

#: The launcher's own options.
NO_RELOAD = Option(
    ("--no-reload",), "no_reload", "Run the worker without the reloader.", is_flag=True
)
GRACE = Option(
    ("--grace",),
    "grace",
    "Seconds a stopping worker gets to finish its tasks (warm shutdown), and then again "
    "after a cold shutdown, before its process group is killed.",
    type=float,
    default=30.0,
)


#: Everything ``runworker`` and ``flask worker`` accept.
LAUNCHER_OPTIONS = (*WORKER_OPTIONS, NO_RELOAD, GRACE)


def worker_argv(options: Mapping[str, Any]) -> list[str]:
    """``celery worker`` arguments from the parsed options (argparse's or click's)."""
    # Mingle asks the other workers for revoked ids and clocks and waits a full
    # second for answers at every start; a development worker is alone.
    argv = ["worker", "--without-mingle"]
    for option in WORKER_OPTIONS:
        value = options.get(option.dest)
        if option.is_flag:
            if value:
                argv.append(option.flags[-1])
        elif value is not None:
            argv.append(f"{option.flags[-1]}={value}")
    return argv


def cold_shutdown_works(options: Mapping[str, Any]) -> bool:
    """Whether Celery's cold shutdown can stop this worker's tasks and put them back.

    Only the prefork pool can: solo and threads run tasks in the worker's own
    process, and Celery 5.7 cannot cancel them there (the solo pool has no
    kill_job, and the error surfaces inside the running task, failing it).
    """
    return options.get("pool") in (None, "prefork")


def banner(app: Celery, *details: str) -> str:
    """What ``runserver`` prints on start, for a worker: when, what, and how to quit."""
    now = datetime.now().strftime("%B %d, %Y - %X")
    starting = f"Starting Celery worker for {app.main!r} on {app.conf.broker_url}"
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
        self.consumer_cancelled = False  # a reconnection brings a new task consumer
        # Tasks.start rebuilds the strategies on every (re)connection; this step
        # starts after it each time, so the guard is always in place.
        for name, strategy in consumer.strategies.items():
            consumer.strategies[name] = self.guard(strategy, consumer)
        self.timer_entry = consumer.timer.call_repeatedly(
            DRAIN_CHECK_SECONDS, self.check, (consumer,)
        )

    def stop(self, consumer):
        if self.timer_entry is not None:
            self.timer_entry.cancel()
            self.timer_entry = None

    @staticmethod
    def guard(strategy, consumer):
        def refuse_when_stopping(message, *args, **kwargs):
            if stopping():
                message.reject_log_error(logger, consumer.connection_errors, requeue=True)
                return None
            return strategy(message, *args, **kwargs)

        return refuse_when_stopping

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


def run_worker(app: Celery, argv: list[str]) -> int:
    """Run ``celery worker`` in this process's main thread and return its exit code.

    The main thread, because only it can install Celery's signal handlers, and
    without them there is no warm shutdown.
    """
    signal.signal(DRAIN_SIGNAL, lambda signum, frame: draining.set())
    app.steps["consumer"].add(Drain)
    return app.start(argv) or 0
