"""A sample practice calendar for a therapist of the demo, to try the calendar import with.

Built from the therapist's own client codes around today, so that it always falls inside the
import window: two weekly series (one with a date taken out and one occurrence moved to another
day, the other with one occurrence cancelled), a one-off appointment, an event without a client
code and an all-day event; the last two are listed as not matched. Times carry the practice's
time zone (TZID with its VTIMEZONE), as schedulers export them.
"""

import datetime
import zoneinfo

import icalendar

from clients.models import Client

DAY = datetime.timedelta(days=1)
WEEK = 7 * DAY


def _at(day: datetime.date, hour: int, zone) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time(hour), tzinfo=zone)


def _event(uid, start, minutes, summary, **extra) -> icalendar.Event:
    event = icalendar.Event()
    event.add("uid", f"{uid}@sample.alliance")
    event.add("dtstamp", datetime.datetime(2026, 1, 1, tzinfo=datetime.UTC))
    event.add("dtstart", start)
    if isinstance(start, datetime.datetime):
        event.add("dtend", start + datetime.timedelta(minutes=minutes))
    event.add("summary", summary)
    for name, value in extra.items():
        event.add(name.replace("_", "-"), value)
    return event


def sample_calendar(therapist, today: datetime.date) -> bytes:
    zone = zoneinfo.ZoneInfo(therapist.practice.time_zone)
    codes = list(
        Client.objects.filter(therapist=therapist)
        .active()
        .order_by("code")
        .values_list("code", flat=True)[:3]
    )
    if not codes:
        raise ValueError("Add a client first: the sample calendar is made from your clients' codes.")
    first, second, third = (codes * 3)[:3]
    monday = today - today.weekday() * DAY
    calendar = icalendar.Calendar()
    calendar.add("prodid", "-//Alliance demo//Sample practice calendar//EN")
    calendar.add("version", "2.0")
    minutes = therapist.practice.usual_session_minutes

    # Tuesdays at 10:00, from six weeks ago for fourteen weeks; last week's taken out, and the one
    # in two weeks moved to the Thursday afternoon.
    tuesdays = _at(monday - 6 * WEEK + DAY, 10, zone)
    weekly = _event("weekly-tuesday", tuesdays, minutes, f"{first} · individual session")
    weekly.add("rrule", {"freq": "weekly", "count": 14})
    weekly.add("exdate", tuesdays + 5 * WEEK)
    calendar.add_component(weekly)
    moved = _event(
        "weekly-tuesday", _at(monday + 2 * WEEK + 3 * DAY, 15, zone), minutes, f"{first} · moved to Thursday"
    )
    moved.add("recurrence-id", tuesdays + 8 * WEEK)
    calendar.add_component(moved)
    # Wednesdays at 14:00, weekly without end; next week's cancelled.
    wednesdays = _at(monday - 4 * WEEK + 2 * DAY, 14, zone)
    calendar.add_component(
        _event("weekly-wednesday", wednesdays, minutes, f"Session {second}", rrule={"freq": "weekly"})
    )
    cancelled = _event(
        "weekly-wednesday", wednesdays + 5 * WEEK, minutes, f"Session {second}", status="CANCELLED"
    )
    cancelled.add("recurrence-id", wednesdays + 5 * WEEK)
    calendar.add_component(cancelled)
    # A one-off on Monday next week, the code in the description only.
    calendar.add_component(
        _event(
            "one-off", _at(monday + WEEK, 9, zone), minutes, "Review session", description=f"Client {third}"
        )
    )
    # No client code: the therapist matches it (to a new client, say) or ignores it.
    calendar.add_component(
        _event("enquiry", _at(monday + 3 * DAY, 16, zone), minutes, "Initial consultation (new enquiry)")
    )
    calendar.add_component(_event("closed", monday + 4 * DAY, 0, "Practice closed: training day"))
    calendar.add_missing_timezones()
    return calendar.to_ical()
