"""The ``appointments`` command line."""

from __future__ import annotations

from typing import Annotated

import typer

from api.cli_audit import audit_cli
from api.cli_data import db_cli, export
from api.cli_keys import encryption_key, keys_cli, reencrypt
from api.cli_projections import projections_cli, worker
from infrastructure.settings import SettingsError, load_settings

cli = typer.Typer(
    help="The event-sourced appointment scheduling service.", no_args_is_help=True
)
cli.add_typer(projections_cli, name="projections")
cli.add_typer(audit_cli, name="audit")
cli.add_typer(db_cli, name="db")
cli.command()(export)
cli.add_typer(keys_cli, name="keys")
cli.command()(worker)
cli.command("encryption-key")(encryption_key)
cli.command()(reencrypt)


@cli.command()
def serve(
    host: Annotated[
        str | None, typer.Option(help="Bind address [default: APPOINTMENTS_HOST]")
    ] = None,
    port: Annotated[
        int | None, typer.Option(help="Port [default: APPOINTMENTS_PORT]")
    ] = None,
    workers: Annotated[int, typer.Option(min=1, help="Worker processes")] = 1,
) -> None:
    """Start the HTTP API, with the projections running in-process."""
    from api.server import serve as run_server

    try:
        settings = load_settings()
        run_server(
            settings,
            host=host or settings.host,
            port=port or settings.port,
            workers=workers,
        )
    except SettingsError as error:
        typer.echo(f"appointments: {error}", err=True)
        raise typer.Exit(code=2) from None


def main() -> None:
    cli()


if __name__ == "__main__":  # ``python -m api.cli``: the projector process
    main()
