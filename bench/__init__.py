"""Benchmarks: ``make bench`` runs them all and writes bench/results.md."""

import json
import subprocess
import sys

from dev_defaults import ROOT


def in_child(module: str, *argv: str) -> dict:
    """Run ``python -m module argv…`` in a fresh process; its last output line is JSON.

    A fresh process sets Django up against its own database, and its peak
    memory is its own.
    """
    out = subprocess.run(
        [sys.executable, "-m", module, *argv], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout
    return json.loads(out.splitlines()[-1])


def table(header, rows) -> str:
    """A Markdown table of ``rows`` under ``header``."""
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines)
