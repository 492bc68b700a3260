"""The autoreloading worker launcher behind ``manage.py runworker`` and ``flask worker``.

Development tooling: the apps' production code never imports it.
``launcher.reloader`` supervises and restarts workers on code changes;
``launcher.worker`` is the worker-side half (the drain step, the banner).
"""
