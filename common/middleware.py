"""A database that is down or unreachable is answered with the 503 page, never a 500.

Two places see such an error. ``DatabaseUnavailableMiddleware`` catches what a view raises.
Middleware that runs before any view (the session and the signed-in user are read from the
database there) is beyond ``process_exception``: Django turns its errors into a 500 through
``handler500``, so ``server_error`` (installed as ``handler500`` in ``config/urls.py``) answers
503 when the error being handled is a database one. Nothing here touches the database, and no
connection is kept in a broken state: Django drops a connection that failed, and the next
request opens a new one.
"""

import logging
import sys

from django.db import InterfaceError, OperationalError
from django.http import HttpResponse, HttpResponseServerError
from django.template import loader

from common.request_id import current_request_id

logger = logging.getLogger(__name__)

DATABASE_ERRORS = (OperationalError, InterfaceError)
# Seconds a client is asked to wait before trying again.
RETRY_AFTER = 30


def service_unavailable() -> HttpResponse:
    """The 503 page: a standalone template rendered without the request, so no context
    processor reads the user (and so the database)."""
    response = HttpResponse(
        loader.render_to_string("503.html", {"request_id": current_request_id()}), status=503
    )
    response["Retry-After"] = str(RETRY_AFTER)
    response["Cache-Control"] = "no-store"
    return response


class DatabaseUnavailableMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if isinstance(exception, DATABASE_ERRORS):
            logger.warning("Database unavailable on %s %s: %s", request.method, request.path, exception)
            return service_unavailable()
        return None


def server_error(request):
    """``handler500``: the 503 page when the error is the database's, else Django's 500 page."""
    if isinstance(sys.exc_info()[1], DATABASE_ERRORS):
        return service_unavailable()
    # Rendered without the request: its context processors may be what failed.
    return HttpResponseServerError(loader.render_to_string("500.html", {"request_id": current_request_id()}))
