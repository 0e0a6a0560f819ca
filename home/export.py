"""The client export (right of access): everything about one client as JSON or as a PDF.

On the top floor because it reads every app's rows about the client.

Only the client's own therapist and the practice admin export; a supervisor who may read the
client gets a 403, anyone else a 404 (``get_visible_or_404`` first). Before anything leaves,
the user re-enters their password (``require_recent_password``, after the 404 or 403). Each
export is a line in the security log.
"""

import json

from django.contrib.staticfiles import finders
from django.core.exceptions import PermissionDenied
from django.core.serializers.json import DjangoJSONEncoder
from django.db.models import Model, Prefetch
from django.http import HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from accounts.decorators import require_recent_password
from accounts.models import Role
from accounts.security_log import log_event
from audit.models import AccessAction
from audit.services import record_access
from boundaries.models import Acknowledgement, BoundaryAgreement
from clients.models import Client
from clients.scoping import get_visible_or_404
from sessions_log.models import Addendum, FollowUp, Incident, RevisionRequest, Session
from supervision.models import Flag, FlagEvent

EXPORT_STYLESHEET = "css/export.css"


def may_export(user, client: Client) -> bool:
    """The client's own therapist, or an admin of the client's practice."""
    if client.therapist_id == user.pk:
        return True
    return user.role == Role.PRACTICE_ADMIN and user.practice_id == client.practice_id


def _exportable_client(request, pk: int) -> Client:
    client = get_visible_or_404(Client.objects.select_related("practice", "therapist"), request.user, pk=pk)
    if not may_export(request.user, client):
        raise PermissionDenied("Only the client's therapist or the practice admin exports a client's record.")
    return client


def _fields(obj: Model) -> dict:
    """Every stored column of ``obj``, foreign keys as ids."""
    return {field.attname: getattr(obj, field.attname) for field in obj._meta.concrete_fields}


def client_record(client: Client, user) -> dict:
    """Everything Alliance holds about ``client``, read through ``for_user``: an archived client's
    rows, and the drafts taken back before signing (each with its ``archived_at``), included."""

    def rows(model):
        return model.objects.for_user(user, archived_entries=True).filter(client=client)

    agreements = rows(BoundaryAgreement).order_by("chain", "version")
    acknowledgements = rows(Acknowledgement).prefetch_related("items").order_by("acknowledged_on", "pk")
    sessions = rows(Session).order_by("scheduled_start", "pk")
    incidents = rows(Incident).order_by("occurred_at", "pk")
    addenda = rows(Addendum).order_by("created_at", "pk")
    follow_ups = rows(FollowUp).order_by("created_at", "pk")
    revisions = rows(RevisionRequest).order_by("requested_at", "pk")
    flags = (
        rows(Flag)
        .prefetch_related(
            Prefetch("events", queryset=FlagEvent.objects.order_by("created_at", "pk")),
            "incidents",
            "sessions",
            "agreements",
            "follow_ups",
            "plan_items",
        )
        .order_by("opened_at", "pk")
    )
    return {
        "client": _fields(client),
        "agreements": [_fields(agreement) for agreement in agreements],
        # The signature or scan itself stays in Alliance; its hash says which file it was.
        "acknowledgements": [
            {
                **_fields(acknowledgement),
                "covers": [
                    {"agreement_id": item.agreement_id, "content_hash": item.content_hash}
                    for item in acknowledgement.items.all()
                ],
            }
            for acknowledgement in acknowledgements
        ],
        "sessions": [_fields(session) for session in sessions],
        "incidents": [_fields(incident) for incident in incidents],
        "addenda": [_fields(addendum) for addendum in addenda],
        "follow_ups": [_fields(follow_up) for follow_up in follow_ups],
        "revision_requests": [_fields(revision) for revision in revisions],
        "flags": [
            {
                **_fields(flag),
                "incident_ids": [incident.pk for incident in flag.incidents.all()],
                "session_ids": [session.pk for session in flag.sessions.all()],
                "agreement_ids": [agreement.pk for agreement in flag.agreements.all()],
                "follow_up_ids": [follow_up.pk for follow_up in flag.follow_ups.all()],
                "plan_follow_up_ids": [item.follow_up_id for item in flag.plan_items.all()],
                "events": [_fields(event) for event in flag.events.all()],
            }
            for flag in flags
        ],
    }


def _audit(request, client: Client, fmt: str) -> None:
    log_event("client_export", request=request, client=client.pk, format=fmt)
    record_access(
        request=request, client=client, object_type="client", object_id=client.pk, action=AccessAction.EXPORT
    )


@never_cache
@require_GET
@require_recent_password(guard=_exportable_client)
def client_export(request, pk):
    """The downloads, once the password is confirmed."""
    client = _exportable_client(request, pk)
    return render(request, "clients/export_confirm.html", {"client": client})


@never_cache
@require_GET
@require_recent_password(guard=_exportable_client)
def client_export_json(request, pk):
    client = _exportable_client(request, pk)
    record = {
        "exported_at": timezone.now(),
        "exported_by": request.user.pk,
        **client_record(client, request.user),
    }
    _audit(request, client, "json")
    return HttpResponse(
        json.dumps(record, cls=DjangoJSONEncoder, indent=2),
        content_type="application/json",
        headers={"Content-Disposition": f'attachment; filename="client-{client.code}.json"'},
    )


@never_cache
@require_GET
@require_recent_password(guard=_exportable_client)
def client_export_pdf(request, pk):
    client = _exportable_client(request, pk)
    context = {
        "client": client,
        "practice": client.practice,
        "exported_at": timezone.now(),
        "agreements": BoundaryAgreement.objects.for_user(request.user, archived_entries=True)
        .filter(client=client)
        .with_acknowledgement()
        .select_related("recorded_by")
        .order_by("category", "version"),
        "sessions": Session.objects.for_user(request.user, archived_entries=True)
        .filter(client=client)
        .select_related("signed_by")
        .prefetch_related(Prefetch("addenda", queryset=Addendum.objects.select_related("author")))
        .order_by("scheduled_start", "pk"),
        "incidents": Incident.objects.for_user(request.user, archived_entries=True)
        .filter(client=client)
        .select_related("signed_by", "agreement")
        .prefetch_related(
            Prefetch("addenda", queryset=Addendum.objects.select_related("author")),
            Prefetch(
                "follow_ups", queryset=FollowUp.objects.select_related("owner", "done_by").order_by("pk")
            ),
        )
        .order_by("occurred_at", "pk"),
        "flags": Flag.objects.for_user(request.user, archived_entries=True)
        .filter(client=client)
        .prefetch_related(
            Prefetch(
                "events", queryset=FlagEvent.objects.select_related("actor").order_by("created_at", "pk")
            )
        )
        .order_by("opened_at", "pk"),
    }
    # Imported here: WeasyPrint loads Pango when imported, and only the PDF views need it.
    from weasyprint import CSS, HTML
    from weasyprint.urls import URLFetcher

    html = render_to_string("clients/export.html", context, request=request)
    # The document holds only our own markup and one local stylesheet: fetch nothing else.
    no_fetching = URLFetcher(allowed_protocols=())
    pdf = HTML(string=html, url_fetcher=no_fetching).write_pdf(
        stylesheets=[CSS(filename=finders.find(EXPORT_STYLESHEET), url_fetcher=no_fetching)]
    )
    _audit(request, client, "pdf")
    return HttpResponse(
        pdf,
        content_type="application/pdf",
        headers={"Content-Disposition": f'attachment; filename="client-{client.code}.pdf"'},
    )
