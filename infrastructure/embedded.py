"""The zero-setup default: an embedded PostgreSQL server (``pgserver``)."""

from __future__ import annotations

import logging
import warnings
from pathlib import Path

from infrastructure.settings import SettingsError

logging.getLogger("pgserver").setLevel(logging.WARNING)


def start_embedded(data_dir: Path, *, delete_on_exit: bool = False) -> str:
    """Start (or join) the server kept in ``data_dir``; return its URL."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from pgserver.postgres_server import get_server

    data_dir = data_dir.absolute()
    try:
        data_dir.mkdir(parents=True, exist_ok=True)
        server = get_server(
            data_dir / "pgdata", cleanup_mode="delete" if delete_on_exit else "stop"
        )
    except Exception as error:  # pgserver raises bare subprocess and OS errors
        raise SettingsError(
            f"APPOINTMENTS_DATA_DIR: cannot start the embedded PostgreSQL in "
            f"{data_dir}: {error}"
        ) from error
    return str(server.get_uri())
