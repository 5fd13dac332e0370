"""Server-to-Server OAuth access tokens for Zoom, cached until shortly before expiry.

``POST {oauth_url}?grant_type=account_credentials&account_id=...`` with HTTP
Basic ``client_id:client_secret`` answers ``{"access_token", "token_type":
"bearer", "expires_in", "scope"}``. There is no refresh token: a new token is
simply requested again (see docs/video.md for the references).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import httpx

from application.ports import VideoProviderUnavailable
from infrastructure.zoom_retry import (
    RetryPolicy,
    TimeSource,
    describe,
    send_with_retries,
)

SAFETY_MARGIN_SECONDS = 60.0
SAFETY_MARGIN_SHARE = 0.1


@dataclass(frozen=True)
class ZoomCredentials:
    account_id: str
    client_id: str
    client_secret: str = field(repr=False)


@dataclass(frozen=True)
class AccessToken:
    value: str
    renew_at: float
    """Monotonic time after which the token is not used any more."""


class ZoomTokens:
    """Hands out a valid access token, fetching a new one only when needed."""

    def __init__(
        self,
        client: httpx.Client,
        credentials: ZoomCredentials,
        oauth_url: str,
        *,
        policy: RetryPolicy,
        time_source: TimeSource,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self._client = client
        self._credentials = credentials
        self._oauth_url = oauth_url
        self._policy = policy
        self._time_source = time_source
        self._monotonic = monotonic
        self._token: AccessToken | None = None
        self._lock = threading.Lock()

    def current(self) -> str:
        with self._lock:
            token = self._token
            if token is None or self._monotonic() >= token.renew_at:
                token = self._token = self._fetch()
            return token.value

    def discard(self, stale: str) -> None:
        """Forget ``stale`` (Zoom refused it), unless another thread already did."""
        with self._lock:
            if self._token is not None and self._token.value == stale:
                self._token = None

    def _fetch(self) -> AccessToken:
        response = send_with_retries(
            self._request,
            what="OAuth token request",
            idempotent=True,
            policy=self._policy,
            time_source=self._time_source,
        )
        if response.status_code != 200:
            raise VideoProviderUnavailable(
                f"Zoom OAuth refused the credentials with HTTP "
                f"{response.status_code}: {describe(response)}"
            )
        return self._parse(response)

    def _request(self) -> httpx.Response:
        return self._client.post(
            self._oauth_url,
            params={
                "grant_type": "account_credentials",
                "account_id": self._credentials.account_id,
            },
            auth=(self._credentials.client_id, self._credentials.client_secret),
        )

    def _parse(self, response: httpx.Response) -> AccessToken:
        try:
            body = response.json()
            value, expires_in = str(body["access_token"]), float(body["expires_in"])
        except (ValueError, KeyError, TypeError) as error:
            raise VideoProviderUnavailable(
                "Zoom OAuth answered without access_token and expires_in"
            ) from error
        margin = min(SAFETY_MARGIN_SECONDS, expires_in * SAFETY_MARGIN_SHARE)
        return AccessToken(value, self._monotonic() + expires_in - margin)
