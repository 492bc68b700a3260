"""The ``client`` host: a browser's requests to the site over HTTPS, trusting the test CA.

    python -m tests.hosts.client CA BASE ACTION [JSON]

Prints one JSON line: the answer's status, how long it took and the page.
"""

from __future__ import annotations

import json
import re
import sys
import time

from tests.support.tls import Client


def form(client: Client, path: str, data: dict) -> tuple[int, str]:
    _, _, page = client.open(client.base + path)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    referer = {"Referer": client.base + path}
    data = {"csrfmiddlewaretoken": token, **data}
    status, _, page = client.open(client.base + path, data, referer)
    return status, page


def main() -> None:
    ca, base, action = sys.argv[1:4]
    data = json.loads(sys.argv[4]) if len(sys.argv) > 4 else {}
    client = Client(ca, base)
    started = time.monotonic()
    if action == "get":
        status, _, page = client.open(base + data["path"])
    else:  # a form: signup, contact
        status, page = form(client, f"/{action}/", data)
    print(json.dumps({"status": status, "seconds": time.monotonic() - started, "page": page}))


if __name__ == "__main__":
    main()
