"""Run a command with an environment file loaded the way systemd loads it, with no shell.

    .venv/bin/python deploy/run_with_env.py /etc/celery-in-practice/django_demo.env \\
        .venv/bin/python manage.py migrate

A shell cannot source these files: ``DJANGO_ADMINS=Ops <ops@example.org>`` reads as a
redirection there. This reads the part of systemd's ``EnvironmentFile`` syntax that the
example files use. Each line is ``KEY=VALUE``, the value taken as it is, and a value in
matching quotes loses them. Blank lines, lines without ``=`` and lines that start with
``#`` or ``;`` are skipped. There are no escapes and no continued lines.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path


def read(path: str) -> dict[str, str]:
    """The file's variables."""
    values = {}
    for line in Path(path).read_text().splitlines():
        line = line.strip()
        if not line or line[0] in "#;" or "=" not in line:
            continue
        key, _, value = line.partition("=")
        value = value.strip()
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
            value = value[1:-1]
        values[key.strip()] = value
    return values


def main(argv: list[str]) -> None:
    if len(argv) < 2:
        sys.exit("usage: run_with_env.py ENV_FILE COMMAND [ARGUMENT...]")
    os.execvpe(argv[1], argv[1:], os.environ | read(argv[0]))  # noqa: S606 (the operator's command)


if __name__ == "__main__":
    main(sys.argv[1:])
