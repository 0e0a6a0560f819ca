"""The signing mode holds the screen: while it is on, every request but the signing page's own
goes back to the signing page (boundaries/acknowledgement_views.py)."""

from django.shortcuts import redirect
from django.urls import resolve
from django.urls.exceptions import Resolver404

from boundaries.acknowledgement_views import SIGNING_KEY

SIGNING_VIEWS = {"boundaries:signing", "boundaries:signing_leave"}


class SigningModeMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        client_pk = request.session.get(SIGNING_KEY) if hasattr(request, "session") else None
        if client_pk is not None and request.user.is_authenticated:
            try:
                match = resolve(request.path_info)
            except Resolver404:
                match = None
            allowed = (
                match is not None
                and match.view_name in SIGNING_VIEWS
                and match.kwargs.get("client_pk") == client_pk
            )
            if not allowed:
                return redirect("boundaries:signing", client_pk=client_pk)
        return self.get_response(request)
