"""The ``mail`` host's SMTP server: keeps each message it accepts as a .eml file, with the
address of the host that sent it.

A recipient whose address starts with ``slow`` makes a slow server, once: the first time
it is named, the server waits before it answers the RCPT command, long enough for the test
to cut the sending host off in the middle of the task. Nothing of that first session is
kept, since its message never arrives.

    python -m tests.hosts.mailhost ADDRESS PORT FOLDER
"""

from __future__ import annotations

import asyncio
import json
import sys
from pathlib import Path

from devstack.mailsink import SaveAndPrint

SLOW_SECONDS = 30


class Sink(SaveAndPrint):
    def __init__(self, directory: Path):
        super().__init__(directory, out=sys.stdout)
        self.slowed: set[str] = set()

    async def handle_RCPT(self, server, session, envelope, address, options):  # noqa: N802
        if address.startswith("slow") and address not in self.slowed:
            self.slowed.add(address)
            print(f"holding RCPT {address} from {session.peer[0]}", flush=True)
            self.log("held", address, session.peer[0])
            await asyncio.sleep(SLOW_SECONDS)
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):  # noqa: N802
        answer = await super().handle_DATA(server, session, envelope)
        for address in envelope.rcpt_tos:
            self.log("accepted", address, session.peer[0])
        return answer

    def log(self, event: str, address: str, peer: str) -> None:
        with open(self.directory / "log.jsonl", "a") as log:
            log.write(json.dumps({"event": event, "to": address, "from": peer}) + "\n")


def main() -> None:
    from aiosmtpd.controller import Controller

    address, port, folder = sys.argv[1], int(sys.argv[2]), Path(sys.argv[3])
    controller = Controller(Sink(folder), hostname=address, port=port)
    controller.start()
    print(f"listening on {address}:{port}", flush=True)
    try:
        asyncio.run(asyncio.Event().wait())
    finally:
        controller.stop()


if __name__ == "__main__":
    main()
