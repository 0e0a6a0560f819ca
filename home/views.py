"""The top floor's pages: each role's home with its worklists, and the pages about one client
that read every app's records (the client page and its timeline; the export is in
``home/export.py``). They stand here because only this floor may import all they show.
"""

import datetime
from dataclasses import dataclass

from django.contrib import messages
from django.contrib.postgres.aggregates import StringAgg
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, F, Q, Value, Window
from django.db.models.functions import Concat
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.models import Role, SupervisionAssignment, User
from accounts.submissions import AlreadySent, already_sent, submitted_once
from audit.services import record_access
from boundaries.models import CORE_CATEGORIES, Acknowledgement, AgreementStatus, BoundaryAgreement
from clients.forms import ArchiveForm, DischargeForm
from clients.models import Client
from clients.scoping import get_owned_or_404, get_visible_or_404
from clients.views import client_list_context
from common.forms import add_service_errors
from home.forms import TimelineFilterForm
from sessions_log import services as session_log
from sessions_log.forms import FollowUpDoneForm, FollowUpForm
from sessions_log.models import EntryStatus, FollowUp, FollowUpOrigin, Incident, Session
from supervision import cosign
from supervision.models import Flag, FlagStatus, Meeting, MeetingAttendee
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
    """Up to ``WORKLIST_LENGTH`` items of one kind of pending work, how many there are in all,
    how they are ordered, and the page that lists them all (``url``, where there is one)."""

    title: str
    items: list
    total: int
    order: str
    url: str = ""

    @classmethod
    def of(cls, title: str, queryset, *, order: str, url: str = "") -> "Worklist":
        # COUNT(*) OVER () is computed before the LIMIT: the true total rides on each row, so a
        # worklist is one query however long it is.
        items = list(queryset.annotate(worklist_total=Window(Count("pk")))[:WORKLIST_LENGTH])
        return cls(title, items, items[0].worklist_total if items else 0, order, url)

    @property
    def more(self) -> bool:
        return self.total > len(self.items)


UPCOMING_MEETINGS = 3


def _meetings(user) -> dict:
    """The user's next supervision meetings, with who attends, and (a therapist's) the signed
    minutes they have still to acknowledge: two queries, however many there are."""
    upcoming = (
        Meeting.objects.for_user(user)
        .upcoming(timezone.now())
        .select_related("supervisor")
        .annotate(
            supervisee_names=StringAgg(
                Concat("attendees__supervisee__first_name", Value(" "), "attendees__supervisee__last_name"),
                ", ",
                order_by=("attendees__supervisee__last_name", "attendees__supervisee__first_name"),
            )
        )
        .order_by("starts_at", "pk")
    )
    unread = []
    if user.role == Role.THERAPIST:
        unread = list(
            MeetingAttendee.objects.filter(
                supervisee=user, acknowledged_at__isnull=True, meeting__status=EntryStatus.SIGNED
            )
            .select_related("meeting")
            .order_by("meeting__starts_at")
        )
    return {"meetings": list(upcoming[:UPCOMING_MEETINGS]), "to_acknowledge": unread}


def _therapist_home(request):
    user = request.user
    today = timezone.localdate()
    flags_url = reverse("supervision:my_flags")
    worklists = {
        "unsigned_sessions": Worklist.of(
            "Unsigned sessions",
            Session.objects.owned_by(user)
            .logged()
            .filter(status=EntryStatus.DRAFT)
            .select_related("client")
            .order_by("scheduled_start"),
            order="oldest first",
        ),
        # From the practice's calendar, past and not logged yet (calendar_sync).
        "to_log": Worklist.of(
            "Sessions to log",
            Session.objects.owned_by(user)
            .planned()
            .filter(scheduled_start__lte=timezone.now())
            .select_related("client")
            .order_by("scheduled_start"),
            order="oldest first",
        ),
        # Incidents logged in a session are signed with it; these are the ones outside sessions.
        "unsigned_incidents": Worklist.of(
            "Unsigned incidents outside sessions",
            Incident.objects.owned_by(user)
            .filter(status=EntryStatus.DRAFT, session__isnull=True)
            .select_related("client")
            .order_by("occurred_at"),
            order="oldest first",
        ),
        "follow_ups_due": Worklist.of(
            "Follow-ups due this week",
            FollowUp.objects.for_user(user)
            .without_archived_clients()
            .open()
            .filter(owner=user, due_on__lte=today + datetime.timedelta(days=7))
            .select_related("client")
            .order_by("due_on", "pk"),
            order="soonest due first",
            url=reverse("follow_ups"),
        ),
        "reviews_due": Worklist.of(
            "Agreements due for review",
            BoundaryAgreement.objects.owned_by(user)
            .active()
            .filter(next_review_on__lte=today)
            .select_related("client")
            .order_by("next_review_on"),
            order="longest overdue first",
        ),
        "returned": Worklist.of(
            "Returned to me for revision",
            Flag.objects.for_user(user)
            .filter(status=FlagStatus.RETURNED, therapist=user)
            .select_related("client")
            .order_by("opened_at"),
            order="oldest first",
            url=f"{flags_url}?status=returned",
        ),
        "open_flags": Worklist.of(
            "Open flags on my clients",
            Flag.objects.for_user(user)
            .open()
            .filter(therapist=user)
            .select_related("client")
            .order_by("acknowledge_by"),
            order="acknowledgement due soonest first",
            url=flags_url,
        ),
    }
    return render(
        request,
        "home/home_therapist.html",
        {
            **client_list_context(request, per_page=15),
            **_meetings(user),
            "worklists": worklists,
            "today": today,
        },
    )


def _supervisor_home(request):
    user = request.user
    supervisees = (
        user.supervisees()
        .annotate(
            client_count=Count(
                "clients",
                filter=Q(clients__status="active", clients__archived_at__isnull=True),
                distinct=True,
            )
        )
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
        {
            **_meetings(user),
            "supervisees": supervisees,
            "flags": flags,
            "now": timezone.now(),
            "cosign_waiting": len(cosign.queue(user)),
        },
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
    client = get_visible_or_404(
        Client.objects.select_related("therapist", "practice", "archived_by"), request.user, pk=pk
    )
    record_access(request=request, client=client, object_type="client", object_id=client.pk)
    agreements = (
        client.agreements.filter(status=AgreementStatus.ACTIVE).with_acknowledgement().order_by("category")
    )
    # Meta.ordering does not apply to a GROUP BY query: order explicitly.
    sessions = (
        Session.objects.for_user(request.user)
        .filter(client=client)
        .annotate(incident_count=Count("incidents"))
        .order_by("-scheduled_start")[:10]
    )
    incidents = Incident.objects.for_user(request.user).filter(client=client)[:10]
    # Every flag, open or closed: a resolved flag's outcome and plan stay a click away.
    flags = (
        Flag.objects.for_user(request.user)
        .filter(client=client)
        .annotate(plan_size=Count("plan_items"))
        .order_by("closed_at", "-opened_at")
    )
    follow_ups = (
        FollowUp.objects.for_user(request.user)
        .filter(client=client)
        .select_related("owner")
        .order_by(F("done_at").asc(nulls_first=True), "due_on", "pk")
    )
    active_categories = {agreement.category for agreement in agreements}
    acknowledgements = Acknowledgement.objects.for_user(request.user).filter(client=client)[:5]
    return render(
        request,
        "clients/detail.html",
        {
            "client": client,
            "agreements": agreements,
            "unacknowledged": [agreement for agreement in agreements if not agreement.is_acknowledged],
            "acknowledgements": acknowledgements,
            "missing_core": [c.label for c in CORE_CATEGORIES if c not in active_categories],
            "sessions": sessions,
            "incidents": incidents,
            "flags": flags,
            "follow_ups": follow_ups,
            "is_owner": client.therapist_id == request.user.pk,
            "may_change": client.may_be_changed_by(request.user),
            "may_restore": client.archived_at is not None and request.user.is_practice_admin,
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


# Follow-ups


@require_GET
def follow_ups(request):
    """My follow-ups: overdue, due this week, later, and the ones done in the last 90 days."""
    user = request.user
    today = timezone.localdate()
    mine = (
        FollowUp.objects.for_user(user)
        .without_archived_clients()
        .filter(owner=user)
        .select_related("client", "incident", "plan_item__flag", "meeting_item__item__meeting", "done_by")
    )
    week = today + datetime.timedelta(days=7)
    open_ = list(mine.open().order_by("due_on", "pk"))
    groups = [
        ("overdue", "Overdue", [f for f in open_ if f.due_on is not None and f.due_on < today]),
        (
            "this-week",
            "Due this week",
            [f for f in open_ if f.due_on is not None and today <= f.due_on <= week],
        ),
        ("later", "Later", [f for f in open_ if f.due_on is None or f.due_on > week]),
        (
            "done",
            "Done in the last 90 days",
            list(
                mine.filter(done_at__gte=timezone.now() - datetime.timedelta(days=90)).order_by(
                    "-done_at", "-pk"
                )
            ),
        ),
    ]
    return render(request, "home/follow_ups.html", {"groups": groups, "today": today})


def _follow_up_page(request, follow_up: FollowUp, *, form: FollowUpDoneForm | None = None):
    return render(
        request,
        "home/follow_up_detail.html",
        {
            "follow_up": follow_up,
            "flag": getattr(getattr(follow_up, "plan_item", None), "flag", None),
            "may_complete": not follow_up.is_done and follow_up.may_be_completed_by(request.user),
            "form": form or FollowUpDoneForm(),
            "today": timezone.localdate(),
        },
    )


def _visible_follow_up(request, pk) -> FollowUp:
    # Read-only once its client is archived: marking it done is a 404 then.
    follow_up = get_visible_or_404(
        FollowUp.objects.select_related(
            "client",
            "therapist",
            "owner",
            "incident",
            "plan_item__flag",
            "meeting_item__item__meeting",
            "created_by",
            "done_by",
            "practice",
        ),
        request.user,
        for_change=request.method == "POST",
        pk=pk,
    )
    return follow_up


@require_GET
def follow_up_detail(request, pk):
    follow_up = _visible_follow_up(request, pk)
    record_access(
        request=request,
        client=follow_up.client,
        object_type="follow_up",
        object_id=follow_up.pk,
        practice=follow_up.practice,
    )
    return _follow_up_page(request, follow_up)


@require_POST
def follow_up_done(request, pk):
    follow_up = _visible_follow_up(request, pk)
    if not follow_up.may_be_completed_by(request.user):
        raise PermissionDenied("Only the follow-up's owner or the client's therapist marks it done.")
    form = FollowUpDoneForm(request.POST)
    if form.is_valid():
        try:
            session_log.follow_up_complete(
                follow_up=follow_up, by=request.user, note=form.cleaned_data["note"]
            )
        except ValidationError as exc:
            if exc.code == "already_done":
                # The same click sent twice, or someone else was quicker: it is done either way.
                messages.info(request, " ".join(exc.messages))
                return redirect(follow_up)
            add_service_errors(form, exc)
        else:
            messages.success(request, "Follow-up marked done.")
            return redirect(follow_up)
    return _follow_up_page(request, follow_up, form=form)


@require_http_methods(["GET", "POST"])
def follow_up_new(request, pk):
    """A follow-up added by hand on a client, by the client's therapist."""
    client = get_owned_or_404(Client.objects.select_related("therapist"), request.user, pk=pk)
    form = FollowUpForm(request.POST if request.method == "POST" else None, therapist=client.therapist)
    if request.method == "POST" and form.is_valid():
        try:
            with submitted_once(request.user, form.submission_token) as receipt:
                follow_up = session_log.follow_up_create(
                    by=request.user, origin=FollowUpOrigin.CLIENT, client=client, **form.cleaned_data
                )
                receipt.result_url = follow_up.get_absolute_url()
        except AlreadySent as sent:
            return already_sent(request, sent, fallback=client)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, "Follow-up added.")
            return redirect(client)
    return render(request, "home/follow_up_form.html", {"client": client, "form": form})
