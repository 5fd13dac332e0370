"""``appointments worker`` and ``appointments projections status|rebuild``."""

from __future__ import annotations

import os
import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    ProgressColumn,
    Task,
    TextColumn,
    TimeElapsedColumn,
)
from rich.table import Table
from rich.text import Text

from api.cli_support import opened_container
from infrastructure.bootstrap import Container
from infrastructure.read_model.control import UnknownProjection
from infrastructure.read_model.rebuild import (
    DEFAULT_REBUILD_BATCH,
    RebuildInProgress,
    RebuildProgress,
)

projections_cli = typer.Typer(
    help="Inspect and rebuild the read-model projections.", no_args_is_help=True
)

FAILURE_CHECK_SECONDS = 0.5


def worker(
    parent: Annotated[
        int | None,
        typer.Option(
            hidden=True, help="Stop when this process is no longer our parent"
        ),
    ] = None,
) -> None:
    """Run the projections alone, without the HTTP API, until Ctrl-C or SIGTERM.

    Start one per deployment or several: one runs each projection, the others
    stand by and take over if it dies.
    """
    with opened_container() as container:
        stopping = threading.Event()
        with stop_on_signals(stopping):
            container.start_projections()
            typer.echo("appointments worker: projections started", err=True)
            while not stopping.wait(FAILURE_CHECK_SECONDS):
                if parent is not None and os.getppid() != parent:
                    typer.echo("appointments worker: serve is gone", err=True)
                    break
                failure = container.projections.failure
                if failure is not None:
                    typer.echo(f"appointments worker: stopped: {failure}", err=True)
                    raise typer.Exit(code=1)
        typer.echo("appointments worker: stopped", err=True)


@contextmanager
def stop_on_signals(stopping: threading.Event) -> Iterator[None]:
    def handle(signum: int, frame: FrameType | None) -> None:
        stopping.set()

    previous = {
        sig: signal.signal(sig, handle) for sig in (signal.SIGINT, signal.SIGTERM)
    }
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


@projections_cli.command()
def status() -> None:
    """Each projection's position, the event store's head, and the lag."""
    with opened_container() as container:
        statuses = container.projections.status()
    table = Table("projection", "position", "head", "lag", "runner")
    for each in statuses:
        runner = "active" if each.runner_active else "none"
        table.add_row(
            each.name, str(each.position), str(each.head), str(each.lag), runner
        )
    Console().print(table)


@projections_cli.command()
def rebuild(
    name: Annotated[
        str | None, typer.Argument(help="The projection [default: all of them]")
    ] = None,
    batch_size: Annotated[
        int, typer.Option(min=1, max=10_000, help="Events per transaction")
    ] = DEFAULT_REBUILD_BATCH,
) -> None:
    """Replay every event into fresh tables and swap them in; the API keeps
    serving the old tables meanwhile."""
    with opened_container() as container:
        known = container.projections.names
        if name is not None and name not in known:
            typer.echo(f"appointments: {UnknownProjection(name, known)}", err=True)
            raise typer.Exit(code=2)
        for each in [name] if name else known:
            position = rebuild_one(container, each, batch_size)
            typer.echo(f"{each}: rebuilt and swapped in at position {position}")


def rebuild_one(container: Container, name: str, batch_size: int) -> int:
    try:
        with rebuild_progress(name) as on_progress:
            return container.projections.rebuild(
                name, batch_size=batch_size, on_progress=on_progress
            )
    except RebuildInProgress as error:
        typer.echo(f"appointments: {error}", err=True)
        raise typer.Exit(code=1) from None


class EventsPerSecondColumn(ProgressColumn):
    def render(self, task: Task) -> Text:
        speed = task.finished_speed or task.speed
        shown = f"{speed:,.0f}" if speed else "-"
        return Text(f"{shown} events/s", style="progress.data.speed")


@contextmanager
def rebuild_progress(name: str) -> Iterator[RebuildProgress]:
    columns = (
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        EventsPerSecondColumn(),
        TimeElapsedColumn(),
    )
    with Progress(*columns, console=Console(stderr=True)) as progress:
        task = progress.add_task(f"rebuild {name}", total=None)

        def on_progress(position: int, head: int) -> None:
            progress.update(task, completed=position, total=max(head, position))

        yield on_progress
