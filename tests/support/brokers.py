"""Celery apps moved between brokers, Redis key spaces of their own, and a broker that hangs."""

from __future__ import annotations

import socket
import threading
import uuid
from contextlib import contextmanager, suppress
from urllib.parse import urlsplit

from tests.support.servers import DEFAULT_PORTS, REAL_BROKERS, server_answers


class FreezingProxy:
    """A TCP proxy to a real server that can freeze: while frozen it still takes
    connections but passes nothing on, either way, as a hung broker or a broken
    network path would. Thawed, it passes on what it held or, as a restarted
    broker would, drops every connection it had. Or it abandons them: they stay
    silent for good while new ones pass, as after a restart whose close never
    reached the client."""

    def __init__(self, url: str):
        parts = urlsplit(url)
        self.upstream = (parts.hostname, parts.port or DEFAULT_PORTS[parts.scheme])
        self.server = socket.create_server(("127.0.0.1", 0))
        credentials, at, _ = parts.netloc.rpartition("@")
        netloc = f"{credentials}{at}127.0.0.1:{self.server.getsockname()[1]}"
        self.url = parts._replace(netloc=netloc).geturl()
        self.flowing = threading.Event()  # for the connections taken since the last abandon
        self.flowing.set()
        self.abandoned: list[threading.Event] = []
        self.connections: list[socket.socket] = []
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                client = self.server.accept()[0]
            except OSError:  # closed
                return
            upstream = socket.create_connection(self.upstream)
            self.connections += [client, upstream]
            for source, sink in ((client, upstream), (upstream, client)):
                threading.Thread(
                    target=self._pump, args=(source, sink, self.flowing), daemon=True
                ).start()

    def _pump(self, source: socket.socket, sink: socket.socket, flowing) -> None:
        try:
            while data := source.recv(65536):
                flowing.wait()
                sink.sendall(data)
        except OSError:
            pass
        finally:
            for end in (source, sink):
                with suppress(OSError):
                    end.shutdown(socket.SHUT_RDWR)

    def freeze(self) -> None:
        self.flowing.clear()

    def thaw(self, drop: bool = False) -> None:
        if drop:
            self._shut_all()
        self.flowing.set()

    def abandon(self) -> None:
        """Pass new connections on; the frozen ones stay frozen."""
        self.abandoned.append(self.flowing)
        self.flowing = threading.Event()
        self.flowing.set()

    def close(self) -> None:
        self.server.close()
        self._shut_all()
        for flowing in (*self.abandoned, self.flowing):
            flowing.set()  # the pumps see their sockets shut, and end

    def _shut_all(self) -> None:
        for connection in self.connections:
            with suppress(OSError):
                connection.shutdown(socket.SHUT_RDWR)


def use_broker(app, url: str) -> None:
    """Point an already-configured app at another broker, dropping pooled connections."""
    app.conf.broker_url = url
    drop_connections(app)


def drop_connections(app) -> None:
    """Forget the app's pooled connections: the next one is made from its settings."""
    app._after_fork()  # the reset Celery itself does in a forked child
    # The task sender keeps the event exchange it made for the first broker; Redis's
    # is a fanout, and declared on RabbitMQ it would break every later worker there.
    app.__dict__.pop("amqp", None)


@contextmanager
def own_key_space(app):
    """The app's keys on Redis under a prefix of their own (kombu's ``global_keyprefix``)
    for the block, and deleted after; yields the prefix.

    Queues, kombu's ``unacked`` index and its ``unacked_mutex`` lock included: a
    lock one test left behind would stop another's redeliveries for five minutes.
    RabbitMQ ignores the option; its tests use queues of their own.
    """
    prefix = f"test-{uuid.uuid4().hex[:12]}:"
    options = app.conf.broker_transport_options
    app.conf.broker_transport_options = {**options, "global_keyprefix": prefix}
    drop_connections(app)
    try:
        yield prefix
    finally:
        app.conf.broker_transport_options = options
        drop_connections(app)
        forget_keys(prefix)


def forget_keys(prefix: str) -> None:
    """Delete the test Redis server's keys under ``prefix``, if that server answers."""
    import redis

    if not server_answers(REAL_BROKERS["redis"]):
        return
    client = redis.Redis.from_url(REAL_BROKERS["redis"], socket_timeout=5)
    with client:
        for key in client.scan_iter(match=f"{prefix}*", count=1000):
            client.delete(key)
