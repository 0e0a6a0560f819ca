"""One access record for every response that showed client data (common/access_trail.py).

A response counts when it is a 200 (a page, a download, a form re-rendered after a refused
POST) for a signed-in member of a practice, and either its view fetched a client's record
through ``clients.scoping`` or its URL is one of the lists of client data below. A view that
wrote its own record (``record_access``) is left alone.
"""

from audit.services import record_access
from clients.models import Client
from common import access_trail

# Pages that list several clients' data, by URL name, and the name their access records carry.
LIST_PAGES = {
    "home": "home",
    "clients:list": "client_list",
    "practice:client_codes": "client_code_review",
    "supervision:dashboard": "flag_queue",
    "supervision:admin_dashboard": "practice_dashboard",
    "supervision:my_flags": "my_flags",
    "follow_ups": "my_follow_ups",
    "supervision:export_flags": "flags_csv",
    "supervision:export_incidents": "incidents_csv",
    "audit:trail": "audit_trail",
    "audit:trail_csv": "audit_trail_csv",
}


def _subject(obj) -> dict:
    """The access record's client, practice and object for a fetched row."""
    if isinstance(obj, Client):
        return {"client": obj, "object_type": "client", "object_id": obj.pk}
    client = getattr(obj, "client", None)
    practice = None if client is not None else getattr(obj, "practice", None)
    return {"client": client, "practice": practice, "object_type": obj._meta.model_name, "object_id": obj.pk}


class AccessTrailMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        token = access_trail.begin()
        try:
            response = self.get_response(request)
            trail = access_trail.current()
            user = getattr(request, "user", None)
            if (
                response.status_code == 200
                and not trail.recorded
                and user is not None
                and user.is_authenticated
                and user.practice_id is not None
            ):
                name = getattr(request.resolver_match, "view_name", "")
                if trail.shown:
                    record_access(request=request, **_subject(trail.shown[0]))
                elif name in LIST_PAGES:
                    record_access(request=request, client=None, object_type=LIST_PAGES[name])
        finally:
            access_trail.end(token)
        return response
