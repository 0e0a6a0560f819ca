"""Importing calendars of real-world shapes: each test asserts the planned sessions afterwards."""

import datetime
import zoneinfo

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils import timezone

from calendar_sync.models import EventDecision, ImportStatus, UnmatchedEvent
from calendar_sync.services import ignore_event, import_calendar, match_event
from clients.tests.factories import ClientFactory
from sessions_log.models import Attendance, Session
from sessions_log.tests.factories import SessionFactory
from supervision.findings import find_unsigned_entry

pytestmark = pytest.mark.django_db

LONDON = zoneinfo.ZoneInfo("Europe/London")  # the practice's zone (PracticeFactory)
UTC = datetime.UTC
# "Now" for every import here: the window runs 60 days back and 90 ahead of it.
NOW = datetime.datetime(2026, 10, 20, 12, 0, tzinfo=UTC)

VTIMEZONE = """BEGIN:VTIMEZONE
TZID:Europe/London
BEGIN:STANDARD
DTSTART:19701025T020000
TZOFFSETFROM:+0100
TZOFFSETTO:+0000
RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU
TZNAME:GMT
END:STANDARD
BEGIN:DAYLIGHT
DTSTART:19700329T010000
TZOFFSETFROM:+0000
TZOFFSETTO:+0100
RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU
TZNAME:BST
END:DAYLIGHT
END:VTIMEZONE
"""


def calendar(*events: str, timezone_block: str = VTIMEZONE) -> bytes:
    body = "".join(events)
    text = (
        f"BEGIN:VCALENDAR\nVERSION:2.0\nPRODID:-//Alliance tests//EN\n{timezone_block}{body}END:VCALENDAR\n"
    )
    return text.replace("\n", "\r\n").encode()


def event(uid: str, *lines: str) -> str:
    return (
        "BEGIN:VEVENT\n"
        + f"UID:{uid}\nDTSTAMP:20261001T000000Z\n"
        + "".join(f"{line}\n" for line in lines)
        + "END:VEVENT\n"
    )


def run(owner, data: bytes, *, source="file", now=NOW):
    return import_calendar(therapist=owner, data=data, source=source, by=owner, now=now)


def planned(owner) -> list[tuple]:
    return [
        (
            session.client.code,
            session.scheduled_start.astimezone(LONDON).strftime("%Y-%m-%d %H:%M"),
            session.scheduled_end.astimezone(LONDON).strftime("%H:%M"),
        )
        for session in Session.objects.planned()
        .filter(therapist=owner)
        .select_related("client")
        .order_by("scheduled_start")
    ]


WEEKLY = event(
    "weekly@practice",
    "DTSTART;TZID=Europe/London:20261015T100000",
    "DTEND;TZID=Europe/London:20261015T105000",
    "RRULE:FREQ=WEEKLY;COUNT=4",
    "EXDATE;TZID=Europe/London:20261022T100000",
    "SUMMARY:RS-0001 weekly therapy",
)
OVERRIDE = event(
    "weekly@practice",
    "RECURRENCE-ID;TZID=Europe/London:20261029T100000",
    "DTSTART;TZID=Europe/London:20261029T140000",
    "DTEND;TZID=Europe/London:20261029T145000",
    "SUMMARY:RS-0001 weekly therapy (moved to the afternoon)",
)


def test_a_weekly_series_with_an_exdate_and_an_overridden_instance_across_the_clock_change(
    owner, client_record
):
    result = run(owner, calendar(WEEKLY, OVERRIDE))

    # 15 Oct (BST), 22 Oct excluded, 29 Oct moved to 14:00 (GMT since the 25th), 5 Nov (GMT).
    assert planned(owner) == [
        ("RS-0001", "2026-10-15 10:00", "10:50"),
        ("RS-0001", "2026-10-29 14:00", "14:50"),
        ("RS-0001", "2026-11-05 10:00", "10:50"),
    ]
    sessions = Session.objects.planned().order_by("scheduled_start")
    assert [s.scheduled_start.astimezone(UTC).hour for s in sessions] == [9, 14, 10]
    assert [s.calendar_recurrence_id for s in sessions] == [
        "20261015T090000Z",
        "20261029T100000Z",
        "20261105T100000Z",
    ]
    assert all(
        s.actual_start is None and s.attendance == Attendance.PLANNED and not s.is_signed for s in sessions
    )
    assert (result.status, result.events, result.planned) == (ImportStatus.DONE, 3, 3)


def test_utc_and_floating_times_floating_read_in_the_practices_zone(owner, client_record):
    run(
        owner,
        calendar(
            event("utc@x", "DTSTART:20261103T090000Z", "DTEND:20261103T095000Z", "SUMMARY:rs-0001"),
            event("floating@x", "DTSTART:20261104T090000", "DURATION:PT50M", "SUMMARY:Session RS-0001"),
            timezone_block="",
        ),
    )

    assert planned(owner) == [
        ("RS-0001", "2026-11-03 09:00", "09:50"),
        ("RS-0001", "2026-11-04 09:00", "09:50"),
    ]


def test_an_all_day_event_and_one_without_a_code_are_not_matched(owner, client_record):
    result = run(
        owner,
        calendar(
            event("allday@x", "DTSTART;VALUE=DATE:20261102", "SUMMARY:Training day RS-0001"),
            event("nocode@x", "DTSTART:20261103T090000Z", "DTEND:20261103T095000Z", "SUMMARY:New enquiry"),
            event(
                "partial@x",
                "DTSTART:20261103T110000Z",
                "DTEND:20261103T115000Z",
                "SUMMARY:RS-00012 and XRS-0001",
            ),
        ),
    )

    assert planned(owner) == []
    reasons = dict(UnmatchedEvent.objects.values_list("uid", "reason"))
    assert reasons == {
        "allday@x": "An all-day event, not an appointment.",
        "nocode@x": "No client code in its title or description.",
        "partial@x": "No client code in its title or description.",  # whole codes only
    }
    assert result.not_matched == 3


def test_the_code_may_stand_in_the_description_and_two_codes_are_not_guessed(owner, client_record):
    ClientFactory(therapist=owner, code="RS-0002")
    run(
        owner,
        calendar(
            event(
                "desc@x",
                "DTSTART:20261103T090000Z",
                "DTEND:20261103T095000Z",
                "SUMMARY:Therapy",
                "DESCRIPTION:Client rs-0002",
            ),
            event(
                "two@x",
                "DTSTART:20261103T110000Z",
                "DTEND:20261103T115000Z",
                "SUMMARY:RS-0001 / RS-0002 couple",
            ),
        ),
    )

    assert planned(owner) == [("RS-0002", "2026-11-03 09:00", "09:50")]
    assert UnmatchedEvent.objects.get().reason == "It names more than one client: RS-0001, RS-0002."


def test_a_cancelled_event_removes_its_untouched_planned_session_and_marks_a_logged_one(owner, client_record):
    data = calendar(WEEKLY)
    run(owner, data)
    logged = Session.objects.planned().order_by("scheduled_start").last()
    Session.objects.filter(pk=logged.pk).update(
        attendance=Attendance.ATTENDED, actual_start=logged.scheduled_start, actual_end=logged.scheduled_end
    )
    cancelled = [
        event(
            "weekly@practice",
            f"RECURRENCE-ID;TZID=Europe/London:{day}T100000",
            f"DTSTART;TZID=Europe/London:{day}T100000",
            f"DTEND;TZID=Europe/London:{day}T105000",
            "SUMMARY:RS-0001",
            "STATUS:CANCELLED",
        )
        for day in ("20261015", "20261105")
    ]

    result = run(owner, calendar(WEEKLY, *cancelled))

    assert planned(owner) == [("RS-0001", "2026-10-29 10:00", "10:50")]
    logged.refresh_from_db()
    assert logged.attendance == Attendance.ATTENDED and logged.calendar_cancelled_at is not None
    assert (result.cancelled, result.to_review) == (1, 1)


def test_the_same_file_imported_twice_changes_nothing(owner, client_record):
    data = calendar(WEEKLY, OVERRIDE)
    run(owner, data)
    before = list(Session.objects.order_by("pk").values())

    again = run(owner, data)

    assert list(Session.objects.order_by("pk").values()) == before
    assert (again.planned, again.moved, again.unchanged) == (0, 0, 3)
    assert again.summary == "3 events: 3 unchanged"


def test_a_moved_appointment_moves_its_planned_session(owner, client_record):
    one_off = "DTSTART;TZID=Europe/London:20261110T090000", "DTEND;TZID=Europe/London:20261110T095000"
    run(owner, calendar(event("once@x", *one_off, "SUMMARY:RS-0001")))
    session = Session.objects.get()

    result = run(
        owner,
        calendar(
            event(
                "once@x",
                "DTSTART;TZID=Europe/London:20261111T160000",
                "DTEND;TZID=Europe/London:20261111T165000",
                "SUMMARY:RS-0001",
            )
        ),
    )

    assert planned(owner) == [("RS-0001", "2026-11-11 16:00", "16:50")]
    assert Session.objects.get().pk == session.pk and result.moved == 1


def test_a_signed_session_is_never_changed_by_an_import(owner, client_record):
    run(
        owner,
        calendar(event("once@x", "DTSTART:20261010T090000Z", "DTEND:20261010T095000Z", "SUMMARY:RS-0001")),
    )
    session = Session.objects.get()
    Session.objects.filter(pk=session.pk).update(
        attendance=Attendance.ATTENDED, actual_start=session.scheduled_start, actual_end=session.scheduled_end
    )
    session.refresh_from_db()
    session.mark_signed(by=owner)
    session.save()

    moved = event(
        "once@x", "DTSTART:20261012T090000Z", "DTEND:20261012T095000Z", "SUMMARY:RS-0001", "STATUS:CANCELLED"
    )
    run(owner, calendar(moved))
    run(owner, calendar(moved), source="feed")

    session.refresh_from_db()
    assert session.is_signed and session.signature_intact
    assert session.calendar_cancelled_at is None and session.scheduled_start.day == 10


def test_an_event_gone_from_a_feed_is_cancelled_but_not_from_a_file(owner, client_record):
    run(
        owner,
        calendar(
            WEEKLY, event("once@x", "DTSTART:20261110T090000Z", "DTEND:20261110T095000Z", "SUMMARY:RS-0001")
        ),
    )

    run(owner, calendar(WEEKLY))
    assert len(planned(owner)) == 4
    result = run(owner, calendar(WEEKLY), source="feed")

    assert len(planned(owner)) == 3 and result.cancelled == 1


def test_nothing_is_imported_outside_the_window(owner, client_record):
    run(
        owner,
        calendar(
            event(
                "old@x", "DTSTART:20260801T090000Z", "DTEND:20260801T095000Z", "SUMMARY:RS-0001"
            ),  # 80 days back
            event(
                "far@x", "DTSTART:20270201T090000Z", "DTEND:20270201T095000Z", "SUMMARY:RS-0001"
            ),  # 104 ahead
            event("in@x", "DTSTART:20260901T090000Z", "DTEND:20260901T095000Z", "SUMMARY:RS-0001"),
        ),
    )

    assert planned(owner) == [("RS-0001", "2026-09-01 10:00", "10:50")]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"this is not a calendar", "not an iCalendar (.ics) file"),
        (b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nBEGIN:VEVENT\r\nDTSTART:2026-13-45\r\n", "cannot be read"),
        (b"\x89PNG\r\n\x1a\nBEGIN:VCALENDAR", "cannot be read"),
    ],
    ids=["not-ical", "truncated", "binary"],
)
def test_a_malformed_file_gets_a_clear_message_and_imports_nothing(owner, client_record, data, message):
    SessionFactory(client=client_record)

    result = run(owner, data)

    assert result.status == ImportStatus.FAILED and message in result.message
    assert Session.objects.count() == 1 and not Session.objects.planned().exists()


def test_an_unreadable_event_is_reported_and_the_others_imported(owner, client_record):
    result = run(
        owner,
        calendar(
            event("backwards@x", "DTSTART:20261103T090000Z", "DTEND:20261103T080000Z", "SUMMARY:RS-0001"),
            event("fine@x", "DTSTART:20261104T090000Z", "DTEND:20261104T095000Z", "SUMMARY:RS-0001"),
        ),
    )

    assert planned(owner) == [("RS-0001", "2026-11-04 09:00", "09:50")]
    assert result.errors == [
        {"uid": "backwards@x", "when": "3 Nov 2026, 09:00", "reason": "It ends before it begins."}
    ]


def test_matching_and_ignoring_are_remembered_for_later_imports(owner, client_record):
    data = calendar(
        event(
            "series@x",
            "DTSTART:20261103T090000Z",
            "DTEND:20261103T095000Z",
            "RRULE:FREQ=WEEKLY;COUNT=3",
            "SUMMARY:Tuesday client",
        ),
        event("admin@x", "DTSTART:20261104T090000Z", "DTEND:20261104T095000Z", "SUMMARY:Team meeting"),
    )
    run(owner, data)
    series = UnmatchedEvent.objects.filter(uid="series@x").first()

    match_event(event=series, client=client_record, by=owner)
    ignore_event(event=UnmatchedEvent.objects.get(uid="admin@x"), by=owner)

    assert len(planned(owner)) == 3 and not UnmatchedEvent.objects.exists()
    again = run(owner, data)
    assert (again.unchanged, again.ignored, again.not_matched) == (3, 1, 0)
    assert EventDecision.objects.get(uid="admin@x").ignored


def test_only_the_therapist_or_their_admin_imports_and_matches(owner, colleague, supervisor, client_record):
    data = calendar(event("nocode@x", "DTSTART:20261103T090000Z", "DTEND:20261103T095000Z", "SUMMARY:New"))
    for person in (colleague, supervisor):
        with pytest.raises(PermissionDenied):
            import_calendar(therapist=owner, data=data, source="file", by=person, now=NOW)
    run(owner, data)
    with pytest.raises(PermissionDenied):
        match_event(event=UnmatchedEvent.objects.get(), client=client_record, by=colleague)


def test_rules_and_the_unsigned_list_leave_planned_sessions_out(client, owner, client_record):
    now = timezone.now()
    start = (now - datetime.timedelta(days=2)).strftime("%Y%m%dT090000Z")
    end = (now - datetime.timedelta(days=2)).strftime("%Y%m%dT095000Z")
    run(owner, calendar(event("once@x", f"DTSTART:{start}", f"DTEND:{end}", "SUMMARY:RS-0001")), now=now)
    session = Session.objects.get()

    later = now + datetime.timedelta(days=30)
    assert find_unsigned_entry(practice=owner.practice, thresholds={"grace_hours": 1}, now=later) == []
    client.force_login(owner)
    worklists = client.get(reverse("home")).context["worklists"]
    assert worklists["unsigned_sessions"].items == [] and worklists["to_log"].items == [session]
