"""The ``appointments`` command line."""

from __future__ import annotations

import typer

from api.cli_projections import projections_cli, worker

cli = typer.Typer(
    help="The event-sourced appointment scheduling service.", no_args_is_help=True
)
cli.add_typer(projections_cli, name="projections")
cli.command()(worker)


@cli.command()
def serve() -> None:
    """Start the HTTP API (not yet: it arrives with the HTTP API issue)."""
    typer.echo("appointments serve: not yet. The HTTP API is not built yet.", err=True)
    raise typer.Exit(code=1)


def main() -> None:
    cli()
