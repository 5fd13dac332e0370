"""``appointments export``: every stored appointment, as the API renders it."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

from typer.testing import CliRunner

from api.cli import cli
from infrastructure.bootstrap import Container
from infrastructure.read_model.field_order import APPOINTMENT_ORDER
from tests.builders import a_draft
from tests.fakes import START_MS
from tests.integration.analytics.seeded import MINUTE_MS, Seeded
from tests.integration.read_model.helpers import project_all


def stored_ids(container: Container) -> list[str]:
    datastore = container.projections.view.datastore
    with datastore.cursor() as curs:
        curs.execute(
            f'SELECT id FROM "{datastore.schema}".appointments '
            "ORDER BY last_updated_at, id"
        )
        return [row["id"] for row in curs.fetchall()]


def test_jsonl_holds_the_api_objects_in_the_api_field_order(
    cli_on_test_schema: CliRunner, container: Container, seeded: Seeded, tmp_path: Path
) -> None:
    output = tmp_path / "appointments.jsonl"

    result = cli_on_test_schema.invoke(
        cli, ["export", "--format", "jsonl", "--output", str(output)]
    )

    assert result.exit_code == 0, result.output
    assert result.stderr.strip() == "exported 7 appointments"
    lines = output.read_text(encoding="utf-8").splitlines()
    exported = [json.loads(line) for line in lines]
    # Four singles, the series, and its two detached occurrences.
    assert [e["id"] for e in exported] == stored_ids(container)
    assert len(exported) == 7
    for each in exported:
        state = container.read_model.get(each["id"])
        assert state is not None
        assert each == state.document
        assert list(each) == list(state.document) == list(APPOINTMENT_ORDER)


def test_csv_is_rfc_4180_with_one_header_row_and_json_for_nested_fields(
    cli_on_test_schema: CliRunner, container: Container
) -> None:
    tricky = 'Line one, with "quotes"\nline two'
    written = container.app.schedule(
        a_draft(description=tricky, group=True, attendees=["a", "b"])
    )
    document = written.document
    project_all(container)

    result = cli_on_test_schema.invoke(cli, ["export", "--format", "csv"])

    assert result.exit_code == 0, result.output
    raw = result.stdout_bytes.decode("utf-8")
    assert raw.endswith("\r\n")
    assert raw.count("\r\n") == 2  # the header and one row; the row's own newline
    assert '"Line one, with ""quotes""\nline two"' in raw
    header, row = list(csv.reader(io.StringIO(raw, newline="")))
    assert header == list(APPOINTMENT_ORDER)
    cells = dict(zip(header, row, strict=True))
    assert cells["id"] == document["id"]
    assert cells["description"] == tricky
    assert cells["internal"] == "false"
    assert cells["start_time"] == str(document["start_time"])
    assert cells["actual_start_time"] == ""  # null
    for nested in ("attendees", "status_history", "recurring", "video_call"):
        assert json.loads(cells[nested]) == document[nested]


def test_since_and_until_select_by_last_change(
    cli_on_test_schema: CliRunner, container: Container, seeded: Seeded, tmp_path: Path
) -> None:
    # Last changes (seeded.py): A4 t+0, A1 t+210, A2 t+220, A3 and the series
    # t+225, the Jan 19 occurrence t+240, the Jan 26 one t+260.
    since, until = START_MS + 220 * MINUTE_MS, START_MS + 241 * MINUTE_MS
    output = tmp_path / "window.jsonl"

    result = cli_on_test_schema.invoke(
        cli,
        [
            *("export", "--format", "jsonl", "--output", str(output)),
            *("--since", str(since), "--until", str(until)),
        ],
    )

    assert result.exit_code == 0, result.output
    exported = [json.loads(line) for line in output.read_text().splitlines()]
    a2, a3 = seeded.singles[1:3]
    assert [e["id"] for e in exported] == [
        a2,
        *sorted([a3, seeded.series]),
        seeded.occurrence(1),
    ]
    assert all(since <= e["last_updated_at"] < until for e in exported)


def test_an_export_that_fails_leaves_no_file(
    cli_on_test_schema: CliRunner, container: Container, tmp_path: Path
) -> None:
    output = tmp_path / "missing-directory" / "out.csv"

    result = cli_on_test_schema.invoke(
        cli, ["export", "--format", "csv", "--output", str(output)]
    )

    assert result.exit_code != 0
    assert not output.parent.exists()
