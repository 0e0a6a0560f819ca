"""The calendar pages: upload, matching, logging a planned session, the private feed, the admin's
feed addresses and the worker's pull."""

import datetime

import icalendar
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from audit.models import AccessRecord
from calendar_sync import tasks
from calendar_sync.models import CalendarFeed, FeedToken, UnmatchedEvent
from calendar_sync.tests.test_import import calendar, event
from sessions_log.models import Attendance, Session
from sessions_log.tests.factories import FollowUpFactory
from supervision import meetings

pytestmark = pytest.mark.django_db

DAY = datetime.timedelta(days=1)


def stamp(moment: datetime.datetime) -> str:
    return moment.astimezone(datetime.UTC).strftime("%Y%m%dT%H%M%SZ")


def soon(days: int, hour: int = 9) -> tuple[str, str]:
    start = (timezone.now() + days * DAY).replace(hour=hour, minute=0, second=0, microsecond=0)
    return f"DTSTART:{stamp(start)}", f"DTEND:{stamp(start + datetime.timedelta(minutes=50))}"


def upload(client, data: bytes, name="calendar.ics"):
    return client.post(
        reverse("calendar_sync:calendar"), {"file": SimpleUploadedFile(name, data, "text/calendar")}
    )


def test_an_upload_plans_the_sessions_and_says_what_it_did(client, owner, client_record):
    client.force_login(owner)
    data = calendar(
        event("a@x", *soon(-2), "SUMMARY:RS-0001"),
        event("b@x", *soon(3), "SUMMARY:RS-0001"),
        event("c@x", *soon(4), "SUMMARY:Team meeting"),
    )

    response = upload(client, data)

    assert response.status_code == 302
    page = client.get(reverse("calendar_sync:calendar")).content.decode()
    assert "3 events: 2 sessions planned, 1 not matched" in page
    assert "Team meeting" in page and "No client code in its title or description." in page
    assert Session.objects.planned().count() == 2


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"BEGIN:VCARD\r\nEND:VCARD\r\n", "not an iCalendar (.ics) file"),
        (b"", "That file is empty."),
    ],
)
def test_a_bad_file_is_refused_with_a_message_and_nothing_imported(
    client, owner, client_record, data, message
):
    client.force_login(owner)

    response = upload(client, data)

    assert response.status_code == 400
    assert message in response.content.decode()
    assert not Session.objects.exists()


def test_matching_and_ignoring_from_the_page(client, owner, client_record):
    client.force_login(owner)
    upload(
        client,
        calendar(
            event("a@x", *soon(3), "SUMMARY:New enquiry"), event("b@x", *soon(4), "SUMMARY:Team meeting")
        ),
    )
    enquiry, team = UnmatchedEvent.objects.order_by("starts_at")

    refused = client.post(reverse("calendar_sync:event_match", args=[enquiry.pk]), {"client": ""})
    assert refused.status_code == 400 and "Choose the client." in refused.content.decode()
    assert (
        client.post(
            reverse("calendar_sync:event_match", args=[enquiry.pk]), {"client": client_record.pk}
        ).status_code
        == 302
    )
    assert client.post(reverse("calendar_sync:event_ignore", args=[team.pk])).status_code == 302

    assert Session.objects.planned().get().client == client_record
    assert not UnmatchedEvent.objects.exists()


def test_a_planned_session_is_logged_as_scheduled_in_one_click_and_never_signed_unlogged(
    client, owner, client_record
):
    client.force_login(owner)
    upload(client, calendar(event("a@x", *soon(-1), "SUMMARY:RS-0001")))
    session = Session.objects.get()
    home = client.get(reverse("home")).context["worklists"]["to_log"]
    assert home.items == [session]

    sign = client.post(reverse("sessions_log:session_sign", args=[session.pk]), {"attest": "on"})
    assert sign.status_code == 302
    session.refresh_from_db()
    assert not session.is_signed

    form = client.get(reverse("sessions_log:session_edit", args=[session.pk]), {"as_scheduled": "1"}).context[
        "form"
    ]
    assert form["attendance"].value() == Attendance.ATTENDED
    assert form["actual_start"].value() == form["scheduled_start"].value()
    assert form["actual_end"].value() == form["scheduled_end"].value()
    assert Attendance.PLANNED not in dict(form.fields["attendance"].choices)


def test_the_private_feed_lists_dates_without_clinical_text_and_records_each_read(
    client, owner, supervisor, client_record
):
    FollowUpFactory(
        client=client_record,
        owner=owner,
        due_on=timezone.localdate() + DAY,
        action="Ask about the sister's illness",
    )
    meetings.meeting_schedule(
        by=supervisor,
        supervisees=[owner],
        format="individual",
        medium="video",
        starts_at=timezone.now() + 2 * DAY,
        duration_minutes=60,
        propose_agenda=False,
    )
    client.force_login(owner)
    page = client.post(reverse("calendar_sync:feed_token_issue"))
    url = page.context["feed_url"]
    client.logout()

    response = client.get(url)

    assert response.status_code == 200 and response["Content-Type"].startswith("text/calendar")
    summaries = [
        str(part["SUMMARY"]) for part in icalendar.Calendar.from_ical(response.content).walk("VEVENT")
    ]
    assert "Follow-up due · RS-0001" in summaries
    assert "Supervision meeting (individual)" in summaries
    assert b"sister" not in response.content
    assert AccessRecord.objects.filter(user=owner, object_type="calendar_feed", action="export").count() == 1
    assert FeedToken.objects.get(user=owner).last_used_at is not None


def test_a_new_address_stops_the_old_and_a_revoked_feed_is_a_404(client, owner):
    client.force_login(owner)
    first = client.post(reverse("calendar_sync:feed_token_issue")).context["feed_url"]
    second = client.post(reverse("calendar_sync:feed_token_issue")).context["feed_url"]
    client.post(reverse("calendar_sync:feed_token_revoke"))
    client.logout()

    assert client.get(first).status_code == 404
    assert client.get(second).status_code == 404
    assert not FeedToken.objects.exists()


def test_the_admin_sets_a_feed_address_and_a_private_one_is_refused(client, admin, owner):
    client.force_login(admin)
    url = reverse("calendar_sync:feed_set", args=[owner.pk])

    refused = client.post(url, {"url": "https://192.168.1.10/calendar.ics"})
    assert refused.status_code == 400
    assert "a private address" in refused.content.decode()
    assert not CalendarFeed.objects.exists()

    assert client.post(url, {"url": "https://93.184.215.14/owner.ics"}).status_code == 302
    assert CalendarFeed.objects.get(therapist=owner).active
    client.post(url, {"url": ""})
    assert not CalendarFeed.objects.get(therapist=owner).active


def test_the_worker_pulls_a_feed_and_records_the_result(monkeypatch, owner, admin, client_record):
    feed = CalendarFeed.objects.create(
        therapist=owner, url="https://calendar.example.com/a.ics", set_by=admin
    )
    monkeypatch.setattr(tasks, "fetch", lambda url: calendar(event("a@x", *soon(2), "SUMMARY:RS-0001")))

    tasks.pull(feed)

    feed.refresh_from_db()
    assert feed.last_result == "1 event: 1 session planned" and feed.last_pulled_at is not None
    assert Session.objects.planned().count() == 1


def test_a_refused_feed_is_recorded_on_it(owner, admin):
    feed = CalendarFeed.objects.create(therapist=owner, url="https://127.0.0.1/a.ics", set_by=admin)

    tasks.pull(feed)

    feed.refresh_from_db()
    assert "loopback" in feed.last_result


def test_a_supervisor_gets_a_feed_of_their_meetings(client, supervisor, owner):
    meetings.meeting_schedule(
        by=supervisor,
        supervisees=[owner],
        format="individual",
        medium="video",
        starts_at=timezone.now() + DAY,
        duration_minutes=60,
        propose_agenda=False,
    )
    client.force_login(supervisor)
    assert b"Meetings in my own calendar" in client.get(reverse("supervision:meeting_list")).content
    page = client.post(reverse("calendar_sync:feed_token_issue"))
    client.logout()

    feed = client.get(page.context["feed_url"])

    assert page.status_code == 200 and b"Supervision meeting (individual)" in feed.content
