"""Statements rendered once.

psycopg renders a ``Composed`` statement (identifiers quoted, parts joined)
on every ``execute``: for the read model's 19-column upsert that walk cost
more CPU than everything else a projection batch does in Python. A statement
whose shape never changes is rendered here, once, to the bytes psycopg sends.
"""

from __future__ import annotations

from psycopg.sql import Composable


def rendered(statement: Composable) -> bytes:
    """``statement``'s text (identifiers are quoted without a connection:
    psycopg's own escaping, as on any connection in UTF-8)."""
    return statement.as_bytes()
