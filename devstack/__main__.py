"""Run a demo stack with one combined log: ``python -m devstack django|flask``.

Starts the embedded broker (unless ``CELERY_BROKER_URL`` names another), prepares
the database, then runs the web server, an autoreloading worker with events,
beat, Flower and the SMTP sink under honcho. Ctrl-C stops them all, and the broker last.
"""

from __future__ import annotations

import os
import secrets
import shlex
import subprocess
import sys
from collections.abc import Callable
from contextlib import ExitStack
from typing import NamedTuple

from honcho.manager import Manager

from devstack import ROOT, VAR
from devstack.broker import EmbeddedRedis, socket_path

PY = sys.executable


def flower_basic_auth() -> tuple[str, str | None]:
    """``user:password`` for Flower, and the password if it was just generated.

    It reaches Flower through FLOWER_BASIC_AUTH in its environment, never on its
    command line, where any user of the machine could read it with ``ps``.
    """
    if os.environ.get("FLOWER_BASIC_AUTH"):
        return os.environ["FLOWER_BASIC_AUTH"], None
    path = VAR / "flower-basic-auth"
    if path.exists():
        return path.read_text().strip(), None
    password = secrets.token_urlsafe(12)
    VAR.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write(f"admin:{password}")
    return f"admin:{password}", password


def celery_processes(
    app: str, env: dict[str, str], launcher: list[str], *beat_options: str
) -> dict[str, list[str]]:
    """The autoreloading worker with events, beat, Flower on the loopback address, mail."""
    celery = [PY, "-m", "celery", "-A", app]
    hostname = f"--hostname={app.split('.')[0]}@%h"
    return {
        "worker": [*launcher, "-E", "--loglevel=INFO", hostname],
        "beat": [*celery, "beat", "--loglevel=INFO", *beat_options],
        "flower": [
            *[PY, "-m", "devstack.flower", "-A", app],
            *["flower", "--address=127.0.0.1", f"--port={env['FLOWER_PORT']}"],
        ],
        "mail": [PY, "-m", "devstack.mailsink"],
    }


def django_stack(env: dict[str, str]) -> dict[str, list[str]]:
    manage = [PY, "manage.py"]
    subprocess.run([*manage, "migrate", "--noinput", "-v", "1"], env=env, cwd=ROOT, check=True)
    subprocess.run([*manage, "ensure_demo_admin"], env=env, cwd=ROOT, check=True)
    return {
        "web": [*manage, "runserver", f"127.0.0.1:{env['WEB_PORT']}"],
        **celery_processes("django_demo", env, [*manage, "runworker"]),
    }


def flask_stack(env: dict[str, str]) -> dict[str, list[str]]:
    flask = [PY, "-m", "flask", "--app", "flask_demo"]
    subprocess.run([*flask, "init-db"], env=env, cwd=ROOT, check=True)
    schedule = str(VAR / "flask-celerybeat-schedule")
    return {
        "web": [*flask, "run", "--debug", "--host=127.0.0.1", f"--port={env['WEB_PORT']}"],
        **celery_processes(
            "flask_demo.make_celery", env, [*flask, "worker"], f"--schedule={schedule}"
        ),
    }


class Stack(NamedTuple):
    launch: Callable[[dict[str, str]], dict[str, list[str]]]
    web_port_variable: str
    web_port: str
    flower_port: str
    smtp_port: str


#: Each stack's default ports differ, so both can run at the same time.
STACKS = {
    "django": Stack(django_stack, "DJANGO_PORT", "8000", "5555", "1025"),
    "flask": Stack(flask_stack, "FLASK_PORT", "5000", "5556", "1026"),
}


def main(argv: list[str]) -> int:
    if len(argv) != 1 or argv[0] not in STACKS:
        print(f"usage: python -m devstack {{{','.join(STACKS)}}}", file=sys.stderr)
        return 2
    name = argv[0]
    stack = STACKS[name]
    env = dict(os.environ)
    env["WEB_PORT"] = env.get(stack.web_port_variable, stack.web_port)
    env.setdefault("FLOWER_PORT", stack.flower_port)
    env.setdefault("SMTP_PORT", stack.smtp_port)
    env["FLOWER_BASIC_AUTH"], new_password = flower_basic_auth()
    env["PYTHONUNBUFFERED"] = "1"  # lines reach the combined log as they are written

    with ExitStack() as resources:
        if not env.get("CELERY_BROKER_URL"):
            broker = resources.enter_context(EmbeddedRedis(socket_path(name).parent))
            env["CELERY_BROKER_URL"] = broker.url
        processes = stack.launch(env)
        manager = Manager()
        for process, command in processes.items():
            manager.add_process(process, shlex.join(command), env=env, cwd=str(ROOT))
        flower_user = env["FLOWER_BASIC_AUTH"].split(":", 1)[0]
        print(
            f"\n  {name} demo    http://127.0.0.1:{env['WEB_PORT']}/\n"
            f"  Flower         http://127.0.0.1:{env['FLOWER_PORT']}/  user {flower_user!r}, "
            + (
                f"password {new_password} (printed once, kept in var/)"
                if new_password
                else "password from FLOWER_BASIC_AUTH or var/flower-basic-auth"
            )
            + f"\n  broker         {env['CELERY_BROKER_URL']}\n"
            f"  SMTP sink      127.0.0.1:{env['SMTP_PORT']}, mail kept in var/mail/\n"
            "  Ctrl-C stops everything.\n",
            flush=True,
        )
        manager.loop()
        return manager.returncode


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
