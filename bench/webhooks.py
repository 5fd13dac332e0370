"""Webhook delivery latency: from a write to its receipt by an endpoint.

``python -m bench.webhooks [--rate 100] [--seconds 30]`` starts
``appointments serve`` on a fresh database (``bench.database``), a receiver on
127.0.0.1 subscribed to every event, and creates appointments at a steady
``rate`` (open loop: each write starts on schedule, whatever the others do).
Each delivery is matched to its write by the appointment id it carries, and
timed from the write's start and from its ``201`` (the delivery may win that
race: the write answers after the read model shows it). Prints one JSON line.
"""

from __future__ import annotations

import argparse
import json
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import httpx

from bench.database import choose_server, fresh_database, redacted
from bench.servers import clean_environment, free_port, running, service_command
from bench.stats import percentile
from tests.webhook_receiver import Receiver

RESULTS = Path(__file__).resolve().parent / "results"
WRITERS = 16
DRAIN_SECONDS = 60.0
HOUR_MS = 3_600_000
START_MS = 1_767_261_600_000


@dataclass(frozen=True)
class Latency:
    p50_ms: float
    p99_ms: float
    max_ms: float

    @classmethod
    def of(cls, samples: list[float]) -> Latency:
        return cls(
            round(percentile(samples, 0.50), 1),
            round(percentile(samples, 0.99), 1),
            round(max(samples, default=0.0), 1),
        )


@dataclass(frozen=True)
class WebhookLatencyResult:
    rate_per_s: float
    writes: int
    delivered: int
    write: Latency
    """The write's own latency (request to ``201``)."""
    from_write_start: Latency
    from_write_answer: Latency


class Writer:
    """Creates appointments on schedule; remembers when each started and ended."""

    def __init__(self, base_url: str) -> None:
        self.client = httpx.Client(base_url=base_url, timeout=30)
        self.times: dict[str, tuple[float, float]] = {}
        self.failures = 0
        self._lock = threading.Lock()

    def write(self, n: int) -> None:
        start = START_MS + n * HOUR_MS
        body = appointment(n, start)
        began = time.time()
        response = self.client.post("/v1/appointments", json=body)
        ended = time.time()
        with self._lock:
            if response.status_code == 201:
                self.times[response.json()["id"]] = (began, ended)
            else:
                self.failures += 1


def appointment(n: int, start: int) -> dict[str, Any]:
    return {
        "name": "Webhook latency",
        "description": "",
        "group": False,
        "internal": False,
        "start_time": start,
        "end_time": start + HOUR_MS,
        "host": f"host_{n % 500}",
        "attendees": [f"patient_{n}"],
        "created_by": "bench",
    }


def drive(writer: Writer, rate: float, seconds: float) -> int:
    """Start ``rate`` writes per second for ``seconds``; how many started."""
    total = int(rate * seconds)
    began = time.monotonic()
    with ThreadPoolExecutor(WRITERS) as pool:
        for n in range(total):
            delay = began + n / rate - time.monotonic()
            if delay > 0:
                time.sleep(delay)
            pool.submit(writer.write, n)
    return total


def measure(
    base_url: str, receiver: Receiver, rate: float, seconds: float
) -> WebhookLatencyResult:
    created = httpx.post(
        f"{base_url}/v1/webhook_endpoints",
        json={"url": receiver.url, "enabled_events": ["appointment.created"]},
    )
    created.raise_for_status()
    writer = Writer(base_url)
    writes = drive(writer, rate, seconds)
    deadline = time.monotonic() + DRAIN_SECONDS
    while len(receiver.received) < len(writer.times) and time.monotonic() < deadline:
        time.sleep(0.1)
    first_receipt: dict[str, float] = {}
    for received in receiver.received:
        first_receipt.setdefault(received.item["appointment"], received.received_at)
    matched = [
        (writer.times[a], t) for a, t in first_receipt.items() if a in writer.times
    ]
    return WebhookLatencyResult(
        rate_per_s=rate,
        writes=writes,
        delivered=len(matched),
        write=Latency.of([(end - start) * 1000 for (start, end), _ in matched]),
        from_write_start=Latency.of([(t - start) * 1000 for (start, _), t in matched]),
        from_write_answer=Latency.of([(t - end) * 1000 for (_, end), t in matched]),
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rate", type=float, default=100.0)
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument("--database-url")
    args = parser.parse_args()
    RESULTS.mkdir(exist_ok=True)
    server_url = choose_server(args.database_url, RESULTS / "pgserver")
    receiver = Receiver().start()
    try:
        with fresh_database(server_url) as url:
            port = free_port()
            env = clean_environment(
                APPOINTMENTS_DATABASE_URL=url, APPOINTMENTS_WEBHOOK_ALLOW_PRIVATE="true"
            )
            log = RESULTS / "webhooks-server.log"
            with running(service_command(port, 1), port, env, log) as server:
                result = measure(server.base_url, receiver, args.rate, args.seconds)
    finally:
        receiver.stop()
    print(json.dumps({"database": redacted(server_url), **asdict(result)}))
    return 0 if result.delivered == result.writes else 1


if __name__ == "__main__":
    raise SystemExit(main())
