"""Who may read the probes' details: callers from LIFESPAN_PROBE_DETAILS, or with LIFESPAN_PROBE_TOKEN."""

from __future__ import annotations

import hmac
import ipaddress
from collections.abc import Mapping
from typing import Any, cast

from django_lifespan_ctx._config.conf import conf

DETAILS_SETTING = "LIFESPAN_PROBE_DETAILS"
TOKEN_SETTING = "LIFESPAN_PROBE_TOKEN"
# What a reverse proxy adds. Behind one, the address the server reports may be the
# proxy's (an ingress controller on 10.x), so a request that carries any of these is
# a stranger's whatever its address; the headers themselves are never trusted.
PROXY_HEADERS = ("HTTP_X_FORWARDED_FOR", "HTTP_FORWARDED", "HTTP_X_REAL_IP")

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def details_problem(value: Any) -> str | None:
    """Why LIFESPAN_PROBE_DETAILS is invalid: it must be a list of networks."""
    if isinstance(value, (list, tuple)):
        for network in cast("list[object] | tuple[object, ...]", value):
            if not isinstance(network, str):
                return f"{DETAILS_SETTING} holds {network!r}, which is not a network such as '10.0.0.0/8'."
            try:
                ipaddress.ip_network(network, strict=False)
            except ValueError as exc:
                return f"{DETAILS_SETTING} holds {network!r}, which is not a network: {exc}."
        return None
    return f"{DETAILS_SETTING} is {value!r}; it must be a list of networks such as ['10.0.0.0/8']."


def token_problem(value: Any) -> str | None:
    """Why LIFESPAN_PROBE_TOKEN is invalid: None, or a secret of 16 characters or more."""
    if value is None or (isinstance(value, str) and len(value) >= 16 and value.strip() == value):
        return None
    shown = f"a string of {len(value)} characters" if isinstance(value, str) else repr(value)
    return (
        f"{TOKEN_SETTING} is {shown}; it must be None or a secret of 16 characters or more, "
        "without surrounding spaces."
    )


def networks() -> list[Network]:
    """The networks whose callers get the details; none while the setting is invalid."""
    value = conf.LIFESPAN_PROBE_DETAILS
    if details_problem(value):
        return []  # Closed: manage.py check reports it (E045).
    return [ipaddress.ip_network(network, strict=False) for network in value]


def _address(remote: object) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    if not isinstance(remote, str):
        return None  # A Unix socket: no address, so no way to tell who is calling.
    try:
        address = ipaddress.ip_address(remote)
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped  # A dual-stack socket reports 10.1.2.3 as ::ffff:10.1.2.3.
    return address


def _token_matches(meta: Mapping[str, Any]) -> bool:
    token = conf.LIFESPAN_PROBE_TOKEN
    if token is None or token_problem(token):
        return False
    scheme, _, given = str(meta.get("HTTP_AUTHORIZATION", "")).partition(" ")
    return scheme.lower() == "bearer" and hmac.compare_digest(given.strip().encode(), token.encode())


def details_allowed(meta: Mapping[str, Any]) -> bool:
    """Whether this caller (a request's META) may read the probes' details.

    REMOTE_ADDR is the address the server reports (the ASGI scope's client), never
    one that a header claims.
    """
    if _token_matches(meta):
        return True
    if any(header in meta for header in PROXY_HEADERS):
        return False
    address = _address(meta.get("REMOTE_ADDR"))
    return address is not None and any(address in network for network in networks())
