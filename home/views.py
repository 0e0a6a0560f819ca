"""The top floor's pages: each role's home with its worklists, and the pages about one client
that read every app's records (the client page and its timeline; the export is in
``home/export.py``). They stand here because only this floor may import all they show.
"""

from dataclasses import dataclass

from django.db.models import Count, Q
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods

from accounts.models import Role, SupervisionAssignment, User
from audit.services import record_access
from boundaries.models import CORE_CATEGORIES, AgreementStatus, BoundaryAgreement
from clients.forms import ArchiveForm, DischargeForm
from clients.models import Client
from clients.scoping import get_visible_or_404
from clients.views import client_list_context
from home.forms import TimelineFilterForm
from sessions_log.models import EntryStatus, Incident, Session
from supervision.models import Flag, FlagStatus
from supervision.timeline import timeline_page


@require_GET
def home(request):
    """Each role lands on what needs them now."""
    user = request.user
    if user.role == Role.PRACTICE_ADMIN and user.practice_id:
        return _admin_home(request)
    if user.role == Role.SUPERVISOR and user.practice_id:
        return _supervisor_home(request)
    if user.role == Role.THERAPIST and user.practice_id:
        return _therapist_home(request)
    return redirect("admin:index")


WORKLIST_LENGTH = 8


@dataclass(frozen=True)
class Worklist:
    """Up to ``WORKLIST_LENGTH`` items of one kind of pending work, and whether there are more."""

    title: str
    items: list
    more: bool

    @classmethod
    def of(cls, title: str, queryset) -> "Worklist":
        items = list(queryset[: WORKLIST_LENGTH + 1])
        return cls(title, items[:WORKLIST_LENGTH], len(items) > WORKLIST_LENGTH)


def _therapist_home(request):
    user = request.user
    today = timezone.localdate()
    worklists = {
        "unsigned_sessions": Worklist.of(
            "Unsigned sessions",
            Session.objects.owned_by(user)
            .filter(status=EntryStatus.DRAFT)
            .select_related("client")
            .order_by("scheduled_start"),
        ),
        # Incidents logged in a session are signed with it; these are the ones outside sessions.
        "unsigned_incidents": Worklist.of(
            "Unsigned incidents outside sessions",
            Incident.objects.owned_by(user)
            .filter(status=EntryStatus.DRAFT, session__isnull=True)
            .select_related("client")
            .order_by("occurred_at"),
        ),
        "follow_ups_due": Worklist.of(
            "Follow-ups due",
            Incident.objects.owned_by(user)
            .filter(follow_up_due__lte=today, follow_up_done_on__isnull=True)
            .select_related("client")
            .order_by("follow_up_due"),
        ),
        "reviews_due": Worklist.of(
            "Agreements due for review",
            BoundaryAgreement.objects.owned_by(user)
            .active()
            .filter(next_review_on__lte=today)
            .select_related("client")
            .order_by("next_review_on"),
        ),
        "returned": Worklist.of(
            "Returned to me for revision",
            Flag.objects.for_user(user)
            .filter(status=FlagStatus.RETURNED, therapist=user)
            .select_related("client")
            .order_by("opened_at"),
        ),
        "open_flags": Worklist.of(
            "Open flags on my clients",
            Flag.objects.for_user(user).open().select_related("client").order_by("acknowledge_by"),
        ),
    }
    return render(
        request,
        "home/home_therapist.html",
        {**client_list_context(request, per_page=15), "worklists": worklists},
    )


def _supervisor_home(request):
    user = request.user
    supervisees = (
        user.supervisees()
        .annotate(client_count=Count("clients", filter=Q(clients__status="active"), distinct=True))
        .order_by("last_name", "first_name")
    )
    flags = (
        Flag.objects.for_user(user)
        .open()
        .select_related("therapist", "client")
        .order_by("acknowledge_by")[:20]
    )
    return render(
        request,
        "home/home_supervisor.html",
        {"supervisees": supervisees, "flags": flags, "now": timezone.now()},
    )


def _admin_home(request):
    user = request.user
    practice_users = User.objects.for_user(user).filter(is_active=True)
    supervised = SupervisionAssignment.objects.for_user(user).current().values("therapist")
    unsupervised = practice_users.filter(role=Role.THERAPIST).exclude(pk__in=supervised)
    counts = {
        "therapists": practice_users.filter(role=Role.THERAPIST).count(),
        "supervisors": practice_users.filter(role=Role.SUPERVISOR).count(),
        "active_clients": Client.objects.for_user(user).active().count(),
        "open_flags": Flag.objects.for_user(user).open().count(),
    }
    return render(
        request,
        "home/home_admin.html",
        {"counts": counts, "unsupervised": unsupervised, "practice": user.practice},
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
