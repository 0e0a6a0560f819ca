"""The co-signature queue and the page where a supervisor co-signs or returns an entry.

The queue and the actions are a supervisor's; the entry itself is found through the user's
scope (a 404 for what they cannot see), and only a current supervisor of its therapist acts
on it (supervision/cosign.py).
"""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Prefetch
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.models import Role
from audit.services import record_access
from clients.scoping import get_visible_or_404
from common.forms import add_service_errors
from sessions_log.models import Addendum, FollowUp, Incident, RevisionRequest
from supervision import cosign
from supervision.meeting_forms import CosignForm, CosignReturnForm


@require_GET
def cosign_queue(request):
    if request.user.role != Role.SUPERVISOR:
        raise PermissionDenied("The co-signature queue is a supervisor's.")
    return render(request, "supervision/cosign_queue.html", {"rows": cosign.queue(request.user)})


def _entry(request, kind: str, pk: int):
    model = cosign.KINDS.get(kind)
    if model is None:
        raise Http404("No such kind of entry.")
    entry = get_visible_or_404(
        model.objects.select_related("client", "signed_by", "cosigned_by"), request.user, pk=pk
    )
    if not cosign.may_cosign(entry, request.user):
        raise PermissionDenied("Only a current supervisor of the therapist who signed it co-signs an entry.")
    return entry


def _entry_page(request, kind, entry, *, cosign_form=None, return_form=None, status=200):
    record_access(request=request, client=entry.client, object_type=kind, object_id=entry.pk)
    incidents = []
    if kind == "session":
        incidents = list(
            Incident.objects.filter(session=entry, archived_at__isnull=True)
            .select_related("agreement")
            .prefetch_related(
                Prefetch("follow_ups", queryset=FollowUp.objects.select_related("owner").order_by("pk"))
            )
            .order_by("occurred_at", "pk")
        )
    revisions = list(
        RevisionRequest.objects.filter(**{kind: entry})
        .select_related("requested_by", "addendum")
        .order_by("requested_at", "pk")
    )
    addenda = list(Addendum.objects.filter(**{kind: entry}).select_related("author"))
    return render(
        request,
        "supervision/cosign_entry.html",
        {
            "kind": kind,
            "entry": entry,
            "client": entry.client,
            "incidents": incidents,
            "incident": entry if kind == "incident" else None,
            "revisions": revisions,
            "addenda": addenda,
            "returned": any(revision.addendum_id is None for revision in revisions),
            "cosign_form": cosign_form or CosignForm(),
            "return_form": return_form or CosignReturnForm(),
        },
        status=status,
    )


@require_http_methods(["GET", "POST"])
def entry_cosign(request, kind, pk):
    entry = _entry(request, kind, pk)
    if request.method == "GET":
        return _entry_page(request, kind, entry)
    form = CosignForm(request.POST)
    if form.is_valid():
        try:
            cosign.entry_cosign(entry=entry, by=request.user)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, f"Co-signed: the {entry._meta.verbose_name} of {entry.client.code}.")
            return redirect("supervision:cosign_queue")
    return _entry_page(request, kind, entry, cosign_form=form, status=400)


@require_POST
def entry_cosign_return(request, kind, pk):
    entry = _entry(request, kind, pk)
    form = CosignReturnForm(request.POST)
    if form.is_valid():
        try:
            cosign.entry_return(entry=entry, by=request.user, request=form.cleaned_data["request"])
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(
                request, "Returned to the therapist, who revises it with an addendum; co-sign it then."
            )
            return redirect(reverse("supervision:cosign_queue"))
    return _entry_page(request, kind, entry, return_form=form, status=400)
