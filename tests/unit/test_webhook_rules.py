"""The rules of webhook delivery, without I/O: signature, backoff, circuit,
event types, and which URLs may be called (name resolution faked)."""

from __future__ import annotations

import hashlib
import hmac

import pytest
from hypothesis import given
from hypothesis import strategies as st

from application.webhook_delivery import Circuit, RetryPolicy, render_body, signature
from application.webhooks import (
    InvalidWebhookParameter,
    InvalidWebhookUrl,
    checked_events,
    new_secret,
)
from infrastructure.webhooks.ssrf import PublicUrlGuard

POLICY = RetryPolicy()


def resolving(**names: list[str]) -> PublicUrlGuard:
    def resolver(host: str, port: int) -> list[str]:
        if host not in names:
            raise OSError("unknown host")
        return names[host]

    return PublicUrlGuard(resolver=resolver)


def test_the_signature_is_an_hmac_sha256_of_the_timestamp_and_the_body() -> None:
    body = render_body({"id": 7, "object": "event", "data": {"name": "Zoë"}})
    expected = hmac.new(b"whsec_k", f"1700000000.{body}".encode(), hashlib.sha256)
    assert signature("whsec_k", 1700000000, body) == (
        f"t=1700000000,v1={expected.hexdigest()}"
    )
    assert body == '{"id":7,"object":"event","data":{"name":"Zoë"}}'


def test_a_secret_is_whsec_and_32_base62_characters() -> None:
    secret = new_secret()
    assert secret.startswith("whsec_")
    assert len(secret) == 6 + 32
    assert secret[6:].isalnum()
    assert new_secret() != secret


@given(st.floats(min_value=0, max_value=0.999999))
def test_the_first_retry_comes_within_two_seconds(draw: float) -> None:
    assert 0 <= POLICY.delay_ms(1, lambda: draw) < 2_000


@given(st.integers(min_value=1, max_value=10_000), st.floats(0, 1))
def test_no_wait_between_tries_exceeds_an_hour(failures: int, draw: float) -> None:
    assert 0 <= POLICY.delay_ms(failures, lambda: draw) <= 3_600_000


def test_the_ceiling_doubles_with_each_failure_up_to_the_cap() -> None:
    ceilings = [POLICY.delay_ms(n, lambda: 1.0) for n in range(1, 14)]
    assert ceilings[:4] == [2_000, 4_000, 8_000, 16_000]
    assert ceilings[-1] == 3_600_000


def test_delivery_gives_up_after_24_hours_of_failure() -> None:
    day = 24 * 3_600_000
    assert not POLICY.gives_up(failing_since=0, now_ms=day - 1)
    assert POLICY.gives_up(failing_since=0, now_ms=day)


def test_a_circuit_opens_after_failures_in_a_row_then_lets_one_probe_through() -> None:
    circuit = Circuit(POLICY, lambda: 1.0, threshold=3)
    for now in range(2):
        circuit.failed(now)
        assert circuit.room(now, 4) == 4
    circuit.failed(2)
    assert circuit.room(3, 4) == 0
    reopens = circuit.reopens_at()
    assert reopens == 2 + 2_000

    assert circuit.room(reopens, 0) == 0  # nothing to send: no probe taken
    assert circuit.room(reopens, 4) == 1
    assert circuit.room(reopens, 4) == 0  # the probe is out
    circuit.succeeded()
    assert circuit.room(reopens, 4) == 4
    assert circuit.reopens_at() is None


def test_a_failed_probe_reopens_the_circuit_for_longer() -> None:
    circuit = Circuit(POLICY, lambda: 1.0, threshold=1)
    circuit.failed(0)
    assert circuit.room(2_000, 4) == 1
    circuit.failed(2_000)
    assert circuit.reopens_at() == 2_000 + 4_000


def test_enabled_events_are_known_types_or_everything() -> None:
    assert checked_events(["*"]) == ("*",)
    assert checked_events(
        ["appointment.created", "appointment.created", "appointment.updated"]
    ) == ("appointment.created", "appointment.updated")
    for wrong in ([], ["appointment.deleted"]):
        with pytest.raises(InvalidWebhookParameter):
            checked_events(wrong)


@pytest.mark.parametrize(
    "url",
    [
        "https://127.0.0.1/hooks",
        "https://127.9.9.9:8443/hooks",
        "https://169.254.169.254/latest/meta-data",
        "https://10.1.2.3/hooks",
        "https://172.16.0.1/hooks",
        "https://192.168.1.10/hooks",
        "https://100.64.0.1/hooks",
        "https://0.0.0.0/hooks",
        "https://[::1]/hooks",
        "https://[fe80::1]/hooks",
        "https://[fd00::1]/hooks",
        "https://[::ffff:127.0.0.1]/hooks",
        "https://224.0.0.1/hooks",
    ],
)
def test_private_loopback_and_link_local_addresses_are_refused(url: str) -> None:
    with pytest.raises(InvalidWebhookUrl, match="not a public address"):
        PublicUrlGuard().check(url)


def test_a_name_resolving_to_a_private_address_is_refused() -> None:
    guard = resolving(**{"hooks.example.com": ["93.184.216.34", "10.0.0.7"]})
    with pytest.raises(InvalidWebhookUrl, match=r"10\.0\.0\.7"):
        guard.check("https://hooks.example.com/x")


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("http://93.184.216.34/hooks", "https://"),
        ("ftp://example.com/hooks", "https://"),
        ("https:///hooks", "no host"),
        ("https://user:pw@93.184.216.34/hooks", "user name"),
        ("https://93.184.216.34:99999/hooks", "not a valid URL"),
        ("https://nowhere.invalid/hooks", "does not resolve"),
    ],
)
def test_urls_that_are_not_https_to_a_known_host_are_refused(
    url: str, reason: str
) -> None:
    with pytest.raises(InvalidWebhookUrl, match=reason):
        resolving().check(url)


def test_a_delivery_connects_to_the_checked_address_keeping_host_and_sni() -> None:
    guard = resolving(**{"hooks.example.com": ["93.184.216.34"]})
    target = guard.target("https://hooks.example.com:8443/in?x=1")
    assert target.url == "https://93.184.216.34:8443/in?x=1"
    assert target.headers == {"Host": "hooks.example.com:8443"}
    assert target.sni_hostname == "hooks.example.com"


def test_an_ipv6_address_is_bracketed_in_the_url_it_connects_to() -> None:
    guard = resolving(**{"v6.example.com": ["2606:2800:220:1:248:1893:25c8:1946"]})
    target = guard.target("https://v6.example.com/in")
    assert target.url == "https://[2606:2800:220:1:248:1893:25c8:1946]/in"


def test_allowing_private_addresses_also_allows_http() -> None:
    guard = PublicUrlGuard(allow_private=True)
    for url in ("http://127.0.0.1:8080/hooks", "https://10.1.2.3/hooks"):
        guard.check(url)
    with pytest.raises(InvalidWebhookUrl):
        guard.check("ftp://127.0.0.1/hooks")
