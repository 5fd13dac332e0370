"""``appointments worker`` and ``appointments projections ...`` (read-model issue)."""

from __future__ import annotations

import typer

projections_cli = typer.Typer(help="Inspect and rebuild the read-model projections.")


def worker() -> None:
    """Run the projections alone, without the HTTP API."""
    typer.echo(
        "appointments worker: not yet (arrives with the read-model issue).", err=True
    )
    raise typer.Exit(code=1)
