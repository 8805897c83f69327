"""The address of the client, read through the proxies we trust and no others.

X-Forwarded-For is a list anyone can prepend to; only the entries appended by our own proxies
are trustworthy. Walking it from the right and skipping trusted proxies yields the first
address that a proxy we trust actually saw.

Each hop is parsed as an IP address (an "a.b.c.d:port" or "[v6]:port" that some proxies append
loses its port). A hop that is not an address (garbage, "unknown") ends the walk: the answer is
then the last good address seen, the peer address at worst. So the result is always a valid,
normalised IP address, or "" when even the peer address is not one.
"""

import ipaddress
import re
from functools import lru_cache

from django.conf import settings
from django.http import HttpRequest

Network = ipaddress.IPv4Network | ipaddress.IPv6Network
Address = ipaddress.IPv4Address | ipaddress.IPv6Address

_IPV4_WITH_PORT = re.compile(r"^(?P<host>[0-9.]+):[0-9]{1,5}$")
_BRACKETED_IPV6 = re.compile(r"^\[(?P<host>[^\]]+)\](?::[0-9]{1,5})?$")


@lru_cache(maxsize=8)
def trusted_networks(proxies: tuple[str, ...]) -> tuple[Network, ...]:
    return tuple(
        ipaddress.ip_network(proxy.strip(), strict=False) for proxy in proxies if proxy.strip()
    )


def parse_address(text: str) -> Address | None:
    """The IP address in one X-Forwarded-For hop (or REMOTE_ADDR), or None if it holds none."""
    text = text.strip()
    match = _IPV4_WITH_PORT.match(text) or _BRACKETED_IPV6.match(text)
    host = match["host"] if match else text
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.scope_id:
        return None  # "fe80::1%eth0": a link-local zone is no client address we can store
    return address


def client_ip(request: HttpRequest) -> str:
    remote = parse_address(str(request.META.get("REMOTE_ADDR") or ""))
    if remote is None:
        return ""
    networks = trusted_networks(tuple(settings.TRUSTED_PROXIES))
    last_good = remote
    header = "HTTP_" + settings.TRUSTED_PROXY_HEADER.upper().replace("-", "_")
    forwarded = str(request.META.get(header, "")).split(",")
    hops = [hop for hop in (hop.strip() for hop in forwarded) if hop]
    while _is_trusted(last_good, networks) and hops:
        hop = parse_address(hops.pop())
        if hop is None:
            break
        last_good = hop
    return str(last_good)


def _is_trusted(address: Address, networks: tuple[Network, ...]) -> bool:
    return any(address in network for network in networks)
