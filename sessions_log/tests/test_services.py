"""The session log's services: what they write, and what they refuse whatever a page offers."""

import datetime

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from boundaries.models import Category
from boundaries.tests.factories import BoundaryAgreementFactory
from clients.models import ClientStatus
from sessions_log import services
from sessions_log.models import (
    ATTESTATION,
    Addendum,
    Attendance,
    EntryStatus,
    Incident,
    Session,
    SessionSetting,
)
from sessions_log.tests.factories import IncidentFactory, SessionFactory

pytestmark = pytest.mark.django_db

START = datetime.datetime(2025, 5, 5, 9, 0, tzinfo=datetime.UTC)
MINUTE = datetime.timedelta(minutes=1)


def session_fields(**overrides) -> dict:
    return {
        "scheduled_start": START,
        "scheduled_end": START + 50 * MINUTE,
        "actual_start": START,
        "actual_end": START + 50 * MINUTE,
        "setting": SessionSetting.IN_PERSON,
        "attendance": Attendance.ATTENDED,
    } | overrides


def incident_fields(**overrides) -> dict:
    return {
        "category": Category.TIME,
        "initiated_by": "client",
        "provisional_classification": "crossing",
        "occurred_at": START + 10 * MINUTE,
        "description": "Asked to run over.",
    } | overrides


def row(model, pk) -> dict:
    return model.objects.filter(pk=pk).values().get()


@pytest.fixture
def session(client_record):
    return SessionFactory(client=client_record)


@pytest.fixture
def signed_session(session, owner):
    return services.session_sign(session=session, by=owner, attestation=ATTESTATION)


@pytest.fixture
def incident(client_record):
    return IncidentFactory(client=client_record)


class TestSessionCreate:
    def test_creates_a_draft_session_and_its_incidents(self, owner, client_record):
        session = services.session_create(
            client=client_record,
            therapist=owner,
            data=session_fields(),
            incidents=[incident_fields(), incident_fields(category=Category.DISCLOSURE)],
        )

        assert session.status == EntryStatus.DRAFT
        assert (session.client, session.therapist) == (client_record, owner)
        assert {incident.category for incident in session.incidents.all()} == {"time", "disclosure"}
        assert all(incident.status == EntryStatus.DRAFT for incident in session.incidents.all())

    def test_one_invalid_incident_saves_nothing(self, owner, client_record):
        future = timezone.now() + datetime.timedelta(hours=1)

        with pytest.raises(ValidationError) as excinfo:
            services.session_create(
                client=client_record,
                therapist=owner,
                data=session_fields(),
                incidents=[incident_fields(), incident_fields(occurred_at=future)],
            )

        assert "Incident 2: An incident cannot be in the future." in excinfo.value.messages
        assert not Session.objects.exists()
        assert not Incident.objects.exists()

    def test_category_must_match_the_agreement(self, owner, client_record):
        agreement = BoundaryAgreementFactory(client=client_record, category=Category.TIME)

        with pytest.raises(ValidationError, match="must match the agreement"):
            services.session_create(
                client=client_record,
                therapist=owner,
                data=session_fields(),
                incidents=[incident_fields(category=Category.PHYSICAL, agreement=agreement)],
            )
        assert not Session.objects.exists()

    def test_refuses_a_discharged_client(self, owner, client_record):
        client_record.status = ClientStatus.DISCHARGED
        client_record.discharged_on = timezone.localdate()
        client_record.save()

        with pytest.raises(ValidationError) as excinfo:
            services.session_create(client=client_record, therapist=owner, data=session_fields())

        assert excinfo.value.code == "client_discharged"
        assert not Session.objects.exists()

    def test_refuses_anyone_but_the_clients_therapist(self, colleague, client_record):
        with pytest.raises(PermissionDenied):
            services.session_create(client=client_record, therapist=colleague, data=session_fields())
        assert not Session.objects.exists()

    def test_status_and_signature_are_not_data(self, owner, client_record):
        with pytest.raises(TypeError, match="status"):
            services.session_create(
                client=client_record, therapist=owner, data=session_fields(status=EntryStatus.SIGNED)
            )
        assert not Session.objects.exists()


class TestSessionSign:
    def test_signs_the_session_and_all_its_incidents_at_once(self, owner, session):
        incidents = IncidentFactory.create_batch(2, client=session.client, session=session)

        signed = services.session_sign(session=session, by=owner, attestation=ATTESTATION)

        stored = Session.objects.get(pk=session.pk)
        assert stored.status == EntryStatus.SIGNED
        assert stored.signed_by == owner
        assert stored.signed_at == signed.signed_at
        assert len(stored.content_hash) == 64
        assert stored.content_hash == stored.compute_content_hash()
        for incident in incidents:
            incident.refresh_from_db()
            assert (incident.status, incident.signed_by, incident.signed_at) == (
                EntryStatus.SIGNED,
                owner,
                stored.signed_at,
            )
            assert incident.content_hash == incident.compute_content_hash()

    def test_keeps_the_attestation_with_the_signature_of_the_session_and_its_incidents(self, owner, session):
        incident = IncidentFactory(client=session.client, session=session)

        services.session_sign(session=session, by=owner, attestation=ATTESTATION)

        session.refresh_from_db()
        incident.refresh_from_db()
        assert session.signature_attestation == incident.signature_attestation == ATTESTATION
        # Beside the signature, not in the hashed content: the hash is the content's alone.
        assert session.content_hash == session.compute_content_hash()

    @pytest.mark.parametrize("attestation", ["", "   "])
    def test_refuses_to_sign_without_an_attestation(self, owner, session, attestation):
        incident = IncidentFactory(client=session.client, session=session)
        before = (row(Session, session.pk), row(Incident, incident.pk))

        with pytest.raises(ValidationError) as excinfo:
            services.session_sign(session=session, by=owner, attestation=attestation)

        assert excinfo.value.code == "attestation_required"
        assert (row(Session, session.pk), row(Incident, incident.pk)) == before

    def test_refuses_an_already_signed_session(self, owner, signed_session):
        before = row(Session, signed_session.pk)

        with pytest.raises(services.EntryLocked) as excinfo:
            services.session_sign(session=signed_session, by=owner, attestation=ATTESTATION)

        assert excinfo.value.code == "signed"
        assert "is locked" in excinfo.value.messages[0]
        assert row(Session, signed_session.pk) == before

    def test_refuses_a_stale_copy_whose_row_is_signed(self, owner, session):
        stale = Session.objects.get(pk=session.pk)
        services.session_sign(session=session, by=owner, attestation=ATTESTATION)

        with pytest.raises(services.EntryLocked):
            services.session_sign(session=stale, by=owner, attestation=ATTESTATION)

    def test_refuses_anyone_but_the_clients_therapist(self, supervisor, session):
        with pytest.raises(PermissionDenied):
            services.session_sign(session=session, by=supervisor, attestation=ATTESTATION)
        session.refresh_from_db()
        assert session.status == EntryStatus.DRAFT


class TestSessionUpdate:
    def test_changes_the_draft_and_adds_changes_and_removes_incidents(self, owner, session):
        kept = IncidentFactory(client=session.client, session=session)
        removed = IncidentFactory(client=session.client, session=session)
        new_end = session.scheduled_end + 20 * MINUTE
        data = session_fields(
            scheduled_start=session.scheduled_start,
            scheduled_end=session.scheduled_end,
            actual_start=session.actual_start,
            actual_end=new_end,
        )

        services.session_update(
            session=session,
            by=owner,
            data=data,
            new_incidents=[incident_fields(category=Category.ONLINE)],
            changed_incidents={kept.pk: incident_fields(description="Reworded.")},
            removed_incidents=[removed.pk],
        )

        session.refresh_from_db()
        assert session.actual_end == new_end
        assert session.overrun_minutes == 20
        assert set(
            session.incidents.filter(archived_at__isnull=True).values_list("description", flat=True)
        ) == {
            "Reworded.",
            "Asked to run over.",
        }
        removed.refresh_from_db()
        assert removed.archived_at is not None
        assert removed.archived_reason == services.REMOVED_FROM_SESSION

    def test_signing_leaves_an_archived_incident_a_draft(self, owner, session):
        removed = IncidentFactory(client=session.client, session=session)
        services.session_update(
            session=session,
            by=owner,
            data=session_fields(
                scheduled_start=session.scheduled_start,
                scheduled_end=session.scheduled_end,
                actual_start=session.actual_start,
                actual_end=session.actual_end,
            ),
            removed_incidents=[removed.pk],
        )

        services.session_sign(session=session, by=owner, attestation=ATTESTATION)

        removed.refresh_from_db()
        assert removed.status == EntryStatus.DRAFT
        assert removed.archived_at is not None

    def test_refuses_a_signed_session_and_leaves_the_row_unchanged(self, owner, signed_session):
        before = row(Session, signed_session.pk)

        with pytest.raises(services.EntryLocked):
            services.session_update(
                session=signed_session, by=owner, data=session_fields(actual_end=START + 90 * MINUTE)
            )

        assert row(Session, signed_session.pk) == before

    def test_refuses_a_stale_draft_copy_of_a_signed_row(self, owner, session):
        # The page was opened before the session was signed elsewhere: the row decides.
        stale = Session.objects.get(pk=session.pk)
        incident = IncidentFactory(client=session.client, session=session)
        services.session_sign(session=session, by=owner, attestation=ATTESTATION)
        before = (row(Session, session.pk), row(Incident, incident.pk))

        with pytest.raises(services.EntryLocked):
            services.session_update(
                session=stale,
                by=owner,
                data=session_fields(),
                changed_incidents={incident.pk: incident_fields(description="Changed.")},
            )

        assert (row(Session, session.pk), row(Incident, incident.pk)) == before

    def test_refuses_incidents_of_another_session(self, owner, session):
        elsewhere = IncidentFactory(client=session.client, session=SessionFactory(client=session.client))

        with pytest.raises(ValidationError) as excinfo:
            services.session_update(
                session=session, by=owner, data=session_fields(), removed_incidents=[elsewhere.pk]
            )

        assert excinfo.value.code == "not_in_session"
        assert Incident.objects.filter(pk=elsewhere.pk).exists()

    def test_invalid_session_changes_nothing(self, owner, session):
        before = row(Session, session.pk)

        with pytest.raises(ValidationError):
            services.session_update(session=session, by=owner, data=session_fields(actual_end=START - MINUTE))

        assert row(Session, session.pk) == before


class TestIncidentOutsideSession:
    def test_create_update_sign(self, owner, client_record):
        incident = services.incident_create(client=client_record, by=owner, data=incident_fields())
        assert incident.session is None
        assert incident.status == EntryStatus.DRAFT

        services.incident_update(incident=incident, by=owner, data={"description": "Clarified."})
        signed = services.incident_sign(incident=incident, by=owner, attestation=ATTESTATION)

        incident.refresh_from_db()
        assert incident.description == "Clarified."
        assert incident.status == EntryStatus.SIGNED
        assert incident.signed_at == signed.signed_at
        assert incident.content_hash == incident.compute_content_hash()

    def test_sign_keeps_the_attestation_and_refuses_without_one(self, owner, incident):
        before = row(Incident, incident.pk)
        with pytest.raises(ValidationError) as excinfo:
            services.incident_sign(incident=incident, by=owner, attestation="")
        assert excinfo.value.code == "attestation_required"
        assert row(Incident, incident.pk) == before

        services.incident_sign(incident=incident, by=owner, attestation=ATTESTATION)

        incident.refresh_from_db()
        assert (incident.status, incident.signature_attestation) == (EntryStatus.SIGNED, ATTESTATION)

    def test_discharged_client_still_gets_incidents(self, owner, client_record):
        client_record.status = ClientStatus.DISCHARGED
        client_record.discharged_on = timezone.localdate()
        client_record.save()

        incident = services.incident_create(client=client_record, by=owner, data=incident_fields())

        assert incident.pk

    def test_update_refuses_a_signed_incident_and_leaves_the_row_unchanged(self, owner, incident):
        stale = Incident.objects.get(pk=incident.pk)
        services.incident_sign(incident=incident, by=owner, attestation=ATTESTATION)
        before = row(Incident, incident.pk)

        with pytest.raises(services.EntryLocked):
            services.incident_update(incident=stale, by=owner, data={"description": "Changed."})

        assert row(Incident, incident.pk) == before

    def test_sign_refuses_a_second_signature(self, owner, incident):
        services.incident_sign(incident=incident, by=owner, attestation=ATTESTATION)
        first = Incident.objects.values("signed_by", "signed_at", "content_hash").get(pk=incident.pk)

        # An hour later, so that a second signature written over the first would show in signed_at.
        with (
            time_machine.travel(timezone.now() + datetime.timedelta(hours=1)),
            pytest.raises(services.EntryLocked),
        ):
            services.incident_sign(incident=incident, by=owner, attestation=ATTESTATION)

        assert first["signed_by"] == owner.pk and first["signed_at"] is not None
        assert Incident.objects.values("signed_by", "signed_at", "content_hash").get(pk=incident.pk) == first

    def test_incidents_of_a_session_go_with_the_session(self, owner, session):
        incident = IncidentFactory(client=session.client, session=session)

        with pytest.raises(ValidationError, match="with the session") as excinfo:
            services.incident_sign(incident=incident, by=owner, attestation=ATTESTATION)
        assert excinfo.value.code == "in_session"
        with pytest.raises(ValidationError, match="with the session"):
            services.incident_update(incident=incident, by=owner, data={"description": "Changed."})
        incident.refresh_from_db()
        assert incident.status == EntryStatus.DRAFT

    def test_refuses_anyone_but_the_clients_therapist(self, colleague, client_record, incident):
        with pytest.raises(PermissionDenied):
            services.incident_create(client=client_record, by=colleague, data=incident_fields())
        with pytest.raises(PermissionDenied):
            services.incident_update(incident=incident, by=colleague, data={"description": "Changed."})


class TestAddendum:
    def test_adds_a_dated_addendum_to_a_signed_session(self, owner, signed_session):
        addendum = services.addendum_add(
            entry=signed_session, by=owner, text="It began at 10:05.", reason="Wrong start time."
        )

        assert (addendum.session, addendum.incident, addendum.client, addendum.author) == (
            signed_session,
            None,
            signed_session.client,
            owner,
        )
        assert timezone.now() - addendum.created_at < datetime.timedelta(minutes=1)

    def test_adds_an_addendum_to_a_signed_incident(self, owner, incident):
        services.incident_sign(incident=incident, by=owner, attestation=ATTESTATION)

        addendum = services.addendum_add(entry=incident, by=owner, text="More.", reason="Remembered later.")

        assert addendum.incident == incident

    def test_refuses_a_draft(self, owner, session):
        with pytest.raises(ValidationError, match="addenda are for signed entries"):
            services.addendum_add(entry=session, by=owner, text="More.", reason="Because.")
        assert not Addendum.objects.exists()

    def test_refuses_a_stale_signed_copy_of_a_draft_row(self, owner, session):
        # Only the row counts, not the caller's copy of it.
        session.status = EntryStatus.SIGNED

        with pytest.raises(ValidationError):
            services.addendum_add(entry=session, by=owner, text="More.", reason="Because.")
        assert not Addendum.objects.exists()

    def test_needs_text_and_reason(self, owner, signed_session):
        with pytest.raises(ValidationError) as excinfo:
            services.addendum_add(entry=signed_session, by=owner, text="More.", reason="")
        assert "reason" in excinfo.value.error_dict


def test_a_constraint_the_database_refuses_becomes_a_validation_error(client_record):
    # clean() covers every field a form sets, so no public path reaches the database's refusal
    # today; this pins the safety net for the day one does (a new field, a race).
    incident = IncidentFactory.build(client=client_record, follow_up_done_on=datetime.date(2025, 5, 6))

    with pytest.raises(ValidationError) as excinfo:
        services._save(incident)

    assert excinfo.value.code == "constraint"
    assert "incident_follow_up_done_needs_due" in excinfo.value.messages[0]
    assert not Incident.objects.exists()
