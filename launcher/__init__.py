"""The autoreloading worker launcher behind ``manage.py runworker`` and ``flask worker``.

Development tooling: the apps' production code never imports it.
``launcher.reloader`` supervises and restarts workers on code changes;
``launcher.worker`` is the worker-side half (the drain step, the banner).

POSIX only: it drains, stops and reaps workers with process groups and signals
(SIGUSR2, SIGQUIT, ``killpg``, ``waitid``) that Windows does not have.
"""

import os

if os.name != "posix":
    raise RuntimeError(
        "The worker launcher needs a POSIX system (Linux, macOS, WSL 2). On Windows, run "
        "`celery -A <your app> worker -P solo` and restart it after an edit."
    )
