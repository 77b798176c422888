"""The client's address behind reverse proxies (TRUSTED_PROXIES, docs/deployment.md).

Each proxy appends the address it received the request from to X-Forwarded-For, so
only the addresses written by trusted proxies can be believed: whatever comes before
them was sent by the client, which may put anything there.
"""

from __future__ import annotations

import ipaddress
from functools import lru_cache

Address = ipaddress.IPv4Address | ipaddress.IPv6Address
Network = ipaddress.IPv4Network | ipaddress.IPv6Network


@lru_cache(maxsize=8)
def networks(proxies: tuple[str, ...]) -> tuple[Network, ...]:
    """TRUSTED_PROXIES parsed once, not on every request (config/settings.py has checked them)."""
    return tuple(ipaddress.ip_network(proxy, strict=False) for proxy in proxies)


def _trusted(address: Address, trusted: tuple[Network, ...]) -> bool:
    return any(address in network for network in trusted)


def client_address(*, peer: str | None, forwarded_for: str, proxies: tuple[str, ...]) -> str | None:
    """The client of a request whose direct peer (REMOTE_ADDR) is `peer`.

    `peer` itself unless it is one of `proxies`; then the rightmost address of X-Forwarded-For
    that is not a trusted proxy (the leftmost if all are). Only the addresses up to that one are
    read, each must be a bare IP address: a malformed one, or no header, gives `peer`.
    """
    trusted = networks(proxies)
    try:
        if peer is None or not _trusted(ipaddress.ip_address(peer), trusted):
            return peer
    except ValueError:  # not an IP address (a unix socket's peer)
        return peer
    client: Address | None = None
    for hop in reversed(forwarded_for.split(",")):
        try:
            client = ipaddress.ip_address(hop.strip())
        except ValueError:  # no header, an empty hop, a port, a host name...
            return peer
        if not _trusted(client, trusted):
            break
    return str(client)
