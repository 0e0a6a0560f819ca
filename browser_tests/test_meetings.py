"""Journey 4, a supervision meeting: agenda from open work, minutes, a decision, a follow-up, the log.

The supervisor records a meeting with dr.chen held half an hour ago; its agenda is proposed from
her open flags. She removes an item, moves one up and adds a free one, writes and saves minutes,
comments on a flag from the meeting's page, assigns a follow-up from an item and signs the
minutes. dr.chen finds the minutes from her home page, acknowledges them, and sees on the flag
that the comment was made in the meeting. The supervision log counts the meeting's hours.
"""

import datetime
import re
import zoneinfo

from django.utils import timezone
from django.utils.formats import date_format
from playwright.sync_api import expect

from accounts.models import User
from sessions_log.models import FollowUpOrigin
from supervision.models import FlagEvent, FlagEventKind, ItemFollowUp, Meeting, MeetingAttendee

DURATION = 90  # minutes: 1.50 h in the log
FREE_ITEM = "Caseload and self-care"
MINUTES = "Discussed the flag; the contact agreement is to be restated at the next session."
FREE_MINUTES = "Caseload is manageable; one evening a week kept free."
COMMENT = "Discussed in supervision: restate the agreement and note the client's answer."
FOLLOW_UP = "Write up the restated agreement and bring it to the next meeting"
ATTEST = "I confirm these minutes are accurate and complete."
HISTORY = "Decisions and history"
NARROW = 390  # px: a phone held upright


def _status(page):
    return page.get_by_role("status").first


def _items(page):
    return page.locator("article[id^='item-']")


def _unfold(scope, summary: str):
    """The <details> of ``scope`` whose own summary reads ``summary``, opened."""
    details = scope.locator("details").filter(
        has=scope.page.locator(":scope > summary", has_text=re.compile(f"^{re.escape(summary)}$"))
    )
    if details.get_attribute("open") is None:
        details.locator(":scope > summary").click()
    return details


def _individual_hours(page) -> str:
    """The "Individual supervision" total of the supervision log on ``page``, e.g. "1.00 h"."""
    totals = page.get_by_label("Totals")
    return totals.locator("dt:text-is('Individual supervision') + dd").inner_text().strip()


def _no_horizontal_scroll(page, width: int) -> None:
    page.set_viewport_size({"width": width, "height": 844})
    widths = page.evaluate(
        "() => ({scroll: document.documentElement.scrollWidth, client: document.documentElement.clientWidth})"
    )
    assert widths["client"] <= width
    assert widths["scroll"] <= width + 1, widths


def test_a_supervision_meeting_from_agenda_to_log(signed_in_page, audit):
    chen = User.objects.get(username="dr.chen")
    zone = zoneinfo.ZoneInfo(chen.practice.time_zone)
    starts = (
        (timezone.now() - datetime.timedelta(minutes=30)).astimezone(zone).replace(second=0, microsecond=0)
    )
    today = timezone.localdate(timezone=zone)
    year_start, week = today.replace(month=1, day=1), today + datetime.timedelta(days=7)
    log_url = (
        f"/supervision/log/?supervisee={chen.pk}&starts_on={year_start:%Y-%m-%d}&ends_on={today:%Y-%m-%d}"
    )

    # The supervision log before the meeting.
    supervisor = signed_in_page("sup.rivera")
    supervisor.goto(log_url)
    before = _individual_hours(supervisor)
    assert before.endswith(" h"), before
    audit(supervisor)

    # A meeting held half an hour ago, its agenda proposed from dr.chen's open work.
    supervisor.goto("/supervision/meetings/")
    audit(supervisor)
    supervisor.get_by_role("link", name="Schedule a meeting").click()
    supervisor.get_by_label(str(chen)).check()
    supervisor.get_by_label("Individual").check()
    supervisor.get_by_label("Date and start").fill(f"{starts:%Y-%m-%dT%H:%M}")
    supervisor.get_by_label("Duration (minutes)").fill(str(DURATION))
    supervisor.get_by_label("Held").select_option(label="In person")
    expect(supervisor.get_by_label("Propose the agenda from their open flags")).to_be_checked()
    audit(supervisor)
    supervisor.get_by_role("button", name="Schedule").click()
    expect(_status(supervisor)).to_contain_text("Meeting scheduled")
    meeting = Meeting.objects.get(pk=int(re.search(r"/meetings/(\d+)/", supervisor.url)[1]))
    meeting_url = meeting.get_absolute_url()
    assert meeting.attendees.get().supervisee == chen
    items = _items(supervisor)
    expect(items.filter(has_text="Open flag").first).to_be_visible()
    audit(supervisor)

    # The agenda edited: one item off (the last, when there are three or more), one up, a free one.
    if items.count() >= 3:
        count = items.count()
        items.last.get_by_role("button", name=re.compile(r"^Remove")).click()
        expect(_status(supervisor)).to_contain_text("Item taken off the agenda.")
        expect(items).to_have_count(count - 1)
    if items.count() >= 2:
        second = items.nth(1).get_attribute("id")
        items.nth(1).get_by_role("button", name=re.compile(r"^Up")).click()
        expect(supervisor).to_have_url(re.compile(f"#{second}$"))
        expect(items.first).to_have_attribute("id", second)
    adding = supervisor.locator("section", has=supervisor.get_by_role("heading", name="Add to the agenda"))
    adding.get_by_label("Or a free item").fill(FREE_ITEM)
    adding.get_by_role("button", name="Add", exact=True).click()
    expect(_status(supervisor)).to_contain_text("Added to the agenda.")
    free = items.last
    expect(free).to_contain_text(FREE_ITEM)
    audit(supervisor)

    # Minutes on the first flag item, saved.
    flag_item_id = items.filter(has_text="Open flag").first.get_attribute("id")
    flag_item = supervisor.locator(f"#{flag_item_id}")
    flag_item.get_by_label("Minutes").fill(MINUTES)
    supervisor.get_by_role("button", name="Save the minutes").click()
    expect(_status(supervisor)).to_contain_text("Minutes saved (not signed yet).")
    expect(flag_item.get_by_label("Minutes")).to_have_value(MINUTES)
    flag = meeting.items.get(pk=int(flag_item_id.removeprefix("item-"))).flag

    # A comment on the flag from the meeting's page, recorded as taken in the meeting.
    deciding = _unfold(flag_item, "Decide on this flag")
    commenting = _unfold(deciding, "Comment")
    audit(supervisor)
    commenting.get_by_label("Comment").fill(COMMENT)
    commenting.get_by_role("button", name="Comment").click()
    expect(_status(supervisor)).to_contain_text("Comment added")
    expect(supervisor).to_have_url(re.compile(f"{re.escape(meeting_url)}#{flag_item_id}$"))
    expect(flag_item).to_contain_text("Decided in this meeting")
    expect(flag_item).to_contain_text(COMMENT)

    # A follow-up assigned from the item, owned by dr.chen, due in a week.
    assigning = _unfold(flag_item, "Assign a follow-up")
    assigning.get_by_label("Follow-up: what is to be done").fill(FOLLOW_UP)
    expect(assigning.get_by_label("Owner")).to_have_value(str(chen.pk))
    assigning.get_by_label("Due").fill(f"{week:%Y-%m-%d}")
    audit(supervisor)
    assigning.get_by_role("button", name="Assign the follow-up").click()
    expect(_status(supervisor)).to_contain_text("Follow-up assigned.")
    expect(flag_item).to_contain_text("Follow-ups from this item")
    expect(flag_item).to_contain_text(FOLLOW_UP)

    # The meeting page fits a phone held upright.
    _no_horizontal_scroll(supervisor, NARROW)
    audit(supervisor)
    supervisor.set_viewport_size({"width": 1280, "height": 720})

    # Minutes typed on the free item are saved by signing, which locks the meeting.
    free.get_by_label("Minutes").fill(FREE_MINUTES)
    supervisor.get_by_label(ATTEST).check()
    supervisor.get_by_role("button", name="Sign and lock the minutes").click()
    expect(_status(supervisor)).to_contain_text("Minutes signed and locked")
    expect(supervisor.get_by_text("Minutes signed", exact=True)).to_be_visible()
    expect(supervisor.get_by_text("minutes not acknowledged yet")).to_be_visible()
    expect(free).to_contain_text(FREE_MINUTES)
    expect(supervisor.get_by_role("button", name="Save the minutes")).to_have_count(0)
    audit(supervisor)

    # dr.chen finds the minutes from her home page, reads and acknowledges them.
    therapist = signed_in_page("dr.chen")
    meetings = therapist.locator("section", has=therapist.get_by_role("heading", name="Supervision meetings"))
    to_read = meetings.locator("li", has_text="Minutes to read and acknowledge").filter(
        has=therapist.locator(f'a[href="{meeting_url}"]')
    )
    to_read.get_by_role("link").click()
    expect(therapist.locator(f"#{flag_item_id}")).to_contain_text(MINUTES)
    expect(therapist.locator(f"#{flag_item_id}")).to_contain_text(COMMENT)
    expect(therapist.get_by_text(FREE_MINUTES)).to_be_visible()
    audit(therapist)
    therapist.get_by_role("button", name="I have read the minutes").click()
    expect(_status(therapist)).to_contain_text("Minutes acknowledged.")
    expect(therapist.get_by_text("acknowledged the minutes")).to_be_visible()
    expect(therapist.get_by_role("button", name="I have read the minutes")).to_have_count(0)
    audit(therapist)

    # On the flag, the comment and the meeting it was made in.
    therapist.locator(f"#{flag_item_id}").get_by_role("link", name=flag.get_rule_display()).click()
    history = therapist.locator("section", has=therapist.get_by_role("heading", name=HISTORY))
    expect(history).to_contain_text(COMMENT)
    expect(history).to_contain_text(f"in the supervision meeting of {date_format(starts.date())}")
    expect(history.get_by_role("link", name=re.compile("the supervision meeting of"))).to_have_attribute(
        "href", meeting_url
    )
    audit(therapist)

    # The supervision log counts the meeting's hours.
    supervisor.goto(log_url)
    expected = sum(
        Meeting.objects.held()
        .filter(attendees__supervisee=chen, format="individual", starts_at__year=starts.year)
        .values_list("duration_minutes", flat=True)
    )
    after = _individual_hours(supervisor)
    assert after == f"{float(before.removesuffix(' h')) + DURATION / 60:.2f} h", (before, after)
    assert after == f"{expected / 60:.2f} h", (after, expected)
    expect(supervisor.locator(f'a[href="{meeting_url}"]')).to_have_text(date_format(starts.date()))
    audit(supervisor)

    # What the database keeps.
    meeting.refresh_from_db()
    assert meeting.status == "signed" and meeting.signed_by.username == "sup.rivera"
    event = FlagEvent.objects.get(flag=flag, kind=FlagEventKind.COMMENTED, comment=COMMENT)
    assert event.meeting_id == meeting.pk
    assigned = ItemFollowUp.objects.select_related("follow_up").get(item__meeting=meeting)
    assert assigned.item.flag_id == flag.pk
    assert assigned.follow_up.origin == FollowUpOrigin.MEETING
    assert assigned.follow_up.action == FOLLOW_UP and assigned.follow_up.due_on == week
    assert assigned.follow_up.owner == chen and assigned.follow_up.client_id == flag.client_id
    assert MeetingAttendee.objects.get(meeting=meeting, supervisee=chen).acknowledged_at is not None
