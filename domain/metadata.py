"""The caller's own key-value pairs on an appointment (CONTRACT section 11).

Up to 50 keys of 1 to 40 characters, each holding a string of at most 500
characters. A value sent as ``""`` removes its key (on creation it is simply
not kept), so every stored value is non-empty.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from domain.errors import InvalidAppointment
from domain.validation import check_text

METADATA_MAX_KEYS = 50
METADATA_KEY_MAX = 40
METADATA_VALUE_MAX = 500
PARAM = "metadata"


def check_metadata(metadata: Any) -> None:
    """Raise the first rule ``metadata`` as sent breaks, if any (``""`` values
    are allowed: they remove their key)."""
    if not isinstance(metadata, dict):
        raise InvalidAppointment("'metadata' must be an object of strings.", PARAM)
    if len(metadata) > METADATA_MAX_KEYS:
        raise too_many_keys()
    for key, value in metadata.items():
        check_key(key)
        check_value(key, value)


def check_key(key: Any) -> None:
    if not isinstance(key, str) or not 1 <= len(key) <= METADATA_KEY_MAX:
        raise InvalidAppointment(
            f"Each 'metadata' key must be 1 to {METADATA_KEY_MAX} characters long.",
            PARAM,
        )
    check_text(PARAM, key, min_length=1, max_length=METADATA_KEY_MAX)


def check_value(key: str, value: Any) -> None:
    if not isinstance(value, str):
        raise InvalidAppointment(
            f"'metadata' value of {key!r} must be a string.", PARAM
        )
    if len(value) > METADATA_VALUE_MAX:
        raise InvalidAppointment(
            f"'metadata' value of {key!r} is over {METADATA_VALUE_MAX} characters.",
            PARAM,
        )
    check_text(PARAM, value, min_length=0, max_length=METADATA_VALUE_MAX)


def merged_metadata(current: Mapping[str, str], sent: Any) -> dict[str, str]:
    """``current`` with ``sent`` merged in: a key sent with ``""`` is removed.
    At most 50 keys remain."""
    check_metadata(sent)
    merged = {**current, **sent}
    kept = {key: value for key, value in merged.items() if value != ""}
    if len(kept) > METADATA_MAX_KEYS:
        raise too_many_keys()
    return kept


def too_many_keys() -> InvalidAppointment:
    return InvalidAppointment(
        f"'metadata' holds at most {METADATA_MAX_KEYS} keys.", PARAM
    )
