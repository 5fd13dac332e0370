"""The example queries of docs/analytics.md, run as the documentation shows them.

Each is an ``sql`` block whose first line is ``-- example: NAME``. A test's
service uses its own schema, so ``analytics.`` is pointed at that schema's
analytics schema before running.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from psycopg.sql import SQL

from infrastructure.analytics.views import analytics_schema
from infrastructure.bootstrap import Container

DOC = Path(__file__).resolve().parents[3] / "docs" / "analytics.md"
BLOCK = re.compile(r"```sql\n-- example: (?P<name>\w+)\n(?P<sql>.*?)```", re.DOTALL)


def examples() -> dict[str, str]:
    return {m["name"]: m["sql"] for m in BLOCK.finditer(DOC.read_text())}


def run_example(container: Container, name: str) -> list[tuple[Any, ...]]:
    schema = analytics_schema(container.projections.view.datastore.schema)
    sql = examples()[name].replace("analytics.", f'"{schema}".')
    with container.projections.view.datastore.transaction() as curs:
        curs.execute(SQL(sql))  # type: ignore[arg-type]
        return [tuple(row.values()) for row in curs.fetchall()]
