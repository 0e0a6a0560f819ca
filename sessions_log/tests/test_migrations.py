"""The data migrations that made follow-ups tasks and returns revision requests, on old rows.

sessions_log 0007 copies each incident's follow-up columns into a ``FollowUp``; supervision 0005
gives each old "returned" event its ``RevisionRequest`` and each old "revised" event its addendum.
The rows are written as they were before (sessions_log 0005, supervision 0003) with the models of
that time, then migrated; the signatures of the signed entries must check out before and after
(DESIGN §3, "Signatures outlive schema changes").

The migrations run once for the class, inside one transaction that is rolled back at the end:
PostgreSQL takes the schema changes back with the rows, so the next tests find the schema as it was.
"""

import datetime
import zoneinfo
from types import SimpleNamespace

import pytest
from django.db import ProgrammingError, connection, transaction
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from accounts.tests.factories import SupervisionAssignmentFactory
from clients.tests.factories import ClientFactory
from sessions_log.models import COSIGNATURE_FIELDS, EntryStatus, FollowUp, Incident, RevisionRequest, Session
from supervision.models import FlagEvent

BEFORE = [("sessions_log", "0005_archive"), ("supervision", "0003_change_history")]
AFTER = [
    ("sessions_log", "0007_copy_incident_follow_ups"),
    ("supervision", "0005_revision_requests_from_returns"),
]
SIGNATURE_FIELDS = ["status", "signed_by", "signed_at", "content_hash", "updated_at"]
DAY = datetime.timedelta(days=1)
LONDON = zoneinfo.ZoneInfo("Europe/London")  # the practice's time zone (PracticeFactory)
NO_WORDS = "(No words were recorded with this return.)"


def migrate(targets):
    """Migrate to ``targets``; returns the app registry of that state."""
    return MigrationExecutor(connection).migrate(targets).apps


# The columns added since: the co-signature, where a session came from in the calendar, and the
# attestation kept with a signature.
ADDED_SINCE = {
    Incident: (*COSIGNATURE_FIELDS, "signature_attestation"),
    Session: (
        *COSIGNATURE_FIELDS,
        "calendar_uid",
        "calendar_recurrence_id",
        "calendar_cancelled_at",
        "signature_attestation",
    ),
}


def current(model):
    """Today's model over the old schema: without the columns added since."""
    return model.objects.defer(*ADDED_SINCE[model])


def incident_rows() -> dict:
    """Every incident's columns, those of the old schema only."""
    fields = Incident._meta.concrete_fields
    columns = [field.attname for field in fields if field.name not in ADDED_SINCE[Incident]]
    return {row["id"]: row for row in Incident.objects.values(*columns)}


def sign(entry, by):
    """Sign an old row with today's code: what it holds then is what was signed."""
    model = {"incident": Incident, "session": Session}[entry._meta.model_name]
    entry = current(model).get(pk=entry.pk)
    entry.mark_signed(by=by)
    entry.save(update_fields=SIGNATURE_FIELDS)


def signatures() -> dict[str, bool]:
    """Whether each signed entry still hashes to its signature."""
    return {
        f"{entry._meta.model_name}:{entry.pk}": entry.compute_content_hash() == entry.content_hash
        for model in (Incident, Session)
        for entry in current(model).filter(status=EntryStatus.SIGNED)
    }


def old_rows(apps) -> SimpleNamespace:
    """Incidents with every shape of follow-up, and a flag that returned two entries, as of old."""
    Incident_, Session_, Addendum_ = (
        apps.get_model("sessions_log", name) for name in ("Incident", "Session", "Addendum")
    )
    Flag_, FlagEvent_ = (apps.get_model("supervision", name) for name in ("Flag", "FlagEvent"))
    assignment = SupervisionAssignmentFactory()
    therapist, supervisor = assignment.therapist, assignment.supervisor
    client = ClientFactory(therapist=therapist)
    now, today = timezone.now(), timezone.localdate()

    def incident(**follow_up):
        return Incident_.objects.create(
            client_id=client.pk,
            category="time",
            initiated_by="client",
            provisional_classification="crossing",
            occurred_at=now - 10 * DAY,
            documented_at=now - 9 * DAY,
            description="The client asked to run over.",
            **follow_up,
        )

    signed = {
        "owned, due, done": incident(
            follow_up="Review the time agreement.",
            follow_up_owner_id=supervisor.pk,
            follow_up_due=today - 3 * DAY,
            follow_up_done_on=today - 4 * DAY,
        ),
        "due, not done": incident(follow_up="Call back.", follow_up_due=today - DAY),
        "no owner, no due": incident(follow_up="  Mention it next time.  "),
        "no follow-up": incident(),
    }
    drafts = {
        "owned and due": incident(
            follow_up="Consult.", follow_up_owner_id=therapist.pk, follow_up_due=today + DAY
        ),
        "no follow-up": incident(),
    }
    session = Session_.objects.create(
        client_id=client.pk,
        therapist_id=therapist.pk,
        scheduled_start=now - 10 * DAY,
        scheduled_end=now - 10 * DAY + datetime.timedelta(minutes=50),
        documented_at=now - 9 * DAY,
        attendance="no_show",
    )
    for entry in (*signed.values(), session):
        sign(entry, therapist)
    returned_incident = signed["no follow-up"]
    flag = Flag_.objects.create(
        practice_id=client.practice_id,
        rule="repeated_category",
        therapist_id=therapist.pk,
        client_id=client.pk,
        severity="medium",
        status="returned",
        opened_at=now - 8 * DAY,
        acknowledge_by=now - 5 * DAY,
        acknowledged_at=now - 7 * DAY,
    )
    too_early = Addendum_.objects.create(
        client_id=client.pk,
        incident_id=returned_incident.pk,
        text="A detail remembered later.",
        reason="Forgotten.",
        author_id=therapist.pk,
        created_at=now - 8 * DAY,
    )
    events = {
        "returned incident": FlagEvent_.objects.create(
            flag=flag,
            kind="returned",
            actor_id=supervisor.pk,
            comment="Add the rationale.",
            incident_id=returned_incident.pk,
            created_at=now - 7 * DAY,
        ),
        "returned session": FlagEvent_.objects.create(
            flag=flag,
            kind="returned",
            actor_id=supervisor.pk,
            session_id=session.pk,
            created_at=now - 6 * DAY,
        ),
    }
    answer = Addendum_.objects.create(
        client_id=client.pk,
        incident_id=returned_incident.pk,
        text="The rationale: the client was in crisis.",
        reason="Returned by the supervisor.",
        author_id=therapist.pk,
        created_at=now - 5 * DAY,
    )
    events["revised incident"] = FlagEvent_.objects.create(
        flag=flag,
        kind="revised",
        actor_id=therapist.pk,
        comment="An addendum was added to the returned entry.",
        incident_id=returned_incident.pk,
        created_at=now - 5 * DAY + datetime.timedelta(minutes=1),
    )
    return SimpleNamespace(
        therapist=therapist,
        supervisor=supervisor,
        client=client,
        signed=signed,
        drafts=drafts,
        session=session,
        returned_incident=returned_incident,
        too_early=too_early,
        answer=answer,
        events=events,
    )


@pytest.fixture(scope="class")
def migrated(django_db_setup, django_db_blocker):
    """The old rows, migrated from BEFORE to AFTER; with what the rows held before."""
    with django_db_blocker.unblock(), transaction.atomic():
        rows = old_rows(migrate(BEFORE))
        rows.incidents_before = incident_rows()
        rows.signatures_before = signatures()
        # The rows' deferred foreign-key checks run now, not in the middle of the schema changes.
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        migrate(AFTER)
        yield rows
        transaction.set_rollback(True)


@pytest.mark.django_db
class TestOnOldRows:
    def test_every_incidents_follow_up_became_a_task_with_the_same_text_owner_due_and_done(self, migrated):
        copied = {follow_up.incident_id: follow_up for follow_up in FollowUp.objects.all()}
        old = {**migrated.signed, **{f"draft {name}": incident for name, incident in migrated.drafts.items()}}
        with_follow_up = {name: incident for name, incident in old.items() if incident.follow_up}

        assert set(copied) == {incident.pk for incident in with_follow_up.values()}
        for name, incident in with_follow_up.items():
            follow_up = copied[incident.pk]
            assert (follow_up.action, follow_up.due_on) == (
                incident.follow_up.strip(),
                incident.follow_up_due,
            ), name
            # No owner was typed: the client's therapist, as the form always offered.
            assert follow_up.owner_id == (incident.follow_up_owner_id or migrated.therapist.pk), name
            done_on = follow_up.done_at and follow_up.done_at.astimezone(LONDON).date()
            assert done_on == incident.follow_up_done_on, name
            assert (follow_up.practice, follow_up.therapist, follow_up.client) == (
                migrated.client.practice,
                migrated.therapist,
                migrated.client,
            )
            assert (follow_up.origin, follow_up.created_at) == ("incident", incident.documented_at)
            # Who made it and who marked it done were never kept.
            assert (follow_up.created_by, follow_up.done_by, follow_up.done_note) == (None, None, "")

    def test_the_copied_tasks_pass_full_clean(self, migrated):
        for follow_up in FollowUp.objects.all():
            follow_up.full_clean()

    def test_no_incident_changed_and_every_signature_holds_before_and_after(self, migrated):
        assert incident_rows() == migrated.incidents_before
        assert set(migrated.signatures_before.values()) == {True}
        assert signatures() == migrated.signatures_before
        assert len(signatures()) == len(migrated.signed) + 1  # the signed incidents and the session
        for entry in (*current(Incident).filter(status=EntryStatus.SIGNED), current(Session).get()):
            assert entry.signature_intact is True

    def test_an_old_return_asks_by_its_comment_and_the_first_addendum_after_it_answers(self, migrated):
        returned = FlagEvent.objects.defer("meeting").get(pk=migrated.events["returned incident"].pk)
        request = returned.revision_request

        assert (request.incident_id, request.client, request.requested_by) == (
            migrated.returned_incident.pk,
            migrated.client,
            migrated.supervisor,
        )
        assert (request.requested_at, request.request) == (returned.created_at, "Add the rationale.")
        assert request.addendum_id == migrated.answer.pk  # not the addendum written before the return

    def test_an_old_return_without_words_still_asks_and_waits_for_its_answer(self, migrated):
        returned = FlagEvent.objects.defer("meeting").get(pk=migrated.events["returned session"].pk)

        assert (returned.revision_request.session_id, returned.revision_request.request) == (
            migrated.session.pk,
            NO_WORDS,
        )
        assert list(RevisionRequest.objects.unanswered()) == [returned.revision_request]

    def test_an_old_revision_names_its_addendum_instead_of_a_comment(self, migrated):
        revised = FlagEvent.objects.defer("meeting").get(pk=migrated.events["revised incident"].pk)

        assert (revised.addendum_id, revised.comment) == (migrated.answer.pk, "")

    def test_going_back_marks_done_on_the_incident_what_was_marked_done_on_its_task(self, migrated):
        incident = migrated.signed["due, not done"]
        done_at = datetime.datetime(2025, 6, 11, 23, 30, tzinfo=datetime.UTC)  # the 12th in London
        FollowUp.objects.filter(incident_id=incident.pk).update(done_at=done_at)

        back = migrate([("sessions_log", "0006_follow_up_tasks_and_revision_requests"), BEFORE[1]])

        stored = back.get_model("sessions_log", "Incident").objects.get(pk=incident.pk)
        assert stored.follow_up_done_on == datetime.date(2025, 6, 12)
        # Completion lies outside the signed content: the signature still holds.
        assert current(Incident).get(pk=incident.pk).signature_intact is True
        assert not back.get_model("sessions_log", "RevisionRequest").objects.exists()
        events = back.get_model("supervision", "FlagEvent").objects
        assert events.get(pk=migrated.events["revised incident"].pk).comment


# The attestation (sessions_log 0010): a column added to tables whose signed rows are locked.

BEFORE_ATTESTATION = [("sessions_log", "0009_calendar_sessions")]
AFTER_ATTESTATION = [("sessions_log", "0010_signature_attestation")]


def all_rows() -> dict:
    """Every session's and incident's columns, without the attestation."""
    return {
        model._meta.model_name: list(
            model.objects.order_by("pk").values(
                *[
                    field.attname
                    for field in model._meta.concrete_fields
                    if field.name != "signature_attestation"
                ]
            )
        )
        for model in (Incident, Session)
    }


@pytest.fixture(scope="class")
def attested(django_db_setup, django_db_blocker):
    """Signed and draft entries of before the attestation, migrated to it; with their rows before."""
    with django_db_blocker.unblock(), transaction.atomic():
        apps = migrate(BEFORE_ATTESTATION)
        Session_, Incident_ = (apps.get_model("sessions_log", name) for name in ("Session", "Incident"))
        client = ClientFactory()
        now = timezone.now()
        session = Session_.objects.create(
            client_id=client.pk,
            therapist_id=client.therapist_id,
            scheduled_start=now - 2 * DAY,
            scheduled_end=now - 2 * DAY + datetime.timedelta(minutes=50),
            attendance="no_show",
            documented_at=now - DAY,
        )
        entries = [session]
        for _ in range(2):
            entries.append(
                Incident_.objects.create(
                    client_id=client.pk,
                    session_id=session.pk,
                    category="time",
                    initiated_by="client",
                    provisional_classification="crossing",
                    occurred_at=now - 2 * DAY,
                    documented_at=now - DAY,
                    description="The client asked to run over.",
                )
            )
        for entry in entries[:2]:  # the session and one incident signed, one incident a draft
            sign(entry, client.therapist)
        rows = SimpleNamespace(before=all_rows(), signatures_before=signatures())
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        migrate(AFTER_ATTESTATION)
        yield rows
        transaction.set_rollback(True)


@pytest.mark.django_db
class TestAttestationOnOldRows:
    def test_no_row_is_updated_and_every_signature_holds(self, attested):
        assert all_rows() == attested.before
        assert set(attested.signatures_before.values()) == {True}
        assert signatures() == attested.signatures_before

    def test_entries_signed_before_keep_a_blank_attestation(self, attested):
        assert set(Session.objects.values_list("signature_attestation", flat=True)) == {""}
        assert set(Incident.objects.values_list("signature_attestation", flat=True)) == {""}

    def test_the_lock_covers_the_new_column_of_a_signed_row(self, attested):
        signed_session = Session.objects.get(status=EntryStatus.SIGNED)

        with pytest.raises(ProgrammingError, match="is locked and cannot be updated"), transaction.atomic():
            Session.objects.filter(pk=signed_session.pk).update(signature_attestation="Attested later.")
