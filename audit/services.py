import ipaddress

from django.http import HttpRequest

from accounts.models import Practice
from audit.models import AccessAction, AccessRecord
from clients.models import Client
from common import access_trail
from common.client_ip import client_ip


def _address(request: HttpRequest) -> str | None:
    """The client's address, or None where the server was given none it can store (a socket)."""
    try:
        return str(ipaddress.ip_address(client_ip(request)))
    except ValueError:
        return None


def record_access(
    *,
    request: HttpRequest,
    client: Client | None,
    object_type: str,
    object_id: int | None = None,
    action: str = AccessAction.VIEW,
    practice: Practice | None = None,
) -> AccessRecord:
    """Write one access record (one INSERT, no other query) for what ``request.user`` was shown.

    Call it once per request, after the object was fetched through ``for_user`` and before the
    response is built, from every view or export of a page about a client. The practice is the
    client's, else ``practice`` (a therapist-level flag's), else the user's (an export).
    Nothing of the content shown is recorded.
    """
    if client is not None:
        practice_id = client.practice_id
    elif practice is not None:
        practice_id = practice.pk
    else:
        practice_id = request.user.practice_id
    access_trail.note_recorded()
    return AccessRecord.objects.create(
        practice_id=practice_id,
        user=request.user,
        client=client,
        object_type=object_type,
        object_id=object_id,
        action=action,
        ip=_address(request),
        request_id=getattr(request, "request_id", ""),
    )
