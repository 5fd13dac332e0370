"""Sending one delivery over HTTP (httpx): to the checked address, without
following redirects, within ``TIMEOUT_SECONDS``."""

from __future__ import annotations

from time import perf_counter

import httpx

from application.webhook_delivery import TIMEOUT_SECONDS, Outcome
from application.webhooks import InvalidWebhookUrl
from infrastructure.webhooks.ssrf import PublicUrlGuard

MAX_RESPONSE_BYTES = 64 * 1024
"""Read at most this much of a response body (then drop the connection)."""


class HttpSender:
    """One endpoint's HTTP client (its own connections: endpoints never
    share a connection pool)."""

    def __init__(
        self,
        guard: PublicUrlGuard,
        *,
        concurrency: int = 8,
        timeout: float = TIMEOUT_SECONDS,
    ) -> None:
        self.guard = guard
        self.timeout = timeout
        self.client = httpx.Client(
            timeout=timeout,
            follow_redirects=False,
            trust_env=False,
            limits=httpx.Limits(max_connections=concurrency),
        )

    def send(self, url: str, body: str, headers: dict[str, str]) -> Outcome:
        started = perf_counter()
        try:
            status = self._post(url, body, headers)
        except InvalidWebhookUrl as error:
            return Outcome(None, error.message, _ms_since(started))
        except httpx.TimeoutException:
            return Outcome(
                None, f"no response within {self.timeout:g} s", _ms_since(started)
            )
        except httpx.HTTPError as error:
            reason = str(error) or type(error).__name__
            return Outcome(None, f"request failed: {reason}", _ms_since(started))
        duration_ms = _ms_since(started)
        if duration_ms > self.timeout * 1000:
            error_text: str | None = f"response took over {self.timeout:g} s"
        elif not 200 <= status < 300:
            error_text = f"response status {status}"
        else:
            error_text = None
        return Outcome(status, error_text, duration_ms)

    def _post(self, url: str, body: str, headers: dict[str, str]) -> int:
        target = self.guard.target(url)
        extensions = (
            {"sni_hostname": target.sni_hostname} if target.sni_hostname else {}
        )
        with self.client.stream(
            "POST",
            target.url,
            content=body.encode(),
            headers={**headers, **target.headers},
            extensions=extensions,
        ) as response:
            read = 0
            for chunk in response.iter_raw():
                read += len(chunk)
                if read > MAX_RESPONSE_BYTES:
                    break
            return response.status_code

    def close(self) -> None:
        self.client.close()


def _ms_since(started: float) -> int:
    return round((perf_counter() - started) * 1000)
