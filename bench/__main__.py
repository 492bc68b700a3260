"""``make bench``: run every benchmark and write bench/results.md for the docs.

These machines are shared and noisy: each figure is reported as a ratio to a
baseline measured in the same run, and nothing here is asserted in a test.
"""

import platform
import sys
from datetime import UTC, datetime
from pathlib import Path

from bench import mail_latency, reload, roundtrip, sweep, table, throughput

RESULTS = Path(__file__).with_name("results.md")


def main() -> int:
    sections = [
        f"Measured {datetime.now(UTC):%Y-%m-%d} on {platform.machine()}, Python "
        f"{platform.python_version()}, {platform.system()}.",
        "**Expired-snippet sweep against its floor** (`bench/sweep.py`, 10% expired; floor: "
        "one `DELETE … WHERE expires_at <= now`; longest batch: the longest write transaction; "
        f"median of {sweep.REPEATS} runs; memory: growth of the process's peak resident set "
        "while the method ran; djangobin's loop on SQLite only):\n\n"
        + table(sweep.HEADER, sweep.run()),
        f"**Task round trip and throughput** (`bench/roundtrip.py`, no-op task, {roundtrip.CALLS} "
        f"calls one at a time, then {roundtrip.BURST:,} sent at once; one worker, one "
        "process):\n\n" + table(roundtrip.HEADER, roundtrip.run()),
        f"**What each setting costs** (`bench/throughput.py`, no-op tasks queued first, then "
        f"run by one worker; {throughput.TASKS:,} tasks per cell, {throughput.SLOW_TASKS:,} "
        "where results go to the Django database; each row changes one setting of the demo "
        "defaults, the profile all of them; ratio: to the demo defaults on the same "
        "broker):\n\n" + table(throughput.HEADER, throughput.run()),
        f"**Request latency with a slow SMTP server** (`bench/mail_latency.py`, the server "
        f"answers after {mail_latency.SMTP_DELAY:g} s; median of {mail_latency.REQUESTS} "
        "requests; sign-up includes hashing the password):\n\n"
        + table(mail_latency.HEADER, mail_latency.run()),
    ]
    latency, safety = reload.run()
    sections += [
        f"**Reload latency** (`bench/reload.py`, embedded broker, {reload.EDITS} edits each; "
        f"busy: every pool process running a {reload.BUSY_SECONDS:g} s task at the save):\n\n"
        + table(reload.LATENCY_HEADER, latency),
        "**A reload in the middle of 100 probes** (`bench/reload.py`; stale: sent after the "
        "launcher saw the change, yet ran the old code; busy: the "
        f"{reload.BUSY_SECONDS:g} s tasks running at each save of the busy latency runs; cut "
        "off: answered by code newer than they started on, so stopped part-way and run "
        "again; the recipe: Django's autoreloader around `worker_main`, "
        "`bench/autoreload_recipe.py`):\n\n" + table(reload.SAFETY_HEADER, safety),
    ]
    text = "\n\n".join(sections) + "\n"
    RESULTS.write_text(text)
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
