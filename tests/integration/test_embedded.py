"""The zero-setup default: an embedded server in a folder that need not exist."""

from __future__ import annotations

from pathlib import Path

import psycopg
import pytest

from infrastructure.embedded import start_embedded
from infrastructure.settings import SettingsError


def test_starts_in_a_folder_it_creates(tmp_path: Path) -> None:
    url = start_embedded(tmp_path / "not" / "yet" / "there", delete_on_exit=True)

    with psycopg.connect(url) as conn:
        assert conn.execute("SELECT 1").fetchone() == (1,)


def test_a_folder_it_cannot_use_is_one_clear_error(tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")

    with pytest.raises(SettingsError, match="APPOINTMENTS_DATA_DIR"):
        start_embedded(blocker / "data")
