"""The client's address, for login throttling and the API's rate limits.

``X-Forwarded-For`` is believed only when the request comes from a proxy listed in
``KIEMDIEM_TRUSTED_PROXIES``; otherwise anyone could pick the address they are counted under
(and lock someone else out by writing that person's address). The header is read from the
right: each trusted proxy appends the address it received the request from, so the first
address from the right that is not a trusted proxy is the client.
"""

from __future__ import annotations

import ipaddress
from functools import lru_cache

from django.conf import settings


@lru_cache(maxsize=8)
def _networks(proxies: tuple[str, ...]) -> tuple:
    return tuple(ipaddress.ip_network(p, strict=False) for p in proxies)


def _is_trusted(address: str, networks) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in network for network in networks)


def client_ip(request) -> str | None:
    remote = request.META.get("REMOTE_ADDR") or None
    networks = _networks(tuple(getattr(settings, "KIEMDIEM_TRUSTED_PROXIES", ())))
    if not networks or remote is None or not _is_trusted(remote, networks):
        return remote
    forwarded = [a.strip() for a in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
    for address in reversed([a for a in forwarded if a]):
        if not _is_trusted(address, networks):
            try:
                return str(ipaddress.ip_address(address))
            except ValueError:
                return remote  # garbage in the header: count the proxy, not the garbage
    return remote
