"""Supervision meetings and the supervision log.

A meeting is read by its supervisor, its supervisees and the practice admin
(``Meeting.objects.for_user``); anyone else gets a 404. Only its supervisor changes it, and only
until the minutes are signed. In a group meeting a therapist reads the items about their own
work and the group's free items, not the items about a colleague's clients.
"""

import datetime
from collections import defaultdict
from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Max, Prefetch, Q
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.models import Role, User
from accounts.submissions import AlreadySent, already_sent, submitted_once
from audit.models import AccessAction
from audit.services import record_access
from clients.scoping import get_visible_or_404
from common.csv_export import csv_response
from common.dates import date_text
from common.forms import add_service_errors
from sessions_log.services import follow_up_owners
from supervision import meetings as services
from supervision.forms import AcknowledgeForm, CommentForm, DismissForm, ResolveForm
from supervision.meeting_forms import (
    AgendaAddForm,
    CancelForm,
    ItemFollowUpForm,
    LogForm,
    MeetingAddendumForm,
    MeetingEditForm,
    MeetingForm,
    MinutesForm,
    SignMinutesForm,
)
from supervision.models import (
    AgendaItem,
    AgendaKind,
    FlagEvent,
    FlagStatus,
    ItemFollowUp,
    Meeting,
    MeetingAttendee,
    MeetingFormat,
)

PAST_SHOWN = 50


def _require_supervisor(user) -> None:
    if user.role != Role.SUPERVISOR or user.practice_id is None:
        raise PermissionDenied("Supervision meetings are scheduled by supervisors.")


def _meeting(request, pk) -> Meeting:
    meetings = Meeting.objects.select_related("supervisor", "practice", "signed_by")
    return get_visible_or_404(meetings, request.user, pk=pk)


def _led_meeting(request, pk) -> Meeting:
    """A meeting the user can see; changing it is for its supervisor only (403 for the others)."""
    meeting = _meeting(request, pk)
    if meeting.supervisor_id != request.user.pk:
        raise PermissionDenied("Only the meeting's supervisor changes it.")
    return meeting


def _refused(request, meeting: Meeting, exc: ValidationError):
    messages.error(request, " ".join(exc.messages))
    return redirect(meeting)


# Lists


@require_GET
def meeting_list(request):
    user = request.user
    now = timezone.now()
    meetings = (
        Meeting.objects.for_user(user)
        .select_related("supervisor")
        .prefetch_related(
            Prefetch("attendees", queryset=MeetingAttendee.objects.select_related("supervisee"))
        )
    )
    upcoming = list(meetings.upcoming(now).order_by("starts_at", "pk"))
    past = list(
        meetings.exclude(pk__in=[meeting.pk for meeting in upcoming]).order_by("-starts_at", "-pk")[
            :PAST_SHOWN
        ]
    )
    mine = {
        row.meeting_id: row
        for meeting in past
        for row in meeting.attendees.all()
        if row.supervisee_id == user.pk
    }
    return render(
        request,
        "supervision/meeting_list.html",
        {
            "upcoming": upcoming,
            "past": past,
            "unacknowledged": {pk for pk, row in mine.items() if row.acknowledged_at is None},
            "may_schedule": user.role == Role.SUPERVISOR,
            "past_shown": PAST_SHOWN,
        },
    )


@require_http_methods(["GET", "POST"])
def meeting_new(request):
    user = request.user
    _require_supervisor(user)
    supervisees = services.current_supervisees(user)
    if request.method == "POST":
        form = MeetingForm(request.POST, supervisees=supervisees)
        if form.is_valid():
            data = form.cleaned_data
            try:
                with submitted_once(user, form.submission_token) as receipt:
                    meeting = services.meeting_schedule(
                        by=user,
                        supervisees=list(data["supervisees"]),
                        format=data["format"],
                        medium=data["medium"],
                        starts_at=data["starts_at"],
                        duration_minutes=data["duration_minutes"],
                        propose_agenda=data["propose_agenda"],
                    )
                    receipt.result_url = meeting.get_absolute_url()
            except AlreadySent as sent:
                return already_sent(request, sent, fallback="supervision:meeting_list")
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(
                    request, "Meeting scheduled. Its agenda is proposed from open work: edit it below."
                )
                return redirect(meeting)
    else:
        initial = {
            "starts_at": timezone.localtime().replace(minute=0, second=0, microsecond=0)
            + datetime.timedelta(days=1)
        }
        if (chosen := request.GET.get("supervisee", "")).isdigit():
            initial["supervisees"] = supervisees.filter(pk=int(chosen))
        form = MeetingForm(initial=initial, supervisees=supervisees)
    return render(
        request, "supervision/meeting_form.html", {"form": form, "has_supervisees": supervisees.exists()}
    )


# One meeting


def _decision_forms(flag, *, owners, seen_event: int) -> list[dict]:
    """The decisions a meeting page offers on an open flag of its agenda (the flag page has all)."""
    prefix = f"id_f{flag.pk}_"
    forms = []
    if flag.status == FlagStatus.OPEN:
        forms.append(
            ("acknowledge", "Acknowledge", AcknowledgeForm(seen_event=seen_event, auto_id=prefix + "ack_%s"))
        )
    forms += [
        ("comment", "Comment", CommentForm(auto_id=prefix + "comment_%s")),
        (
            "resolve",
            "Resolve",
            ResolveForm(
                seen_event=seen_event, owners=owners, therapist=flag.therapist, auto_id=prefix + "resolve_%s"
            ),
        ),
        ("dismiss", "Dismiss", DismissForm(seen_event=seen_event, auto_id=prefix + "dismiss_%s")),
    ]
    return [
        {
            "action": action,
            "button": button,
            "form": form,
            "url": reverse(f"supervision:flag_{action}", args=[flag.pk]),
        }
        for action, button, form in forms
    ]


def _candidate_label(candidate: services.Candidate, names: dict[int, str]) -> str:
    target = candidate.target
    whose = names.get(candidate.supervisee_id, "")
    if candidate.kind == AgendaKind.FLAG:
        subject = target.client.code if target.client_id else "their work"
        return f"Flag · {target.get_rule_display()} · {subject} · {whose}"
    if candidate.kind == AgendaKind.REVISION:
        return f"Returned {target.entry._meta.verbose_name} · {target.client.code} · {whose}"
    subject = target.client.code if target.client_id else "caseload"
    return f"Overdue follow-up · {subject} · due {date_text(target.due_on)} · {whose}"


def _meeting_page(request, meeting: Meeting, *, bound: dict | None = None, status: int = 200):
    """The meeting, its attendees, its agenda with minutes and decisions, and its forms.

    ``bound`` holds forms refused on a POST, by name (``minutes``, ``add``, ``sign``, ``edit``,
    ``cancel``, ``addendum``, ``follow_up:<item id>``), to show again with what was typed.
    """
    user = request.user
    bound = bound or {}
    attendees = list(meeting.attendees.select_related("supervisee"))
    supervisees = [row.supervisee for row in attendees]
    items = list(
        meeting.items.select_related(
            "supervisee",
            "flag__client",
            "flag__therapist",
            "revision_request__client",
            "revision_request__session",
            "revision_request__incident",
            "revision_request__requested_by",
            "follow_up__client",
            "follow_up__owner",
        ).prefetch_related(
            Prefetch(
                "assigned", queryset=ItemFollowUp.objects.select_related("follow_up__owner").order_by("pk")
            )
        )
    )
    hidden = 0
    if user.role == Role.THERAPIST:
        hidden = sum(1 for item in items if not item.visible_to(user))
        items = [item for item in items if item.visible_to(user)]
    decisions = defaultdict(list)
    for event in (
        FlagEvent.objects.filter(meeting=meeting, flag__in=[item.flag_id for item in items if item.flag_id])
        .select_related("actor")
        .order_by("created_at", "pk")
    ):
        decisions[event.flag_id].append(event)
    for item in items:
        item.decisions = decisions.get(item.flag_id, []) if item.flag_id else []
    may_edit = user.pk == meeting.supervisor_id and not meeting.is_signed and not meeting.is_cancelled
    group = meeting.format == MeetingFormat.GROUP
    context = {
        "meeting": meeting,
        "attendees": attendees,
        "items": items,
        "hidden_items": hidden,
        "may_edit": may_edit,
        "group": group,
        "now": timezone.now(),
        "today": timezone.localdate(),
        "addenda": list(meeting.addenda.select_related("author")),
        "attendee": next((row for row in attendees if row.supervisee_id == user.pk), None),
        "refused": any(form.errors for form in bound.values()),
    }
    if may_edit:
        on_agenda = {
            (item.kind, (item.flag_id or item.revision_request_id or item.follow_up_id)) for item in items
        }
        names = {person.pk: str(person) for person in supervisees}
        candidates = [
            (candidate, _candidate_label(candidate, names))
            for candidate in services.open_work(supervisees, today=context["today"])
            if (candidate.kind, candidate.target.pk) not in on_agenda
        ]
        attendee_people = User.objects.filter(pk__in=[person.pk for person in supervisees]).order_by(
            "last_name", "first_name", "username"
        )
        # Owners of a follow-up, read once per supervisee (each form would query on its own).
        owners = {person.pk: follow_up_owners(person) for person in supervisees}
        for queryset in owners.values():
            list(queryset)
        newest = dict(
            FlagEvent.objects.filter(flag__in=[item.flag_id for item in items if item.flag_id])
            .values_list("flag")
            .annotate(newest=Max("pk"))
            .order_by()
        )
        for item in items:
            key = f"follow_up:{item.pk}"
            item.follow_up_form = bound.get(key) or ItemFollowUpForm(
                supervisee=item.supervisee,
                attendees=attendee_people,
                supervisor=meeting.supervisor,
                auto_id=f"id_item{item.pk}_%s",
                owners=owners.get(item.supervisee_id),
            )
            if item.flag_id and item.flag.is_open:
                item.decision_forms = _decision_forms(
                    item.flag,
                    owners=owners.get(item.flag.therapist_id),
                    seen_event=newest.get(item.flag_id, 0),
                )
        context.update(
            {
                "add_form": bound.get("add")
                or AgendaAddForm(candidates=candidates, attendees=attendee_people, group=group),
                "minutes_form": bound.get("minutes") or MinutesForm(items=items),
                "sign_form": bound.get("sign") or SignMinutesForm(),
                "edit_form": bound.get("edit")
                or MeetingEditForm(
                    initial={
                        "starts_at": timezone.localtime(meeting.starts_at),
                        "duration_minutes": meeting.duration_minutes,
                        "medium": meeting.medium,
                    }
                ),
                "cancel_form": bound.get("cancel") or CancelForm(),
                "open_work_count": len(candidates),
            }
        )
        for item in items:
            item.minutes_field = context["minutes_form"][f"minutes_{item.pk}"]
    elif user.pk == meeting.supervisor_id and meeting.is_signed:
        context["addendum_form"] = bound.get("addendum") or MeetingAddendumForm()
    return render(request, "supervision/meeting_detail.html", context, status=status)


@require_GET
def meeting_detail(request, pk):
    meeting = _meeting(request, pk)
    record_access(request=request, client=None, object_type="meeting", object_id=meeting.pk)
    return _meeting_page(request, meeting)


def _meeting_post(request, pk, name: str, form, act, success: str, *, once: bool = False):
    """Validate ``form`` and run ``act(meeting, cleaned_data)``; a refusal shows the page again."""
    meeting = _led_meeting(request, pk)
    if form.is_valid():
        try:
            if once:
                with submitted_once(request.user, form.submission_token) as receipt:
                    act(meeting, form.cleaned_data)
                    receipt.result_url = meeting.get_absolute_url()
            else:
                act(meeting, form.cleaned_data)
        except AlreadySent as sent:
            return already_sent(request, sent, fallback=meeting)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, success)
            return redirect(meeting)
    return _meeting_page(request, meeting, bound={name: form})


@require_POST
def meeting_edit(request, pk):
    def act(meeting, data):
        services.meeting_update(
            meeting=meeting,
            by=request.user,
            starts_at=data["starts_at"],
            duration_minutes=data["duration_minutes"],
            medium=data["medium"],
        )

    return _meeting_post(request, pk, "edit", MeetingEditForm(request.POST), act, "Meeting moved.")


@require_POST
def meeting_cancel(request, pk):
    def act(meeting, data):
        services.meeting_cancel(meeting=meeting, by=request.user, reason=data["reason"])

    return _meeting_post(request, pk, "cancel", CancelForm(request.POST), act, "Meeting cancelled.")


@require_POST
def agenda_add(request, pk):
    meeting = _led_meeting(request, pk)
    supervisees = [row.supervisee for row in meeting.attendees.select_related("supervisee")]
    candidates = [
        (candidate, "") for candidate in services.open_work(supervisees, today=timezone.localdate())
    ]
    attendees = User.objects.filter(pk__in=[person.pk for person in supervisees])
    form = AgendaAddForm(
        request.POST, candidates=candidates, attendees=attendees, group=meeting.format == MeetingFormat.GROUP
    )

    def act(meeting, data):
        services.agenda_add(
            meeting=meeting,
            by=request.user,
            candidate=data["candidate"],
            title=data.get("title", ""),
            supervisee=data.get("supervisee"),
        )

    return _meeting_post(request, pk, "add", form, act, "Added to the agenda.", once=True)


def _item(meeting: Meeting, item_pk: int) -> AgendaItem:
    item = (
        meeting.items.filter(pk=item_pk)
        .select_related("meeting", "supervisee", "flag", "revision_request__client", "follow_up__client")
        .first()
    )
    if item is None:
        raise Http404("No such item on this meeting's agenda.")
    return item


@require_POST
def agenda_remove(request, pk, item):
    meeting = _led_meeting(request, pk)
    try:
        services.agenda_remove(item=_item(meeting, item), by=request.user)
    except ValidationError as exc:
        return _refused(request, meeting, exc)
    messages.success(request, "Item taken off the agenda.")
    return redirect(meeting)


@require_POST
def agenda_move(request, pk, item):
    meeting = _led_meeting(request, pk)
    try:
        services.agenda_move(
            item=_item(meeting, item), by=request.user, up=request.POST.get("direction") != "down"
        )
    except ValidationError as exc:
        return _refused(request, meeting, exc)
    return redirect(f"{meeting.get_absolute_url()}#item-{item}")


@require_POST
def minutes_save(request, pk):
    meeting = _led_meeting(request, pk)
    form = MinutesForm(request.POST, items=list(meeting.items.all()))

    def act(meeting, data):
        services.minutes_save(meeting=meeting, by=request.user, minutes=form.minutes())

    return _meeting_post(request, pk, "minutes", form, act, "Minutes saved (not signed yet).")


@require_POST
def item_follow_up(request, pk, item):
    meeting = _led_meeting(request, pk)
    row = _item(meeting, item)
    attendees = User.objects.filter(pk__in=meeting.attendees.values("supervisee"))
    form = ItemFollowUpForm(
        request.POST,
        supervisee=row.supervisee,
        attendees=attendees,
        supervisor=meeting.supervisor,
        auto_id=f"id_item{row.pk}_%s",
    )

    def act(meeting, data):
        services.item_follow_up_assign(
            item=row,
            by=request.user,
            action=data["action"],
            owner=data["owner"],
            due_on=data["due_on"],
            therapist=data.get("therapist"),
        )

    return _meeting_post(request, pk, f"follow_up:{row.pk}", form, act, "Follow-up assigned.", once=True)


@require_POST
def meeting_sign(request, pk):
    """Save the minutes as typed and sign them, in one step: nothing typed is lost by signing."""
    meeting = _led_meeting(request, pk)
    minutes = MinutesForm(request.POST, items=list(meeting.items.all()))
    sign = SignMinutesForm(request.POST)
    if minutes.is_valid() and sign.is_valid():
        try:
            with transaction.atomic():
                services.minutes_save(meeting=meeting, by=request.user, minutes=minutes.minutes())
                services.meeting_sign(meeting=meeting, by=request.user)
        except ValidationError as exc:
            add_service_errors(sign, exc)
        else:
            messages.success(
                request, "Minutes signed and locked; the supervisees can now read and acknowledge them."
            )
            return redirect(meeting)
    return _meeting_page(request, meeting, bound={"minutes": minutes, "sign": sign}, status=400)


@require_POST
def minutes_acknowledge(request, pk):
    meeting = _meeting(request, pk)
    try:
        services.minutes_acknowledge(meeting=meeting, by=request.user)
    except ValidationError as exc:
        return _refused(request, meeting, exc)
    messages.success(request, "Minutes acknowledged.")
    return redirect(meeting)


@require_POST
def meeting_addendum(request, pk):
    def act(meeting, data):
        services.meeting_addendum_add(
            meeting=meeting, by=request.user, text=data["text"], reason=data["reason"]
        )

    return _meeting_post(
        request,
        pk,
        "addendum",
        MeetingAddendumForm(request.POST),
        act,
        "Addendum added to the minutes.",
        once=True,
    )


# The supervision log


def _log_supervisees(user):
    """Whose log ``user`` may read: a therapist their own; a supervisor their current supervisees
    and anyone they have met with; a practice admin every therapist of the practice."""
    if user.role == Role.THERAPIST:
        return User.objects.filter(pk=user.pk)
    if user.role == Role.SUPERVISOR:
        met = MeetingAttendee.objects.filter(meeting__supervisor=user).values("supervisee")
        return User.objects.filter(
            Q(pk__in=services.current_supervisees(user).values("pk")) | Q(pk__in=met),
            practice_id=user.practice_id,
        ).order_by("last_name", "first_name", "username")
    if user.role == Role.PRACTICE_ADMIN:
        return User.objects.filter(practice_id=user.practice_id, role=Role.THERAPIST).order_by(
            "last_name", "first_name", "username"
        )
    return User.objects.none()


def _log(request, action: str = AccessAction.VIEW):
    """The log's form and, once valid, the log: supervisee, period, held meetings and totals.

    Without a query the log is of the first supervisee in the list, from 1 January to today.
    """
    user = request.user
    if user.practice_id is None:
        raise PermissionDenied("The supervision log is about a practice's members.")
    supervisees = _log_supervisees(user)
    list(supervisees)  # read once: the default query and the form's menu both use it
    if not request.GET and not supervisees:
        return LogForm(supervisees=supervisees), None
    # What the query leaves out is the default: the first supervisee, from 1 January to today.
    query = {
        **LogForm.default_query(supervisees),
        **{key: value for key, value in request.GET.items() if value},
    }
    form = LogForm(query, supervisees=supervisees)
    if not form.is_valid():
        return form, None
    data = form.cleaned_data
    rows, totals = services.supervision_log(
        supervisee=data["supervisee"], starts_on=data["starts_on"], ends_on=data["ends_on"]
    )
    record_access(
        request=request,
        client=None,
        object_type="supervision_log",
        object_id=data["supervisee"].pk,
        action=action,
    )
    return form, {
        "supervisee": data["supervisee"],
        "starts_on": data["starts_on"],
        "ends_on": data["ends_on"],
        "meetings": rows,
        "totals": totals,
    }


@require_GET
def supervision_log(request):
    form, log = _log(request)
    query = urlencode({name: form.data.get(name, "") for name in ("supervisee", "starts_on", "ends_on")})
    return render(request, "supervision/supervision_log.html", {"form": form, "log": log, "query": query})


def _log_or_page(request):
    form, log = _log(request, AccessAction.EXPORT)
    if log is None:
        return None, render(
            request,
            "supervision/supervision_log.html",
            {"form": form, "log": None},
            status=400 if form.is_bound else 200,
        )
    return log, None


HOURS = "{:.2f}"


@require_GET
def supervision_log_csv(request):
    log, page = _log_or_page(request)
    if page is not None:
        return page
    rows = [
        (
            meeting.starts_at,
            meeting.ends_at,
            meeting.get_format_display(),
            meeting.get_medium_display(),
            meeting.duration_minutes,
            HOURS.format(meeting.hours),
            str(meeting.supervisor),
        )
        for meeting in log["meetings"]
    ]
    totals = log["totals"]
    rows += [
        (
            "Total individual hours",
            "",
            "",
            "",
            totals.individual_minutes,
            HOURS.format(totals.individual_hours),
            "",
        ),
        ("Total group hours", "", "", "", totals.group_minutes, HOURS.format(totals.group_hours), ""),
    ]
    name = (
        f"supervision-log-{log['supervisee'].username}-{log['starts_on']:%Y%m%d}-{log['ends_on']:%Y%m%d}.csv"
    )
    return csv_response(name, ["Start", "End", "Format", "Held", "Minutes", "Hours", "Supervisor"], rows)


@require_GET
def supervision_log_pdf(request):
    # Imported here: WeasyPrint loads Pango when imported, and only this download needs it.
    from weasyprint import HTML
    from weasyprint.urls import URLFetcher

    log, page = _log_or_page(request)
    if page is not None:
        return page
    html = render_to_string(
        "supervision/supervision_log_pdf.html",
        {
            **log,
            "practice": request.user.practice,
            "printed_at": timezone.now(),
            "supervisors": sorted({str(m.supervisor) for m in log["meetings"]}),
        },
        request=request,
    )
    # The document holds only our own markup, its style inline: fetch nothing.
    pdf = HTML(string=html, url_fetcher=URLFetcher(allowed_protocols=())).write_pdf()
    name = (
        f"supervision-log-{log['supervisee'].username}-{log['starts_on']:%Y%m%d}-{log['ends_on']:%Y%m%d}.pdf"
    )
    return HttpResponse(
        pdf, content_type="application/pdf", headers={"Content-Disposition": f'attachment; filename="{name}"'}
    )
