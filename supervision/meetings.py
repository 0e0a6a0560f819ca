"""Supervision meetings: scheduling, the agenda proposed from open work, minutes, signing, the log.

Only the meeting's supervisor changes it, and only while its minutes are unsigned: signing locks
the meeting, its attendees and its items (database triggers in supervision/models.py); after that
a correction is an addendum and the one write left is each supervisee's acknowledgement of the
minutes. Decisions on flags taken in a meeting go through supervision/services.py with the
meeting named on the flag's event.

The agenda is proposed from the supervisees' open work: their open flags, the entries returned
to them and not yet answered, and their overdue follow-ups (``open_work``).
"""

import datetime
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Max, Q, Sum
from django.utils import timezone

from accounts.models import Role, SupervisionAssignment, User
from common.dates import datetime_text
from sessions_log import services as session_log
from sessions_log.models import EntryStatus, FollowUp, FollowUpOrigin, RevisionRequest
from supervision.models import (
    AgendaItem,
    AgendaKind,
    Flag,
    ItemFollowUp,
    Meeting,
    MeetingAddendum,
    MeetingAttendee,
    MeetingFormat,
)

# How much open work of each kind the proposal takes per supervisee (most urgent first).
PROPOSED_PER_KIND = 10


def _required(text: str, message: str, code: str) -> str:
    text = (text or "").strip()
    if not text:
        raise ValidationError(message, code=code)
    return text


def current_supervisees(supervisor: User):
    """The therapists ``supervisor`` supervises today, the only ones they can meet with here."""
    return User.objects.filter(
        pk__in=SupervisionAssignment.objects.current()
        .filter(supervisor=supervisor, practice_id=supervisor.practice_id)
        .values("therapist"),
        is_active=True,
    ).order_by("last_name", "first_name", "username")


def _check_attendees(*, by: User, supervisees: list[User], format: str) -> None:
    if not supervisees:
        raise ValidationError({"supervisees": "Choose who attends."}, code="no_supervisee")
    if format == MeetingFormat.INDIVIDUAL and len(supervisees) != 1:
        raise ValidationError(
            {"supervisees": "An individual meeting is with one supervisee; choose group for several."},
            code="individual_one",
        )
    if format == MeetingFormat.GROUP and len(supervisees) < 2:
        raise ValidationError(
            {"supervisees": "A group meeting has at least two supervisees; choose individual for one."},
            code="group_several",
        )
    allowed = set(current_supervisees(by).values_list("pk", flat=True))
    strangers = [person for person in supervisees if person.pk not in allowed]
    if strangers:
        raise ValidationError(
            {"supervisees": "%(names)s: not supervised by you now."},
            code="not_supervisee",
            params={"names": ", ".join(str(person) for person in strangers)},
        )


def _require_supervisor(meeting: Meeting, by: User) -> None:
    if by.pk != meeting.supervisor_id or not by.is_active:
        raise PermissionDenied("Only the meeting's supervisor changes it.")


def _locked_draft(meeting: Meeting, by: User) -> Meeting:
    """The meeting's row, locked, if ``by`` leads it and its minutes are still open."""
    locked = Meeting.objects.select_for_update().get(pk=meeting.pk)
    _require_supervisor(locked, by)
    if locked.is_signed:
        raise ValidationError(
            "The minutes of this meeting were signed on %(when)s and are locked: add an addendum.",
            code="signed",
            params={"when": datetime_text(locked.signed_at)},
        )
    if locked.is_cancelled:
        raise ValidationError("This meeting was cancelled.", code="cancelled")
    return locked


# Open work, and the proposed agenda


@dataclass(frozen=True)
class Candidate:
    """A piece of open work that can go on an agenda."""

    kind: str
    target: Flag | RevisionRequest | FollowUp
    supervisee_id: int

    @property
    def key(self) -> str:
        return f"{self.kind}:{self.target.pk}"


def open_work(supervisees, *, today: datetime.date) -> list[Candidate]:
    """The supervisees' open flags (most severe, oldest first), unanswered returns and overdue
    follow-ups (oldest due first); three queries whatever their number."""
    ids = [person.pk for person in supervisees]
    flags = (
        Flag.objects.open()
        .filter(therapist_id__in=ids)
        .filter(Q(client__isnull=True) | Q(client__archived_at__isnull=True))
        .select_related("client", "therapist")
        .order_by("opened_at", "pk")
    )
    severity = {"critical": 0, "high": 1, "medium": 2, "low": 3}
    flags = sorted(flags, key=lambda flag: (severity.get(flag.severity, 9), flag.opened_at, flag.pk))
    returns = (
        RevisionRequest.objects.unanswered()
        .filter(client__therapist_id__in=ids, client__archived_at__isnull=True)
        .select_related("client", "session", "incident", "requested_by")
        .order_by("requested_at", "pk")
    )
    overdue = (
        FollowUp.objects.unarchived()
        .overdue(today)
        .filter(therapist_id__in=ids)
        .select_related("client", "owner")
        .order_by("due_on", "pk")
    )
    work = []
    for kind, rows, whose in (
        (AgendaKind.FLAG, flags, "therapist_id"),
        (AgendaKind.REVISION, returns, "client.therapist_id"),
        (AgendaKind.FOLLOW_UP, overdue, "therapist_id"),
    ):
        taken: dict[int, int] = {}
        for row in rows:
            owner = row.client.therapist_id if whose == "client.therapist_id" else row.therapist_id
            if taken.get(owner, 0) < PROPOSED_PER_KIND:
                taken[owner] = taken.get(owner, 0) + 1
                work.append(Candidate(kind=kind, target=row, supervisee_id=owner))
    return work


def _item_for(meeting: Meeting, candidate: Candidate, position: int) -> AgendaItem:
    field = {
        AgendaKind.FLAG: "flag",
        AgendaKind.REVISION: "revision_request",
        AgendaKind.FOLLOW_UP: "follow_up",
    }
    return AgendaItem(
        meeting=meeting,
        position=position,
        kind=candidate.kind,
        supervisee_id=candidate.supervisee_id,
        **{field[candidate.kind]: candidate.target},
    )


@transaction.atomic
def meeting_schedule(
    *,
    by: User,
    supervisees: list[User],
    format: str,
    medium: str,
    starts_at: datetime.datetime,
    duration_minutes: int,
    propose_agenda: bool = True,
) -> Meeting:
    """Schedule (or record after the fact) a meeting; its agenda is proposed from open work."""
    if by.role != Role.SUPERVISOR or not by.is_active:
        raise PermissionDenied("Supervision meetings are held by supervisors.")
    supervisees = list(supervisees)
    _check_attendees(by=by, supervisees=supervisees, format=format)
    meeting = Meeting(
        practice_id=by.practice_id,
        supervisor=by,
        format=format,
        medium=medium,
        starts_at=starts_at,
        duration_minutes=duration_minutes,
        created_by=by,
    )
    meeting.full_clean(exclude=["supervisees"])
    meeting.save()
    MeetingAttendee.objects.bulk_create(
        [MeetingAttendee(meeting=meeting, supervisee=person) for person in supervisees]
    )
    if propose_agenda:
        work = open_work(supervisees, today=timezone.localdate())
        AgendaItem.objects.bulk_create(
            [_item_for(meeting, candidate, position) for position, candidate in enumerate(work, start=1)]
        )
    return meeting


@transaction.atomic
def meeting_update(
    *, meeting: Meeting, by: User, starts_at: datetime.datetime, duration_minutes: int, medium: str
) -> Meeting:
    """Move or lengthen a meeting whose minutes are not signed."""
    locked = _locked_draft(meeting, by)
    locked.starts_at = starts_at
    locked.duration_minutes = duration_minutes
    locked.medium = medium
    locked.full_clean(exclude=["supervisees"])
    locked.save(update_fields=["starts_at", "duration_minutes", "medium", "updated_at"])
    return locked


@transaction.atomic
def meeting_cancel(*, meeting: Meeting, by: User, reason: str) -> Meeting:
    """A meeting that will not take place: kept, with why, and counted in no log."""
    reason = _required(reason, "Say why the meeting is cancelled.", "reason_required")
    locked = _locked_draft(meeting, by)
    locked.archive(reason=reason[:200])
    locked.save(update_fields=["archived_at", "archived_reason", "updated_at"])
    return locked


@transaction.atomic
def agenda_add(
    *,
    meeting: Meeting,
    by: User,
    candidate: Candidate | None = None,
    title: str = "",
    supervisee: User | None = None,
) -> AgendaItem:
    """Add a piece of open work (``candidate``) or a free item (``title``) at the end of the agenda."""
    locked = _locked_draft(meeting, by)
    attendees = set(locked.attendees.values_list("supervisee_id", flat=True))
    position = (locked.items.aggregate(last=Max("position"))["last"] or 0) + 1
    if candidate is not None:
        if candidate.supervisee_id not in attendees:
            raise ValidationError("That is not the work of someone at this meeting.", code="not_attendee")
        target_field = {
            AgendaKind.FLAG: "flag",
            AgendaKind.REVISION: "revision_request",
            AgendaKind.FOLLOW_UP: "follow_up",
        }[candidate.kind]
        if locked.items.filter(**{target_field: candidate.target}).exists():
            raise ValidationError("That is on the agenda already.", code="duplicate")
        item = _item_for(locked, candidate, position)
    else:
        title = _required(title, "Say what the item is about.", "title_required")
        if supervisee is not None and supervisee.pk not in attendees:
            raise ValidationError("Choose someone at this meeting.", code="not_attendee")
        if supervisee is None and len(attendees) == 1:
            supervisee = User.objects.get(pk=next(iter(attendees)))
        item = AgendaItem(
            meeting=locked, position=position, kind=AgendaKind.FREE, title=title[:200], supervisee=supervisee
        )
    item.save()
    return item


@transaction.atomic
def agenda_remove(*, item: AgendaItem, by: User) -> None:
    """Take an item off the agenda; refused once minutes or follow-ups hang off it."""
    _locked_draft(item.meeting, by)
    if item.minutes.strip() or item.assigned.exists():
        raise ValidationError(
            "This item has minutes or follow-ups: clear its minutes first; an item with follow-ups stays.",
            code="has_minutes",
        )
    item.delete()


@transaction.atomic
def agenda_move(*, item: AgendaItem, by: User, up: bool) -> None:
    """Swap the item with its neighbour above (``up``) or below; positions are renumbered 1..n."""
    locked = _locked_draft(item.meeting, by)
    items = list(locked.items.select_for_update().order_by("position", "pk"))
    index = next(number for number, row in enumerate(items) if row.pk == item.pk)
    other = index - 1 if up else index + 1
    if 0 <= other < len(items):
        items[index], items[other] = items[other], items[index]
    for position, row in enumerate(items, start=1):
        row.position = position
    AgendaItem.objects.bulk_update(items, ["position"])


@transaction.atomic
def minutes_save(*, meeting: Meeting, by: User, minutes: dict[int, str]) -> Meeting:
    """Write the minutes of each item (by item id); the meeting stays a draft until signed."""
    locked = _locked_draft(meeting, by)
    items = list(locked.items.select_for_update())
    changed = []
    for item in items:
        if item.pk in minutes and minutes[item.pk].strip() != item.minutes:
            item.minutes = minutes[item.pk].strip()
            changed.append(item)
    AgendaItem.objects.bulk_update(changed, ["minutes"])
    locked.save(update_fields=["updated_at"])
    return locked


@transaction.atomic
def item_follow_up_assign(
    *,
    item: AgendaItem,
    by: User,
    action: str,
    owner: User,
    due_on: datetime.date,
    therapist: User | None = None,
) -> FollowUp:
    """A follow-up decided on an item, in the caseload of the item's supervisee (or ``therapist``
    for an item of the whole group), about the item's client where it has one."""
    _locked_draft(item.meeting, by)
    therapist = User.objects.get(pk=item.supervisee_id) if item.supervisee_id is not None else therapist
    if therapist is None or not item.meeting.attendees.filter(supervisee=therapist).exists():
        raise ValidationError({"therapist": "Choose whose caseload the follow-up is in."}, code="therapist")
    target = item.target
    client = target.client if target is not None else None
    follow_up = session_log.follow_up_create(
        by=by,
        origin=FollowUpOrigin.MEETING,
        action=_required(action, "Say what is to be done.", "action_required"),
        owner=owner,
        due_on=due_on,
        client=client,
        therapist=therapist,
    )
    ItemFollowUp.objects.create(item=item, follow_up=follow_up)
    return follow_up


@transaction.atomic
def meeting_sign(*, meeting: Meeting, by: User) -> Meeting:
    """Sign and lock the minutes, once the meeting has begun; the supervisees can then acknowledge."""
    locked = _locked_draft(meeting, by)
    now = timezone.now()
    if locked.starts_at > now:
        raise ValidationError(
            "This meeting has not begun yet: sign its minutes once it has been held.", code="not_held"
        )
    if not locked.items.exclude(minutes="").exists():
        raise ValidationError("Write the minutes of at least one item before signing.", code="no_minutes")
    locked.mark_signed(by=by, at=now)
    locked.save(update_fields=["status", "signed_by", "signed_at", "content_hash", "updated_at"])
    return locked


@transaction.atomic
def minutes_acknowledge(*, meeting: Meeting, by: User) -> MeetingAttendee:
    """A supervisee says they have read the signed minutes."""
    attendee = MeetingAttendee.objects.select_for_update().filter(meeting=meeting, supervisee=by).first()
    if attendee is None:
        raise PermissionDenied("Only the meeting's supervisees acknowledge its minutes.")
    if not Meeting.objects.filter(pk=meeting.pk, status=EntryStatus.SIGNED).exists():
        raise ValidationError("The minutes are not signed yet.", code="not_signed")
    if attendee.acknowledged_at is not None:
        raise ValidationError(
            "You acknowledged these minutes on %(when)s.",
            code="already",
            params={"when": datetime_text(attendee.acknowledged_at)},
        )
    attendee.acknowledged_at = timezone.now()
    attendee.save(update_fields=["acknowledged_at"])
    return attendee


@transaction.atomic
def meeting_addendum_add(*, meeting: Meeting, by: User, text: str, reason: str) -> MeetingAddendum:
    """A dated correction of signed minutes, with its reason."""
    locked = Meeting.objects.select_for_update().get(pk=meeting.pk)
    _require_supervisor(locked, by)
    if not locked.is_signed:
        raise ValidationError("Edit the minutes instead: addenda are for signed minutes.", code="not_signed")
    return MeetingAddendum.objects.create(
        meeting=locked,
        text=_required(text, "Write the correction.", "text_required"),
        reason=_required(reason, "Say why the minutes are corrected.", "reason_required")[:300],
        author=by,
    )


# The supervision log


@dataclass(frozen=True)
class LogTotals:
    meetings: int
    individual_minutes: int
    group_minutes: int

    @property
    def individual_hours(self) -> float:
        return self.individual_minutes / 60

    @property
    def group_hours(self) -> float:
        return self.group_minutes / 60

    @property
    def total_hours(self) -> float:
        return (self.individual_minutes + self.group_minutes) / 60


def supervision_log(*, supervisee: User, starts_on: datetime.date, ends_on: datetime.date):
    """The held meetings (signed minutes) the supervisee attended from ``starts_on`` to ``ends_on``
    inclusive, in the practice's time zone, oldest first, and their totals: two queries."""
    meetings = (
        Meeting.objects.held()
        .filter(
            practice_id=supervisee.practice_id,
            attendees__supervisee=supervisee,
            starts_at__date__gte=starts_on,
            starts_at__date__lte=ends_on,
        )
        .select_related("supervisor")
        .order_by("starts_at", "pk")
    )
    sums = meetings.order_by().aggregate(
        individual=Sum("duration_minutes", filter=Q(format=MeetingFormat.INDIVIDUAL), default=0),
        group=Sum("duration_minutes", filter=Q(format=MeetingFormat.GROUP), default=0),
    )
    rows = list(meetings)
    return rows, LogTotals(
        meetings=len(rows), individual_minutes=sums["individual"], group_minutes=sums["group"]
    )
