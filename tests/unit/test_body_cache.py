"""The retrieve cache's rules (``infrastructure/read_model/body_cache.py``):
ids a batch is writing are bypassed, and a row read before an invalidation
is never kept after it."""

from __future__ import annotations

import json

from hypothesis import given
from hypothesis import strategies as st

from application.queries import RenderedAppointment
from infrastructure.read_model.body_cache import BodyCache
from infrastructure.read_model.invalidation import MAX_PAYLOAD, changed_payloads
from infrastructure.read_model.rendering import response_body

OLD = RenderedAppointment(1, b'{"v":1}')
NEW = RenderedAppointment(2, b'{"v":2}')


def test_an_id_in_flux_is_evicted_and_not_filled() -> None:
    cache = BodyCache()
    cache.fill("a", OLD, cache.token())

    cache.begin(["a"])

    assert cache.get("a") is None
    assert not cache.fill("a", NEW, cache.token())
    assert cache.get("a") is None


def test_a_row_read_before_the_batch_ended_is_not_kept_after_it() -> None:
    cache = BodyCache()
    cache.begin(["a"])
    token = cache.token()  # a reader starts while the batch commits

    cache.end(["a"])

    assert not cache.fill("a", OLD, token)
    assert cache.fill("a", NEW, cache.token())
    assert cache.get("a") == NEW


def test_a_row_read_before_the_batch_began_is_not_kept() -> None:
    cache = BodyCache()
    token = cache.token()

    cache.begin(["a"])
    cache.end(["a"])

    assert not cache.fill("a", OLD, token)


def test_overlapping_batches_keep_an_id_in_flux_until_both_end() -> None:
    cache = BodyCache()
    cache.begin(["a"])
    cache.begin(["a", "b"])

    cache.end(["a"])

    assert cache.in_flux("a")
    assert cache.in_flux("b")
    cache.end(["a", "b"])
    assert not cache.in_flux("a")
    assert not cache.in_flux("b")


def test_an_older_version_never_replaces_a_newer_one() -> None:
    cache = BodyCache()
    cache.fill("a", NEW, cache.token())

    assert not cache.fill("a", OLD, cache.token())
    assert cache.get("a") == NEW


def test_the_least_recently_used_goes_first() -> None:
    cache = BodyCache(capacity=2)
    cache.fill("a", OLD, cache.token())
    cache.fill("b", OLD, cache.token())
    cache.get("a")

    cache.fill("c", OLD, cache.token())

    assert cache.get("b") is None
    assert cache.get("a") == OLD


def test_clear_refuses_fills_begun_before_it() -> None:
    cache = BodyCache()
    token = cache.token()

    cache.clear()

    assert not cache.fill("a", OLD, token)


@given(st.lists(st.text(alphabet="abc_0123456789", min_size=1, max_size=30)))
def test_changed_ids_fit_notifications_and_are_all_named(ids: list[str]) -> None:
    payloads = list(changed_payloads("origin", 42, ids))

    named = [i for p in payloads for i in p.split(" ", 3)[3].split(",") if i]
    assert named == ids
    assert all(p.split(" ")[:3] == ["changed", "origin", "42"] for p in payloads)
    assert all(len(p.encode()) <= MAX_PAYLOAD + 100 for p in payloads)


json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**53), 2**53) | st.text(),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(), inner, max_size=3)
    ),
    max_leaves=10,
)


@given(st.text(), st.dictionaries(st.text(), st.text(), max_size=5), json_values)
def test_the_body_is_what_json_response_renders(
    name: str, metadata: dict[str, str], extra: object
) -> None:
    document = {
        "id": "appt_x",
        "name": name,
        "attendees": [],
        "status_history": [],
        "metadata": metadata,
        "location": extra,
    }

    body = response_body(document)

    assert json.loads(body) == document
    expected = json.dumps(
        json.loads(body), ensure_ascii=False, allow_nan=False, separators=(",", ":")
    ).encode()
    assert body == expected
