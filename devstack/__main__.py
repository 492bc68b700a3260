"""Run a demo stack with one combined log: ``python -m devstack django|flask``.

Starts the embedded broker (unless ``CELERY_BROKER_URL`` names another), prepares
the database, then runs the processes of the stack's Procfile under honcho.
Ctrl-C stops them all, and the broker last.
"""

from __future__ import annotations

import os
import secrets
import signal
import subprocess
import sys
from contextlib import ExitStack
from functools import partial
from pathlib import Path
from typing import NamedTuple

import honcho.manager
from honcho.environ import parse_procfile
from kombu.utils.url import maybe_sanitize_url

from dev_defaults import ROOT, VAR, broker_socket
from devstack.broker import EmbeddedRedis
from launcher.reloader import COLD_SHUTDOWN_SECONDS

HERE = Path(__file__).resolve().parent
#: After Ctrl-C, how long the processes get before honcho kills them (SIGKILL): the
#: launchers' default grace (30 s), Celery's cold shutdown after it, and a margin.
#: Both end the worker by themselves sooner; honcho's own 5 s would cut it off.
STOP_SECONDS = 30 + COLD_SHUTDOWN_SECONDS + 5


class Stack(NamedTuple):
    prepare: list[list[str]]  # commands that must finish before the Procfile starts
    secret_variable: str
    web_port_variable: str
    web_port: str
    flower_port: str
    smtp_port: str


#: Each stack's default ports differ, so both can run at the same time.
STACKS = {
    "django": Stack(
        [["manage.py", "migrate", "--noinput", "-v", "1"], ["manage.py", "ensure_demo_admin"]],
        "DJANGO_SECRET_KEY",
        "DJANGO_PORT",
        "8000",
        "5555",
        "1025",
    ),
    "flask": Stack(
        [["-m", "flask", "--app", "flask_demo", "init-db"]],
        "FLASK_SECRET_KEY",
        "FLASK_PORT",
        "5000",
        "5556",
        "1026",
    ),
}


def kept_secret(name: str, make) -> tuple[str, bool]:
    """A secret kept in ``var/<name>`` (mode 600), made on first use; and whether it is new.

    Secrets reach the processes through their environment, never their command
    line, where any user of the machine could read them with ``ps``.
    """
    path = VAR / name
    VAR.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_text().strip(), False
    with os.fdopen(fd, "w") as f:
        f.write(make())
    return path.read_text().strip(), True


def environment(name: str, stack: Stack) -> tuple[dict[str, str], str | None]:
    """The stack's environment, and Flower's password if it was just made."""
    env = dict(os.environ)
    # The Procfile's `python`, `celery` and `flask` are this virtual environment's.
    env["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), env.get("PATH", "")])
    env["PYTHONUNBUFFERED"] = "1"  # lines reach the combined log as they are written
    env["DEMO_VAR_DIR"] = str(VAR)
    env["WEB_PORT"] = env.get(stack.web_port_variable, stack.web_port)
    env.setdefault("FLOWER_PORT", stack.flower_port)
    env.setdefault("SMTP_PORT", stack.smtp_port)
    if not env.get(stack.secret_variable):
        env[stack.secret_variable], _ = kept_secret(
            f"{name}-secret-key", lambda: secrets.token_urlsafe(50)
        )
    new_password = None
    if not env.get("FLOWER_BASIC_AUTH"):
        env["FLOWER_BASIC_AUTH"], new = kept_secret(
            "flower-basic-auth", lambda: f"admin:{secrets.token_urlsafe(12)}"
        )
        new_password = env["FLOWER_BASIC_AUTH"].split(":", 1)[1] if new else None
    return env, new_password


def startup_message(name: str, env: dict[str, str], new_password: str | None) -> str:
    """Where everything is. The broker's password is masked, as in Celery's own banner."""
    flower_user = env["FLOWER_BASIC_AUTH"].split(":", 1)[0]
    password = (
        f"password {new_password} (printed once, kept in var/)"
        if new_password
        else "password from FLOWER_BASIC_AUTH or var/flower-basic-auth"
    )
    return (
        f"\n  {name} demo    http://127.0.0.1:{env['WEB_PORT']}/\n"
        f"  Flower         http://127.0.0.1:{env['FLOWER_PORT']}/  user {flower_user!r}, "
        f"{password}\n"
        f"  broker         {maybe_sanitize_url(env['CELERY_BROKER_URL'])}\n"
        f"  SMTP sink      127.0.0.1:{env['SMTP_PORT']}, mail kept in var/mail/\n"
        "  Ctrl-C stops everything.\n"
    )


def main(argv: list[str]) -> int:
    if len(argv) != 1 or argv[0] not in STACKS:
        print(f"usage: python -m devstack {{{','.join(STACKS)}}}", file=sys.stderr)
        return 2
    name = argv[0]
    stack = STACKS[name]
    env, new_password = environment(name, stack)

    with ExitStack() as resources:
        if not env.get("CELERY_BROKER_URL"):
            broker = resources.enter_context(EmbeddedRedis(broker_socket(name).parent))
            env["CELERY_BROKER_URL"] = broker.url
        for command in stack.prepare:
            subprocess.run([sys.executable, *command], env=env, cwd=ROOT, check=True)
        print(startup_message(name, env, new_password), flush=True)
        return run_procfile((HERE / f"{name}.Procfile").read_text(), env)


class Manager(honcho.manager.Manager):
    """honcho's manager, passing a second Ctrl-C on: honcho ignores it, and the
    worker's launcher takes a second SIGTERM as "hurry"."""

    def _start(self):
        # loop() has just set its own handlers; each is wrapped, not replaced.
        for signum in (signal.SIGINT, signal.SIGTERM):
            signal.signal(signum, partial(self._on_stop_signal, signal.getsignal(signum)))
        super()._start()

    def _on_stop_signal(self, honchos_handler, signum, frame):
        if self._terminating:
            self._killall()  # SIGTERM again, to every process still running
        else:
            honchos_handler(signum, frame)


def run_procfile(procfile: str, env: dict[str, str]) -> int:
    """Run every process of ``procfile`` with one combined log, until Ctrl-C or one stops."""
    honcho.manager.KILL_WAIT = STOP_SECONDS  # read by Manager.loop; honcho has no option
    manager = Manager()
    for process, command in parse_procfile(procfile).processes.items():
        manager.add_process(process, command, env=env, cwd=str(ROOT))
    manager.loop()
    return manager.returncode


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
