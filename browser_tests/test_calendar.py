"""The calendar import: the demo file uploaded, the unmatched event matched, a planned session logged.

dr.chen downloads the sample calendar from her calendar page and imports it: its weekly series
become planned sessions (without the date taken out, with the moved occurrence on its new day),
and two events are listed as not matched. She matches the enquiry to a client and ignores the
all-day closure; importing the same file again plans nothing new. From her home page's "Sessions
to log" she logs the oldest planned session as scheduled, and it leaves the list.
"""

import datetime
import re
import zoneinfo

from django.utils import timezone
from playwright.sync_api import expect

from accounts.models import User
from calendar_sync.models import EventDecision
from sessions_log.models import Attendance, Session

ENQUIRY = "Initial consultation (new enquiry)"
CLOSED = "Practice closed: training day"
ENQUIRY_UID = "enquiry@sample.alliance"
WEEKLY_UID = "weekly-tuesday@sample.alliance"
DAY = datetime.timedelta(days=1)
WEEK = 7 * DAY
LOCAL = "%Y-%m-%dT%H:%M"  # a datetime-local input's value


def _status(page):
    return page.get_by_role("status").first


def _not_matched(page):
    return page.locator("section", has=page.get_by_role("heading", name=re.compile(r"^Not matched")))


def _to_log(page):
    return page.locator(".card", has=page.get_by_role("heading", name="Sessions to log"))


def _planned(chen):
    return Session.objects.filter(therapist=chen, attendance=Attendance.PLANNED)


def _import(page, path) -> str:
    """Upload ``path`` on the calendar page; the success message."""
    page.get_by_label("Calendar file (.ics)").set_input_files(path)
    page.get_by_role("button", name="Import").click()
    expect(_status(page)).to_contain_text(f"Imported {path.name}: ")
    return _status(page).inner_text()


def test_a_calendar_imported_matched_and_logged(signed_in_page, audit, chen_clients, tmp_path):
    chen = User.objects.get(username="dr.chen")
    zone = zoneinfo.ZoneInfo(chen.practice.time_zone)
    today = timezone.localdate(timezone=zone)
    monday = today - today.weekday() * DAY  # as demo.calendar.sample_calendar counts
    tuesdays = datetime.datetime.combine(monday - 6 * WEEK + DAY, datetime.time(10), tzinfo=zone)
    taken_out, moved_from = (tuesdays + 5 * WEEK).date(), (tuesdays + 8 * WEEK).date()
    moved_to = datetime.datetime.combine(monday + 2 * WEEK + 3 * DAY, datetime.time(15), tzinfo=zone)
    client = chen_clients[-1]
    planned_before = _planned(chen).count()

    # The calendar page, from the nav; the sample calendar downloaded through its link.
    page = signed_in_page("dr.chen")
    page.get_by_role("navigation").get_by_role("link", name="Calendar", exact=True).click()
    expect(page.get_by_role("heading", name="Calendar", level=1)).to_be_visible()
    expect(page).to_have_url(re.compile(r"/calendar/$"))
    audit(page)
    with page.expect_download() as downloading:
        page.get_by_role("link", name="download a sample calendar").click()
    download = downloading.value
    assert download.suggested_filename == "sample-calendar-dr.chen.ics"
    sample = tmp_path / download.suggested_filename
    download.save_as(sample)
    assert sample.read_bytes().startswith(b"BEGIN:VCALENDAR")

    # The import: sessions planned, two events not matched.
    summary = _import(page, sample)
    planned = int(re.search(r"(\d+) sessions planned", summary)[1])
    assert "2 not matched" in summary, summary
    assert _planned(chen).count() == planned_before + planned
    unmatched = _not_matched(page)
    rows = unmatched.locator("tbody tr")
    expect(rows).to_have_count(2)
    enquiry, closed = rows.filter(has_text=ENQUIRY), rows.filter(has_text=CLOSED)
    expect(enquiry).to_contain_text("No client code in its title or description.")
    expect(closed).to_contain_text("(all day)")
    expect(closed.get_by_role("button", name="Match")).to_have_count(0)
    expect(closed.get_by_role("combobox")).to_have_count(0)
    audit(page)

    # The weekly series: no session on the Tuesday taken out; the moved one on Thursday at 15:00.
    weekly = Session.objects.filter(therapist=chen, calendar_uid=WEEKLY_UID)
    days = {session.scheduled_start.astimezone(zone).date() for session in weekly}
    assert taken_out not in days and moved_from not in days, sorted(days)
    assert (tuesdays + 4 * WEEK).date() in days and (tuesdays + 6 * WEEK).date() in days, sorted(days)
    moved = weekly.get(scheduled_start=moved_to)
    assert moved.scheduled_start.astimezone(zone).strftime("%A %H:%M") == "Thursday 15:00"

    # The enquiry matched to a client, the closure ignored: the list empties.
    enquiry.get_by_label(f"Client for {ENQUIRY}").select_option(label=client.code)
    enquiry.get_by_role("button", name="Match").click()
    expect(_status(page)).to_contain_text(f"Matched to {client.code}: 1 planned session")
    expect(rows).to_have_count(1)
    closed.get_by_role("button", name="Ignore").click()
    expect(_status(page)).to_contain_text(f"“{CLOSED}” is ignored")
    expect(unmatched).to_contain_text("Every event of the latest import was matched")
    expect(rows).to_have_count(0)
    audit(page)
    decisions = dict(EventDecision.objects.filter(therapist=chen).values_list("uid", "client"))
    assert decisions == {ENQUIRY_UID: client.pk, "closed@sample.alliance": None}, decisions
    assert _planned(chen).get(calendar_uid=ENQUIRY_UID).client == client
    planned_sessions = _planned(chen).count()
    assert planned_sessions == planned_before + planned + 1

    # The same file again: nothing new planned, nothing left to match.
    summary = _import(page, sample)
    assert "unchanged" in summary, summary
    assert "session planned" not in summary and "sessions planned" not in summary, summary
    assert "not matched" not in summary, summary
    assert _planned(chen).count() == planned_sessions
    expect(unmatched).to_contain_text("Every event of the latest import was matched")
    audit(page)

    # From the home page, the oldest session to log, logged as scheduled.
    page.goto("/")
    to_log = _to_log(page)
    expect(to_log.get_by_role("link", name="as scheduled").first).to_be_visible()
    audit(page)
    href = to_log.get_by_role("link", name="as scheduled").first.get_attribute("href")
    session = Session.objects.get(pk=int(re.search(r"/sessions/(\d+)/edit/", href)[1]))
    assert session.attendance == Attendance.PLANNED and session.scheduled_start <= timezone.now()
    to_log.get_by_role("link", name="as scheduled").first.click()
    expect(page.get_by_label("Attendance")).to_have_value(Attendance.ATTENDED)
    start, end = session.scheduled_start.astimezone(zone), session.scheduled_end.astimezone(zone)
    expect(page.get_by_label("Scheduled start")).to_have_value(f"{start:{LOCAL}}")
    expect(page.get_by_label("Actual start")).to_have_value(f"{start:{LOCAL}}")
    expect(page.get_by_label("Actual end")).to_have_value(f"{end:{LOCAL}}")
    audit(page)
    page.get_by_role("button", name="Save draft").click()
    expect(_status(page)).to_contain_text("Session saved as a draft")
    expect(page).to_have_url(re.compile(f"{re.escape(session.get_absolute_url())}$"))
    expect(page.get_by_text("Planned from the practice calendar")).to_have_count(0)
    audit(page)
    session.refresh_from_db()
    assert session.attendance == Attendance.ATTENDED
    assert session.actual_start == session.scheduled_start and session.actual_end == session.scheduled_end
    assert _planned(chen).count() == planned_sessions - 1

    # It has left "Sessions to log".
    page.goto("/")
    edit_url = f"/sessions/{session.pk}/edit/"
    expect(_to_log(page).locator(f'a[href^="{edit_url}"]')).to_have_count(0)
    audit(page)
