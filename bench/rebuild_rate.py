"""``python -m bench.rebuild_rate``: the rebuild alone, several rounds over one
seeded store, without the HTTP phases of ``python -m bench``.

Seeds a fresh database (``--appointments``, ``--extra-events``; with
``--encryption-key`` the events are stored encrypted), then times
``projections rebuild`` ``--rounds`` times and prints each round's rate.
``--database-url`` names the server (as ``python -m bench``);
``--seeded-url URL`` reuses a database seeded before (kept with
``--keep-database``), so two versions of the code can be timed on the same
events, one after the other.
"""

from __future__ import annotations

import argparse
import statistics
from pathlib import Path

from rich.console import Console

from application.video import LocalVideoMeetings
from bench.config import RESULTS
from bench.database import choose_server, fresh_database, redacted
from bench.progress import progress_bar
from bench.rebuild import Rebuilt, timed_rebuild
from bench.seed import seed
from infrastructure.bootstrap import Container, bootstrap
from infrastructure.settings import load_settings


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m bench.rebuild_rate")
    p.add_argument("--appointments", type=int, default=20_000)
    p.add_argument("--extra-events", type=int, default=80_000)
    p.add_argument("--hosts", type=int, default=1_000)
    p.add_argument("--rounds", type=int, default=3)
    p.add_argument("--rebuild-batch", type=int, default=1_000)
    p.add_argument("--database-url", help="a server to create the database on")
    p.add_argument("--seeded-url", help="a database seeded before: no seeding")
    p.add_argument("--keep-database", action="store_true")
    p.add_argument("--encryption-key", help="APPOINTMENTS_ENCRYPTION_KEY")
    p.add_argument("--profile-to", type=Path, help="pyinstrument of the last round")
    p.add_argument(
        "--processes", type=int, help="the replay's worker processes (default: auto)"
    )
    return p


def open_container(url: str, encryption_key: str | None) -> Container:
    settings = load_settings(database_url=url, encryption_key=encryption_key)
    return bootstrap(settings, database_url=url, video=LocalVideoMeetings())


def time_rounds(
    args: argparse.Namespace, url: str, console: Console, *, seeding: bool
) -> list[Rebuilt]:
    container = open_container(url, args.encryption_key)
    rounds: list[Rebuilt] = []
    try:
        with progress_bar(console) as bar:
            if seeding:
                seed(
                    container.app,
                    appointments=args.appointments,
                    extra_events=args.extra_events,
                    hosts=args.hosts,
                    threads=4,
                    bar=bar,
                )
            for number in range(args.rounds):
                last = number == args.rounds - 1
                rounds.append(
                    timed_rebuild(
                        container,
                        bar,
                        batch_size=args.rebuild_batch,
                        profile_to=args.profile_to if last else None,
                        **(
                            {}
                            if args.processes is None
                            else {"processes": args.processes}
                        ),
                    )
                )
    finally:
        container.close()
    return rounds


def show(rounds: list[Rebuilt], console: Console) -> None:
    for number, each in enumerate(rounds, start=1):
        console.print(
            f"round {number}: {each.events:,} events in {each.seconds:.2f} s: "
            f"{each.events_per_s:,.0f} events/s "
            f"(replay alone {each.replay_events_per_s:,.0f}/s)"
        )
    rates = [each.events_per_s for each in rounds]
    console.print(f"median {statistics.median(rates):,.0f} events/s")


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    console = Console()
    if args.seeded_url:
        show(time_rounds(args, args.seeded_url, console, seeding=False), console)
        return 0
    server = choose_server(args.database_url, RESULTS / "pgserver")
    with fresh_database(server, keep=args.keep_database) as url:
        if args.keep_database:
            console.print(f"database kept: {redacted(url)}")
        show(time_rounds(args, url, console, seeding=True), console)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
