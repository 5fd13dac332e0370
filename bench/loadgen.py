"""The load-generating process: ``python -m bench.loadgen``.

Runs apart from the harness and the server it measures. ``concurrency``
coroutines, each with its own keep-alive connection, send requests back to
back for ``warmup`` seconds (not counted), then for ``duration`` seconds or
``max_requests`` requests, whichever ends first. Prints one JSON object:
elapsed seconds, each success's latency, failures by status or error.

``--client httpx`` sends through one shared ``httpx.AsyncClient`` instead of
the light client of ``bench.http`` (to cross-check it; it costs more CPU).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import sys
import uuid
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from time import perf_counter
from typing import Any

import httpx

from bench.http import Connection, ProtocolError, Request
from bench.workload import Workload, load_body

REQUEST_TIMEOUT_SECONDS = 30.0
FAILURES = (OSError, asyncio.TimeoutError, asyncio.IncompleteReadError,
            ProtocolError, ValueError, httpx.HTTPError)  # fmt: skip

API_KEY_VARIABLE = "BENCH_API_KEY"
"""The key the harness made for this run (``appointments keys create``)."""

RequestPlan = Callable[[int, int], Request]
"""Builds a worker's ``n``-th request: ``plan(worker, n)``."""
Send = Callable[[Request], Awaitable[int]]
"""Sends a request, reads the whole answer, returns its status."""


@dataclass
class Tally:
    latencies_ms: list[float]
    failures: Counter[str]


def plan_for(args: argparse.Namespace) -> tuple[RequestPlan, int]:
    """The request plan of ``args.scenario`` and the status it expects."""
    rng = random.Random(args.seed)
    if args.scenario == "create":
        tag = (args.tag or "") + uuid.uuid4().hex[:8]
        return lambda w, n: Request("POST", args.path, json=load_body(tag, w, n)), 201
    workload = Workload.read(Path(args.workload))
    if args.scenario == "retrieve":
        ids = workload.ids
        return lambda w, n: Request("GET", f"{args.path}/{rng.choice(ids)}"), 200
    windows = workload.windows
    return lambda w, n: Request(
        "GET", args.path, params=rng.choice(windows).params()
    ), 200


def auth_headers() -> dict[str, str]:
    key = os.environ.get(API_KEY_VARIABLE)
    return {"Authorization": f"Bearer {key}"} if key else {}


@asynccontextmanager
async def httpx_senders(args: argparse.Namespace) -> AsyncIterator[list[Send]]:
    limits = httpx.Limits(
        max_connections=args.concurrency, max_keepalive_connections=args.concurrency
    )
    async with httpx.AsyncClient(
        base_url=args.base_url,
        limits=limits,
        timeout=REQUEST_TIMEOUT_SECONDS,
        headers=auth_headers(),
    ) as client:

        async def send(request: Request) -> int:
            response = await client.request(
                request.method, request.path, params=request.params, json=request.json
            )
            await response.aread()
            return response.status_code

        yield [send] * args.concurrency


@asynccontextmanager
async def light_senders(args: argparse.Namespace) -> AsyncIterator[list[Send]]:
    connections = [
        Connection(args.base_url, REQUEST_TIMEOUT_SECONDS, auth_headers())
        for _ in range(args.concurrency)
    ]
    try:
        yield [connection.send for connection in connections]
    finally:
        for connection in connections:
            await connection.close()


async def worker(
    send: Send,
    plan: RequestPlan,
    expected: int,
    index: int,
    stop: tuple[float, int],
    tally: Tally,
) -> None:
    deadline, budget = stop
    for number in range(budget):
        if perf_counter() >= deadline:
            return
        started = perf_counter()
        try:
            status = await send(plan(index, number))
        except FAILURES as error:
            tally.failures[type(error).__name__] += 1
            continue
        if status == expected:
            tally.latencies_ms.append((perf_counter() - started) * 1000)
        else:
            tally.failures[str(status)] += 1


async def run_phase(
    senders: list[Send], args: argparse.Namespace, seconds: float
) -> tuple[float, Tally]:
    plan, expected = plan_for(args)
    tally = Tally([], Counter())
    per_worker = max(1, -(-args.max_requests // args.concurrency))
    started = perf_counter()
    stop = (started + seconds, per_worker)
    await asyncio.gather(
        *(
            worker(send, plan, expected, index, stop, tally)
            for index, send in enumerate(senders)
        )
    )
    return perf_counter() - started, tally


async def main_async(args: argparse.Namespace) -> dict[str, Any]:
    senders = httpx_senders if args.client == "httpx" else light_senders
    async with senders(args) as each:
        if args.warmup > 0:
            await run_phase(each, args, args.warmup)
        elapsed, tally = await run_phase(each, args, args.duration)
    return {
        "seconds": elapsed,
        "latencies_ms": tally.latencies_ms,
        "failures": dict(tally.failures),
    }


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.loadgen")
    parser.add_argument("--base-url", required=True)
    parser.add_argument(
        "--scenario", choices=("create", "retrieve", "list"), required=True
    )
    parser.add_argument("--path", default="/v1/appointments")
    parser.add_argument("--concurrency", type=int, default=1)
    parser.add_argument("--duration", type=float, default=5.0)
    parser.add_argument("--warmup", type=float, default=1.0)
    parser.add_argument("--max-requests", type=int, default=1_000_000)
    parser.add_argument("--workload", default=None)
    parser.add_argument("--tag", default=None)
    parser.add_argument("--seed", type=int, default=8)
    parser.add_argument("--client", choices=("light", "httpx"), default="light")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    result = asyncio.run(main_async(args))
    json.dump(result, sys.stdout)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
