"""A short id for every request: in the X-Request-ID response header, on every log line of the
request, and on the error pages, so that a user's report finds its log lines."""

import contextvars
import logging
import uuid

_current = contextvars.ContextVar("request_id", default="-")


def current_request_id() -> str:
    return _current.get()


class RequestIdMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.request_id = uuid.uuid4().hex[:16]
        token = _current.set(request.request_id)
        try:
            response = self.get_response(request)
        finally:
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
