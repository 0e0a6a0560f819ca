from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Count
from django.shortcuts import redirect, render
from django.template.defaultfilters import pluralize
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from accounts.models import Role
from accounts.scoping import get_owned_or_404, get_visible_or_404
from audit.services import record_access
from boundaries.forms import AgreementForm
from boundaries.models import CORE_CATEGORIES, AgreementStatus, Category
from clients import services
from clients.forms import ArchiveForm, ClientFilterForm, ClientForm, DischargeForm, TimelineFilterForm
from clients.models import Client
from clients.timeline import timeline_page
from sessions_log.models import Incident, Session
from supervision.models import Flag

OTHER_CATEGORIES = [category for category in Category if category not in CORE_CATEGORIES]


def client_list_context(request, *, per_page: int = 25) -> dict:
    """The filtered, paginated client list, shared by the list page and the therapist home."""
    filter_form = ClientFilterForm(request.GET or None)
    clients = filter_form.filter(
        Client.objects.for_user(request.user).select_related("therapist").order_by("status", "code")
    )
    page = Paginator(clients, per_page).get_page(request.GET.get("page"))
    return {"filter_form": filter_form, "page": page, "clients": page.object_list}


@require_http_methods(["GET"])
def client_list(request):
    return render(request, "clients/list.html", client_list_context(request))


@require_http_methods(["GET", "POST"])
def client_intake(request):
    """One page, one submit: the client and an agreement per category the therapist fills in."""
    if request.user.role != Role.THERAPIST:
        raise PermissionDenied("Only therapists record intakes.")
    data = request.POST if request.method == "POST" else None
    form = ClientForm(data, practice=request.user.practice)
    sections = [
        AgreementForm(data, prefix=category, category=category, optional=True)
        for category in (*CORE_CATEGORIES, *OTHER_CATEGORIES)
    ]
    if request.method == "POST" and form.is_valid() and all(section.is_valid() for section in sections):
        agreements = [section.instance for section in sections if section.has_changed()]
        try:
            client = services.client_intake(
                therapist=request.user, client=form.instance, agreements=agreements
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            count = len(agreements)
            messages.success(request, f"Client {client.code} added with {count} agreement{pluralize(count)}.")
            return redirect(client)
    return render(
        request,
        "clients/intake.html",
        {
            "form": form,
            "core_sections": sections[: len(CORE_CATEGORIES)],
            "other_sections": sections[len(CORE_CATEGORIES) :],
            "has_errors": request.method == "POST",
        },
    )


@require_http_methods(["GET"])
def client_detail(request, pk):
    client = get_visible_or_404(Client.objects.select_related("therapist", "practice"), request.user, pk=pk)
    record_access(request=request, client=client, object_type="client", object_id=client.pk)
    agreements = client.agreements.filter(status=AgreementStatus.ACTIVE).order_by("category")
    # Meta.ordering does not apply to a GROUP BY query: order explicitly.
    sessions = (
        Session.objects.for_user(request.user)
        .filter(client=client)
        .annotate(incident_count=Count("incidents"))
        .order_by("-scheduled_start")[:10]
    )
    incidents = Incident.objects.for_user(request.user).filter(client=client)[:10]
    flags = Flag.objects.for_user(request.user).filter(client=client).open()
    active_categories = {agreement.category for agreement in agreements}
    return render(
        request,
        "clients/detail.html",
        {
            "client": client,
            "agreements": agreements,
            "missing_core": [c for c in CORE_CATEGORIES if c not in active_categories],
            "sessions": sessions,
            "incidents": incidents,
            "flags": flags,
            "is_owner": client.therapist_id == request.user.pk,
            "discharge_form": DischargeForm(client=client),
            "archive_form": ArchiveForm(),
            "today": timezone.localdate(),
        },
    )


@require_http_methods(["GET", "POST"])
def client_edit(request, pk):
    client = get_owned_or_404(Client, request.user, pk=pk)
    form = ClientForm(request.POST or None, instance=client, practice=client.practice)
    if request.method == "GET":
        record_access(request=request, client=client, object_type="client_edit", object_id=client.pk)
    if request.method == "POST" and form.is_valid():
        try:
            services.client_update(client=client, **form.cleaned_data)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, "Client details saved.")
            return redirect(client)
    return render(request, "clients/edit.html", {"client": client, "form": form})


@require_POST
def client_discharge(request, pk):
    client = get_owned_or_404(Client, request.user, pk=pk)
    form = DischargeForm(request.POST, client=client)
    if form.is_valid():
        try:
            services.client_discharge(client=client, on=form.cleaned_data["discharged_on"])
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, f"Client {client.code} discharged.")
        return redirect(client)
    return render(request, "clients/discharge.html", {"client": client, "form": form})


@require_POST
def client_archive(request, pk):
    client = get_owned_or_404(Client, request.user, pk=pk)
    form = ArchiveForm(request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(form.errors["reason"]))
        return redirect(client)
    services.client_archive(client=client, reason=form.cleaned_data["reason"])
    messages.success(request, f"Client {client.code} archived.")
    return redirect("clients:list")


@require_http_methods(["GET"])
def client_timeline(request, pk):
    client = get_visible_or_404(Client, request.user, pk=pk)
    record_access(request=request, client=client, object_type="timeline")
    filter_form = TimelineFilterForm(request.GET or None)
    category = filter_form.cleaned_data["category"] if filter_form.is_valid() else ""
    page = timeline_page(
        client=client, user=request.user, category=category, page_number=request.GET.get("page")
    )
    return render(
        request,
        "clients/timeline.html",
        {"client": client, "filter_form": filter_form, "page": page, "category": category},
    )
