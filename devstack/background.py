"""A whole demo stack in the background, as ``python -m devstack NAME`` runs it.

For the stack test and ``make tour``: free ports, a private ``var/`` folder, and
none of the caller's ``CELERY_``/``FLOWER_`` settings.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from devstack import ROOT, free_port
from devstack.__main__ import STACKS


@dataclass(frozen=True)
class Background:
    process: subprocess.Popen
    web: str
    flower: str
    flower_port: int

    def interrupt(self, timeout: float = 30) -> int:
        """Ctrl-C, as in a terminal; the stack's exit code."""
        os.killpg(self.process.pid, signal.SIGINT)
        return self.process.wait(timeout)


def start(name: str, var: Path, flower_auth: str, output=subprocess.DEVNULL, **env) -> Background:
    ports = {
        STACKS[name].web_port_variable: free_port(),
        "FLOWER_PORT": free_port(),
        "SMTP_PORT": free_port(),
    }
    environ = {k: v for k, v in os.environ.items() if not k.startswith(("CELERY_", "FLOWER_"))}
    environ |= {k: str(v) for k, v in ports.items()} | env
    environ |= {"DEMO_VAR_DIR": str(var), "FLOWER_BASIC_AUTH": flower_auth}
    process = subprocess.Popen(
        [sys.executable, "-m", "devstack", name],
        cwd=ROOT,
        env=environ,
        stdout=output,
        stderr=subprocess.STDOUT,
        start_new_session=True,  # one process group: one Ctrl-C reaches them all
    )
    return Background(
        process,
        web=f"http://127.0.0.1:{ports[STACKS[name].web_port_variable]}",
        flower=f"http://127.0.0.1:{ports['FLOWER_PORT']}",
        flower_port=ports["FLOWER_PORT"],
    )
