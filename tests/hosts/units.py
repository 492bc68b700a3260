"""The deployment's systemd units read as systemd reads them, for hosts that have no systemd.

Only what the units in deploy/systemd/ use: ``User``, ``WorkingDirectory``,
``EnvironmentFile``, ``StateDirectory`` and ``ExecStart``, with the specifiers ``%i``,
``%H`` and ``%S`` and the environment's ``${NAME}`` (one word) and ``$NAME`` (split on
white space).
"""

from __future__ import annotations

import importlib.util
import re
import shlex
from dataclasses import dataclass

from dev_defaults import ROOT

UNITS = ROOT / "deploy" / "systemd"


def _run_with_env():
    spec = importlib.util.spec_from_file_location("run_with_env", ROOT / "deploy/run_with_env.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


#: systemd's EnvironmentFile syntax, as far as the deployment's files use it.
read_environment_file = _run_with_env().read


@dataclass
class Service:
    user: str
    cwd: str
    environment_file: str
    state_directory: str | None
    exec_start: str

    def command(self, instance: str, hostname: str, environment: dict[str, str]) -> list[str]:
        specifiers = {"%i": instance, "%H": hostname, "%S": "/var/lib", "%%": "%"}
        line = re.sub("%[iHS%]", lambda m: specifiers[m.group()], self.exec_start)
        words = []
        for word in shlex.split(line):
            whole = re.fullmatch(r"\$(\w+)", word)
            if whole:  # $NAME: its value's words, none if it is empty
                words += environment.get(whole.group(1), "").split()
            else:  # ${NAME} inside a word: its value as it is
                words.append(re.sub(r"\$\{(\w+)\}", lambda m: environment[m.group(1)], word))
        return words


def service(unit: str) -> Service:
    """The [Service] section of ``deploy/systemd/<unit>``."""
    values = {}
    section = None
    for line in (UNITS / unit).read_text().splitlines():
        if line.startswith("["):
            section = line.strip("[]")
        elif section == "Service" and "=" in line and not line.startswith("#"):
            key, _, value = line.partition("=")
            values[key] = value
    return Service(
        user=values["User"],
        cwd=values["WorkingDirectory"],
        environment_file=values["EnvironmentFile"],
        state_directory=values.get("StateDirectory"),
        exec_start=values["ExecStart"],
    )
