"""A local SMTP sink: accepts every message, prints it, keeps it as a .eml file.

``make run-django`` starts it on ``SMTP_HOST``:``SMTP_PORT`` (127.0.0.1:1025) so
the activation link can be clicked straight from the combined log.
"""

from __future__ import annotations

import argparse
import email
import email.policy
import itertools
import os
import signal
import sys
import threading
from datetime import datetime
from pathlib import Path

from aiosmtpd.controller import Controller

from dev_defaults import VAR


class SaveAndPrint:
    """aiosmtpd handler: one .eml file per message, and a readable copy on stdout."""

    def __init__(self, directory: Path, out=None):
        self.directory = Path(directory)
        self.directory.mkdir(parents=True, exist_ok=True)
        self.out = out
        self._seq = itertools.count(1)

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd's name)
        name = f"{datetime.now():%Y%m%d-%H%M%S}-{os.getpid()}-{next(self._seq):04d}.eml"
        (self.directory / name).write_bytes(envelope.content)
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        body = message.get_body(preferencelist=("plain",))
        print(
            f"--- mail to {', '.join(envelope.rcpt_tos)} (saved as {name})\n"
            f"Subject: {message['subject']}\n\n"
            f"{body.get_content().rstrip() if body else '(no text part)'}\n---",
            file=self.out or sys.stdout,
            flush=True,
        )
        return "250 Message accepted for delivery"


def serve(host: str, port: int, directory: Path) -> Controller:
    controller = Controller(SaveAndPrint(directory), hostname=host, port=port)
    controller.start()
    return controller


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default=os.environ.get("SMTP_HOST", "127.0.0.1"))
    parser.add_argument("--port", type=int, default=int(os.environ.get("SMTP_PORT", "1025")))
    parser.add_argument("--dir", type=Path, default=VAR / "mail")
    args = parser.parse_args(argv)
    controller = serve(args.host, args.port, args.dir)
    print(f"SMTP sink on {args.host}:{args.port}, keeping mail in {args.dir}", flush=True)
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    stop.wait()
    controller.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
