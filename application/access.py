"""Who may call the API: API keys, their scopes, and the ports that keep them
(CONTRACT section 8; see docs/security.md)."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol

from application.errors import ApplicationError

KEY_NAME = re.compile(r"^[A-Za-z0-9_.-]{1,64}$")
INITIAL_ADMIN = "initial-admin"


class Scope(StrEnum):
    APPOINTMENTS_READ = "appointments:read"
    APPOINTMENTS_WRITE = "appointments:write"
    AUDIT_READ = "audit:read"
    WEBHOOKS_MANAGE = "webhooks:manage"
    ADMIN = "admin"


@dataclass(frozen=True)
class ApiKey:
    """A key as the API and the CLI see it: never its secret."""

    name: str
    scopes: frozenset[Scope]
    created_at: int
    last_used_at: int | None = None
    revoked_at: int | None = None

    def grants(self, scope: Scope) -> bool:
        """``admin`` implies every scope."""
        return Scope.ADMIN in self.scopes or scope in self.scopes

    def missing(self, required: Iterable[Scope]) -> Scope | None:
        """The first required scope this key lacks, if any."""
        return next((scope for scope in required if not self.grants(scope)), None)


class AccessError(ApplicationError):
    """A key command refused: one line saying why."""


class UnknownScope(AccessError):
    def __init__(self, name: str) -> None:
        known = ", ".join(scope.value for scope in Scope)
        super().__init__(f"unknown scope {name!r}; scopes are: {known}")


class InvalidKeyName(AccessError):
    def __init__(self, name: str) -> None:
        super().__init__(
            f"invalid key name {name!r}: use 1 to 64 letters, digits, '_', '-' or '.'"
        )


class DuplicateKeyName(AccessError):
    def __init__(self, name: str) -> None:
        super().__init__(
            f"a key named {name!r} exists already (names are never reused, "
            "revoked keys included); choose another name"
        )


class KeyNotFound(AccessError):
    def __init__(self, name: str) -> None:
        super().__init__(f"no active key named {name!r}")


def parse_scopes(text: str) -> frozenset[Scope]:
    """``a,b`` as scopes; an unknown or empty list is refused."""
    names = [part.strip() for part in text.split(",") if part.strip()]
    if not names:
        raise AccessError("give at least one scope, e.g. --scopes appointments:read")
    known = {scope.value: scope for scope in Scope}
    for name in names:
        if name not in known:
            raise UnknownScope(name)
    return frozenset(known[name] for name in names)


def check_key_name(name: str) -> str:
    if not KEY_NAME.fullmatch(name):
        raise InvalidKeyName(name)
    return name


def scope_list(scopes: Iterable[Scope]) -> list[str]:
    """Scopes in their declared order, for display."""
    chosen = set(scopes)
    return [scope.value for scope in Scope if scope in chosen]


class ApiKeyStore(Protocol):
    def create(self, name: str, scopes: frozenset[Scope]) -> str:
        """Store a new key and return its secret (shown only now)."""
        ...

    def create_initial(self, name: str, scopes: frozenset[Scope]) -> str | None:
        """Create a key only when the store holds none; its secret, or None."""
        ...

    def find(self, secret: str) -> ApiKey | None:
        """The active key with this secret, or None."""
        ...

    def all(self) -> Sequence[ApiKey]:
        """Every key, revoked ones included, by name."""
        ...

    def revoke(self, name: str) -> None: ...

    def touch(self, name: str, at_ms: int) -> None:
        """Record that the key was used at ``at_ms`` (if later than recorded)."""
        ...


class RateLimiter(Protocol):
    def admit_locally(self, key_name: str) -> bool:
        """Whether the request may go on by what this process already holds
        (no database work); False means: ask ``admit``."""
        ...

    def admit(self, key_name: str) -> int | None:
        """None when the request may go on, else seconds to wait."""
        ...
