"""A short id for every request: in the X-Request-ID response header, on every log line of the
request, and on the error pages, so that a user's report finds its log lines.

The middleware also keeps the request's client address for code that has no request at hand
(the denied-access event of clients/scoping.py), so every security event says where it came from.
"""

import contextvars
import logging
import uuid

from common.client_ip import client_ip

_current = contextvars.ContextVar("request_id", default="-")
_client_ip = contextvars.ContextVar("client_ip", default=None)


def current_request_id() -> str:
    return _current.get()


def current_client_ip() -> str | None:
    """The client address of the request being handled (``client_ip``), None outside a request."""
    return _client_ip.get()


class RequestIdMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.request_id = uuid.uuid4().hex[:16]
        token = _current.set(request.request_id)
        ip_token = _client_ip.set(client_ip(request))
        try:
            response = self.get_response(request)
        finally:
            _client_ip.reset(ip_token)
            _current.reset(token)
        response["X-Request-ID"] = request.request_id
        return response


class RequestIdFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = _current.get()
        return True


def request_id(request) -> dict:
    """Context processor: the request id for templates (the error pages show it)."""
    return {"request_id": getattr(request, "request_id", "")}
