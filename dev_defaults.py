"""Where the local development stack keeps its files, and its broker's address.

The apps fall back on these only when the environment names nothing else, and
``devstack`` starts its services here. No dependencies and no side effects, so
production settings may import it.
"""

import os
from pathlib import Path

ROOT = Path(__file__).resolve().parent
#: Development databases, mail and the embedded broker (``DEMO_VAR_DIR`` moves it).
VAR = Path(os.environ.get("DEMO_VAR_DIR", ROOT / "var")).resolve()


def broker_socket(stack: str, var: Path = VAR) -> Path:
    """The embedded broker's unix socket for a stack (``django`` or ``flask``)."""
    return var / f"{stack}-redis" / "redis.sock"


def broker_url(stack: str, var: Path = VAR) -> str:
    """The broker URL a stack's apps use when ``CELERY_BROKER_URL`` is not set."""
    return f"redis+socket://{broker_socket(stack, var)}"
