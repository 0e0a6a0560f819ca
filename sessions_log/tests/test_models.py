"""Session, Incident and Addendum: database constraints, generated columns, clean(), signing."""

import datetime
import zoneinfo

import pgtrigger
import pytest
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import IntegrityError, ProgrammingError, transaction
from django.db.models import F
from django.utils import timezone

from boundaries.models import Category
from boundaries.tests.factories import BoundaryAgreementFactory
from clients.tests.factories import ClientFactory
from sessions_log.models import (
    ATTESTATION,
    Addendum,
    Attendance,
    Classification,
    EntryStatus,
    HarmLevel,
    Incident,
    Session,
    SessionSetting,
)
from sessions_log.tests.factories import AddendumFactory, IncidentFactory, SessionFactory

MINUTE = datetime.timedelta(minutes=1)
START = datetime.datetime(2025, 5, 5, 10, 0, tzinfo=datetime.UTC)
FOLLOW_UP_DUE = datetime.date(2025, 6, 2)
ENTRY_FACTORIES = {"session": SessionFactory, "incident": IncidentFactory}
by_entry = pytest.mark.parametrize("kind", ENTRY_FACTORIES)


def assert_invalid(instance, field, code):
    """full_clean() refuses ``instance`` with error ``code`` on ``field``."""
    with pytest.raises(ValidationError) as excinfo:
        instance.full_clean()
    errors = excinfo.value.error_dict
    assert field in errors, errors
    assert code in [error.code for error in errors[field]]


def addendum_to(entry, **overrides):
    """An unsaved addendum to ``entry``, a session or an incident."""
    fields = {"session": None, "incident": None, entry._meta.model_name: entry}
    fields |= {"client": entry.client, "author": entry.client.therapist, **overrides}
    return AddendumFactory.build(**fields)


def signed(entry):
    entry.mark_signed(by=entry.client.therapist)
    entry.save()
    return entry


@pytest.fixture
def other_client(owner):
    return ClientFactory(therapist=owner, code="RS-0002")


@pytest.fixture
def session(client_record):
    return SessionFactory(client=client_record)


@pytest.fixture
def no_show(client_record):
    return SessionFactory(
        client=client_record, attendance=Attendance.NO_SHOW, actual_start=None, actual_end=None
    )


@pytest.fixture
def incident(client_record):
    return IncidentFactory(client=client_record)


# Signature: shared by sessions and incidents


@by_entry
@pytest.mark.parametrize(
    ("changes", "constraint"),
    [
        ({"signed_by": None}, "signature_complete"),
        ({"signed_at": None}, "signature_complete"),
        ({"content_hash": ""}, "signature_complete"),
        ({"content_hash": "A" * 64}, "signature_complete"),
        ({"content_hash": "0" * 63}, "signature_complete"),
        ({"status": EntryStatus.DRAFT}, "signature_complete"),
        # An unknown status breaks both rules; PostgreSQL reports the first by name.
        ({"status": "approved"}, "(signature_complete|status_valid)"),
        ({"signed_at": F("documented_at") - MINUTE}, "signed_after_documented"),
    ],
    ids=[
        "no-signer",
        "no-signing-time",
        "no-hash",
        "upper-case-hash",
        "short-hash",
        "draft-with-signature",
        "unknown-status",
        "signed-before-documented",
    ],
)
def test_database_refuses_an_incomplete_signature(client_record, kind, changes, constraint):
    entry = signed(ENTRY_FACTORIES[kind](client=client_record))
    # The trigger refuses any change to a signed row first; with it off, the constraints still hold.
    trigger = f"{type(entry)._meta.label}:signed_entry_immutable"

    with (
        pytest.raises(IntegrityError, match=f"{kind}_{constraint}"),
        pgtrigger.ignore(trigger),
        transaction.atomic(),
    ):
        type(entry).objects.filter(pk=entry.pk).update(**changes)


@by_entry
@pytest.mark.parametrize(
    "changes",
    [{"content_hash": "0" * 64}, {"signed_at": F("documented_at")}],
    ids=["hash", "signing-time"],
)
def test_database_refuses_a_draft_with_part_of_a_signature(client_record, kind, changes):
    entry = ENTRY_FACTORIES[kind](client=client_record)

    with pytest.raises(IntegrityError, match=f"{kind}_signature_complete"), transaction.atomic():
        type(entry).objects.filter(pk=entry.pk).update(**changes)


@by_entry
def test_database_refuses_a_draft_with_a_signer(client_record, kind):
    entry = ENTRY_FACTORIES[kind](client=client_record)

    with pytest.raises(IntegrityError, match=f"{kind}_signature_complete"), transaction.atomic():
        type(entry).objects.filter(pk=entry.pk).update(signed_by=client_record.therapist)


@by_entry
def test_mark_signed_fills_a_signature_the_database_accepts(client_record, owner, kind):
    entry = ENTRY_FACTORIES[kind](client=client_record)
    at = entry.documented_at + 5 * MINUTE

    entry.mark_signed(by=owner, at=at)
    entry.save()

    entry.refresh_from_db()
    assert (entry.status, entry.signed_by, entry.signed_at) == (EntryStatus.SIGNED, owner, at)
    assert entry.is_signed
    assert entry.content_hash == entry.compute_content_hash()


@by_entry
def test_mark_signed_without_a_time_signs_now(client_record, owner, kind):
    entry = ENTRY_FACTORIES[kind](client=client_record)
    before = timezone.now()

    entry.mark_signed(by=owner)

    assert before <= entry.signed_at <= timezone.now()


@by_entry
def test_the_attestation_is_kept_with_the_signature_and_locked_with_it(client_record, owner, kind):
    entry = ENTRY_FACTORIES[kind](client=client_record)
    entry.mark_signed(by=owner, attestation=ATTESTATION)
    entry.save()

    with pytest.raises(ProgrammingError, match="is locked and cannot be updated"), transaction.atomic():
        type(entry).objects.filter(pk=entry.pk).update(signature_attestation="Something else.")

    stored = type(entry).objects.get(pk=entry.pk)
    assert stored.signature_attestation == ATTESTATION
    # Outside the hashed content, as the signer and the time are: the hash is unchanged by it.
    assert stored.signature_intact is True


@by_entry
def test_database_refuses_an_attestation_on_a_draft(client_record, kind):
    entry = ENTRY_FACTORIES[kind](client=client_record)

    with pytest.raises(IntegrityError, match=f"{kind}_attestation_only_when_signed"), transaction.atomic():
        type(entry).objects.filter(pk=entry.pk).update(signature_attestation=ATTESTATION)


@by_entry
def test_content_hash_is_the_same_after_a_round_trip_through_the_database(client_record, kind):
    entry = signed(ENTRY_FACTORIES[kind](client=client_record))
    stored = entry.content_hash

    reloaded = type(entry).objects.get(pk=entry.pk)

    assert len(stored) == 64
    assert reloaded.compute_content_hash() == stored


# A new value for one signed field, given the signed entry.
SIGNED_FIELD_CHANGES = [
    ("session", "actual_end", lambda entry: entry.actual_end + 5 * MINUTE),
    ("session", "attendance", lambda entry: Attendance.LATE),
    ("session", "setting", lambda entry: SessionSetting.TELEHEALTH),
    ("session", "scheduled_start", lambda entry: entry.scheduled_start - MINUTE),
    ("incident", "description", lambda entry: entry.description + " Then left."),
    ("incident", "harm", lambda entry: HarmLevel.MODERATE),
    ("incident", "occurred_at", lambda entry: entry.occurred_at - MINUTE),
    ("incident", "provisional_classification", lambda entry: Classification.VIOLATION),
    ("incident", "planned", lambda entry: True),
    ("incident", "consulted_on", lambda entry: datetime.date(2025, 5, 1)),
]


@pytest.mark.parametrize(
    ("kind", "field", "value"),
    [pytest.param(*change, id=f"{change[0]}-{change[1]}") for change in SIGNED_FIELD_CHANGES],
)
def test_content_hash_changes_when_a_signed_field_changes(client_record, kind, field, value):
    entry = signed(ENTRY_FACTORIES[kind](client=client_record))

    setattr(entry, field, value(entry))

    assert entry.compute_content_hash() != entry.content_hash


def test_content_hash_does_not_cover_the_supervisors_final_classification(client_record):
    # The supervisor classifies after signing; that must not look like tampering.
    incident = signed(IncidentFactory(client=client_record))

    incident.final_classification = Classification.VIOLATION

    assert incident.compute_content_hash() == incident.content_hash


# Session: database constraints


@pytest.mark.parametrize(
    ("start", "changes", "constraint"),
    [
        ("session", {"setting": "carrier_pigeon"}, "session_setting_valid"),
        ("no_show", {"attendance": "excused"}, "session_attendance_valid"),
        ("session", {"scheduled_end": F("scheduled_start")}, "session_scheduled_end_after_start"),
        ("session", {"scheduled_end": F("scheduled_start") - MINUTE}, "session_scheduled_end_after_start"),
        ("session", {"actual_end": F("actual_start")}, "session_actual_end_after_start"),
        ("session", {"actual_end": None}, "session_actual_end_after_start"),
        ("session", {"actual_start": None, "actual_end": None}, "session_actual_times_match_attendance"),
        ("session", {"attendance": Attendance.NO_SHOW}, "session_actual_times_match_attendance"),
        ("session", {"attendance": Attendance.LATE_CANCELLATION}, "session_actual_times_match_attendance"),
    ],
    ids=[
        "unknown-setting",
        "unknown-attendance",
        "scheduled-end-at-start",
        "scheduled-end-before-start",
        "actual-end-at-start",
        "actual-start-without-end",
        "attended-without-times",
        "no-show-with-times",
        "late-cancellation-with-times",
    ],
)
def test_database_refuses_an_invalid_session(request, start, changes, constraint):
    session = request.getfixturevalue(start)

    with pytest.raises(IntegrityError, match=constraint), transaction.atomic():
        Session.objects.filter(pk=session.pk).update(**changes)


@pytest.mark.parametrize(
    ("attendance", "has_times"),
    [
        (Attendance.ATTENDED, True),
        (Attendance.LATE, True),
        (Attendance.NO_SHOW, False),
        (Attendance.LATE_CANCELLATION, False),
    ],
)
def test_database_accepts_actual_times_that_match_the_attendance(client_record, attendance, has_times):
    session = SessionFactory.build(client=client_record, attendance=attendance)
    if not has_times:
        session.actual_start = session.actual_end = None

    Session.objects.bulk_create([session])

    assert Session.objects.filter(client=client_record, attendance=attendance).exists()


@pytest.mark.parametrize("minutes", [15, 0, -5])
def test_overrun_is_how_long_the_session_ran_past_its_scheduled_end(client_record, minutes):
    session = SessionFactory.build(client=client_record)
    session.actual_end = session.scheduled_end + minutes * MINUTE
    session.save()

    session.refresh_from_db()

    assert session.overrun == minutes * MINUTE
    assert session.overrun_minutes == minutes


def test_overrun_is_empty_for_a_session_that_did_not_take_place(no_show):
    no_show.refresh_from_db()

    assert no_show.overrun is None
    assert no_show.overrun_minutes is None


def test_overrun_follows_a_change_of_the_actual_end(session):
    session.actual_end = session.scheduled_end + 12 * MINUTE
    session.save()

    session.refresh_from_db()

    assert session.overrun == 12 * MINUTE
    assert list(Session.objects.filter(overrun__gte=10 * MINUTE)) == [session]


# Session: clean()


def test_clean_accepts_a_session_of_the_clients_therapist(client_record):
    SessionFactory.build(client=client_record).full_clean()


def test_clean_refuses_a_therapist_of_another_practice(client_record, other_therapist):
    session = SessionFactory.build(client=client_record, therapist=other_therapist)

    assert_invalid(session, "therapist", "therapist_not_in_practice")


@pytest.mark.parametrize(
    ("changes", "field", "code"),
    [
        ({"scheduled_end": START}, "scheduled_end", "end_before_start"),
        ({"actual_end": None}, "actual_start", "actual_times_required"),
        ({"attendance": Attendance.NO_SHOW}, "actual_start", "actual_times_not_allowed"),
        ({"actual_end": START}, "actual_end", "end_before_start"),
    ],
    ids=["scheduled-end-at-start", "attended-without-end", "no-show-with-times", "actual-end-at-start"],
)
def test_clean_refuses_inconsistent_times(client_record, changes, field, code):
    session = SessionFactory.build(client=client_record, scheduled_start=START, **changes)

    assert_invalid(session, field, code)


# Incident: database constraints


@pytest.mark.parametrize(
    ("changes", "constraint"),
    [
        ({"category": "finances"}, "incident_category_valid"),
        ({"initiated_by": "supervisor"}, "incident_initiator_valid"),
        ({"provisional_classification": "breach"}, "incident_provisional_classification_valid"),
        ({"final_classification": "breach"}, "incident_final_classification_valid"),
        ({"harm": 4}, "incident_harm_valid"),
        ({"location": "moon"}, "incident_location_valid"),
        ({"description": ""}, "incident_description_required"),
        ({"occurred_at": F("documented_at") + MINUTE}, "incident_not_in_future"),
        ({"follow_up_due": FOLLOW_UP_DUE}, "incident_follow_up_due_needs_action"),
        ({"follow_up_done_on": FOLLOW_UP_DUE}, "incident_follow_up_done_needs_due"),
    ],
    ids=[
        "unknown-category",
        "unknown-initiator",
        "unknown-provisional-classification",
        "unknown-final-classification",
        "unknown-harm-level",
        "unknown-location",
        "no-description",
        "occurred-after-documented",
        "follow-up-due-without-action",
        "follow-up-done-without-due-date",
    ],
)
def test_database_refuses_an_invalid_incident(incident, changes, constraint):
    with pytest.raises(IntegrityError, match=constraint), transaction.atomic():
        Incident.objects.filter(pk=incident.pk).update(**changes)


@pytest.mark.parametrize(
    "changes",
    [
        {"occurred_at": F("documented_at")},
        {"harm": HarmLevel.SEVERE, "final_classification": Classification.VIOLATION},
        {"follow_up": "Review in supervision.", "follow_up_due": FOLLOW_UP_DUE},
        {
            "follow_up": "Review in supervision.",
            "follow_up_due": FOLLOW_UP_DUE,
            "follow_up_done_on": FOLLOW_UP_DUE,
        },
    ],
    ids=["documented-as-it-happened", "severe-violation", "follow-up-due", "follow-up-done"],
)
def test_database_accepts_a_valid_incident(incident, changes):
    assert Incident.objects.filter(pk=incident.pk).update(**changes) == 1


@pytest.mark.parametrize(
    ("provisional", "final", "expected"),
    [
        (Classification.CROSSING, "", Classification.CROSSING),
        (Classification.VIOLATION, "", Classification.VIOLATION),
        (Classification.CROSSING, Classification.VIOLATION, Classification.VIOLATION),
        (Classification.VIOLATION, Classification.CROSSING, Classification.CROSSING),
    ],
)
def test_classification_is_the_final_one_where_set_else_the_provisional_one(
    client_record, provisional, final, expected
):
    incident = IncidentFactory(client=client_record, provisional_classification=provisional)
    incident.final_classification = final
    incident.save()

    incident.refresh_from_db()

    assert incident.classification == expected == incident.effective_classification


# Incident: clean()


def test_clean_accepts_a_session_and_agreement_of_the_same_client(client_record):
    agreement = BoundaryAgreementFactory(client=client_record, category=Category.TIME)
    incident = IncidentFactory.build(
        client=client_record,
        session=SessionFactory(client=client_record),
        agreement=agreement,
        category=Category.TIME,
    )

    incident.full_clean()


def test_clean_refuses_a_session_of_another_client(client_record, other_client):
    incident = IncidentFactory.build(client=client_record, session=SessionFactory(client=other_client))

    assert_invalid(incident, "session", "session_other_client")


def test_clean_refuses_an_agreement_of_another_client(client_record, other_client):
    incident = IncidentFactory.build(
        client=client_record, agreement=BoundaryAgreementFactory(client=other_client)
    )

    assert_invalid(incident, "agreement", "agreement_other_client")


def test_clean_refuses_a_category_other_than_the_agreements(client_record):
    agreement = BoundaryAgreementFactory(client=client_record, category=Category.TIME)
    incident = IncidentFactory.build(client=client_record, agreement=agreement, category=Category.DISCLOSURE)

    assert_invalid(incident, "category", "category_mismatch")


def test_clean_refuses_an_incident_in_the_future(client_record):
    incident = IncidentFactory.build(
        client=client_record, occurred_at=timezone.now() + datetime.timedelta(hours=1)
    )

    assert_invalid(incident, "occurred_at", "in_future")


# Addendum: database constraints


@pytest.mark.parametrize("both", [True, False], ids=["both-a-session-and-an-incident", "neither"])
def test_database_refuses_an_addendum_without_exactly_one_entry(session, incident, both):
    addendum = addendum_to(session, incident=incident) if both else addendum_to(session, session=None)

    with pytest.raises(IntegrityError, match="addendum_exactly_one_entry"), transaction.atomic():
        addendum.save()


@pytest.mark.parametrize("field", ["text", "reason"])
def test_database_refuses_an_addendum_without_text_or_reason(session, field):
    addendum = addendum_to(signed(session))
    addendum.save()

    with pytest.raises(IntegrityError, match="addendum_text_and_reason_required"), transaction.atomic():
        Addendum.objects.filter(pk=addendum.pk).update(**{field: ""})


@pytest.mark.parametrize("target", ["session", "incident"])
def test_database_accepts_an_addendum_to_one_entry(request, target):
    entry = signed(request.getfixturevalue(target))

    addendum = addendum_to(entry)
    addendum.save()

    assert Addendum.objects.get(pk=addendum.pk).entry == entry


# Addendum: clean() (non-field errors: the entry comes from the URL, not from a form field)


@pytest.mark.parametrize("target", ["session", "incident"])
def test_clean_accepts_an_addendum_to_a_signed_entry_of_the_same_client(request, target):
    entry = signed(request.getfixturevalue(target))

    addendum_to(entry).full_clean()


@pytest.mark.parametrize("target", ["session", "incident"])
def test_clean_refuses_an_addendum_to_a_draft(request, target):
    addendum = addendum_to(request.getfixturevalue(target))

    assert_invalid(addendum, NON_FIELD_ERRORS, "entry_not_signed")


def test_clean_refuses_an_addendum_for_another_client_than_the_entrys(session, other_client):
    addendum = addendum_to(signed(session), client=other_client)

    assert_invalid(addendum, NON_FIELD_ERRORS, "client_mismatch")


def test_clean_refuses_an_addendum_without_an_entry(client_record, owner):
    addendum = Addendum(client=client_record, text="A note.", reason="A reason.", author=owner)

    assert_invalid(addendum, NON_FIELD_ERRORS, "no_entry")


def test_content_hash_of_times_given_in_a_practice_zone_survives_the_database(client_record, owner):
    london = zoneinfo.ZoneInfo("Europe/London")
    start = datetime.datetime(2026, 7, 1, 10, 0, tzinfo=london)
    session = SessionFactory(
        client=client_record,
        scheduled_start=start,
        scheduled_end=start + datetime.timedelta(minutes=50),
        documented_at=start + datetime.timedelta(hours=2),
    )
    session.mark_signed(by=owner)
    session.save()

    session.refresh_from_db()

    assert session.compute_content_hash() == session.content_hash
