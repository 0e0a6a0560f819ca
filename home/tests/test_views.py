import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.tests.factories import TherapistFactory
from boundaries.tests.factories import BoundaryAgreementFactory
from clients.tests.factories import ClientFactory
from sessions_log.tests.factories import FollowUpFactory, IncidentFactory, SessionFactory
from supervision import meetings
from supervision.tests.factories import FlagFactory

DAY = datetime.timedelta(days=1)

pytestmark = pytest.mark.django_db


def test_therapist_home_lists_own_clients_only(client, owner, colleague, client_record):
    ClientFactory(therapist=colleague, code="RS-9999")
    client.force_login(owner)

    response = client.get(reverse("home"))

    assert response.status_code == 200
    assert b"RS-0001" in response.content
    assert b"RS-9999" not in response.content


def test_therapist_home_query_count(client, owner, client_record, django_assert_num_queries):
    client.force_login(owner)
    # session, user, practice (time zone), client count and page, 7 worklists of "what needs me now",
    # upcoming meetings, minutes to acknowledge
    # ... and the access record of a page listing client data (audit.middleware)
    with django_assert_num_queries(15):
        client.get(reverse("home"))


def test_therapist_home_lists_what_needs_them(client, owner, client_record):
    draft = SessionFactory(client=client_record)
    due = BoundaryAgreementFactory(client=client_record, next_review_on=timezone.localdate())
    outside = IncidentFactory(client=client_record)
    inside = IncidentFactory(client=client_record, session=draft)
    client.force_login(owner)

    worklists = client.get(reverse("home")).context["worklists"]

    assert worklists["unsigned_sessions"].items == [draft]
    assert worklists["reviews_due"].items == [due]
    assert worklists["unsigned_incidents"].items == [outside]
    assert inside not in worklists["unsigned_incidents"].items


def test_therapist_home_shows_a_therapist_level_flag_without_a_client(client, owner):
    FlagFactory(client=None, therapist=owner, practice=owner.practice, rule="therapist_pattern")
    client.force_login(owner)

    response = client.get(reverse("home"))

    assert "All my clients · Therapist-level pattern" in response.content.decode()


def test_therapist_home_lists_flags_returned_for_revision(client, owner, client_record):
    returned = FlagFactory(client=client_record, status="returned")
    client.force_login(owner)

    worklists = client.get(reverse("home")).context["worklists"]

    assert worklists["returned"].items == [returned]


def test_supervisor_home_shows_current_supervisees_and_their_flags(client, supervisor, owner, client_record):
    FlagFactory(client=client_record)
    client.force_login(supervisor)

    response = client.get(reverse("home"))

    assert response.status_code == 200
    assert str(owner).encode() in response.content
    assert b"Repeated session overruns" in response.content


def test_ended_supervisor_home_shows_nobody(client, ended_supervisor, owner, client_record):
    FlagFactory(client=client_record)
    client.force_login(ended_supervisor)

    response = client.get(reverse("home"))

    assert b"no current supervision assignment" in response.content
    assert b"Repeated session overruns" not in response.content


def test_supervisor_home_query_count(client, supervisor, client_record, django_assert_num_queries):
    FlagFactory(client=client_record)
    client.force_login(supervisor)
    # session, user, practice, supervisees with client counts, open flags with therapist and client,
    # upcoming meetings, the co-signature queue (sessions, incidents)
    # ... and the access record of a page listing client data (audit.middleware)
    with django_assert_num_queries(9):
        client.get(reverse("home"))


def test_admin_home_lists_therapists_without_current_supervisor(client, admin, owner, colleague, supervisor):
    client.force_login(admin)

    response = client.get(reverse("home"))

    assert response.status_code == 200
    unsupervised = list(response.context["unsupervised"])
    assert unsupervised == [colleague]
    assert response.context["counts"]["therapists"] == 2


def test_admin_home_query_count(client, admin, owner, django_assert_num_queries):
    client.force_login(admin)
    # session, user, practice, unsupervised therapists, 4 counters
    # ... and the access record of a page listing client data (audit.middleware)
    with django_assert_num_queries(9):
        client.get(reverse("home"))


# Query budgets at two scales (docs/PERFORMANCE.md): the same number of queries with five times the data.

SCALES = [1, 5]
PENDING_RULES = (
    "time_overruns",
    "repeated_category",
    "slippery_slope",
    "unsigned_entry",
    "intake_incomplete",
)


def pending_work(owner, scale):
    """``scale`` clients, each with ``scale`` of every kind of pending work the therapist home lists."""
    today = timezone.localdate()
    for _ in range(scale):
        record = ClientFactory(therapist=owner)
        BoundaryAgreementFactory(client=record, next_review_on=today)
        FlagFactory(client=record, rule="agreement_review_due", status="returned")
        for n in range(scale):
            SessionFactory(client=record)
            SessionFactory(client=record, attendance="planned", actual_start=None, actual_end=None)
            FollowUpFactory(client=record, from_incident=True, due_on=today + datetime.timedelta(days=n))
            FlagFactory(client=record, rule=PENDING_RULES[n])
    # Supervision meetings with the owner's current supervisor: ``scale`` ahead, ``scale`` held and
    # their minutes not acknowledged yet.
    supervisor = owner.current_supervisors().first()
    if supervisor is not None:
        for n in range(scale):
            for starts_at in (timezone.now() + (n + 1) * DAY, timezone.now() - (n + 1) * DAY):
                meeting = meetings.meeting_schedule(
                    by=supervisor,
                    supervisees=[owner],
                    format="individual",
                    medium="video",
                    starts_at=starts_at,
                    duration_minutes=60,
                    propose_agenda=False,
                )
                if starts_at < timezone.now():
                    item = meetings.agenda_add(meeting=meeting, by=supervisor, title="Caseload")
                    meetings.minutes_save(meeting=meeting, by=supervisor, minutes={item.pk: "Discussed."})
                    meetings.meeting_sign(meeting=meeting, by=supervisor)


@pytest.mark.parametrize("scale", SCALES)
def test_therapist_home_query_count_does_not_grow(
    client, owner, supervisor, django_assert_num_queries, scale
):
    pending_work(owner, scale)
    client.force_login(owner)
    # session, user, practice (time zone), client count and page, 7 worklists of "what needs me now",
    # upcoming meetings, minutes to acknowledge
    # ... and the access record of a page listing client data (audit.middleware)
    with django_assert_num_queries(15):
        response = client.get(reverse("home"))
    assert len(response.context["meetings"]) == min(scale, 3)
    assert len(response.context["to_acknowledge"]) == scale
    worklists = response.context["worklists"]
    assert all(worklist.items for worklist in worklists.values())
    assert len(worklists["unsigned_incidents"].items) == min(scale * scale, 8)
    # Each card counts everything waiting, not only what it shows.
    assert worklists["unsigned_incidents"].total == scale * scale


@pytest.mark.parametrize("scale", SCALES)
def test_supervisor_home_query_count_does_not_grow(
    client, supervisor, owner, django_assert_num_queries, scale
):
    pending_work(owner, scale)
    client.force_login(supervisor)
    # session, user, practice, supervisees with client counts, open flags with therapist and client,
    # upcoming meetings, the co-signature queue (sessions, incidents)
    # ... and the access record of a page listing client data (audit.middleware)
    with django_assert_num_queries(9):
        response = client.get(reverse("home"))
    assert len(response.context["flags"]) == min(scale * (scale + 1), 20)
    assert len(response.context["meetings"]) == min(scale, 3)


@pytest.mark.parametrize("scale", SCALES)
def test_admin_home_query_count_does_not_grow(client, admin, owner, django_assert_num_queries, scale):
    pending_work(owner, scale)
    TherapistFactory.create_batch(scale, practice=admin.practice)
    client.force_login(admin)
    # session, user, practice, unsupervised therapists, 4 counters
    # ... and the access record of a page listing client data (audit.middleware)
    with django_assert_num_queries(9):
        response = client.get(reverse("home"))
    assert response.context["counts"]["active_clients"] == scale
