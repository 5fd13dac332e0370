"""``appointments db grant-analyst`` and ``appointments export``: data out."""

from __future__ import annotations

import io
import os
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from enum import StrEnum
from pathlib import Path
from typing import Annotated, TextIO

import typer
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TimeElapsedColumn,
    TimeRemainingColumn,
)

from api.cli_support import fail, opened_container
from infrastructure.analytics.grants import UnknownRole, grant_analyst
from infrastructure.analytics.views import analytics_schema
from infrastructure.export import (
    AppointmentExport,
    ExportWindow,
    write_csv,
    write_jsonl,
)
from infrastructure.export import Progress as ExportProgress

db_cli = typer.Typer(help="Database access for people and tools.", no_args_is_help=True)


@db_cli.command("grant-analyst")
def grant_analyst_command(
    role: Annotated[str, typer.Argument(help="An existing PostgreSQL role")],
) -> None:
    """Let ROLE read the analytics views, and nothing else of the service's."""
    with opened_container() as container:
        datastore = container.projections.view.datastore
        try:
            grant_analyst(datastore, role)
        except UnknownRole as error:
            fail(str(error))
    schema = analytics_schema(datastore.schema)
    typer.echo(f"{role} may read the views in schema {schema}.", err=True)


class ExportFormat(StrEnum):
    csv = "csv"
    jsonl = "jsonl"


def export(
    format_: Annotated[ExportFormat, typer.Option("--format", help="csv or jsonl")],
    since: Annotated[
        int | None,
        typer.Option(help="Only appointments last changed at or after (epoch ms)"),
    ] = None,
    until: Annotated[
        int | None,
        typer.Option(help="Only appointments last changed before (epoch ms)"),
    ] = None,
    output: Annotated[
        Path | None,
        typer.Option(help="Write to this file (once complete), not standard output"),
    ] = None,
) -> None:
    """Stream every appointment, in constant memory."""
    window = ExportWindow(since, until)
    with opened_container() as container:
        source = AppointmentExport(container.projections.view.datastore)
        writer = write_csv if format_ is ExportFormat.csv else write_jsonl
        console = Console(stderr=True)
        total = source.count(window) if console.is_terminal else None
        with destination(output) as out, progress_bar(console, total) as on_progress:
            written = writer(source.documents(window), out, on_progress)
    typer.echo(f"exported {written} appointments", err=True)


@contextmanager
def destination(output: Path | None) -> Iterator[TextIO]:
    """Standard output, or a file that appears only once complete."""
    if output is None:
        if isinstance(sys.stdout, io.TextIOWrapper):
            sys.stdout.reconfigure(encoding="utf-8", newline="")
        yield sys.stdout
        return
    handle, partial = tempfile.mkstemp(dir=output.parent, prefix=f".{output.name}.")
    try:
        with open(handle, "w", encoding="utf-8", newline="") as out:
            yield out
        os.replace(partial, output)
    finally:
        Path(partial).unlink(missing_ok=True)


@contextmanager
def progress_bar(
    console: Console, total: int | None
) -> Iterator[ExportProgress | None]:
    """A bar on standard error when it is a terminal; else nothing."""
    if total is None:
        yield None
        return
    columns = (BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    with Progress(*columns, TimeRemainingColumn(), console=console) as progress:
        task = progress.add_task("export", total=total)
        yield lambda done: progress.update(task, completed=done)
