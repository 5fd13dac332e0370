"""Keyset pagination: a deep page costs what page one costs (same plan, same
rows read), shown with EXPLAIN ANALYZE."""

from __future__ import annotations

from typing import Any

import pytest
from psycopg.sql import SQL

from application.queries import ListQuery
from infrastructure.bootstrap import Container
from infrastructure.read_model.listing import Keyset, list_statement
from tests.builders import HOUR_MS, START, a_draft
from tests.integration.read_model.helpers import list_everything, project_all

APPOINTMENTS = 400
PAGE = 20


@pytest.fixture
def many(container: Container) -> list[str]:
    for n in range(APPOINTMENTS):
        start = START + n * HOUR_MS
        container.app.schedule(
            a_draft(
                host=f"host_{n % 4}",
                attendees=[f"patient_{n % 2}"],
                start_time=start,
                end_time=start + HOUR_MS,
            )
        )
    project_all(container)
    with container.projections.view.datastore.cursor() as curs:
        for statement in container.projections.view.tables.analyze_statements():
            curs.execute(statement)
    return list_everything(container, ListQuery(limit=100))


def explain(container: Container, query: ListQuery, after: str | None) -> Any:
    view = container.projections.view
    keyset = None
    if after is not None:
        state = container.read_model.get(after)
        assert state is not None
        keyset = Keyset(state.document["start_time"], after)
    statement, params = list_statement(view.tables, query, keyset)
    with view.datastore.transaction() as curs:
        curs.execute(SQL("EXPLAIN (ANALYZE, FORMAT JSON) ") + statement, params)
        row = curs.fetchone()
    assert row is not None
    return row["QUERY PLAN"][0]["Plan"]


def shape(plan: dict[str, Any]) -> list[str]:
    """Each node's type and index, top down: the plan without its numbers."""
    node = f"{plan['Node Type']}:{plan.get('Index Name', '')}"
    return [node] + [n for child in plan.get("Plans", []) for n in shape(child)]


def rows_scanned(plan: dict[str, Any]) -> int:
    return sum(n.get("Actual Rows", 0) for n in walk(plan) if "Index Name" in n)


def walk(plan: dict[str, Any]) -> list[dict[str, Any]]:
    return [plan] + [n for child in plan.get("Plans", []) for n in walk(child)]


def test_a_deep_page_reads_as_few_rows_as_page_one(
    container: Container, many: list[str]
) -> None:
    query = ListQuery(limit=PAGE)
    first = explain(container, query, after=None)
    deep = explain(container, query, after=many[APPOINTMENTS - 3 * PAGE])

    assert shape(first) == shape(deep)
    assert shape(first) == ["Limit:", "Index Scan:appointments_start_time_id_idx"]
    assert rows_scanned(first) == rows_scanned(deep) == PAGE + 1


def test_a_deep_page_of_an_attendee_uses_the_attendee_index_like_page_one(
    container: Container, many: list[str]
) -> None:
    query = ListQuery(limit=PAGE, attendee="patient_1")
    mine = list_everything(container, query)
    first = explain(container, query, after=None)
    deep = explain(container, query, after=mine[len(mine) // 2])

    assert shape(first) == shape(deep)
    driving = [n for n in walk(first) if n.get("Index Name", "").endswith("_idx")]
    assert [n["Index Name"] for n in driving] == ["appointment_attendees_attendee_idx"]
    assert driving[0]["Node Type"] in {"Index Scan", "Index Only Scan"}
    assert "Sort:" not in shape(first)
    assert rows_scanned(first) == rows_scanned(deep)


def test_a_metadata_filter_is_an_index_lookup(container: Container) -> None:
    for n in range(APPOINTMENTS):
        start = START + n * HOUR_MS
        metadata = {"ref": f"r{n}", "clinic": "north" if n % 100 == 0 else "south"}
        container.app.schedule(
            a_draft(start_time=start, end_time=start + HOUR_MS, metadata=metadata)
        )
    project_all(container)
    with container.projections.view.datastore.cursor() as curs:
        for statement in container.projections.view.tables.analyze_statements():
            curs.execute(statement)

    for wanted, found in (({"ref": "r7"}, 1), ({"clinic": "north"}, 4)):
        plan = explain(container, ListQuery(limit=PAGE, metadata=wanted), after=None)

        used = {n.get("Index Name") for n in walk(plan)}
        assert "appointments_metadata_idx" in used, shape(plan)
        assert plan["Actual Rows"] == found
