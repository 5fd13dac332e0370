"""Calendar feed tokens: a secret in a feed's URL grants that one person's
``.ics`` feed, for calendar apps that cannot send an ``Authorization`` header.

The token is shown once, in the URL returned at creation; only its SHA-256
is stored (it has 256 random bits, so no salt or slow hash is needed).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from typing import Protocol

from application.errors import ApplicationError
from application.ports import Clock
from domain.ids import BASE62, ID_BODY_LENGTH

FEED_PREFIX = "cf_"
TOKEN_PREFIX = "cft_"


@dataclass(frozen=True)
class CalendarFeed:
    id: str
    user: str
    created_at: int


@dataclass(frozen=True)
class IssuedFeed:
    feed: CalendarFeed
    token: str


class CalendarFeedNotFound(ApplicationError):
    def __init__(self, feed_id: str) -> None:
        super().__init__(f"No such calendar feed: {feed_id}", "id")


class CalendarFeedStore(Protocol):
    def add(self, feed: CalendarFeed, token_hash: str) -> None: ...

    def revoke(self, feed_id: str, at: int) -> bool:
        """Whether an active feed with this id was revoked now."""
        ...

    def user_of(self, token_hash: str) -> str | None:
        """The user of the active feed with this token's hash, if any."""
        ...


def new_feed_id() -> str:
    return FEED_PREFIX + "".join(secrets.choice(BASE62) for _ in range(ID_BODY_LENGTH))


def new_token() -> str:
    return TOKEN_PREFIX + secrets.token_urlsafe(32)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


class CalendarFeeds:
    def __init__(self, store: CalendarFeedStore, clock: Clock) -> None:
        self.store = store
        self.clock = clock

    def issue(self, user: str) -> IssuedFeed:
        feed = CalendarFeed(new_feed_id(), user, self.clock.now_ms())
        token = new_token()
        self.store.add(feed, token_hash(token))
        return IssuedFeed(feed, token)

    def revoke(self, feed_id: str) -> None:
        if not self.store.revoke(feed_id, self.clock.now_ms()):
            raise CalendarFeedNotFound(feed_id)

    def grants(self, token: str, user: str) -> bool:
        """Whether ``token`` is an active feed's, for ``user``'s feed."""
        if not token.startswith(TOKEN_PREFIX):
            return False
        owner = self.store.user_of(token_hash(token))
        return owner is not None and hmac.compare_digest(owner, user)
