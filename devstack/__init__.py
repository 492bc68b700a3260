"""The local development stack: embedded broker, SMTP sink and the process runner.

Everything it writes lives under ``var/`` in the checkout (or ``$DEMO_VAR_DIR``).
"""

import os
import socket
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VAR = Path(os.environ.get("DEMO_VAR_DIR", ROOT / "var")).resolve()


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]
