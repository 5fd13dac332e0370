"""Rows of the read model's tables, derived from an appointment document."""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

import orjson

from application.queries import AppointmentState
from application.recurrence import Series
from domain.occurrences import is_occurrence, is_series
from domain.values import Document
from infrastructure.read_model.rendering import response_body

Row = tuple[Any, ...]


def appointment_row(state: AppointmentState) -> Row:
    """In ``APPOINTMENT_COLUMNS``' order (``writes.py``). The response body
    (``document_json``) is also the text ``document`` (``jsonb``) is parsed from."""
    document = state.document
    body = response_body(document).decode()
    return (
        document["id"],
        state.version,
        body,
        document["host"],
        document["status"],
        document["interaction_type"],
        document["internal"],
        document["group"],
        document["appointment_type"],
        document["start_time"],
        document["end_time"],
        document["created_at"],
        document["last_updated_at"],
        *series_columns(document),
        json_text(document["metadata"]),
        body,
    )


def json_text(value: Any) -> str:
    """``value`` as JSON text for a ``jsonb`` column: by ``orjson``, or by
    ``json`` what ``orjson`` refuses (integers beyond 64 bits)."""
    try:
        return orjson.dumps(value).decode()
    except orjson.JSONEncodeError:
        return json.dumps(value, ensure_ascii=False)


def series_columns(document: Document) -> Row:
    """Whether a row is a series, when its last occurrence ends, and, for an
    occurrence with its own history, its series and original start."""
    if is_series(document):
        return (True, Series.of(document).last_end(), None, None)
    if is_occurrence(document):
        recurring = document["recurring"]
        return (False, None, recurring["series"], recurring["original_start_time"])
    return (False, None, None, None)


def attendee_rows(state: AppointmentState) -> list[Row]:
    document = state.document
    return [
        (
            document["id"],
            attendee["id"],
            position,
            attendee["attendance_status"],
            attendee["no_show"],
            attendee["payment_status"],
            attendee["last_updated_at"],
            document["start_time"],
        )
        for position, attendee in enumerate(document["attendees"])
    ]


def patient_rows(state: AppointmentState) -> list[Row]:
    document = state.document
    return [
        (document["id"], patient_id, position, document["start_time"])
        for position, patient_id in enumerate(document["reference_patients"] or [])
    ]


def status_history_rows(state: AppointmentState) -> list[Row]:
    document = state.document
    return [
        (
            document["id"],
            position,
            entry["status"],
            entry["changed_by"],
            entry["changed_at"],
            entry["reason"],
        )
        for position, entry in enumerate(document["status_history"])
    ]


def occurrence_rows(state: AppointmentState) -> list[Row]:
    """A series' occurrences under its rule, within its caps (the analytics
    views' source); none for any other appointment."""
    document = state.document
    if not is_series(document):
        return []
    duration = document["end_time"] - document["start_time"]
    return [
        (document["id"], start, start + duration)
        for start in Series.of(document).starts()
    ]


def columns(rows: Iterable[Row], width: int) -> list[list[Any]]:
    """Rows turned into one list per column, for ``unnest`` of arrays."""
    transposed = [list(column) for column in zip(*rows, strict=True)]
    return transposed or [[] for _ in range(width)]
