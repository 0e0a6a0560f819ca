"""The session log: sessions with their incidents, incidents on their own, signatures, addenda.

Reading goes through ``get_visible_or_404`` (owner, current supervisor, practice admin); every
change through ``get_owned_or_404`` (the client's own therapist), so anyone else gets a 404.
"""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import F, Prefetch, Q
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.submissions import AlreadySent, already_sent, submitted_once
from audit.services import record_access
from clients.models import Client, ClientStatus
from clients.scoping import get_owned_or_404, get_visible_or_404
from common.forms import StaleEdit, add_service_errors, differences
from sessions_log import services
from sessions_log.forms import (
    AddendumForm,
    IncidentForm,
    IncidentFormSet,
    SessionForm,
    SignForm,
    entry_data,
)
from sessions_log.models import Addendum, FollowUp, Incident, RevisionRequest, Session

INCIDENT_PREFIX = "incidents"


def _posted(request):
    return request.POST if request.method == "POST" else None


def _plural(count: int, noun: str) -> str:
    return f"{count} {noun}{'' if count == 1 else 's'}"


# Sessions


@require_http_methods(["GET", "POST"])
def session_new(request, client_pk):
    client = get_owned_or_404(
        Client.objects.select_related("practice", "therapist"), request.user, pk=client_pk
    )
    if client.status == ClientStatus.DISCHARGED:
        messages.error(
            request, f"{client} was discharged on {client.discharged_on}: no new sessions can be logged."
        )
        return redirect(client)
    return _session_page(request, client=client, session=Session(client=client, therapist=request.user))


@require_http_methods(["GET", "POST"])
def session_edit(request, pk):
    session = get_owned_or_404(
        Session.objects.select_related("client__practice", "client__therapist"), request.user, pk=pk
    )
    if session.is_signed and request.method == "GET":
        # A save sent from a page opened before the signature goes on: the service refuses it,
        # and the page shows what was typed rather than losing it.
        messages.error(
            request, "This session is signed and locked: it cannot be edited. Add an addendum instead."
        )
        return redirect(session)
    return _session_page(request, client=session.client, session=session)


def _session_page(request, *, client: Client, session: Session):
    """New and edit share one page: the session and its incidents, saved in one submit.

    "Add another incident" is the page's own (static/js/incident_formset.js, from the formset's
    empty form): no request, so nothing is validated before the therapist saves. Each extra
    form left as offered is ignored (``IncidentForm.has_changed``).
    """
    is_new = session.pk is None
    data = _posted(request)
    form = SessionForm(data, instance=session, client=client, as_scheduled="as_scheduled" in request.GET)
    session_valid = data is not None and form.is_valid()
    formset = IncidentFormSet(
        data,
        instance=session,
        prefix=INCIDENT_PREFIX,
        queryset=Incident.objects.filter(archived_at__isnull=True).order_by("occurred_at", "pk"),
        form_kwargs={
            "client": client,
            "in_session": True,
            "default_occurred_at": form.session_start(),
            "default_owner_id": session.therapist_id,
        },
    )
    if data is not None and formset.is_valid() and session_valid:
        deleted = set(formset.deleted_forms)
        new = [entry_data(f) for f in formset.extra_forms if f.has_changed() and f not in deleted]
        try:
            if is_new:
                with submitted_once(request.user, form.submission_token) as receipt:
                    session = services.session_create(
                        client=client, therapist=request.user, data=entry_data(form), incidents=new
                    )
                    receipt.result_url = session.get_absolute_url()
            else:
                session = services.session_update(
                    session=session,
                    by=request.user,
                    data=entry_data(form),
                    new_incidents=new,
                    changed_incidents={
                        f.instance.pk: entry_data(f)
                        for f in formset.initial_forms
                        if f.has_changed() and f not in deleted
                    },
                    removed_incidents=[f.instance.pk for f in deleted if f.instance.pk],
                    seen_version=form.seen_version,
                )
        except AlreadySent as sent:
            return already_sent(request, sent, fallback=client)
        except StaleEdit as exc:
            saved = exc.current.incidents.in_bulk([f.instance.pk for f in formset.initial_forms])
            also = [
                difference
                for number, f in enumerate(formset.initial_forms, start=1)
                if f.instance.pk in saved and f not in deleted
                for difference in differences(f, saved[f.instance.pk], label=f"Incident {number}, ")
            ]
            form.show_conflict(exc.current, what="session", also=also)
        except services.EntryLocked as exc:
            # Signed in another tab: nothing is saved, and what was typed stays on the page.
            form.add_error(None, f"{' '.join(exc.messages)} What you typed is kept below, not saved.")
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            count = session.incidents.filter(archived_at__isnull=True).count()
            messages.success(
                request,
                f"Session saved as a draft with {_plural(count, 'incident')}. "
                "Sign it when it is complete; until then you can still edit it.",
            )
            return redirect(session)
    return render(
        request,
        "sessions_log/session_form.html",
        {
            "client": client,
            "session": None if is_new else session,
            "form": form,
            "formset": formset,
            "can_add_incident": formset.total_form_count() < formset.max_num,
        },
    )


@require_GET
def session_detail(request, pk):
    session = get_visible_or_404(
        Session.objects.select_related("client", "therapist", "signed_by", "cosigned_by"), request.user, pk=pk
    )
    record_access(request=request, client=session.client, object_type="session", object_id=session.pk)
    incidents = (
        Incident.objects.for_user(request.user)
        .filter(session=session)
        .select_related("agreement", "signed_by")
        .prefetch_related(
            Prefetch("addenda", queryset=Addendum.objects.select_related("author")),
            Prefetch("follow_ups", queryset=FollowUp.objects.select_related("owner").order_by("pk")),
        )
        .order_by("occurred_at", "pk")
    )
    addenda = Addendum.objects.for_user(request.user).filter(session=session).select_related("author")
    return render(
        request,
        "sessions_log/session_detail.html",
        {
            "session": session,
            "client": session.client,
            "incidents": incidents,
            "addenda": addenda,
            "revisions": _revisions(request, session=session),
            "add_url": reverse("sessions_log:session_addendum", args=[session.pk])
            if session.is_signed
            else "",
            "is_owner": session.client.may_be_changed_by(request.user),
            "sign_form": SignForm(),
        },
    )


def _revisions(request, **entry):
    """The revision requests on one entry, the unanswered first, with who asked and the answer."""
    return list(
        RevisionRequest.objects.for_user(request.user)
        .filter(**entry)
        .select_related("requested_by", "addendum")
        .order_by(F("addendum").asc(nulls_first=True), "requested_at", "pk")
    )


@require_POST
def session_sign(request, pk):
    session = get_owned_or_404(Session.objects.select_related("client"), request.user, pk=pk)
    form = SignForm(request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(form.errors["attest"]))
        return redirect(session)
    try:
        session = services.session_sign(session=session, by=request.user, attestation=form.attestation)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        count = session.incidents.filter(archived_at__isnull=True).count()
        messages.success(
            request,
            f"Session signed and locked with {_plural(count, 'incident')}. "
            "Any correction from now on is an addendum.",
        )
    return redirect(session)


@require_http_methods(["GET", "POST"])
def session_addendum(request, pk):
    session = get_owned_or_404(Session.objects.select_related("client"), request.user, pk=pk)
    return _addendum_page(request, entry=session)


# Incidents outside a session


@require_http_methods(["GET", "POST"])
def incident_new(request, client_pk):
    client = get_owned_or_404(Client.objects.select_related("therapist"), request.user, pk=client_pk)
    form = IncidentForm(_posted(request), client=client)
    if request.method == "POST" and form.is_valid():
        try:
            with submitted_once(request.user, form.submission_token) as receipt:
                incident = services.incident_create(client=client, by=request.user, data=entry_data(form))
                receipt.result_url = incident.get_absolute_url()
        except AlreadySent as sent:
            return already_sent(request, sent, fallback=client)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, "Incident saved as a draft. Sign it when it is complete.")
            return redirect(incident)
    return render(
        request, "sessions_log/incident_form.html", {"client": client, "incident": None, "form": form}
    )


@require_http_methods(["GET", "POST"])
def incident_edit(request, pk):
    incident = get_owned_or_404(Incident.objects.select_related("client__therapist"), request.user, pk=pk)
    if incident.is_signed and request.method == "GET":
        messages.error(
            request, "This incident is signed and locked: it cannot be edited. Add an addendum instead."
        )
        return redirect(incident)
    if incident.session_id is not None:
        messages.info(request, "This incident was logged with a session: edit it with the session.")
        return redirect("sessions_log:session_edit", pk=incident.session_id)
    form = IncidentForm(_posted(request), instance=incident, client=incident.client)
    if request.method == "POST" and form.is_valid():
        try:
            incident = services.incident_update(
                incident=incident, by=request.user, data=entry_data(form), seen_version=form.seen_version
            )
        except StaleEdit as exc:
            form.show_conflict(exc.current, what="incident")
        except services.EntryLocked as exc:
            form.add_error(None, f"{' '.join(exc.messages)} What you typed is kept below, not saved.")
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, "Incident saved as a draft.")
            return redirect(incident)
    return render(
        request,
        "sessions_log/incident_form.html",
        {"client": incident.client, "incident": incident, "form": form},
    )


@require_GET
def incident_detail(request, pk):
    incident = get_visible_or_404(
        Incident.objects.select_related(
            "client", "session", "agreement", "signed_by", "cosigned_by"
        ).prefetch_related(
            Prefetch("follow_ups", queryset=FollowUp.objects.select_related("owner").order_by("pk"))
        ),
        request.user,
        pk=pk,
    )
    record_access(request=request, client=incident.client, object_type="incident", object_id=incident.pk)
    # An incident logged with a session was signed with it: the session's addenda may correct it too.
    corrects = Q(incident=incident)
    if incident.session_id is not None:
        corrects |= Q(session_id=incident.session_id)
    addenda = Addendum.objects.for_user(request.user).filter(corrects).select_related("author")
    return render(
        request,
        "sessions_log/incident_detail.html",
        {
            "incident": incident,
            "client": incident.client,
            "addenda": addenda,
            "revisions": _revisions(request, incident=incident),
            "add_url": reverse("sessions_log:incident_addendum", args=[incident.pk])
            if incident.is_signed
            else "",
            "is_owner": incident.client.may_be_changed_by(request.user),
            "sign_form": SignForm(),
        },
    )


@require_POST
def incident_sign(request, pk):
    incident = get_owned_or_404(Incident.objects.select_related("client"), request.user, pk=pk)
    form = SignForm(request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(form.errors["attest"]))
        return redirect(incident)
    try:
        incident = services.incident_sign(incident=incident, by=request.user, attestation=form.attestation)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, "Incident signed and locked. Any correction from now on is an addendum.")
    return redirect(incident)


@require_http_methods(["GET", "POST"])
def incident_addendum(request, pk):
    incident = get_owned_or_404(Incident.objects.select_related("client"), request.user, pk=pk)
    return _addendum_page(request, entry=incident)


# Addenda


def _addendum_page(request, *, entry: Session | Incident):
    if not entry.is_signed:
        messages.error(request, "Addenda are for signed entries: edit the draft instead.")
        return redirect(entry)
    form = AddendumForm(_posted(request), entry=entry)
    if request.method == "POST" and form.is_valid():
        try:
            with submitted_once(request.user, form.submission_token) as receipt:
                addendum = services.addendum_add(entry=entry, by=request.user, **entry_data(form))
                receipt.result_url = addendum.get_absolute_url()
        except AlreadySent as sent:
            return already_sent(request, sent, fallback=entry)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, "Addendum added. The signed entry itself is unchanged.")
            return redirect(addendum)
    return render(
        request,
        "sessions_log/addendum_form.html",
        {
            # What the supervisor asked, beside the form that answers it.
            "revisions": [
                revision
                for revision in _revisions(request, **{entry._meta.model_name: entry})
                if revision.addendum_id is None
            ],
            "entry": entry,
            "entry_kind": entry._meta.verbose_name,
            "client": entry.client,
            "form": form,
            "cancel_url": entry.get_absolute_url(),
        },
    )
