"""Importing a therapist's calendar into planned sessions, and matching what it could not.

Each event occurrence in the window (``CALENDAR_IMPORT_DAYS_BACK`` days back to
``CALENDAR_IMPORT_DAYS_AHEAD`` ahead) is matched to a client of the therapist by the client's
code appearing in its summary or description (case-insensitive, the whole code), or by the
therapist's remembered decision on its UID. A matched occurrence becomes or updates a *planned*
session (``Attendance.PLANNED``: scheduled times, no actual ones), keyed by UID and recurrence id:
importing the same calendar again changes nothing, and a moved appointment moves its planned
session. A cancelled event (STATUS:CANCELLED, or, for a feed, gone from it) removes its planned
session if untouched, and marks a logged one for the therapist to review. A signed session is
never changed. An import is one transaction: a file that cannot be read imports nothing.
"""

import datetime
import re
import zoneinfo
from dataclasses import dataclass, field

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from accounts.models import Role, User
from calendar_sync.ical import CalendarError, Occurrence, parse
from calendar_sync.models import CalendarImport, EventDecision, ImportSource, ImportStatus, UnmatchedEvent
from clients.models import Client, ClientStatus
from sessions_log.forms import SETTING_FROM_CLIENT
from sessions_log.models import Attendance, EntryStatus, Session, SessionSetting


def window(now: datetime.datetime | None = None) -> tuple[datetime.datetime, datetime.datetime]:
    now = now or timezone.now()
    back = datetime.timedelta(days=settings.CALENDAR_IMPORT_DAYS_BACK)
    ahead = datetime.timedelta(days=settings.CALENDAR_IMPORT_DAYS_AHEAD)
    return now - back, now + ahead


class CodeMatcher:
    """Finds the therapist's client codes in an event's text: whole codes, any case."""

    def __init__(self, clients):
        self.by_code = {client.code.upper(): client for client in clients}
        codes = sorted(self.by_code, key=len, reverse=True)
        self.pattern = (
            re.compile(
                r"(?<![A-Za-z0-9])(" + "|".join(map(re.escape, codes)) + r")(?![A-Za-z0-9])", re.IGNORECASE
            )
            if codes
            else None
        )

    def clients_in(self, text: str) -> set:
        if self.pattern is None:
            return set()
        return {self.by_code[found.upper()] for found in self.pattern.findall(text)}


@dataclass
class _Tally:
    planned: list = field(default_factory=list)
    moved: list = field(default_factory=list)
    removed: list = field(default_factory=list)
    review: list = field(default_factory=list)
    cancelled: int = 0
    unchanged: int = 0
    unmatched: list = field(default_factory=list)
    ignored: int = 0


def _untouched(session: Session) -> bool:
    return session.attendance == Attendance.PLANNED and session.status == EntryStatus.DRAFT


def _plan(session: Session | None, occurrence: Occurrence, client: Client, therapist: User) -> Session:
    session = session or Session(
        therapist=therapist,
        calendar_uid=occurrence.uid,
        calendar_recurrence_id=occurrence.recurrence_id,
        attendance=Attendance.PLANNED,
        actual_start=None,
        actual_end=None,
    )
    session.client = client
    session.scheduled_start = occurrence.starts_at
    session.scheduled_end = occurrence.ends_at
    if session.pk is None:
        session.setting = SETTING_FROM_CLIENT.get(client.setting, SessionSetting.IN_PERSON)
    return session


def _cancel(session: Session | None, tally: _Tally, now) -> None:
    """A cancelled occurrence: its untouched planned session goes; a logged draft is marked for
    review; a signed session stays as signed."""
    if session is not None and _untouched(session):
        tally.removed.append(session)
    elif (
        session is not None and session.status == EntryStatus.DRAFT and session.calendar_cancelled_at is None
    ):
        session.calendar_cancelled_at = now
        tally.review.append(session)
        return
    tally.cancelled += 1


def _clients(therapist: User):
    return list(
        Client.objects.filter(therapist=therapist, practice_id=therapist.practice_id)
        .active()
        .only("pk", "code", "setting", "practice_id", "therapist_id")
    )


@transaction.atomic
def import_calendar(
    *, therapist: User, data: bytes, source: str, by: User, filename: str = "", now=None
) -> CalendarImport:
    """Import ``data`` (an .ics file) into ``therapist``'s planned sessions; all or nothing.

    A file that cannot be read is recorded as a failed import with its reason, and nothing else
    changes. ``source`` FEED treats the calendar as complete: a planned session whose event has
    left it is cancelled.
    """
    if therapist.role != Role.THERAPIST or not therapist.is_active:
        raise PermissionDenied("Calendars are imported for active therapists.")
    if by.pk != therapist.pk and not (by.is_practice_admin and by.practice_id == therapist.practice_id):
        raise PermissionDenied("A therapist imports their own calendar.")
    now = now or timezone.now()
    zone = zoneinfo.ZoneInfo(therapist.practice.time_zone)
    start, end = window(now)
    record = CalendarImport(
        practice_id=therapist.practice_id,
        therapist=therapist,
        source=source,
        filename=filename[:255],
        started_at=now,
    )
    try:
        occurrences, unreadable = parse(data, zone=zone, start=start, end=end)
    except CalendarError as exc:
        record.status, record.message, record.finished_at = (
            ImportStatus.FAILED,
            str(exc)[:500],
            timezone.now(),
        )
        record.save()
        return record

    matcher = CodeMatcher(_clients(therapist))
    decisions = {
        row.uid: row for row in EventDecision.objects.filter(therapist=therapist).select_related("client")
    }
    existing = {
        (session.calendar_uid, session.calendar_recurrence_id): session
        for session in Session.objects.select_for_update(of=("self",))
        .filter(therapist=therapist)
        .exclude(calendar_uid="")
        .filter(
            Q(scheduled_start__gte=start, scheduled_start__lte=end)
            | Q(calendar_uid__in={o.uid for o in occurrences})
        )
    }
    tally, seen = _Tally(), set()
    for occurrence in occurrences:
        seen.add(occurrence.key)
        session = existing.get(occurrence.key)
        if occurrence.cancelled:
            _cancel(session, tally, now)
            continue
        decision = decisions.get(occurrence.uid)
        if decision is not None and decision.ignored:
            tally.ignored += 1
            continue
        if occurrence.all_day:
            tally.unmatched.append((occurrence, "An all-day event, not an appointment."))
            continue
        if decision is not None:
            client = decision.client
        else:
            found = matcher.clients_in(f"{occurrence.summary}\n{occurrence.description}")
            if len(found) != 1:
                reason = (
                    "No client code in its title or description."
                    if not found
                    else ("It names more than one client: " + ", ".join(sorted(c.code for c in found)) + ".")
                )
                tally.unmatched.append((occurrence, reason))
                continue
            client = found.pop()
        if session is None:
            tally.planned.append(_plan(None, occurrence, client, therapist))
        elif not _untouched(session):
            tally.unchanged += 1  # logged or signed: the therapist's record stands
        elif (session.client_id, session.scheduled_start, session.scheduled_end) != (
            client.pk,
            occurrence.starts_at,
            occurrence.ends_at,
        ):
            tally.moved.append(_plan(session, occurrence, client, therapist))
        else:
            tally.unchanged += 1
    if source == ImportSource.FEED:
        for key, session in existing.items():
            if key not in seen and start <= session.scheduled_start <= end:
                _cancel(session, tally, now)

    Session.objects.bulk_create(tally.planned, batch_size=1000)
    Session.objects.bulk_update(tally.moved, ["client", "scheduled_start", "scheduled_end"], batch_size=1000)
    Session.objects.bulk_update(tally.review, ["calendar_cancelled_at"], batch_size=1000)
    Session.objects.filter(pk__in=[session.pk for session in tally.removed]).delete()
    record.status = ImportStatus.DONE
    record.events = len(occurrences) + len(unreadable)
    record.planned, record.moved, record.unchanged = len(tally.planned), len(tally.moved), tally.unchanged
    record.cancelled, record.to_review = tally.cancelled, len(tally.review)
    record.not_matched, record.ignored = len(tally.unmatched), tally.ignored
    record.errors = [{"uid": row.uid, "when": row.when, "reason": row.reason} for row in unreadable]
    record.finished_at = timezone.now()
    record.save()
    # What is not matched is the latest import's: the list shows the calendar as it is now.
    UnmatchedEvent.objects.filter(therapist=therapist).delete()
    UnmatchedEvent.objects.bulk_create(
        [
            UnmatchedEvent(
                therapist=therapist,
                calendar_import=record,
                uid=occurrence.uid,
                recurrence_id=occurrence.recurrence_id,
                summary=occurrence.summary,
                starts_at=occurrence.starts_at,
                ends_at=occurrence.ends_at,
                all_day=occurrence.all_day,
                reason=reason,
            )
            for occurrence, reason in tally.unmatched
        ],
        ignore_conflicts=True,
    )
    return record


def _own_event(event: UnmatchedEvent, by: User) -> None:
    if event.therapist_id != by.pk:
        raise PermissionDenied("A therapist matches the events of their own calendar.")


@transaction.atomic
def match_event(*, event: UnmatchedEvent, client: Client, by: User) -> list[Session]:
    """This event's series is ``client``'s: remembered, and its unmatched occurrences planned."""
    _own_event(event, by)
    if event.all_day:
        raise ValidationError("An all-day event cannot be a session: ignore it instead.", code="all_day")
    if client.therapist_id != by.pk or client.archived_at is not None or client.status != ClientStatus.ACTIVE:
        raise ValidationError({"client": "Choose one of your active clients."}, code="client")
    EventDecision.objects.update_or_create(therapist=by, uid=event.uid, defaults={"client": client})
    rows = list(UnmatchedEvent.objects.select_for_update().filter(therapist=by, uid=event.uid, all_day=False))
    taken = set(
        Session.objects.filter(therapist=by, calendar_uid=event.uid).values_list(
            "calendar_recurrence_id", flat=True
        )
    )
    sessions = [
        _plan(
            None,
            Occurrence(row.uid, row.recurrence_id, row.starts_at, row.ends_at, row.summary, "", False, False),
            client,
            by,
        )
        for row in rows
        if row.recurrence_id not in taken
    ]
    Session.objects.bulk_create(sessions)
    UnmatchedEvent.objects.filter(pk__in=[row.pk for row in rows]).delete()
    return sessions


@transaction.atomic
def ignore_event(*, event: UnmatchedEvent, by: User) -> None:
    """This event's series is not a session (a meeting, a holiday): remembered for later imports."""
    _own_event(event, by)
    EventDecision.objects.update_or_create(therapist=by, uid=event.uid, defaults={"client": None})
    UnmatchedEvent.objects.filter(therapist=by, uid=event.uid).delete()
