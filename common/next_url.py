"""Where a form sends the user back to: the ``next`` it carries, if it is an address of this site."""

from django.utils.http import url_has_allowed_host_and_scheme


def safe_next_url(request, default: str) -> str:
    """The request's ``next`` (POST first, then the query string) when it is a path on this host,
    else ``default``: never an address elsewhere (an open redirect)."""
    candidate = request.POST.get("next") or request.GET.get("next") or ""
    # A path of this site, nothing else: ``redirect`` would read "dashboard" or "1111" as the
    # name of a view, and fail on it.
    if (
        candidate.startswith("/")
        and "\x00" not in candidate
        and url_has_allowed_host_and_scheme(
            candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        )
    ):
        return candidate
    return default
