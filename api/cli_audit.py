"""``appointments audit ...`` (auditors' tools issue)."""

from __future__ import annotations

import typer

audit_cli = typer.Typer(help="Audit appointments: change logs and store integrity.")
