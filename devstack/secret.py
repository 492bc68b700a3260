"""Development secret keys: random, kept in var/, never committed."""

import os
import secrets

from devstack import VAR


def dev_secret_key(name: str) -> str:
    """A random key kept in ``var/<name>-secret-key``, so sessions survive restarts."""
    path = VAR / f"{name}-secret-key"
    VAR.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_text().strip()
    with os.fdopen(fd, "w") as f:
        f.write(secrets.token_urlsafe(50))
    return path.read_text().strip()
