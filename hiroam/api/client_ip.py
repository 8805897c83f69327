"""The address of the client, read through the proxies we trust and no others.

X-Forwarded-For is a list anyone can prepend to; only the entries appended by our own proxies
are trustworthy. Walking it from the right and skipping trusted proxies yields the first
address that a proxy we trust actually saw.
"""

import ipaddress
from functools import lru_cache

from django.conf import settings
from django.http import HttpRequest

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


@lru_cache(maxsize=8)
def _trusted_networks(proxies: tuple[str, ...]) -> tuple[Network, ...]:
    return tuple(
        ipaddress.ip_network(proxy.strip(), strict=False) for proxy in proxies if proxy.strip()
    )


def _is_trusted(address: str, networks: tuple[Network, ...]) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in network for network in networks)


def client_ip(request: HttpRequest) -> str:
    networks = _trusted_networks(tuple(settings.TRUSTED_PROXIES))
    remote = str(request.META.get("REMOTE_ADDR") or "0.0.0.0")  # noqa: S104 (a value, not a bind)
    if not _is_trusted(remote, networks):
        return remote
    forwarded = [
        hop.strip() for hop in str(request.META.get("HTTP_X_FORWARDED_FOR", "")).split(",")
    ]
    for hop in reversed([hop for hop in forwarded if hop]):
        if not _is_trusted(hop, networks):
            return hop
    return remote
