"""Pulling a calendar feed without letting its address reach into the practice's own network.

A feed address must be https, and its host must resolve to public addresses only: a loopback,
private, link-local (the cloud metadata service), multicast or reserved address is refused,
unless the host is named in ``CALENDAR_FEED_ALLOWED_HOSTS`` (a calendar server the deployment
trusts on its own network). The connection goes to the address that was checked, not to a
second lookup, so a name that changes its answer in between cannot slip through. Redirects are
not followed, the wait is bounded (``CALENDAR_FEED_TIMEOUT``) and so is the size
(``CALENDAR_FEED_MAX_BYTES``).
"""

import http.client
import ipaddress
import socket
import ssl
from urllib.parse import urlsplit

from django.conf import settings


class FeedRefused(ValueError):
    """The address may not be pulled, or the pull failed; the message says why, for the admin."""


def _kind(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> str | None:
    """Why ``address`` is not a public one (None when it is)."""
    if address.is_loopback:
        return "a loopback address"
    if address.is_link_local:
        return "a link-local address"
    if address.is_private:
        return "a private address"
    if address.is_multicast or address.is_reserved or address.is_unspecified or not address.is_global:
        return "not a public address"
    return None


def check(url: str) -> tuple[str, int, str, str]:
    """(host, port, path, address to connect to) of a feed address that may be pulled."""
    parts = urlsplit(url.strip())
    if parts.scheme.lower() != "https":
        raise FeedRefused("A calendar feed address must begin with https://.")
    host = (parts.hostname or "").lower()
    if not host:
        raise FeedRefused("The address names no host.")
    if parts.username or parts.password:
        raise FeedRefused("Put no user name or password in the address; use the calendar's private link.")
    try:
        port = parts.port or 443
    except ValueError as exc:
        raise FeedRefused("The address has an invalid port.") from exc
    try:
        found = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        raise FeedRefused(f"{host} cannot be found.") from exc
    addresses = [ipaddress.ip_address(info[4][0].split("%")[0]) for info in found]
    if host not in {name.lower() for name in settings.CALENDAR_FEED_ALLOWED_HOSTS}:
        for address in addresses:
            if (why := _kind(address)) is not None:
                raise FeedRefused(
                    f"{host} resolves to {address}, {why}: Alliance pulls feeds from the internet only "
                    "(a deployment can allow a host of its own network)."
                )
    path = parts.path or "/"
    if parts.query:
        path = f"{path}?{parts.query}"
    return host, port, path, str(addresses[0])


class _PinnedConnection(http.client.HTTPSConnection):
    """HTTPS to ``address``, with the certificate checked for ``host``."""

    def __init__(self, host: str, port: int, address: str, **kwargs):
        super().__init__(host, port, **kwargs)
        self.address = address

    def connect(self):
        sock = socket.create_connection((self.address, self.port), self.timeout)
        self.sock = self._context.wrap_socket(sock, server_hostname=self.host)


def _context() -> ssl.SSLContext:
    context = ssl.create_default_context()
    if settings.CALENDAR_FEED_CA_FILE:
        context.load_verify_locations(cafile=settings.CALENDAR_FEED_CA_FILE)
    return context


def fetch(url: str) -> bytes:
    """The feed's content, or FeedRefused with the reason."""
    host, port, path, address = check(url)
    limit = settings.CALENDAR_FEED_MAX_BYTES
    connection = _PinnedConnection(
        host, port, address, timeout=settings.CALENDAR_FEED_TIMEOUT, context=_context()
    )
    try:
        connection.request(
            "GET", path, headers={"Accept": "text/calendar", "User-Agent": "Alliance calendar sync"}
        )
        response = connection.getresponse()
        if 300 <= response.status < 400:
            target = response.getheader("Location", "another address")
            raise FeedRefused(f"The feed redirects to {target}: set that address instead.")
        if response.status != 200:
            raise FeedRefused(f"The calendar server answered {response.status} {response.reason}.")
        body = response.read(limit + 1)
    except (OSError, http.client.HTTPException) as exc:
        raise FeedRefused(f"The feed could not be read from {host}: {exc}") from exc
    finally:
        connection.close()
    if len(body) > limit:
        raise FeedRefused(f"The feed is larger than {limit // (1024 * 1024)} MB.")
    return body
