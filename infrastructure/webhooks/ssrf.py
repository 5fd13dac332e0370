"""Which URLs webhooks may be sent to: ``https://`` on public addresses only
(no server-side request forgery), unless the operator allows private ones.

The check runs when an endpoint is saved and again before every delivery,
after resolving the name; the delivery then connects to the very address
that was checked (``Target``), so a name that re-resolves to a private
address in between (DNS rebinding) cannot slip through. Allowing private
addresses skips the address check, not the resolution or the pinning.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import SplitResult, urlsplit

from application.webhooks import InvalidWebhookUrl

Resolver = Callable[[str, int], list[str]]
"""The addresses a host name resolves to, for a TCP connection to ``port``."""

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


def system_resolver(host: str, port: int) -> list[str]:
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


def is_public(address: IPAddress) -> bool:
    """Globally routable unicast, also for IPv4 embedded in IPv6."""
    if isinstance(address, ipaddress.IPv6Address):
        embedded = address.ipv4_mapped or address.sixtofour
        if embedded is not None and not is_public(embedded):
            return False
        if address.teredo is not None:
            return all(is_public(a) for a in address.teredo)
    return address.is_global and not address.is_multicast


@dataclass(frozen=True)
class Target:
    """Where to send: ``url`` with its host replaced by the checked address,
    and the headers and TLS name (SNI) that keep the original host."""

    url: str
    headers: dict[str, str] = field(default_factory=dict)
    sni_hostname: str | None = None


class PublicUrlGuard:
    def __init__(
        self, *, allow_private: bool = False, resolver: Resolver = system_resolver
    ) -> None:
        self.allow_private = allow_private
        self.resolver = resolver

    def check(self, url: str) -> None:
        self.target(url)

    def target(self, url: str) -> Target:
        """Where a delivery to ``url`` connects, or ``InvalidWebhookUrl``."""
        parts, host, port = self._parse(url)
        address = self._checked_address(host, port)
        netloc = f"[{address}]" if address.version == 6 else str(address)
        if parts.port is not None:
            netloc += f":{parts.port}"
        pinned = parts._replace(netloc=netloc).geturl()
        return Target(pinned, {"Host": parts.netloc}, sni_hostname=host)

    def _parse(self, url: str) -> tuple[SplitResult, str, int]:
        schemes = ("https", "http") if self.allow_private else ("https",)
        try:
            parts = urlsplit(url)
            port = parts.port
        except ValueError as error:
            raise InvalidWebhookUrl(f"not a valid URL ({error}).") from None
        if parts.scheme not in schemes:
            raise InvalidWebhookUrl("it must start with https://.")
        if not parts.hostname:
            raise InvalidWebhookUrl("it names no host.")
        if parts.username is not None or parts.password is not None:
            raise InvalidWebhookUrl("it must not carry a user name or password.")
        default_port = 443 if parts.scheme == "https" else 80
        return parts, parts.hostname, port or default_port

    def _checked_address(self, host: str, port: int) -> IPAddress:
        try:
            resolved = self.resolver(host, port)
        except (OSError, UnicodeError):
            raise InvalidWebhookUrl(f"the host {host} does not resolve.") from None
        addresses = [ipaddress.ip_address(a.split("%")[0]) for a in resolved]
        if not addresses:
            raise InvalidWebhookUrl(f"the host {host} does not resolve.")
        for address in addresses:
            if not (self.allow_private or is_public(address)):
                raise InvalidWebhookUrl(
                    f"the host {host} resolves to {address}, not a public address."
                )
        return addresses[0]
