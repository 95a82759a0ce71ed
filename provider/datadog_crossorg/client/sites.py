"""Where the keys go: a Datadog site name, `api.<site>` or a full URL, to one base URL.

Keys travel in headers, so plain http is refused except to this machine (the offline Datadog).
"""

from __future__ import annotations

import ipaddress
from urllib.parse import urlsplit

SITES = (
    "datadoghq.com",
    "us3.datadoghq.com",
    "us5.datadoghq.com",
    "datadoghq.eu",
    "ap1.datadoghq.com",
    "ap2.datadoghq.com",
    "ddog-gov.com",
)


def resolve_base_url(site: str) -> str:
    """`https://api.<site>` for a site name or `api.<site>`; a full URL checked and kept.

    Raises ValueError naming the value and the fix when the value is neither, or when it asks
    for plain http to a host that is not loopback.
    """
    value = site.strip()
    name = value.lower().rstrip("/")
    if name in SITES:
        return f"https://api.{name}"
    if name.startswith("api.") and name[4:] in SITES:
        return f"https://{name}"
    if "://" not in value:
        raise ValueError(
            f"unknown Datadog site {site!r}: use one of {', '.join(SITES)}, "
            f"or a full URL such as 'https://api.datadoghq.com'"
        )
    return _checked_url(site, value)


def _checked_url(site: str, value: str) -> str:
    parts = urlsplit(value)
    scheme, host = parts.scheme.lower(), parts.hostname or ""
    if not host or parts.username or parts.password or parts.query or parts.fragment:
        raise ValueError(
            f"Datadog URL {site!r} is not a plain base URL: give scheme, host and optional "
            f"port only, such as 'https://api.datadoghq.eu'"
        )
    if scheme == "http" and not _is_loopback(host):
        raise ValueError(
            f"refusing plain http for Datadog URL {site!r}: keys would cross the network "
            f"unencrypted; use 'https://{parts.netloc}' (http is allowed only for localhost)"
        )
    if scheme not in ("http", "https"):
        raise ValueError(f"Datadog URL {site!r} must start with https://")
    try:
        port = parts.port
    except ValueError:
        raise ValueError(f"Datadog URL {site!r} has an invalid port") from None
    netloc = f"[{host}]" if ":" in host else host
    if port is not None:
        netloc += f":{port}"
    return f"{scheme}://{netloc}{parts.path.rstrip('/')}"


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False
