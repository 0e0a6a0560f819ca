"""Supervision meetings: the agenda proposed from open work, minutes signed and locked by the
database, decisions taken in a meeting, follow-ups from an item, and the supervision log."""

import datetime
import io

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import ProgrammingError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from pypdf import PdfReader

from accounts.tests.factories import SupervisionAssignmentFactory, TherapistFactory
from audit.models import AccessRecord
from sessions_log.models import FollowUpOrigin
from sessions_log.tests.factories import FollowUpFactory, RevisionRequestFactory
from supervision import meetings, services
from supervision.models import (
    AgendaItem,
    AgendaKind,
    FlagEvent,
    ItemFollowUp,
    Meeting,
    MeetingAddendum,
    MeetingAttendee,
    MeetingFormat,
)
from supervision.tests.factories import FlagFactory

pytestmark = pytest.mark.django_db

DAY = datetime.timedelta(days=1)
HOUR = datetime.timedelta(hours=1)


def schedule(supervisor, people, *, starts_at=None, format=MeetingFormat.INDIVIDUAL, minutes=60, **kwargs):
    return meetings.meeting_schedule(
        by=supervisor,
        supervisees=people,
        format=format,
        medium="in_person",
        starts_at=starts_at or timezone.now() - HOUR,
        duration_minutes=minutes,
        **kwargs,
    )


def held(supervisor, people, **kwargs):
    """A meeting whose minutes are written and signed."""
    meeting = schedule(supervisor, people, propose_agenda=False, **kwargs)
    item = meetings.agenda_add(meeting=meeting, by=supervisor, title="Caseload")
    meetings.minutes_save(meeting=meeting, by=supervisor, minutes={item.pk: "Twelve clients; manageable."})
    return meetings.meeting_sign(meeting=meeting, by=supervisor)


@pytest.fixture
def second(practice, supervisor):
    """Another supervisee of ``supervisor``, for group meetings."""
    therapist = TherapistFactory(practice=practice, username="second")
    SupervisionAssignmentFactory(therapist=therapist, supervisor=supervisor)
    return therapist


# Scheduling and the proposed agenda


def test_the_agenda_is_proposed_from_open_flags_returned_entries_and_overdue_follow_ups(
    supervisor, owner, client_record
):
    critical = FlagFactory(client=client_record, rule="slippery_slope", severity="critical")
    medium = FlagFactory(client=client_record)
    FlagFactory(client=client_record, rule="disclosure_pattern", status="resolved")
    returned = RevisionRequestFactory(client=client_record, requested_by=supervisor)
    overdue = FollowUpFactory(client=client_record, due_on=timezone.localdate() - DAY)
    FollowUpFactory(client=client_record, due_on=timezone.localdate() + DAY)  # not overdue

    meeting = schedule(supervisor, [owner])

    items = list(meeting.items.order_by("position"))
    assert [(item.kind, item.target) for item in items] == [
        (AgendaKind.FLAG, critical),
        (AgendaKind.FLAG, medium),
        (AgendaKind.REVISION, returned),
        (AgendaKind.FOLLOW_UP, overdue),
    ]
    assert {item.supervisee for item in items} == {owner}


def test_only_current_supervisees_are_met(supervisor, colleague, owner, unassigned_supervisor):
    with pytest.raises(ValidationError, match="not supervised by you"):
        schedule(supervisor, [colleague])
    with pytest.raises(ValidationError, match="not supervised by you"):
        schedule(unassigned_supervisor, [owner])
    with pytest.raises(PermissionDenied):
        schedule(owner, [owner])
    assert not Meeting.objects.exists()


def test_individual_is_one_supervisee_and_group_several(supervisor, owner, second):
    with pytest.raises(ValidationError, match="one supervisee"):
        schedule(supervisor, [owner, second])
    with pytest.raises(ValidationError, match="at least two"):
        schedule(supervisor, [owner], format=MeetingFormat.GROUP)

    assert schedule(supervisor, [owner, second], format=MeetingFormat.GROUP).attendees.count() == 2


def test_the_supervisor_adds_removes_and_orders_items(supervisor, owner, client_record):
    flag = FlagFactory(client=client_record)
    meeting = schedule(supervisor, [owner], propose_agenda=False)
    candidate = meetings.open_work([owner], today=timezone.localdate())[0]

    first = meetings.agenda_add(meeting=meeting, by=supervisor, candidate=candidate)
    free = meetings.agenda_add(meeting=meeting, by=supervisor, title="Self-care")
    with pytest.raises(ValidationError, match="already"):
        meetings.agenda_add(meeting=meeting, by=supervisor, candidate=candidate)
    meetings.agenda_move(item=free, by=supervisor, up=True)

    assert list(meeting.items.order_by("position").values_list("title", "flag")) == [
        ("Self-care", None),
        ("", flag.pk),
    ]
    meetings.agenda_remove(item=first, by=supervisor)
    assert list(meeting.items.values_list("title", flat=True)) == ["Self-care"]
    # A free item is about the one supervisee of an individual meeting.
    assert meeting.items.get().supervisee == owner


def test_only_the_meetings_supervisor_changes_it(supervisor, owner, admin, client_record):
    meeting = schedule(supervisor, [owner])

    for person in (owner, admin):
        with pytest.raises(PermissionDenied):
            meetings.agenda_add(meeting=meeting, by=person, title="Mine")
        with pytest.raises(PermissionDenied):
            meetings.meeting_sign(meeting=meeting, by=person)


# Minutes, signing and the lock


def test_minutes_are_signed_once_the_meeting_has_begun_and_written(supervisor, owner):
    upcoming = schedule(supervisor, [owner], starts_at=timezone.now() + DAY, propose_agenda=False)
    item = meetings.agenda_add(meeting=upcoming, by=supervisor, title="Caseload")
    meetings.minutes_save(meeting=upcoming, by=supervisor, minutes={item.pk: "Notes ahead."})
    with pytest.raises(ValidationError, match="has not begun"):
        meetings.meeting_sign(meeting=upcoming, by=supervisor)

    empty = schedule(supervisor, [owner], propose_agenda=False)
    meetings.agenda_add(meeting=empty, by=supervisor, title="Caseload")
    with pytest.raises(ValidationError, match="at least one item"):
        meetings.meeting_sign(meeting=empty, by=supervisor)


def test_signed_minutes_are_locked_by_the_database(supervisor, owner, colleague):
    meeting = held(supervisor, [owner])
    assert meeting.content_hash == meeting.compute_content_hash()
    item = meeting.items.get()

    with pytest.raises(ValidationError, match="signed"):
        meetings.minutes_save(meeting=meeting, by=supervisor, minutes={item.pk: "Changed."})
    for write in (
        lambda: AgendaItem.objects.filter(pk=item.pk).update(minutes="Changed behind the app."),
        lambda: AgendaItem.objects.create(meeting=meeting, kind=AgendaKind.FREE, title="Added later"),
        lambda: AgendaItem.objects.filter(pk=item.pk).delete(),
        lambda: MeetingAttendee.objects.create(meeting=meeting, supervisee=colleague),
        lambda: Meeting.objects.filter(pk=meeting.pk).update(duration_minutes=120),
    ):
        with pytest.raises(ProgrammingError, match="locked"), transaction.atomic():
            write()
    assert meeting.items.get().minutes == "Twelve clients; manageable."


def test_the_supervisee_acknowledges_signed_minutes_once(supervisor, owner, colleague):
    draft = schedule(supervisor, [owner], propose_agenda=False)
    with pytest.raises(ValidationError, match="not signed"):
        meetings.minutes_acknowledge(meeting=draft, by=owner)
    meeting = held(supervisor, [owner])
    with pytest.raises(PermissionDenied):
        meetings.minutes_acknowledge(meeting=meeting, by=colleague)

    attendee = meetings.minutes_acknowledge(meeting=meeting, by=owner)

    assert attendee.acknowledged_at is not None
    with pytest.raises(ValidationError, match="acknowledged these minutes"):
        meetings.minutes_acknowledge(meeting=meeting, by=owner)
    # The acknowledgement is the one write the lock allows, and only once.
    with pytest.raises(ProgrammingError, match="locked"), transaction.atomic():
        MeetingAttendee.objects.filter(pk=attendee.pk).update(acknowledged_at=None)


def test_signed_minutes_are_corrected_by_addenda_that_never_change(supervisor, owner):
    draft = schedule(supervisor, [owner], propose_agenda=False)
    with pytest.raises(ValidationError, match="Edit the minutes instead"):
        meetings.meeting_addendum_add(meeting=draft, by=supervisor, text="x", reason="y")
    meeting = held(supervisor, [owner])
    with pytest.raises(ValidationError, match="Say why"):
        meetings.meeting_addendum_add(meeting=meeting, by=supervisor, text="Correction.", reason=" ")

    addendum = meetings.meeting_addendum_add(
        meeting=meeting, by=supervisor, text="The caseload is eleven.", reason="Miscounted"
    )

    with pytest.raises(ProgrammingError), transaction.atomic():
        MeetingAddendum.objects.filter(pk=addendum.pk).update(text="Changed.")


def test_a_cancelled_meeting_is_kept_with_its_reason_and_counts_in_no_log(supervisor, owner):
    meeting = schedule(supervisor, [owner], propose_agenda=False)
    with pytest.raises(ValidationError, match="Say why"):
        meetings.meeting_cancel(meeting=meeting, by=supervisor, reason="")

    meetings.meeting_cancel(meeting=meeting, by=supervisor, reason="Supervisor ill")

    meeting.refresh_from_db()
    assert meeting.is_cancelled and meeting.archived_reason == "Supervisor ill"
    with pytest.raises(ValidationError, match="cancelled"):
        meetings.agenda_add(meeting=meeting, by=supervisor, title="Late")


# Decisions and follow-ups from the meeting


def test_a_decision_taken_in_the_meeting_names_it_and_needs_the_flag_on_its_agenda(
    supervisor, owner, client_record
):
    flag = FlagFactory(client=client_record)
    other = FlagFactory(client=client_record, rule="slippery_slope")
    meeting = schedule(supervisor, [owner])
    meeting.items.filter(flag=other).delete()

    event = services.flag_comment(flag=flag, by=supervisor, comment="Discussed today.", meeting=meeting)

    assert event.meeting == meeting
    with pytest.raises(ValidationError, match="not on that meeting's agenda"):
        services.flag_comment(flag=other, by=supervisor, comment="Not discussed.", meeting=meeting)


def test_a_decision_posted_from_the_meeting_page_goes_back_to_its_item(
    client, supervisor, owner, client_record
):
    flag = FlagFactory(client=client_record)
    meeting = schedule(supervisor, [owner])
    item = meeting.items.get(flag=flag)
    client.force_login(supervisor)
    token = client.get(meeting.get_absolute_url()).context["items"][0].decision_forms[1]["form"]
    data = {"comment": "We agreed a plan.", "meeting": meeting.pk}
    data["submission_token"] = token["submission_token"].value()

    response = client.post(reverse("supervision:flag_comment", args=[flag.pk]), data)

    assert response.status_code == 302
    assert response["Location"] == f"{meeting.get_absolute_url()}#item-{item.pk}"
    assert FlagEvent.objects.get(flag=flag, kind="commented").meeting == meeting
    page = client.get(meeting.get_absolute_url()).content.decode()
    assert "Decided in this meeting" in page and "We agreed a plan." in page


def test_a_decision_cannot_name_a_meeting_the_user_does_not_lead(
    client, supervisor, owner, client_record, practice
):
    flag = FlagFactory(client=client_record)
    meeting = schedule(supervisor, [owner])
    co_supervisor = SupervisionAssignmentFactory(therapist=owner, supervisor__practice=practice).supervisor
    client.force_login(co_supervisor)

    response = client.post(
        reverse("supervision:flag_comment", args=[flag.pk]), {"comment": "Mine.", "meeting": meeting.pk}
    )

    assert response.status_code == 403
    assert not FlagEvent.objects.filter(flag=flag, kind="commented").exists()


def test_a_follow_up_assigned_from_an_item(supervisor, owner, client_record):
    flag = FlagFactory(client=client_record)
    meeting = schedule(supervisor, [owner])
    item = meeting.items.get(flag=flag)

    follow_up = meetings.item_follow_up_assign(
        item=item,
        by=supervisor,
        action="Review the time agreement with the client",
        owner=owner,
        due_on=timezone.localdate() + 7 * DAY,
    )

    assert follow_up.origin == FollowUpOrigin.MEETING
    assert follow_up.client == client_record and follow_up.therapist == owner
    assert ItemFollowUp.objects.get(item=item).follow_up == follow_up
    with pytest.raises(ValidationError, match="follow-ups"):
        meetings.agenda_remove(item=item, by=supervisor)


def test_in_a_group_each_therapist_reads_their_own_items_and_the_groups(
    client, supervisor, owner, second, client_record
):
    FlagFactory(client=client_record)
    meeting = schedule(supervisor, [owner, second], format=MeetingFormat.GROUP)
    meetings.agenda_add(meeting=meeting, by=supervisor, title="Gifts policy")
    client.force_login(second)

    page = client.get(meeting.get_absolute_url())

    assert page.status_code == 200
    assert [item.title for item in page.context["items"]] == ["Gifts policy"]
    assert page.context["hidden_items"] == 1
    assert client_record.code not in page.content.decode()


# Pages


def test_the_supervisee_sees_the_agenda_beforehand(client, supervisor, owner, client_record):
    FlagFactory(client=client_record)
    meeting = schedule(supervisor, [owner], starts_at=timezone.now() + DAY)
    client.force_login(owner)

    home = client.get(reverse("home")).content.decode()
    page = client.get(meeting.get_absolute_url())

    assert meeting.get_absolute_url() in home
    assert page.status_code == 200 and len(page.context["items"]) == 1
    assert "Save the minutes" not in page.content.decode()
    assert AccessRecord.objects.filter(object_type="meeting", object_id=meeting.pk, user=owner).exists()


def test_signing_from_the_page_saves_what_was_typed(client, supervisor, owner):
    meeting = schedule(supervisor, [owner], propose_agenda=False)
    item = meetings.agenda_add(meeting=meeting, by=supervisor, title="Caseload")
    client.force_login(supervisor)
    url = reverse("supervision:meeting_sign", args=[meeting.pk])

    refused = client.post(url, {f"minutes_{item.pk}": "Typed, not yet saved."})
    assert refused.status_code == 400
    assert "Typed, not yet saved." in refused.content.decode()  # nothing typed is lost

    assert (
        client.post(url, {f"minutes_{item.pk}": "Typed, not yet saved.", "attest": "on"}).status_code == 302
    )
    meeting.refresh_from_db()
    assert meeting.is_signed and meeting.items.get().minutes == "Typed, not yet saved."


def test_a_new_meeting_from_the_form_is_stored_once(client, supervisor, owner):
    client.force_login(supervisor)
    form = client.get(reverse("supervision:meeting_new"), {"supervisee": owner.pk}).context["form"]
    data = {
        "submission_token": form["submission_token"].value(),
        "supervisees": [owner.pk],
        "format": "individual",
        "starts_at": (timezone.localtime() + DAY).strftime("%Y-%m-%dT%H:%M"),
        "duration_minutes": "60",
        "medium": "video",
        "propose_agenda": "on",
    }

    first = client.post(reverse("supervision:meeting_new"), data)
    again = client.post(reverse("supervision:meeting_new"), data)

    assert first.status_code == again.status_code == 302
    assert Meeting.objects.count() == 1


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"duration_minutes": "3"}, "at least 5 minutes"),
        ({"duration_minutes": "600"}, "at most 8 hours"),
        ({"starts_at": "tomorrow"}, "Give a date and time."),
        ({"supervisees": []}, "Choose who attends."),
    ],
)
def test_the_meeting_form_says_what_is_wrong_and_keeps_what_was_typed(
    client, supervisor, owner, changes, message
):
    client.force_login(supervisor)
    data = {
        "supervisees": [owner.pk],
        "format": "individual",
        "starts_at": "2026-12-10T10:00",
        "duration_minutes": "60",
        "medium": "video",
        **changes,
    }

    response = client.post(reverse("supervision:meeting_new"), data)

    assert response.status_code == 200
    assert message in response.content.decode()
    assert not Meeting.objects.exists()


def test_meeting_page_query_count_does_not_grow_with_the_agenda(
    client, supervisor, owner, client_record, django_assert_num_queries
):
    for rule in ("time_overruns", "slippery_slope"):
        FlagFactory(client=client_record, rule=rule)
    meeting = schedule(supervisor, [owner])
    client.force_login(supervisor)
    # session, user, practice; the meeting; the access record; attendees; items with their
    # targets; the follow-ups assigned from them; the decisions taken in the meeting; addenda;
    # open work (flags, returns, overdue follow-ups); who may own a follow-up; the newest events
    with django_assert_num_queries(15):
        client.get(meeting.get_absolute_url())
    for rule in ("disclosure_pattern", "repeated_category", "missing_precautions"):
        flag = FlagFactory(client=client_record, rule=rule)
        work = meetings.open_work([owner], today=timezone.localdate())
        candidate = next(candidate for candidate in work if candidate.target == flag)
        meetings.agenda_add(meeting=meeting, by=supervisor, candidate=candidate)
        meetings.agenda_add(meeting=meeting, by=supervisor, title=f"About {rule}")
    assert meeting.items.count() == 8
    with django_assert_num_queries(15):
        client.get(meeting.get_absolute_url())


# The supervision log


def test_the_log_counts_held_meetings_of_the_period_by_format(supervisor, owner, second):
    today = timezone.localdate()
    held(supervisor, [owner], minutes=60, starts_at=timezone.now() - 3 * DAY)
    held(supervisor, [owner], minutes=45, starts_at=timezone.now() - 2 * DAY)
    held(supervisor, [owner, second], format=MeetingFormat.GROUP, minutes=90, starts_at=timezone.now() - DAY)
    held(supervisor, [owner], minutes=60, starts_at=timezone.now() - 40 * DAY)  # before the period
    schedule(supervisor, [owner], propose_agenda=False)  # minutes not signed: not held
    cancelled = schedule(supervisor, [owner], propose_agenda=False)
    meetings.meeting_cancel(meeting=cancelled, by=supervisor, reason="Ill")

    rows, totals = meetings.supervision_log(supervisee=owner, starts_on=today - 10 * DAY, ends_on=today)

    assert len(rows) == totals.meetings == 3
    assert (totals.individual_minutes, totals.group_minutes) == (105, 90)
    assert (totals.individual_hours, totals.group_hours, totals.total_hours) == (1.75, 1.5, 3.25)


def test_the_log_pdf_holds_practice_people_period_totals_and_signature_lines(
    client, supervisor, owner, second
):
    held(supervisor, [owner], minutes=60, starts_at=timezone.now() - 3 * DAY)
    held(supervisor, [owner], minutes=45, starts_at=timezone.now() - 2 * DAY)
    held(supervisor, [owner, second], format=MeetingFormat.GROUP, minutes=90, starts_at=timezone.now() - DAY)
    client.force_login(supervisor)
    start = timezone.localdate() - 10 * DAY
    query = {
        "supervisee": owner.pk,
        "starts_on": start.isoformat(),
        "ends_on": timezone.localdate().isoformat(),
    }

    response = client.get(reverse("supervision:supervision_log_pdf"), query)

    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(response.content)).pages)
    text = " ".join(text.split())
    assert "Individual supervision hours 1.75" in text
    assert "Group supervision hours 1.50" in text
    assert "Total supervision hours (3 meetings) 3.25" in text
    for expected in (owner.practice.name, str(owner), str(supervisor), date_format(start), "Signature"):
        assert expected in text
    assert AccessRecord.objects.filter(
        object_type="supervision_log", action="export", object_id=owner.pk
    ).exists()


def test_the_log_csv_lists_each_meeting_and_the_totals(client, supervisor, owner):
    held(supervisor, [owner], minutes=45, starts_at=timezone.now() - DAY)
    client.force_login(supervisor)

    response = client.get(reverse("supervision:supervision_log_csv"), {"supervisee": owner.pk})

    lines = b"".join(response.streaming_content if response.streaming else [response.content]).decode()
    assert "Individual,In person,45,0.75" in lines
    assert "Total individual hours,,,,45,0.75" in lines


def test_the_log_is_for_the_supervisee_their_supervisors_and_the_admin(
    client, supervisor, owner, colleague, admin, unassigned_supervisor
):
    held(supervisor, [owner], minutes=45, starts_at=timezone.now() - DAY)
    query = {"supervisee": owner.pk}
    for person in (owner, supervisor, admin):
        client.force_login(person)
        page = client.get(reverse("supervision:supervision_log"), query)
        assert page.context["log"]["totals"].individual_minutes == 45, person
    for person in (colleague, unassigned_supervisor):
        client.force_login(person)
        page = client.get(reverse("supervision:supervision_log"), query)
        assert page.context["log"] is None and "supervisee" in page.context["form"].errors, person
        assert client.get(reverse("supervision:supervision_log_pdf"), query).status_code == 400


def test_a_bad_period_is_refused_with_a_message(client, supervisor, owner):
    client.force_login(supervisor)

    page = client.get(
        reverse("supervision:supervision_log"),
        {"supervisee": owner.pk, "starts_on": "2026-06-01", "ends_on": "2026-05-01"},
    )

    assert page.status_code == 200 and page.context["log"] is None
    assert "on or after its start" in page.content.decode()


def test_log_query_count_does_not_grow_with_the_meetings(
    client, supervisor, owner, django_assert_num_queries
):
    held(supervisor, [owner], starts_at=timezone.now() - DAY)
    client.force_login(supervisor)
    url = reverse("supervision:supervision_log")
    # session, user, practice; the supervisees, read once for the menu; the one chosen; the
    # meetings' totals; the meetings with their supervisors; the access record
    with django_assert_num_queries(8):
        client.get(url, {"supervisee": owner.pk})
    for days in range(2, 7):
        held(supervisor, [owner], starts_at=timezone.now() - days * DAY)
    with django_assert_num_queries(8):
        client.get(url, {"supervisee": owner.pk})
