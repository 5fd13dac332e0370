"""One occurrence of a series, as the appointment object it is seen as."""

from __future__ import annotations

import copy

from domain.ids import change_log_id, occurrence_id
from domain.values import Document


def is_recurring(document: Document) -> bool:
    """A series, or one occurrence of a series."""
    return bool(document["recurring"].get("is_recurring"))


def is_occurrence(document: Document) -> bool:
    """One occurrence of a series (virtual, or detached with its own history)."""
    return is_recurring(document) and "series" in document["recurring"]


def is_series(document: Document) -> bool:
    """A series itself: the rule and its first occurrence's times."""
    return is_recurring(document) and not is_occurrence(document)


def occurrence_ids_from(series: Document) -> str:
    """The series id its occurrences' ids are made of: its own, unless it took
    over the rest of another series' occurrences with their ids (a series
    cancelled or marked a no-show from one occurrence onward keeps them)."""
    ids_from: str = series["recurring"].get("occurrence_ids_from", series["id"])
    return ids_from


def occurrence_id_in(series: Document, original_start_time: int) -> str:
    """The id of the series' occurrence that starts at ``original_start_time``."""
    return occurrence_id(occurrence_ids_from(series), original_start_time)


def occurrence_document(series: Document, original_start_time: int) -> Document:
    """The series' occurrence that starts at ``original_start_time`` (ms).

    It has every field of an appointment; its ``recurring`` also names its
    series and original start. Until it changes on its own it has no events,
    and follows every change of its series.
    """
    duration = series["end_time"] - series["start_time"]
    identifier = occurrence_id_in(series, original_start_time)
    recurring = {
        "is_recurring": True,
        "rule": series["recurring"]["rule"],
        "timezone": series["recurring"]["timezone"],
        "series": series["id"],
        "original_start_time": original_start_time,
    }
    return {
        **copy.deepcopy(series),
        "id": identifier,
        "recurring": recurring,
        "start_time": original_start_time,
        "end_time": original_start_time + duration,
        "change_log": change_log_id(identifier),
    }
