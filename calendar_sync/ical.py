"""Reading an iCalendar (RFC 5545) file into the occurrences of its events within a window.

``icalendar`` parses the format; ``recurring-ical-events`` expands recurrence (RRULE, RDATE,
EXDATE, RECURRENCE-ID overrides) in the events' own time zones (TZID with its VTIMEZONE, UTC).
A floating time (no zone) is read in the practice's time zone; an all-day event keeps its dates.
"""

import datetime
import zoneinfo
from dataclasses import dataclass

import icalendar
import recurring_ical_events
from django.utils.formats import date_format

# A bigger file than any practice's year of appointments (about 2,500 events is 1 MB).
MAX_BYTES = 10 * 1024 * 1024


class CalendarError(ValueError):
    """The file as a whole cannot be read: nothing is imported."""


@dataclass(frozen=True)
class Occurrence:
    uid: str
    # "" for a one-off event; the occurrence's original start in UTC for one of a series.
    recurrence_id: str
    starts_at: datetime.datetime
    ends_at: datetime.datetime
    summary: str
    description: str
    cancelled: bool
    all_day: bool

    @property
    def key(self) -> tuple[str, str]:
        return self.uid, self.recurrence_id


@dataclass(frozen=True)
class Unreadable:
    uid: str
    when: str
    reason: str


def _aware(value, zone: zoneinfo.ZoneInfo) -> datetime.datetime:
    if isinstance(value, datetime.datetime):
        return value.replace(tzinfo=zone) if value.tzinfo is None else value
    return datetime.datetime.combine(value, datetime.time(), tzinfo=zone)


def _utc_stamp(value, zone) -> str:
    return _aware(value, zone).astimezone(datetime.UTC).strftime("%Y%m%dT%H%M%SZ")


def _bad_times(event, zone) -> tuple[str, str] | None:
    """(when, why) if the event's own times cannot be an appointment."""
    try:
        begins = event.decoded("DTSTART")
        finishes = event.decoded("DTEND") if "DTEND" in event else None
    except (ValueError, TypeError, KeyError) as exc:
        return "", f"Its times cannot be read: {exc}"
    if (
        finishes is not None
        and type(begins) is type(finishes)
        and _aware(finishes, zone) < _aware(begins, zone)
    ):
        return date_format(_aware(begins, zone), "DATETIME_FORMAT"), "It ends before it begins."
    return None


def _by_uid(calendar):
    """One calendar per UID, each with the file's time zones."""
    zones = [part for part in calendar.subcomponents if part.name == "VTIMEZONE"]
    groups: dict[str, list] = {}
    for part in calendar.subcomponents:
        if part.name == "VEVENT":
            groups.setdefault(str(part.get("UID", "")), []).append(part)
    for uid, parts in groups.items():
        alone = icalendar.Calendar()
        for part in (*zones, *parts):
            alone.add_component(part)
        yield uid, alone


def parse(
    data: bytes, *, zone: zoneinfo.ZoneInfo, start: datetime.datetime, end: datetime.datetime
) -> tuple[list[Occurrence], list[Unreadable]]:
    """The occurrences from ``start`` to ``end``, and the events that could not be read.

    Raises CalendarError when the file is not an iCalendar file at all, or too big.
    """
    if len(data) > MAX_BYTES:
        raise CalendarError(f"The file is larger than {MAX_BYTES // (1024 * 1024)} MB.")
    if b"BEGIN:VCALENDAR" not in data[:4096].upper():
        raise CalendarError(
            "This is not an iCalendar (.ics) file: it does not begin a calendar (BEGIN:VCALENDAR)."
        )
    try:
        calendar = icalendar.Calendar.from_ical(data)
    except (ValueError, KeyError, IndexError, TypeError) as exc:
        raise CalendarError(f"This iCalendar file cannot be read: {exc}") from exc
    if isinstance(calendar, list):  # several calendars in one file: read the first
        calendar = calendar[0]
    events = list(calendar.walk("VEVENT"))
    # A series is what has a rule, extra dates, or overrides; its occurrences are told apart by
    # their original start. A one-off event keeps one key however it moves.
    series = {
        str(event.get("UID", ""))
        for event in events
        if any(name in event for name in ("RRULE", "RDATE", "RECURRENCE-ID"))
    }
    unreadable, bad = [], set()
    for event in events:
        uid = str(event.get("UID", ""))
        if not uid or "DTSTART" not in event:
            unreadable.append(Unreadable(uid, "", "No UID or no start (DTSTART): not an appointment."))
            bad.add(uid)
        elif (reason := _bad_times(event, zone)) is not None:
            unreadable.append(Unreadable(uid, reason[0], reason[1]))
            bad.add(uid)
    if bad:
        calendar.subcomponents = [
            part
            for part in calendar.subcomponents
            if part.name != "VEVENT" or str(part.get("UID", "")) not in bad
        ]
    try:
        expanded = recurring_ical_events.of(calendar).between(start, end)
    except Exception:  # noqa: BLE001 - the library raises its own and dateutil's errors
        # One series that cannot be expanded must not cost the others: expand each on its own.
        expanded = []
        for uid, alone in _by_uid(calendar):
            try:
                expanded += recurring_ical_events.of(alone).between(start, end)
            except Exception as exc:  # noqa: BLE001
                unreadable.append(Unreadable(uid, "", f"Its repetition cannot be read: {exc}"))
    occurrences = []
    for event in expanded:
        uid = str(event.get("UID", ""))
        if not uid or "DTSTART" not in event:
            continue
        try:
            begins = event.decoded("DTSTART")
            all_day = not isinstance(begins, datetime.datetime)
            if "DTEND" in event:
                finishes = event.decoded("DTEND")
            elif "DURATION" in event:
                finishes = begins + event.decoded("DURATION")
            else:
                finishes = begins + (datetime.timedelta(days=1) if all_day else datetime.timedelta(0))
            starts_at, ends_at = _aware(begins, zone), _aware(finishes, zone)
            recurrence = event.get("RECURRENCE-ID")
            recurrence_id = _utc_stamp(recurrence.dt, zone) if uid in series and recurrence else ""
        except (ValueError, TypeError, KeyError) as exc:
            unreadable.append(Unreadable(uid, "", f"Its times cannot be read: {exc}"))
            continue
        if not all_day and ends_at <= starts_at:
            unreadable.append(
                Unreadable(uid, date_format(starts_at, "DATETIME_FORMAT"), "It ends before it begins.")
            )
            continue
        occurrences.append(
            Occurrence(
                uid=uid[:255],
                recurrence_id=recurrence_id,
                starts_at=starts_at,
                ends_at=ends_at,
                summary=str(event.get("SUMMARY", ""))[:255],
                description=str(event.get("DESCRIPTION", "")),
                cancelled=str(event.get("STATUS", "")).upper() == "CANCELLED",
                all_day=all_day,
            )
        )
    return occurrences, unreadable
