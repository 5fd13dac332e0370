"""``appointments keys create|list|revoke`` and ``appointments encryption-key``."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from api.cli_support import opened_container
from application.access import check_key_name, parse_scopes, scope_list
from infrastructure.encryption import new_key

keys_cli = typer.Typer(
    help="API keys: every /v1 request needs 'Authorization: Bearer <secret>'.",
    no_args_is_help=True,
)


@keys_cli.command()
def create(
    name: Annotated[str, typer.Option(help="A unique name, e.g. billing-service")],
    scopes: Annotated[
        str,
        typer.Option(
            help="Comma-separated: appointments:read, appointments:write, "
            "audit:read, webhooks:manage, admin (all of them)"
        ),
    ],
) -> None:
    """Make a key and print its secret alone on standard output, once:
    KEY=$(appointments keys create --name ci --scopes admin)."""
    with opened_container() as container:
        secret = container.api_keys.create(check_key_name(name), parse_scopes(scopes))
    typer.echo(f"appointments: created the key {name!r}", err=True)
    typer.echo(secret)


@keys_cli.command("list")
def list_keys() -> None:
    """Every key's name, scopes, creation and last use (never a secret);
    last use is recorded to within a minute."""
    with opened_container() as container:
        keys = container.api_keys.all()
    table = Table("name", "scopes", "created", "last used", "revoked")
    for key in keys:
        table.add_row(
            key.name,
            ",".join(scope_list(key.scopes)),
            utc(key.created_at),
            utc(key.last_used_at),
            utc(key.revoked_at),
        )
    Console(width=200).print(table)


@keys_cli.command()
def revoke(name: Annotated[str, typer.Argument(help="The key's name")]) -> None:
    """Revoke a key: every API process refuses it within one second."""
    with opened_container() as container:
        container.api_keys.revoke(name)
    typer.echo(f"appointments: revoked the key {name!r}", err=True)


def encryption_key() -> None:
    """Print a new AES-256 key for APPOINTMENTS_ENCRYPTION_KEY."""
    typer.echo(new_key())


def utc(ms: int | None) -> str:
    if ms is None:
        return "-"
    moment = datetime.fromtimestamp(ms / 1000, UTC)
    return moment.isoformat(timespec="seconds").replace("+00:00", "Z")
