"""The Zoom adapter of the video port, over Zoom's REST API v2 (see docs/video.md).

- create: ``POST {base}/users/{user}/meetings`` with a scheduled meeting
  (``type`` 2), answered ``201`` with the meeting's numeric ``id`` and ``join_url``;
- update: ``PATCH {base}/meetings/{id}``, answered ``204``;
- delete: ``DELETE {base}/meetings/{id}``, answered ``204`` (``404``: already gone).
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import httpx

from application.ports import MeetingRequest, VideoMeeting, VideoProviderUnavailable
from infrastructure.zoom_auth import ZoomCredentials, ZoomTokens
from infrastructure.zoom_retry import (
    RetryPolicy,
    TimeSource,
    describe,
    send_with_retries,
)

DEFAULT_API_BASE_URL = "https://api.zoom.us/v2"
DEFAULT_OAUTH_URL = "https://zoom.us/oauth/token"
DEFAULT_TIMEOUT = httpx.Timeout(10.0, connect=5.0)
SCHEDULED_MEETING = 2
MINUTE_MS = 60_000


class ZoomVideoMeetings:
    """Books, moves and deletes one Zoom meeting per video appointment."""

    def __init__(
        self,
        credentials: ZoomCredentials,
        *,
        api_base_url: str = DEFAULT_API_BASE_URL,
        oauth_url: str = DEFAULT_OAUTH_URL,
        user_id: str = "me",
        timeout: httpx.Timeout | float = DEFAULT_TIMEOUT,
        policy: RetryPolicy | None = None,
        time_source: TimeSource | None = None,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self._client = httpx.Client(timeout=timeout)
        self._base = api_base_url.rstrip("/")
        self._user_id = user_id
        self._policy = policy or RetryPolicy()
        self._time_source = time_source or TimeSource()
        self._tokens = ZoomTokens(
            self._client,
            credentials,
            oauth_url,
            policy=self._policy,
            time_source=self._time_source,
            monotonic=monotonic,
        )

    def create_meeting(self, request: MeetingRequest) -> VideoMeeting:
        response = self._call(
            "POST",
            f"/users/{self._user_id}/meetings",
            what="meeting creation",
            body={"type": SCHEDULED_MEETING, **meeting_fields(request)},
        )
        if response.status_code != 201:
            raise refused("meeting creation", response)
        return parse_meeting(response)

    def update_meeting(self, meeting_id: str, request: MeetingRequest) -> None:
        """Move or rename the meeting after its appointment changed."""
        response = self._call(
            "PATCH",
            f"/meetings/{meeting_id}",
            what=f"update of meeting {meeting_id}",
            body=meeting_fields(request),
        )
        if response.status_code != 204:
            raise refused(f"update of meeting {meeting_id}", response)

    def delete_meeting(self, meeting_id: str) -> None:
        """Delete the meeting; one that is already gone counts as deleted."""
        what = f"deletion of meeting {meeting_id}"
        response = self._call("DELETE", f"/meetings/{meeting_id}", what=what)
        if response.status_code not in (204, 404):
            raise refused(what, response)

    def close(self) -> None:
        self._client.close()

    def _call(
        self, method: str, path: str, *, what: str, body: dict[str, Any] | None = None
    ) -> httpx.Response:
        """Send with a cached token; on ``401`` fetch a new token and send once more."""
        token = self._tokens.current()
        response = self._send(method, path, what, body, token)
        if response.status_code != 401:
            return response
        self._tokens.discard(token)
        return self._send(method, path, what, body, self._tokens.current())

    def _send(
        self,
        method: str,
        path: str,
        what: str,
        body: dict[str, Any] | None,
        token: str,
    ) -> httpx.Response:
        return send_with_retries(
            lambda: self._client.request(
                method,
                self._base + path,
                json=body,
                headers={"Authorization": f"Bearer {token}"},
            ),
            what=what,
            idempotent=method != "POST",
            policy=self._policy,
            time_source=self._time_source,
        )


def meeting_fields(request: MeetingRequest) -> dict[str, Any]:
    """Topic, start (UTC, ``yyyy-MM-ddTHH:mm:ssZ``) and whole minutes, rounded up."""
    start = datetime.fromtimestamp(request.start_time / 1000, tz=UTC)
    minutes = math.ceil((request.end_time - request.start_time) / MINUTE_MS)
    return {
        "topic": request.topic,
        "start_time": start.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "duration": max(1, minutes),
        "timezone": "UTC",
        "agenda": f"Appointment {request.appointment_id}",
    }


def parse_meeting(response: httpx.Response) -> VideoMeeting:
    try:
        body = response.json()
        meeting_id, join_url = body["id"], body["join_url"]
    except (ValueError, KeyError, TypeError) as error:
        raise VideoProviderUnavailable(
            "Zoom created a meeting but its answer lacks id or join_url"
        ) from error
    return VideoMeeting(meeting_id=str(meeting_id), join_url=str(join_url))


def refused(what: str, response: httpx.Response) -> VideoProviderUnavailable:
    return VideoProviderUnavailable(
        f"Zoom refused the {what} with HTTP {response.status_code}: "
        f"{describe(response)}"
    )
