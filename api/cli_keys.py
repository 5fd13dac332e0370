"""``appointments keys create|list|revoke``, ``appointments encryption-key``
and ``appointments reencrypt``."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

import typer
from eventsourcing.persistence import Cipher
from rich.console import Console
from rich.table import Table

from api.cli_support import fail, one_line_errors, opened_container
from application.access import check_key_name, parse_scopes, scope_list
from infrastructure.bootstrap import Container, bootstrap
from infrastructure.encryption import cipher_for, new_key
from infrastructure.recorder import AppointmentsRecorder
from infrastructure.reencrypt import Reencryption, RotationRefused
from infrastructure.settings import Settings, SettingsError, load_settings

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


def reencrypt() -> None:
    """Re-encrypt every stored event from APPOINTMENTS_PREVIOUS_ENCRYPTION_KEY
    (unset: stored plain) to APPOINTMENTS_ENCRYPTION_KEY (unset: plain), and
    relink the hash chain, in one transaction. Stop every serve and worker
    first (docs/security.md)."""
    try:
        settings = load_settings()
        container = container_for_rotation(stored_under_previous_key(settings))
    except SettingsError as error:
        fail(str(error), code=2)
    try:
        with one_line_errors():
            rotated = rotate(container, cipher_for(settings.encryption_key))
    except RotationRefused as error:
        fail(str(error))
    finally:
        container.close()
    typer.echo(
        f"appointments: re-encrypted {rotated} events and relinked their hash "
        "chain; start the service with APPOINTMENTS_ENCRYPTION_KEY alone",
        err=True,
    )


def stored_under_previous_key(settings: Settings) -> Settings:
    """The settings that read the store as it is now."""
    previous = settings.previous_encryption_key
    return settings.model_copy(update={"encryption_key": previous})


def container_for_rotation(settings: Settings) -> Container:
    return bootstrap(settings)


def rotate(container: Container, new: Cipher | None) -> int:
    recorder = container.app.recorder
    if not isinstance(recorder, AppointmentsRecorder):
        raise TypeError("reencrypt needs the appointments PostgreSQL store")
    old = cipher_for(container.settings.encryption_key)
    return Reencryption(recorder, old, new).run()


def utc(ms: int | None) -> str:
    if ms is None:
        return "-"
    moment = datetime.fromtimestamp(ms / 1000, UTC)
    return moment.isoformat(timespec="seconds").replace("+00:00", "Z")
