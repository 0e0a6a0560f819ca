"""Co-signature: the queue of a supervisee who needs it, co-signing by the current supervisor only,
returning for revision, and the database keeping a co-signed entry and its co-signature as they are."""

import datetime

import pgtrigger
import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, ProgrammingError, transaction
from django.urls import reverse
from django.utils import timezone

from sessions_log import services as session_log
from sessions_log.models import EntryStatus, Incident, RevisionRequest, Session
from sessions_log.tests.factories import IncidentFactory, SessionFactory
from supervision import cosign

pytestmark = pytest.mark.django_db

DAY = datetime.timedelta(days=1)


def signed(entry, *, by=None):
    entry.mark_signed(by=by or entry.client.therapist)
    entry.save()
    return entry


@pytest.fixture
def needs_cosignature(owner):
    owner.cosign_required_from = timezone.localdate() - 10 * DAY
    owner.save(update_fields=["cosign_required_from"])
    return owner


@pytest.fixture
def session(needs_cosignature, client_record):
    session = SessionFactory(client=client_record)
    IncidentFactory(client=client_record, session=session, occurred_at=session.actual_start)
    session.mark_signed(by=needs_cosignature)
    session.save()
    for incident in session.incidents.all():
        incident.mark_signed(by=needs_cosignature, at=session.signed_at)
        incident.save()
    return session


@pytest.fixture
def incident(needs_cosignature, client_record):
    return signed(IncidentFactory(client=client_record))


# The queue


def test_the_queue_holds_the_signed_entries_of_a_supervisee_who_needs_cosignature(
    supervisor, session, incident, client_record
):
    signed(SessionFactory(client=client_record))
    SessionFactory(client=client_record)  # a draft waits for its therapist, not the supervisor

    rows = cosign.queue(supervisor)

    # A session's own incidents are co-signed with it: only the session and the incident outside it.
    assert {(row.kind, row.entry.pk) for row in rows} >= {("session", session.pk), ("incident", incident.pk)}
    assert all(row.entry.status == EntryStatus.SIGNED for row in rows)
    assert ("incident", session.incidents.get().pk) not in {(row.kind, row.entry.pk) for row in rows}
    assert [row.entry.signed_at for row in rows] == sorted(row.entry.signed_at for row in rows)


def test_entries_signed_before_the_start_date_or_by_a_therapist_who_needs_none_do_not_wait(
    supervisor, owner, client_record
):
    before = signed(SessionFactory(client=client_record))
    owner.cosign_required_from = timezone.localdate() + DAY
    owner.save(update_fields=["cosign_required_from"])
    assert cosign.queue(supervisor) == []
    assert not Session.objects.get(pk=before.pk).awaits_cosignature

    owner.cosign_required_from = None
    owner.save(update_fields=["cosign_required_from"])
    assert cosign.queue(supervisor) == []


def test_another_supervisors_queue_is_empty(session, unassigned_supervisor, ended_supervisor):
    assert cosign.queue(unassigned_supervisor) == []
    assert cosign.queue(ended_supervisor) == []


def test_the_queue_page_shows_each_entry_with_its_age(client, supervisor, session):
    client.force_login(supervisor)

    page = client.get(reverse("supervision:cosign_queue"))

    assert page.status_code == 200
    assert session.client.code in page.content.decode()
    assert "minute" in page.content.decode()  # "0 minutes": its age


# Co-signing


def test_the_current_supervisor_cosigns_over_the_same_content_and_covers_the_sessions_incidents(
    supervisor, session
):
    cosign.entry_cosign(entry=session, by=supervisor)

    session.refresh_from_db()
    assert session.cosigned_by == supervisor
    assert session.cosigned_at >= session.signed_at
    assert session.cosign_hash == session.content_hash == session.compute_content_hash()
    inside = session.incidents.get()
    assert inside.cosigned_by == supervisor and inside.cosign_hash == inside.content_hash
    assert not session.awaits_cosignature
    assert cosign.queue(supervisor) == []


@pytest.mark.parametrize(
    "visitor", ["owner", "colleague", "unassigned_supervisor", "ended_supervisor", "admin", "other_admin"]
)
def test_cosignature_by_anyone_but_the_current_supervisor_is_refused(request, session, incident, visitor):
    person = request.getfixturevalue(visitor)

    for entry in (session, incident):
        with pytest.raises(PermissionDenied):
            cosign.entry_cosign(entry=entry, by=person)
        with pytest.raises(PermissionDenied):
            cosign.entry_return(entry=entry, by=person, request="Say more.")
        entry.refresh_from_db()
        assert entry.cosigned_at is None
    assert not RevisionRequest.objects.exists()


@pytest.mark.parametrize(
    ("visitor", "status"),
    [
        ("owner", 403),
        ("admin", 403),
        ("unassigned_supervisor", 404),
        ("ended_supervisor", 404),
        ("colleague", 404),
        ("other_admin", 404),
    ],
)
def test_cosignature_views_refuse_anyone_but_the_current_supervisor(
    client, request, session, visitor, status
):
    client.force_login(request.getfixturevalue(visitor))
    url = reverse("supervision:entry_cosign", args=["session", session.pk])

    assert client.get(url).status_code == status
    assert client.post(url, {"attest": "on"}).status_code == status
    session.refresh_from_db()
    assert session.cosigned_at is None


def test_a_cosignature_needs_the_attestation_and_is_shown_on_the_entry(client, supervisor, session):
    client.force_login(supervisor)
    url = reverse("supervision:entry_cosign", args=["session", session.pk])
    assert "Awaiting co-signature" in client.get(session.get_absolute_url()).content.decode()

    refused = client.post(url, {})
    assert refused.status_code == 400
    assert "Confirm you have read the entry" in refused.content.decode()

    assert client.post(url, {"attest": "on"}).status_code == 302
    page = client.get(session.get_absolute_url()).content.decode()
    assert "Co-signed" in page and str(supervisor) in page and "Signed" in page


def test_an_entry_is_cosigned_once(supervisor, session):
    cosign.entry_cosign(entry=session, by=supervisor)

    with pytest.raises(ValidationError, match="co-signed this entry"):
        cosign.entry_cosign(entry=session, by=supervisor)


def test_an_incident_signed_with_its_session_is_cosigned_with_the_session(supervisor, session):
    with pytest.raises(ValidationError, match="co-sign the session"):
        cosign.entry_cosign(entry=session.incidents.get(), by=supervisor)


# Returning for revision


def test_a_returned_entry_waits_for_its_addendum_before_it_is_cosigned(supervisor, owner, incident):
    revision = cosign.entry_return(entry=incident, by=supervisor, request="Say what you told the client.")
    assert revision.incident == incident
    assert next(row for row in cosign.queue(supervisor) if row.entry.pk == incident.pk).entry.returned
    with pytest.raises(ValidationError, match="returned for revision"):
        cosign.entry_cosign(entry=incident, by=supervisor)
    with pytest.raises(ValidationError, match="already returned"):
        cosign.entry_return(entry=incident, by=supervisor, request="Again.")

    session_log.addendum_add(entry=incident, by=owner, text="I told her the time limit.", reason="Returned")
    cosign.entry_cosign(entry=incident, by=supervisor)

    incident.refresh_from_db()
    assert incident.is_cosigned


def test_a_return_needs_words(client, supervisor, incident):
    client.force_login(supervisor)

    response = client.post(reverse("supervision:entry_cosign_return", args=["incident", incident.pk]), {})

    assert response.status_code == 400
    assert "Say what is to be revised." in response.content.decode()
    assert not RevisionRequest.objects.exists()


# The database


@pytest.mark.parametrize("kind", ["session", "incident"])
def test_a_cosigned_entrys_content_cannot_change(supervisor, session, incident, kind):
    entry = {"session": session, "incident": incident}[kind]
    cosign.entry_cosign(entry=entry, by=supervisor)
    change = {"session": {"setting": "video"}, "incident": {"description": "Rewritten afterwards."}}[kind]

    with pytest.raises(ProgrammingError, match="is locked"), transaction.atomic():
        type(entry).objects.filter(pk=entry.pk).update(**change)
    with pytest.raises(ProgrammingError, match="is locked"), transaction.atomic():
        # Past the ORM's own refusals (a session's incidents protect it): the SQL DELETE itself.
        type(entry).objects.filter(pk=entry.pk)._raw_delete("default")


@pytest.mark.parametrize(
    "change",
    [
        {"cosigned_by": None, "cosigned_at": None, "cosign_hash": ""},
        {"cosigned_at": timezone.now() + DAY},
        {"cosign_hash": "0" * 64},
    ],
    ids=["withdrawn", "moved", "other-hash"],
)
def test_a_cosignature_cannot_change_once_written(supervisor, incident, change):
    cosign.entry_cosign(entry=incident, by=supervisor)

    with pytest.raises(ProgrammingError, match="is locked"), transaction.atomic():
        Incident.objects.filter(pk=incident.pk).update(**change)


def test_the_database_refuses_a_cosignature_over_other_content_or_by_the_signer(supervisor, owner, incident):
    immutable = "sessions_log.Incident:cosignature_immutable"
    with (
        pytest.raises(IntegrityError, match="incident_cosignature_complete"),
        pgtrigger.ignore(immutable),
        transaction.atomic(),
    ):
        Incident.objects.filter(pk=incident.pk).update(
            cosigned_by=supervisor, cosigned_at=timezone.now(), cosign_hash="0" * 64
        )
    with pytest.raises(IntegrityError, match="incident_cosigned_by_another"), transaction.atomic():
        Incident.objects.filter(pk=incident.pk).update(
            cosigned_by=owner, cosigned_at=timezone.now(), cosign_hash=incident.content_hash
        )


def test_a_draft_cannot_carry_a_cosignature(supervisor, client_record):
    draft = IncidentFactory(client=client_record)

    with pytest.raises(IntegrityError, match="incident_cosignature_complete"), transaction.atomic():
        Incident.objects.filter(pk=draft.pk).update(
            cosigned_by=supervisor, cosigned_at=timezone.now(), cosign_hash="0" * 64
        )
