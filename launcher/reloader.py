"""The reloader behind ``runworker`` and ``flask worker``: one supervisor, two frameworks.

It runs the worker command in a child process (its own process group), watches
the project's packages through file-system events, and on a change:

1. asks the running worker to drain (SIGUSR2, see ``launcher.worker.Drain``): it
   takes nothing new from that moment and shuts down warmly once its running
   tasks are done;
2. starts a fresh worker straight away, which takes the queue from there; with
   beat embedded (``-B``) it first waits for the old one to exit, so two beats
   never run side by side;
3. escalates on a stopping worker that overruns the grace period: SIGQUIT
   (Celery's cold shutdown, which on the prefork pool terminates the unfinished
   tasks and puts their messages back), then SIGKILL to its whole process group,
   so no pool child is left behind.

A worker that exits on its own with an error (a syntax error, a failed system
check) is reported, and the next change starts a new one: no crash loop.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterable, Sequence
from importlib.util import cache_from_source, find_spec
from pathlib import Path

import watchfiles

from launcher.worker import DRAIN_SIGNAL, cold_shutdown_works

#: Templates are part of the code when the worker renders them (mail bodies).
WATCHED_EXTENSIONS = (".html", ".txt")
#: How often, at the latest, the loop looks at its children and deadlines.
TICK_MS = 200
#: A burst of saves closer together than this is one change.
QUIET_MS = 50
#: How long Celery's cold shutdown gets to put the unfinished tasks back.
COLD_SHUTDOWN_SECONDS = 10.0


def project_packages(module_names: Iterable[str]) -> list[Path]:
    """The folders of the top-level packages these modules belong to, except installed ones.

    Watching whole package folders (not the project root) keeps the virtual
    environment, databases and the broker's folder out of the watch altogether.
    """
    installed = {Path(p).resolve() for p in (sys.prefix, sys.base_prefix)}
    folders = set()
    for name in module_names:
        spec = find_spec(name.partition(".")[0])
        if spec is None or not spec.submodule_search_locations:
            continue
        folder = Path(next(iter(spec.submodule_search_locations))).resolve()
        if not any(folder.is_relative_to(prefix) for prefix in installed):
            folders.add(folder)
    return sorted(folders)


def say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


class WorkerProcess:
    """One worker child and its escalation clock."""

    def __init__(self, command: Sequence[str]):
        # A session of its own: the terminal's Ctrl-C reaches only the launcher,
        # which decides, and killpg can reach every pool child of this worker.
        self.process = subprocess.Popen(command, start_new_session=True)
        self.pid = self.process.pid
        self.stopping_since: float | None = None
        self.cold = False

    def stop(self) -> None:
        """Drain: take nothing new, finish what is running, then shut down warmly."""
        if self.stopping_since is None:
            self.stopping_since = time.monotonic()
            self._signal(DRAIN_SIGNAL)

    def escalate(self, grace: float, cold_shutdown: bool) -> None:
        """Past the grace period, Celery's cold shutdown (SIGQUIT); 10 s later, SIGKILL.

        The new worker is already serving, so a long grace costs only a lingering
        process. On the prefork pool the cold shutdown terminates the unfinished
        tasks and, with ``acks_late`` and ``reject_on_worker_lost``, puts them
        back, to run again on the new code. The solo and threads pools cannot be
        cold-stopped (``cold_shutdown_works``): they are killed after the grace,
        and their task's message comes back when the broker sees it unacknowledged
        (RabbitMQ at once, Redis after its visibility timeout, an hour by default).
        """
        if self.stopping_since is None:
            return
        late = time.monotonic() - self.stopping_since
        if late >= grace + (COLD_SHUTDOWN_SECONDS if cold_shutdown else 0):
            say(f"Worker {self.pid} is still running; killing its process group.")
            self._signal(signal.SIGKILL, group=True)
        elif late >= grace and cold_shutdown and not self.cold:
            say(f"Worker {self.pid} did not stop within {grace:g} s: cold shutdown.")
            self.cold = True
            self._signal(signal.SIGQUIT)

    def hurry(self, grace: float) -> None:
        """Make the next escalation step due now (a second Ctrl-C)."""
        if self.stopping_since is not None:
            self.stopping_since = (
                time.monotonic() - grace - (COLD_SHUTDOWN_SECONDS if self.cold else 0)
            )

    def poll(self) -> int | None:
        """The exit code once the worker has exited, after killing what it left behind."""
        # WNOWAIT leaves the exited leader unreaped, so its process group id
        # cannot be reused before the leftovers in it are killed.
        flags = os.WEXITED | os.WNOHANG | os.WNOWAIT
        if os.waitid(os.P_PID, self.pid, flags) is None:
            return None
        self._signal(signal.SIGKILL, group=True)
        return self.process.wait()

    def _signal(self, signum: int, group: bool = False) -> None:
        try:
            if group:
                os.killpg(self.pid, signum)
            else:
                self.process.send_signal(signum)
        except ProcessLookupError:
            pass


class Reloader:
    """The supervisor: one current worker, and the retired ones still finishing."""

    def __init__(
        self,
        command: Sequence[str],
        paths: Sequence[Path],
        *,
        grace: float = 30.0,
        serial: bool = False,
        cold_shutdown: bool = True,
    ):
        self.command = list(command)
        self.paths = list(paths)
        self.grace = grace
        self.serial = serial
        self.cold_shutdown = cold_shutdown
        self.current: WorkerProcess | None = None
        self.retired: list[WorkerProcess] = []
        self.pending = False
        self.exit_code = 0
        self.stop_requested = threading.Event()

    def run(self) -> int:
        """Supervise until Ctrl-C or SIGTERM; return the worker's exit code.

        ``watchfiles`` delivers the kernel's file-system events (inotify on Linux)
        for Python files and the templates, and groups a burst of saves within
        ``QUIET_MS`` into one change: an editor that writes a file in steps causes
        one restart. Between events the loop wakes every ``TICK_MS`` to reap and
        escalate.
        """
        previous = {
            signum: signal.signal(signum, self._on_stop_signal)
            for signum in (signal.SIGINT, signal.SIGTERM)
        }
        try:
            names = ", ".join(str(p) for p in self.paths)
            say(f"Watching for file changes in {names} (watchfiles, file-system events).")
            self.current = WorkerProcess(self.command)
            for changes in watchfiles.watch(
                *self.paths,
                watch_filter=watchfiles.PythonFilter(extra_extensions=WATCHED_EXTENSIONS),
                step=QUIET_MS,
                rust_timeout=TICK_MS,
                yield_on_timeout=True,
                stop_event=self.stop_requested,
                raise_interrupt=False,
            ):
                if changes:
                    self.reload(sorted(path for _, path in changes))
                if self.tick():
                    break
            return self.shutdown()
        finally:
            for signum, handler in previous.items():
                signal.signal(signum, handler)

    def reload(self, changed: list[str]) -> None:
        """Drain the current worker and start the next one at once.

        The two overlap safely: the draining worker takes nothing new, and a
        long task still running on the old code does not hold back the new
        code. Messages sent meanwhile wait in the queue for the new worker.
        """
        shown = ", ".join(os.path.relpath(p) for p in changed[:3])
        more = f" and {len(changed) - 3} more" if len(changed) > 3 else ""
        say(f"{shown}{more} changed, reloading.")
        for path in changed:
            if path.endswith(".py"):
                # A .pyc records its source's mtime in whole seconds, and its size:
                # a same-size edit within the second would load the old bytecode.
                Path(cache_from_source(path)).unlink(missing_ok=True)
        if self.current is not None:
            self.current.stop()
            self.retired.append(self.current)
        self.current = None
        self.pending = True
        self.start_when_ready()

    def start_when_ready(self) -> None:
        if self.pending and not (self.serial and self.retired):
            self.pending = False
            self.current = WorkerProcess(self.command)

    def tick(self) -> bool:
        """Reap, escalate, start a pending worker; True when the launcher should end.

        A worker that exits on its own with an error (a syntax error in the file
        just saved, a failed system check) is reported, and the next one starts
        at the next change, not in a loop.
        """
        for worker in list(self.retired):
            if worker.poll() is None:
                worker.escalate(self.grace, self.cold_shutdown)
            else:
                self.retired.remove(worker)
        if self.current is not None and (code := self.current.poll()) is not None:
            self.current = None
            self.exit_code = code
            if code == 0 and not self.stop_requested.is_set():
                say("Worker exited on its own with code 0 (a remote shutdown?): stopping.")
                return True
            say(f"Worker exited with code {code}; waiting for a file change to start it again.")
            return False
        if self.stop_requested.is_set():
            return True
        self.start_when_ready()  # a reload that waited for the old worker (serial mode)
        return False

    def shutdown(self) -> int:
        """Warm-stop every worker, escalating past the grace period; the current one's code."""
        if self.current is not None:
            self.current.stop()
            self.retired.append(self.current)
        last = self.current
        while self.retired:
            for worker in list(self.retired):
                if (code := worker.poll()) is None:
                    worker.escalate(self.grace, self.cold_shutdown)
                    continue
                self.retired.remove(worker)
                if worker is last:
                    self.exit_code = code
            time.sleep(TICK_MS / 1000)
        # A worker killed by signal N ends the launcher with 128 + N, as a shell reports it.
        return 128 - self.exit_code if self.exit_code < 0 else self.exit_code

    def _on_stop_signal(self, signum, frame) -> None:
        """Ctrl-C or SIGTERM: drain as for a reload and end with the worker's exit
        code; a second one moves each retired worker's escalation on a step."""
        if self.stop_requested.is_set():
            for worker in self.retired:
                worker.hurry(self.grace)
            return
        say(f"{signal.Signals(signum).name}: stopping the worker (again to hurry it).")
        self.stop_requested.set()


def run_reloading(worker_params: dict, modules: Iterable[str], grace: float) -> int:
    """What both launchers do: run their own command line again, with ``--no-reload``,
    under a reloader that watches the packages of ``modules``.

    ``sys.orig_argv`` is that command line as Python received it (``python -m``,
    ``-W`` and ``-X`` options kept), for ``manage.py`` and ``flask`` alike.
    ``worker_params`` are the worker's options as Celery parsed them.
    """
    reloader = Reloader(
        [sys.executable, *sys.orig_argv[1:], "--no-reload"],
        project_packages(modules),
        grace=grace,
        serial=worker_params["beat"],  # never two beats side by side
        cold_shutdown=cold_shutdown_works(worker_params),
    )
    return reloader.run()
