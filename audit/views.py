"""The audit trail: a practice admin reads who viewed, printed or exported what in their practice.

Only a practice admin reads it, and only their own practice's records; anyone else gets a 403
(the page is about the role, not about an object whose existence could leak).
"""

from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from accounts.security_log import log_event
from audit.forms import TrailFilterForm
from audit.models import AccessRecord
from common.csv_export import csv_response

PAGE_SIZE = 50
CSV_COLUMNS = [
    "at",
    "user id",
    "username",
    "user",
    "action",
    "object type",
    "object id",
    "client code",
    "ip",
    "request id",
]


def _filtered_trail(request) -> tuple[TrailFilterForm, object]:
    user = request.user
    if not user.is_practice_admin or user.practice_id is None:
        raise PermissionDenied("The audit trail is for practice admins.")
    form = TrailFilterForm(request.GET or None, practice=user.practice_id)
    records = AccessRecord.objects.for_user(user).select_related("user", "client")
    if form.is_bound:
        records = form.filter(records) if form.is_valid() else records.none()
    return form, records


@require_GET
def trail(request):
    form, records = _filtered_trail(request)
    page = Paginator(records, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "audit/trail.html", {"form": form, "page": page, "records": page.object_list})


@require_GET
def trail_csv(request):
    """The filtered trail as CSV, newest first; times in the practice's time zone, to the second."""
    form, records = _filtered_trail(request)
    if form.is_bound and not form.is_valid():
        return render(
            request,
            "audit/trail.html",
            {"form": form, "page": None, "records": []},
            status=400,
        )
    log_event("export", request=request, what="audit_trail")
    # The rows are written while the response streams, after the middleware has deactivated the
    # practice's time zone: keep it for them.
    zone = timezone.get_current_timezone()
    rows = (
        [
            timezone.localtime(record.at, zone).isoformat(timespec="seconds"),
            record.user_id,
            record.user.username,
            record.user,
            record.action,
            record.object_type,
            record.object_id,
            record.client.code if record.client_id else "",
            record.ip,
            record.request_id,
        ]
        for record in records.iterator(chunk_size=2000)
    )
    return csv_response(
        f"alliance-access-{timezone.localdate():%Y-%m-%d}.csv", CSV_COLUMNS, rows, stream=True
    )
