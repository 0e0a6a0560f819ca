from dataclasses import dataclass

from django.db.models import Count, Q
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET

from accounts.models import Role, SupervisionAssignment, User
from boundaries.models import BoundaryAgreement
from clients.models import Client
from clients.views import client_list_context
from sessions_log.models import EntryStatus, Incident, Session
from supervision.models import Flag, FlagStatus


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
        "accounts/home_therapist.html",
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
        "accounts/home_supervisor.html",
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
        "accounts/home_admin.html",
        {"counts": counts, "unsupervised": unsupervised, "practice": user.practice},
    )
