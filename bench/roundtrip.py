"""Round trip and throughput of a no-op task on each broker that is reachable.

Round trip: ``delay().get()``, one call at a time. Throughput: 5,000 tasks sent
without waiting, timed until the worker has run the last of them. One worker
process (prefork, one child, as a user would run it) per broker, the rpc://
result backend on every broker so that only the broker differs. Ratios are
against the embedded broker, measured in the same run.
"""

from __future__ import annotations

import os
import statistics
import tempfile
import time
from pathlib import Path

from bench.noop_app import make_app, noop_worker
from devstack.broker import EmbeddedRedis
from tests.support.servers import REAL_BROKERS, server_answers

CALLS = int(os.environ.get("BENCH_ROUNDTRIP_CALLS", "500"))
BURST = int(os.environ.get("BENCH_THROUGHPUT_TASKS", "5000"))
WARMUP = 20


def measure(url: str) -> dict[str, float]:
    worker = noop_worker(url, "--concurrency=1", "--without-mingle", "--without-gossip")
    with make_app(url) as app, worker:
        noop = app.signature("noop")
        app.control.purge()
        for _ in range(WARMUP):
            noop.delay().get(timeout=60)
        times = []
        for _ in range(CALLS):
            start = time.perf_counter()
            noop.delay().get(timeout=30)
            times.append(time.perf_counter() - start)
        # One child runs the queue in order, so the last result means all ran.
        start = time.perf_counter()
        for _ in range(BURST - 1):
            noop.apply_async(ignore_result=True)
        noop.delay().get(timeout=600)
        burst_seconds = time.perf_counter() - start
    times.sort()
    return {
        "p50": statistics.median(times) * 1000,
        "p95": times[int(len(times) * 0.95) - 1] * 1000,
        "rate": BURST / burst_seconds,
    }


def row(name: str, r: dict[str, float], base: dict[str, float]) -> tuple[str, ...]:
    return (
        name,
        f"{r['p50']:.2f}",
        f"{r['p95']:.2f}",
        f"{r['p50'] / base['p50']:.2f}",
        f"{r['rate']:,.0f}",
        f"{r['rate'] / base['rate']:.2f}",
    )


def run() -> list[tuple[str, ...]]:
    with tempfile.TemporaryDirectory(prefix="bench-") as tmp:
        with EmbeddedRedis(Path(tmp) / "b") as embedded:
            base = measure(embedded.url)
    rows = [row("embedded Redis (unix socket)", base, base)]
    for name, url in (
        ("Redis (TCP)", REAL_BROKERS["redis"]),
        ("RabbitMQ", REAL_BROKERS["rabbitmq"]),
    ):
        if not server_answers(url):
            rows.append((name, "absent", "", "", "", ""))
            continue
        rows.append(row(name, measure(url), base))
    return rows


HEADER = (
    "broker",
    "round trip p50 ms",
    "p95 ms",
    "p50 ratio to embedded",
    f"throughput, {BURST:,} tasks/s",
    "ratio to embedded",
)
