"""The local development stack: embedded broker, SMTP sink and the process runner.

Everything it writes lives under ``var/`` in the checkout (or ``$DEMO_VAR_DIR``).
"""

import os
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VAR = Path(os.environ.get("DEMO_VAR_DIR", ROOT / "var")).resolve()
