"""``appointments audit APPOINTMENT_ID`` and ``appointments audit verify``."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
)
from rich.table import Table
from rich.text import Text
from typer.core import TyperGroup

from api.cli_support import fail, opened_container
from application.queries import AppointmentState
from domain.values import Document
from infrastructure.audit.findings import VerifyReport
from infrastructure.audit.verify import DEFAULT_BATCH_SIZE, StoreVerifier
from infrastructure.audit.verify import Progress as OnProgress

SHOW = "show"
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


class AuditGroup(TyperGroup):
    """``audit APPOINTMENT_ID ...`` is ``audit show APPOINTMENT_ID ...``."""

    def resolve_command(
        self, ctx: Any, args: list[str]
    ) -> tuple[str | None, Any, list[str]]:
        if args and args[0] not in self.commands and not args[0].startswith("-"):
            args = [SHOW, *args]
        return super().resolve_command(ctx, args)


audit_cli = typer.Typer(
    cls=AuditGroup,
    no_args_is_help=True,
    help="Audit appointments: `audit APPOINTMENT_ID` prints its change log "
    "(or its state at a version or moment); `audit verify` checks the whole store.",
)


class OutputFormat(StrEnum):
    TABLE = "table"
    JSON = "json"


# --- audit APPOINTMENT_ID ----------------------------------------------------------


@audit_cli.command(SHOW)
def show(
    appointment_id: Annotated[str, typer.Argument(help="An appointment id, appt_...")],
    output_format: Annotated[
        OutputFormat, typer.Option("--format", help="A table, or JSON for machines")
    ] = OutputFormat.TABLE,
    as_of: Annotated[
        int | None,
        typer.Option("--as-of", metavar="MS", help="Print the state at this time (ms)"),
    ] = None,
    version: Annotated[
        int | None,
        typer.Option(metavar="N", min=1, help="Print the state at this version"),
    ] = None,
) -> None:
    """Print an appointment's change log, or its state at --as-of or --version.

    `audit APPOINTMENT_ID` is short for `audit show APPOINTMENT_ID`. The state is
    printed as JSON, exactly as `GET /v1/appointments/{id}?version=N` returns it.
    """
    if as_of is not None and version is not None:
        fail("give --as-of or --version, not both", code=2)
    with opened_container() as container:
        app = container.app
        if version is not None:
            print_state(app.get_at_version(appointment_id, version))
        elif as_of is not None:
            print_state(app.get_as_of(appointment_id, as_of))
        elif output_format is OutputFormat.JSON:
            print_json(app.change_log(appointment_id))
        else:
            Console().print(change_log_table(app.change_log(appointment_id)))


def print_state(state: AppointmentState) -> None:
    print_json(state.document)


def print_json(document: Document) -> None:
    typer.echo(json.dumps(document, indent=2, ensure_ascii=False))


def change_log_table(change_log: Document) -> Table:
    table = Table(
        "version", "event", "who", "when (UTC)", "changes", title=change_log["id"]
    )
    for entry in change_log["entries"]:
        table.add_row(
            str(entry["version"]),
            entry["event"],
            Text(entry["changed_by"]),
            iso_utc(entry["changed_at"]),
            changes_text(entry["changes"]),
        )
    return table


def iso_utc(ms: int) -> str:
    """``2026-01-01T10:00:00.000Z``: exact, from integer milliseconds."""
    instant = EPOCH + timedelta(milliseconds=ms)
    return instant.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def changes_text(changes: dict[str, dict[str, Any]]) -> Text:
    return Text(
        "\n".join(
            f"{field}: {compact(change['from'])} → {compact(change['to'])}"
            for field, change in changes.items()
        )
    )


def compact(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)


# --- audit verify -----------------------------------------------------------------


@audit_cli.command()
def verify(
    batch_size: Annotated[
        int, typer.Option(min=1, max=10_000, help="Appointments read at a time")
    ] = DEFAULT_BATCH_SIZE,
) -> None:
    """Check the whole store: hash chains, and every appointment re-folded.

    Each re-folded appointment is compared with the read model as it is (no
    projection runs). Exit 1 on any problem, 0 when everything checks out.
    """
    with opened_container() as container:
        verifier = StoreVerifier(
            container.app, container.projections.view, batch_size=batch_size
        )
        with verify_progress() as on_progress:
            report = verifier.verify(on_progress)
    print_report(report, Console())
    if not report.ok:
        raise typer.Exit(code=1)


@contextmanager
def verify_progress() -> Iterator[OnProgress]:
    columns = (
        TextColumn("[bold]verify"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("appointments"),
        TimeElapsedColumn(),
    )
    with Progress(*columns, console=Console(stderr=True)) as progress:
        task = progress.add_task("verify", total=None)

        def on_progress(done: int, total: int) -> None:
            progress.update(task, completed=done, total=total)

        yield on_progress


def print_report(report: VerifyReport, console: Console) -> None:
    if report.findings:
        console.print(findings_table(report))
    typer.echo(summary(report))


def findings_table(report: VerifyReport) -> Table:
    table = Table(title="Problems found")
    table.add_column("appointment", no_wrap=True)
    table.add_column("version", justify="right")
    table.add_column("check")
    table.add_column("detail")
    for finding in report.findings:
        table.add_row(
            finding.appointment_id,
            str(finding.version),
            finding.check.value,
            Text(finding.detail),
        )
    return table


def summary(report: VerifyReport) -> str:
    counted = (
        f"{plural(report.appointments, 'appointment')}, "
        f"{plural(report.events, 'event')}"
    )
    lag = ""
    if report.unprojected_events:
        lag = (
            f"; {plural(report.unprojected_events, 'event')} after the read model's "
            f"position {report.view_position} not compared with it"
        )
    if report.ok:
        return f"OK: {counted}: every chain intact, the read model matches{lag}."
    problems = plural(len(report.findings), "problem")
    return f"FAILED: {problems} in {report.failing_appointments} of {counted}{lag}."


def plural(count: int, noun: str) -> str:
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"
