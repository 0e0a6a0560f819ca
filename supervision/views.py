"""Supervision: the queue of flags, a flag's page with its decisions, dashboards, rule settings, exports.

Flags and what hangs off them are fetched only through ``for_user``: a supervisor sees the flags
of the therapists they supervise now, an admin their practice's, a therapist their own clients'
(read-only); anyone else gets a 404. Deciding takes more than seeing (``Flag.may_be_decided_by``):
a therapist who can read a flag gets a 403 on its actions.
"""

import datetime

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Case, Count, Exists, IntegerField, OuterRef, Q, Subquery, Value, When
from django.db.models.functions import Coalesce
from django.forms import Form
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.decorators import require_recent_password
from accounts.models import Role, SupervisionAssignment, User
from accounts.security_log import log_event
from accounts.submissions import AlreadySent, already_sent, submitted_once
from audit.services import record_access
from boundaries.models import BoundaryAgreement, Category
from clients.scoping import get_visible_or_404
from common import tasks as queue
from common.csv_export import csv_response
from common.forms import add_service_errors
from common.next_url import safe_next_url
from sessions_log.models import EntryStatus, FollowUp, Incident, RevisionRequest, Session
from sessions_log.services import follow_up_owners
from supervision import services
from supervision.charts import dashboard_charts, flags_opened_and_closed, incidents_by_category
from supervision.forms import (
    AcknowledgeForm,
    BulkAcknowledgeForm,
    ClassifyForm,
    CommentForm,
    DismissForm,
    EscalateForm,
    FlagFilterForm,
    IncidentExportForm,
    MyFlagsFilterForm,
    ReplyForm,
    ResolveForm,
    ReturnEntryForm,
    RuleSettingForm,
    open_status_filter,
)
from supervision.models import (
    OPEN_STATUSES,
    Flag,
    FlagEvent,
    FlagEventKind,
    FlagReading,
    FlagStatus,
    Meeting,
    PlanItem,
    RuleCode,
    Severity,
)
from supervision.notifications import flag_tag_sql
from supervision.rules import RULES, thresholds_for
from supervision.timeline import timeline_page

QUEUE_PAGE_SIZE = 25
REVIEWERS = (Role.SUPERVISOR, Role.PRACTICE_ADMIN)


def _require_role(user, *roles) -> None:
    if user.role not in roles or user.practice_id is None:
        raise PermissionDenied("This page is not part of your role.")


# The queue

SEVERITY_RANK = Case(
    *(When(severity=severity, then=Value(rank)) for rank, severity in enumerate(Severity)),
    output_field=IntegerField(),
)
ORDERINGS = {
    "severity": ["severity_rank", "opened_at", "pk"],
    "oldest": ["opened_at", "pk"],
    "newest": ["-opened_at", "-pk"],
    "due": ["acknowledge_by", "pk"],
}


def _therapists_in_view(user):
    """The therapists whose flags ``user`` reviews: current supervisees, or the practice's."""
    therapists = user.supervisees() if user.role == Role.SUPERVISOR else User.objects.for_user(user)
    return therapists.filter(role=Role.THERAPIST).order_by("last_name", "first_name", "username")


def _about_category(category: str) -> Q:
    """Flags whose evidence touches ``category``: incidents or agreements in it, or overruns (time)."""
    condition = Exists(
        Flag.incidents.through.objects.filter(flag_id=OuterRef("pk"), incident__category=category)
    ) | Exists(
        Flag.agreements.through.objects.filter(flag_id=OuterRef("pk"), boundaryagreement__category=category)
    )
    if category == Category.TIME:
        condition |= Q(rule=RuleCode.TIME_OVERRUNS)
    return condition


def flag_queue(user, criteria: dict):
    """The flags ``user`` reviews, filtered and sorted as ``FlagFilterForm.criteria()`` says."""
    flags = Flag.objects.for_user(user).filter(**open_status_filter(criteria["status"]))
    if criteria["therapist"]:
        flags = flags.filter(therapist_id=criteria["therapist"])
    if criteria["rule"]:
        flags = flags.filter(rule=criteria["rule"])
    if criteria["category"]:
        flags = flags.filter(_about_category(criteria["category"]))
    return flags.annotate(severity_rank=SEVERITY_RANK).order_by(*ORDERINGS[criteria["sort"]])


def _counters(user, now) -> dict:
    open_ = Q(status__in=OPEN_STATUSES)
    return Flag.objects.for_user(user).aggregate(
        open=Count("pk", filter=open_),
        waiting=Count("pk", filter=Q(status=FlagStatus.OPEN)),
        overdue=Count("pk", filter=Q(status=FlagStatus.OPEN, acknowledge_by__lt=now)),
        critical=Count("pk", filter=open_ & Q(severity=Severity.CRITICAL)),
        returned=Count("pk", filter=Q(status=FlagStatus.RETURNED)),
        escalated=Count("pk", filter=open_ & Q(escalated_at__isnull=False)),
    )


def _charts(user):
    return dashboard_charts(incidents=Incident.objects.for_user(user), flags=Flag.objects.for_user(user))


@require_GET
def dashboard(request):
    """The review queue with its counters and trend charts; supervisors and admins."""
    user = request.user
    _require_role(user, *REVIEWERS)
    filter_form = FlagFilterForm(request.GET, therapists=_therapists_in_view(user))
    flags = flag_queue(user, filter_form.criteria()).select_related("therapist", "client")
    page = Paginator(flags, QUEUE_PAGE_SIZE).get_page(request.GET.get("page"))
    now = timezone.now()
    return render(
        request,
        "supervision/dashboard.html",
        {
            "filter_form": filter_form,
            "page": page,
            "flags": page.object_list,
            "acknowledge_form": BulkAcknowledgeForm(flags=Flag.objects.none()),
            "counters": _counters(user, now),
            "charts": _charts(user),
            "export_form": IncidentExportForm(),
            "now": now,
        },
    )


@require_POST
def flags_acknowledge(request):
    """Acknowledge the ticked open flags of the queue with one comment."""
    user = request.user
    _require_role(user, *REVIEWERS)
    form = BulkAcknowledgeForm(request.POST, flags=Flag.objects.for_user(user).filter(status=FlagStatus.OPEN))
    back = safe_next_url(request, reverse("supervision:dashboard"))
    if not form.is_valid():
        messages.error(request, " ".join(message for errors in form.errors.values() for message in errors))
        return redirect(back)
    try:
        with submitted_once(user, form.submission_token) as receipt:
            events = services.flags_acknowledge(
                flags=form.cleaned_data["flags"], by=user, comment=form.cleaned_data["comment"]
            )
            receipt.result_url = back
    except AlreadySent as sent:
        return already_sent(request, sent, fallback=back)
    count = len(events)
    skipped = len(form.cleaned_data["flags"]) - count
    messages.success(
        request,
        f"{count} flag{'s' if count != 1 else ''} acknowledged."
        + (f" {skipped} had been acknowledged or closed meanwhile." if skipped else ""),
    )
    return redirect(back)


# The therapist's flags

MY_FLAGS_PAGE_SIZE = 25


def _unread_for(user):
    """An annotation: events on the flag by someone else, newer than what ``user`` last saw."""
    seen = FlagReading.objects.filter(flag=OuterRef("flag"), user=user).values("seen_event_id")
    newer = (
        FlagEvent.objects.filter(flag=OuterRef("pk"), actor__isnull=False)
        .exclude(actor=user)
        .filter(pk__gt=Coalesce(Subquery(seen), Value(0)))
    )
    return Exists(newer)


@require_GET
def my_flags(request):
    """Every flag on the therapist's own clients and about them, open and closed, unread marked."""
    user = request.user
    _require_role(user, Role.THERAPIST)
    clients = user.clients.filter(archived_at__isnull=True).order_by("code")
    filter_form = MyFlagsFilterForm(request.GET, clients=clients)
    flags = filter_form.filter(
        Flag.objects.for_user(user).filter(therapist=user).select_related("client")
    ).annotate(
        unread=_unread_for(user),
        plan_size=Count("plan_items"),
        severity_rank=SEVERITY_RANK,
    )
    flags = flags.order_by(
        Case(When(status__in=OPEN_STATUSES, then=0), default=1), "severity_rank", "-opened_at", "pk"
    )
    page = Paginator(flags, MY_FLAGS_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "supervision/my_flags.html",
        {"filter_form": filter_form, "page": page, "flags": page.object_list},
    )


# One supervisee


@require_GET
def supervisee(request, pk):
    """A supervisee's page: open flags, returned entries, overdue follow-ups and their trend."""
    user = request.user
    if user.role not in REVIEWERS:
        # Not "not your role" (403): whose page this would be is not for a therapist to learn.
        raise Http404("No such therapist among those you review.")
    therapist = get_object_or_404_in(_therapists_in_view(user), pk=pk, user=user)
    # A caseload's flags, requests and follow-ups: recorded like a client's page.
    record_access(request=request, client=None, object_type="supervisee", object_id=therapist.pk)
    today = timezone.localdate()
    flags = (
        Flag.objects.for_user(user)
        .open()
        .filter(therapist=therapist)
        .select_related("client", "therapist")
        .annotate(severity_rank=SEVERITY_RANK)
        .order_by(*ORDERINGS["severity"])
    )
    returned = (
        RevisionRequest.objects.for_user(user)
        .unanswered()
        .filter(client__therapist=therapist)
        .select_related("client", "incident__client", "session__client", "requested_by")
        .order_by("requested_at")
    )
    overdue = (
        FollowUp.objects.for_user(user)
        .without_archived_clients()
        .filter(therapist=therapist)
        .overdue(today)
        .select_related("client", "owner")
        .order_by("due_on", "pk")
    )
    return render(
        request,
        "supervision/supervisee.html",
        {
            "therapist": therapist,
            "flags": flags,
            "returned": returned,
            "overdue": overdue,
            # The trend of this one therapist: their incidents by category, their flags by week.
            "charts": [
                incidents_by_category(Incident.objects.for_user(user).filter(client__therapist=therapist)),
                flags_opened_and_closed(Flag.objects.for_user(user).filter(therapist=therapist)),
            ],
            "acknowledge_form": BulkAcknowledgeForm(flags=Flag.objects.none()),
            "now": timezone.now(),
            "today": today,
        },
    )


def get_object_or_404_in(queryset, *, pk, user):
    """One of ``queryset`` (already what ``user`` may see), else a 404 with the attempt logged."""
    try:
        return queryset.get(pk=pk)
    except queryset.model.DoesNotExist:
        log_event("access_denied", user=user, model="accounts.user", action="read", pk=pk)
        raise Http404("No such therapist among those you review.") from None


# A flag's page


def _visible_flag(request, pk) -> Flag:
    """The flag, with ``mail_pending``: its e-mails still in the queue (common/tasks.py)."""
    flags = Flag.objects.select_related("client", "therapist", "practice").annotate(
        mail_pending=queue.pending_mail(flag_tag_sql(OuterRef("pk")))
    )
    # An archived client's flags are read-only: every action on one is a 404.
    return get_visible_or_404(flags, request.user, for_change=request.method == "POST", pk=pk)


def _evidence(request, flag: Flag) -> dict:
    user = request.user
    return {
        "incidents": list(
            Incident.objects.for_user(user)
            .filter(flags=flag)
            .select_related("client")
            .order_by("occurred_at", "pk")
        ),
        "sessions": list(
            Session.objects.for_user(user)
            .filter(flags=flag)
            .select_related("client")
            .order_by("scheduled_start", "pk")
        ),
        "agreements": list(
            BoundaryAgreement.objects.for_user(user)
            .filter(flags=flag)
            .select_related("client")
            .order_by("category")
        ),
    }


ACTION_FORMS = {
    "acknowledge": AcknowledgeForm,
    "comment": CommentForm,
    "return": ReturnEntryForm,
    "classify": ClassifyForm,
    "resolve": ResolveForm,
    "dismiss": DismissForm,
    "escalate": EscalateForm,
}
# Heading and button of each action's form, in the order the page offers them.
ACTION_LABELS = {
    "acknowledge": ("Acknowledge", "Acknowledge"),
    "comment": ("Comment", "Add comment"),
    "return": ("Return an entry for revision", "Return to the therapist"),
    "classify": ("Set the final classification", "Save classification"),
    "resolve": ("Resolve", "Resolve"),
    "dismiss": ("Dismiss as a false positive", "Dismiss"),
    "escalate": ("Escalate to the practice admin", "Escalate"),
}


def _action_form(action: str, data, *, flag: Flag, evidence: dict, seen_event: int) -> Form:
    kwargs = {"seen_event": seen_event, "auto_id": f"id_{action}_%s"}
    if action == "resolve":
        kwargs["owners"] = follow_up_owners(flag.therapist)
        kwargs["therapist"] = flag.therapist
    elif action == "return":
        # Addenda are for signed entries, so only those can be sent back for revision.
        kwargs["entries"] = [
            entry for entry in (*evidence["incidents"], *evidence["sessions"]) if entry.is_signed
        ]
    elif action == "classify":
        kwargs["incidents"] = evidence["incidents"]
    return ACTION_FORMS[action](data, **kwargs)


def _offered_actions(request, flag: Flag, evidence: dict) -> list[str]:
    actions = list(ACTION_FORMS)
    if flag.status != FlagStatus.OPEN:
        actions.remove("acknowledge")
    if request.user.role == Role.PRACTICE_ADMIN or flag.escalated_at:
        actions.remove("escalate")  # the admins are whom a flag is escalated to, once
    if not any(entry.is_signed for entry in (*evidence["incidents"], *evidence["sessions"])):
        actions.remove("return")
    if not evidence["incidents"]:
        actions.remove("classify")
    return actions


def _awaiting_revision(events: list[FlagEvent]) -> list:
    """Entries returned and not yet revised by an addendum, in the order they were returned."""
    waiting = {}
    for event in events:
        if event.kind == FlagEventKind.RETURNED and event.entry is not None:
            waiting[(event.incident_id, event.session_id)] = event.entry
        elif event.kind == FlagEventKind.REVISED:
            waiting.pop((event.incident_id, event.session_id), None)
    return list(waiting.values())


def _flag_page(
    request,
    flag: Flag,
    *,
    evidence: dict,
    may_decide: bool,
    bound: tuple[str, Form] | None = None,
    reply_form: Form | None = None,
    mark_read: bool = False,
    meeting: Meeting | None = None,
):
    """The flag, why its rule matters, its evidence beside the client's timeline, its history, its actions."""
    rule = RULES[flag.rule]
    events = list(
        FlagEvent.objects.for_user(request.user)
        .filter(flag=flag)
        .select_related(
            "actor",
            "incident__client",
            "session__client",
            "addendum__author",
            "revision_request__addendum",
            "meeting",
        )
        .order_by("created_at", "pk")
    )
    seen_event = max((event.pk for event in events), default=0)
    plan = [
        item.follow_up
        for item in PlanItem.objects.filter(flag=flag)
        .select_related("follow_up__owner", "follow_up__done_by")
        .order_by("pk")
    ]
    archived = flag.client_id is not None and flag.client.archived_at is not None
    if reply_form is None and request.user.pk == flag.therapist_id and not archived:
        reply_form = ReplyForm()
    if mark_read:
        # What is shown is read: the therapist's list stops marking these events unread.
        services.flag_mark_read(flag=flag, user=request.user, seen_event=seen_event)
    forms = {}
    if may_decide and flag.is_open and not archived:
        forms = {
            action: _action_form(action, None, flag=flag, evidence=evidence, seen_event=seen_event)
            for action in _offered_actions(request, flag, evidence)
        }
    if bound is not None:
        forms[bound[0]] = bound[1]
    actions = [
        {
            "name": action,
            "title": ACTION_LABELS[action][0],
            "button": ACTION_LABELS[action][1],
            "url": reverse(f"supervision:flag_{action}", args=[flag.pk]),
            "form": form,
        }
        for action, form in sorted(forms.items(), key=lambda item: list(ACTION_FORMS).index(item[0]))
    ]
    thresholds = thresholds_for(flag.practice, flag.rule)[1] if rule.thresholds else {}
    timeline = timeline_page(client=flag.client, user=request.user) if flag.client_id else None
    return render(
        request,
        "supervision/flag_detail.html",
        {
            "flag": flag,
            "rule": rule,
            "thresholds": [(threshold, thresholds[threshold.key]) for threshold in rule.thresholds],
            **evidence,
            "events": events,
            "awaiting_revision": _awaiting_revision(events) if flag.status == FlagStatus.RETURNED else [],
            "may_decide": may_decide,
            "actions": actions,
            "refused": bound[1] if bound is not None else None,
            "refused_action": bound[0] if bound is not None else "",
            "timeline": timeline,
            "mail_pending": flag.mail_pending if may_decide else 0,
            "plan": plan,
            "reply_form": reply_form,
            "seen_event": seen_event,
            "now": timezone.now(),
            "today": timezone.localdate(),
            "meeting": meeting,
        },
    )


@require_GET
def flag_detail(request, pk):
    flag = _visible_flag(request, pk)
    record_access(
        request=request, client=flag.client, object_type="flag", object_id=flag.pk, practice=flag.practice
    )
    return _flag_page(
        request,
        flag,
        evidence=_evidence(request, flag),
        may_decide=flag.may_be_decided_by(request.user),
        mark_read=True,
    )


@require_POST
def flag_reply(request, pk):
    """The flag's therapist answers on it; the supervisors are told by e-mail."""
    flag = _visible_flag(request, pk)
    if request.user.pk != flag.therapist_id:
        raise PermissionDenied("Only the flag's therapist replies on it.")
    form = ReplyForm(request.POST)
    if form.is_valid():
        try:
            with submitted_once(request.user, form.submission_token) as receipt:
                services.flag_reply(flag=flag, by=request.user, comment=form.cleaned_data["comment"])
                receipt.result_url = flag.get_absolute_url()
        except AlreadySent as sent:
            return already_sent(request, sent, fallback=flag)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, "Reply added; your supervisor is told by e-mail.")
            return redirect(flag)
    return _flag_page(
        request,
        flag,
        evidence=_evidence(request, flag),
        may_decide=flag.may_be_decided_by(request.user),
        reply_form=form,
    )


def _decision_meeting(request, flag: Flag) -> Meeting | None:
    """The meeting a decision is taken in (POST ``meeting``): one the user leads, with its
    minutes open and the flag on its agenda; None when the decision is taken on the flag page."""
    pk = request.POST.get("meeting", "")
    if not pk:
        return None
    meeting = (
        Meeting.objects.filter(
            pk=pk if pk.isdigit() else 0,
            supervisor=request.user,
            status=EntryStatus.DRAFT,
            archived_at__isnull=True,
            items__flag=flag,
        )
        .distinct()
        .first()
    )
    if meeting is None:
        raise PermissionDenied("Decisions in a meeting are taken in an open meeting you lead, on its agenda.")
    return meeting


def _decide(request, pk, action: str, decide, success: str):
    """Validate one action's form and record it; a refusal re-renders the page with what was typed.

    A decision taken from a meeting's page names the meeting and goes back to its item there.
    """
    flag = _visible_flag(request, pk)
    if not flag.may_be_decided_by(request.user):
        raise PermissionDenied("Only a current supervisor of the therapist or a practice admin decides.")
    meeting = _decision_meeting(request, flag)
    evidence = _evidence(request, flag)
    form = _action_form(action, request.POST, flag=flag, evidence=evidence, seen_event=0)
    if form.is_valid():
        back = flag.get_absolute_url()
        if meeting is not None:
            item = meeting.items.get(flag=flag)
            back = f"{meeting.get_absolute_url()}#item-{item.pk}"
        try:
            with submitted_once(request.user, form.submission_token) as receipt:
                decide(flag, form.cleaned_data, meeting)
                receipt.result_url = back
        except AlreadySent as sent:
            return already_sent(request, sent, fallback=flag)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, success)
            return redirect(back)
    return _flag_page(
        request, flag, evidence=evidence, may_decide=True, bound=(action, form), meeting=meeting
    )


@require_POST
def flag_acknowledge(request, pk):
    def decide(flag, data, meeting):
        return services.flag_acknowledge(
            flag=flag,
            by=request.user,
            meeting=meeting,
            comment=data["comment"],
            seen_event=data["seen_event"],
        )

    return _decide(request, pk, "acknowledge", decide, "Flag acknowledged.")


@require_POST
def flag_comment(request, pk):
    def decide(flag, data, meeting):
        return services.flag_comment(flag=flag, by=request.user, meeting=meeting, comment=data["comment"])

    return _decide(request, pk, "comment", decide, "Comment added; the therapist is told by e-mail.")


@require_POST
def flag_return(request, pk):
    def decide(flag, data, meeting):
        return services.flag_return_entry(
            flag=flag,
            by=request.user,
            meeting=meeting,
            entry=data["entry"],
            comment=data["comment"],
            seen_event=data["seen_event"],
        )

    return _decide(
        request, pk, "return", decide, "Entry returned to the therapist, who revises it with an addendum."
    )


@require_POST
def flag_classify(request, pk):
    def decide(flag, data, meeting):
        return services.flag_classify(
            flag=flag,
            by=request.user,
            meeting=meeting,
            incident=data["incident"],
            classification=data["classification"],
            comment=data["comment"],
            seen_event=data["seen_event"],
        )

    return _decide(request, pk, "classify", decide, "Final classification recorded.")


@require_POST
def flag_resolve(request, pk):
    def decide(flag, data, meeting):
        return services.flag_resolve(
            flag=flag,
            by=request.user,
            meeting=meeting,
            outcome=data["outcome"],
            comment=data["comment"],
            plan=data["plan"],
            seen_event=data["seen_event"],
        )

    return _decide(request, pk, "resolve", decide, "Flag resolved; the therapist is told by e-mail.")


@require_POST
def flag_dismiss(request, pk):
    def decide(flag, data, meeting):
        return services.flag_dismiss(
            flag=flag, by=request.user, meeting=meeting, reason=data["comment"], seen_event=data["seen_event"]
        )

    return _decide(request, pk, "dismiss", decide, "Flag dismissed as a false positive.")


@require_POST
def flag_escalate(request, pk):
    def decide(flag, data, meeting):
        return services.flag_escalate(
            flag=flag,
            by=request.user,
            meeting=meeting,
            comment=data["comment"],
            seen_event=data["seen_event"],
        )

    return _decide(request, pk, "escalate", decide, "Flag escalated; the practice admins are told by e-mail.")


# The practice admin's dashboard

AGE_BUCKETS = [
    ("under_1_day", "Under a day", None, datetime.timedelta(days=1)),
    ("1_to_7_days", "1 to 7 days", datetime.timedelta(days=1), datetime.timedelta(days=7)),
    ("7_to_30_days", "7 to 30 days", datetime.timedelta(days=7), datetime.timedelta(days=30)),
    ("over_30_days", "Over 30 days", datetime.timedelta(days=30), None),
]


def _flags_by_status_and_age(user, now) -> tuple[list, list]:
    """How many flags are in each status, and how old the open ones are: one aggregate query."""
    open_ = Q(status__in=OPEN_STATUSES)
    ages = {}
    for key, _label, younger_than, older_than in AGE_BUCKETS:
        condition = open_
        if younger_than is not None:
            condition &= Q(opened_at__lte=now - younger_than)
        if older_than is not None:
            condition &= Q(opened_at__gt=now - older_than)
        ages[key] = Count("pk", filter=condition)
    statuses = {f"status_{status.value}": Count("pk", filter=Q(status=status)) for status in FlagStatus}
    totals = Flag.objects.for_user(user).aggregate(**statuses, **ages)
    return (
        [(status.label, totals[f"status_{status.value}"]) for status in FlagStatus],
        [(label, totals[key]) for key, label, _younger, _older in AGE_BUCKETS],
    )


@require_GET
def admin_dashboard(request):
    user = request.user
    _require_role(user, Role.PRACTICE_ADMIN)
    now = timezone.now()
    by_status, by_age = _flags_by_status_and_age(user, now)
    supervised = SupervisionAssignment.objects.for_user(user).current().values("therapist")
    return render(
        request,
        "supervision/admin_dashboard.html",
        {
            "practice": user.practice,
            "by_status": by_status,
            "by_age": by_age,
            "escalated": Flag.objects.for_user(user)
            .open()
            .filter(escalated_at__isnull=False)
            .select_related("therapist", "client")
            .order_by("escalated_at"),
            "unsupervised": User.objects.for_user(user)
            .therapists()
            .exclude(pk__in=supervised)
            .order_by("last_name", "first_name"),
            "charts": _charts(user),
            "failed_mail": queue.failed_for_practice(user.practice_id)[:FAILED_MAIL_SHOWN],
            "now": now,
        },
    )


FAILED_MAIL_SHOWN = 20


@require_POST
def mail_requeue(request, pk):
    """The practice admin sends a message that failed for good once more (a new day of tries)."""
    user = request.user
    if not user.is_practice_admin or user.practice_id is None:
        raise Http404
    try:
        new_job = queue.requeue_failed(job_id=pk, practice_id=user.practice_id)
    except queue.ProcrastinateJob.DoesNotExist:
        raise Http404 from None
    if new_job is None:
        messages.info(request, "That e-mail was already queued again.")
    else:
        log_event("mail_requeued", request=request, job=pk, new_job=new_job)
        messages.success(request, "The e-mail is queued again; the worker keeps trying it for a day.")
    return redirect("supervision:admin_dashboard")


# Rule settings


@require_GET
def rule_settings(request):
    user = request.user
    _require_role(user, Role.PRACTICE_ADMIN)
    saved = {setting.rule: setting for setting in user.practice.rule_settings.all()}
    rules = []
    for code, rule in RULES.items():
        setting = saved.get(code)
        values = rule.defaults | {
            key: value
            for key, value in (setting.thresholds if setting else {}).items()
            if key in rule.defaults
        }
        rules.append(
            {
                "rule": rule,
                "enabled": setting.enabled if setting else True,
                "thresholds": [(threshold, values[threshold.key]) for threshold in rule.thresholds],
                "customised": setting is not None,
            }
        )
    return render(request, "supervision/rule_settings.html", {"rules": rules, "practice": user.practice})


@require_http_methods(["GET", "POST"])
def rule_setting_edit(request, code):
    user = request.user
    _require_role(user, Role.PRACTICE_ADMIN)
    rule = RULES.get(code)
    if rule is None:
        raise Http404("No such rule.")
    enabled, thresholds = thresholds_for(user.practice, code)
    form = RuleSettingForm(
        request.POST if request.method == "POST" else None, rule=rule, enabled=enabled, thresholds=thresholds
    )
    if request.method == "POST" and form.is_valid():
        services.rule_setting_update(
            practice=user.practice,
            rule=code,
            enabled=form.cleaned_data["enabled"],
            thresholds=form.thresholds(),
            by=user,
        )
        messages.success(request, f"Settings of “{rule.title}” saved for {user.practice}.")
        return redirect("supervision:rule_settings")
    return render(request, "supervision/rule_setting_edit.html", {"rule": rule, "form": form})


# CSV exports

FLAG_COLUMNS = [
    "flag",
    "rule",
    "rule title",
    "severity",
    "status",
    "therapist",
    "client code",
    "opened at",
    "acknowledge by",
    "overdue",
    "acknowledged at",
    "escalated at",
    "closed at",
    "outcome",
    "evidence incidents",
    "evidence sessions",
    "link",
]


def _refuse_non_reviewers(request) -> None:
    _require_role(request.user, *REVIEWERS)


@require_GET
@require_recent_password(guard=_refuse_non_reviewers)
def export_flags(request):
    """The dashboard's queue as CSV, with the same filters and order.

    Columns (``FLAG_COLUMNS``): flag id, rule code and title, severity, status, therapist,
    client code (pseudonymous; empty for a therapist-level flag), opened, acknowledgement due,
    overdue (yes/no), acknowledged, escalated and closed times, outcome, the number of evidence
    incidents and sessions, and the flag's link. No summary, comment or description: what
    happened is read in Alliance, where access is scoped, not copied into a spreadsheet.
    """
    user = request.user
    _require_role(user, *REVIEWERS)
    filter_form = FlagFilterForm(request.GET, therapists=_therapists_in_view(user))
    flags = (
        flag_queue(user, filter_form.criteria())
        .select_related("therapist", "client")
        .annotate(
            incident_count=Count("incidents", distinct=True), session_count=Count("sessions", distinct=True)
        )
    )
    record_access(request=request, client=None, object_type="export_flags", action="export")
    log_event("export", request=request, kind="flags_csv")
    now = timezone.now()
    rows = (
        [
            flag.pk,
            flag.rule,
            flag.get_rule_display(),
            flag.get_severity_display(),
            flag.get_status_display(),
            flag.therapist,
            flag.client.code if flag.client_id else "",
            flag.opened_at,
            flag.acknowledge_by,
            flag.status == FlagStatus.OPEN and flag.acknowledge_by < now,
            flag.acknowledged_at,
            flag.escalated_at,
            flag.closed_at,
            flag.get_outcome_display(),
            flag.incident_count,
            flag.session_count,
            request.build_absolute_uri(flag.get_absolute_url()),
        ]
        for flag in flags
    )
    return csv_response(f"alliance-flags-{timezone.localdate():%Y-%m-%d}.csv", FLAG_COLUMNS, rows)


INCIDENT_COLUMNS = [
    "incident",
    "occurred at",
    "documented at",
    "client code",
    "therapist",
    "category",
    "initiated by",
    "planned",
    "provisional classification",
    "final classification",
    "harm",
    "location",
    "in a session",
    "status",
    "signed at",
    "rationale recorded",
    "client consent recorded",
    "consultation recorded",
    "follow-up due",
    "follow-up done on",
    "link",
]


@require_GET
@require_recent_password(guard=_refuse_non_reviewers)
def export_incidents(request):
    """Incidents in the user's scope that occurred between two dates, as CSV.

    Columns (``INCIDENT_COLUMNS``): incident id, when it occurred and was documented, client
    code, therapist, category, initiated by, planned, provisional and final classification,
    harm, location, whether it was in a session, status and signing time, whether a rationale,
    the client's consent and a consultation are on record (yes/no, never their text), the
    follow-up's due and done dates, and the incident's link. The description, rationale,
    consent, advice, actions and follow-up text stay in Alliance.
    """
    user = request.user
    _require_role(user, *REVIEWERS)
    form = IncidentExportForm(request.GET)
    if not form.is_valid():
        return render(request, "supervision/export_incidents.html", {"form": form}, status=400)
    start, end = form.cleaned_data["start"], form.cleaned_data["end"]
    record_access(request=request, client=None, object_type="export_incidents", action="export")
    log_event("export", request=request, kind="incidents_csv", start=start, end=end)
    incidents = (
        Incident.objects.for_user(user)
        .filter(
            occurred_at__gte=timezone.make_aware(datetime.datetime.combine(start, datetime.time.min)),
            occurred_at__lt=timezone.make_aware(
                datetime.datetime.combine(end + datetime.timedelta(days=1), datetime.time.min)
            ),
        )
        .select_related("client__therapist")
        .order_by("occurred_at", "pk")
    )
    rows = (
        [
            incident.pk,
            incident.occurred_at,
            incident.documented_at,
            incident.client.code,
            incident.client.therapist,
            incident.get_category_display(),
            incident.get_initiated_by_display(),
            incident.planned,
            incident.get_provisional_classification_display(),
            incident.get_final_classification_display(),
            incident.get_harm_display(),
            incident.get_location_display(),
            incident.session_id is not None,
            incident.get_status_display(),
            incident.signed_at,
            bool(incident.rationale.strip()),
            bool(incident.client_consent.strip()),
            bool(incident.consulted_with.strip() or incident.consultation_advice.strip()),
            incident.follow_up_due,
            incident.follow_up_done_on,
            request.build_absolute_uri(incident.get_absolute_url()),
        ]
        for incident in incidents.iterator(chunk_size=500)
    )
    return csv_response(f"alliance-incidents-{start:%Y-%m-%d}-to-{end:%Y-%m-%d}.csv", INCIDENT_COLUMNS, rows)
