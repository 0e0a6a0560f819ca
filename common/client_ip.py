"""The client's address, as far as Alliance can trust it.

Directly exposed, that is REMOTE_ADDR. Behind TRUSTED_PROXY_COUNT proxies of our own, each
appends the address it received the request from to X-Forwarded-For, so the client is the
entry that many places from the right; anything further left was written by the client and
may be forged. (django-ipware's proxy_count reads from the left, which a client controls.)
"""

import ipaddress

from django.conf import settings


def client_ip(request) -> str:
    remote = request.META.get("REMOTE_ADDR", "")
    trusted = settings.TRUSTED_PROXY_COUNT
    if trusted <= 0:
        return remote
    forwarded = [
        part.strip() for part in request.headers.get("x-forwarded-for", "").split(",") if part.strip()
    ]
    if len(forwarded) < trusted:
        return remote  # not through our proxies
    candidate = forwarded[-trusted]
    try:
        return str(ipaddress.ip_address(candidate))
    except ValueError:
        return remote
