"""The demo's sample practice calendar, for a therapist to try the calendar import with.

Served only where the deployment says so (``DEMO_SAMPLES``, on under ``make run``).
"""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import redirect
from django.utils import timezone
from django.views.decorators.http import require_GET

from accounts.models import Role
from demo.calendar import sample_calendar


@require_GET
def sample_calendar_file(request):
    if request.user.role != Role.THERAPIST or request.user.practice_id is None:
        raise PermissionDenied("The sample calendar is made from a therapist's own clients.")
    try:
        data = sample_calendar(request.user, timezone.localdate())
    except ValueError as exc:
        messages.error(request, str(exc))
        return redirect("calendar_sync:calendar")
    return HttpResponse(
        data,
        content_type="text/calendar; charset=utf-8",
        headers={
            "Content-Disposition": f'attachment; filename="sample-calendar-{request.user.username}.ics"'
        },
    )
