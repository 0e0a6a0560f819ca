"""The retention purge: archived clients past the retention period go, with every row about them."""

import datetime
import hashlib

import pghistory.models
import pytest
import time_machine
from django.core.management import call_command
from django.db.models import Q
from django.utils import timezone

from audit.models import AccessRecord
from boundaries.models import (
    AcknowledgedVersion,
    Acknowledgement,
    AcknowledgementDocument,
    AcknowledgementMethod,
    AgreementStatus,
    BoundaryAgreement,
    DocumentKind,
)
from boundaries.tests.factories import BoundaryAgreementFactory
from calendar_sync.models import EventDecision
from clients.models import Client, EmergencyAccess
from clients.tests.factories import ClientFactory
from sessions_log.models import Addendum, FollowUp, FollowUpOrigin, Incident, RevisionRequest, Session
from sessions_log.tests.factories import (
    AddendumFactory,
    FollowUpFactory,
    IncidentFactory,
    RevisionRequestFactory,
    SessionFactory,
)
from supervision import meetings
from supervision.models import (
    AgendaItem,
    AgendaKind,
    Flag,
    FlagEvent,
    FlagEventKind,
    FlagStatus,
    ItemFollowUp,
    Meeting,
    MeetingFormat,
    Outcome,
    PlanItem,
    RuleCode,
)
from supervision.tests.factories import FlagEventFactory, FlagFactory

pytestmark = pytest.mark.django_db

ARCHIVED_AT = datetime.datetime(2018, 3, 1, 12, tzinfo=datetime.UTC)
PNG = b"\x89PNG\r\n\x1a\n" + b"0" * 20


def with_records(client_record, *, owner, admin, colleague, supervisor):
    """A client with one row of every kind about them: a signed session and incident, addenda,
    an agreement revised once, an acknowledgement of it with its signature image, a resolved
    flag with its events and corrective plan, follow-ups (from the incident, the plan and a
    meeting), revision requests answered and not, a signed supervision meeting with items about
    the flag, the return and the follow-up (and a free item, which stays), a calendar decision,
    an access record and an emergency grant."""
    session = SessionFactory(client=client_record)
    incident = IncidentFactory(client=client_record, session=session, occurred_at=session.actual_start)
    session.mark_signed(by=owner)
    session.save()
    incident.refresh_from_db()
    AddendumFactory(session=session, client=client_record, author=owner)

    first = BoundaryAgreementFactory(client=client_record, status=AgreementStatus.SUPERSEDED)
    agreement = BoundaryAgreementFactory(client=client_record, chain=first.chain, version=2, supersedes=first)
    acknowledgement = Acknowledgement.objects.create(
        client=client_record,
        method=AcknowledgementMethod.ON_SCREEN,
        acknowledged_on=timezone.localdate(),
        initials="AB",
        recorded_by=owner,
    )
    AcknowledgedVersion.objects.create(
        acknowledgement=acknowledgement,
        agreement=agreement,
        content_hash=hashlib.sha256(agreement.terms.encode()).hexdigest(),
    )
    AcknowledgementDocument.objects.create(
        acknowledgement=acknowledgement,
        kind=DocumentKind.SIGNATURE,
        content_type="image/png",
        size=len(PNG),
        sha256=hashlib.sha256(PNG).hexdigest(),
        data=PNG,
    )

    flag = FlagFactory(client=client_record, status=FlagStatus.RESOLVED, outcome=Outcome.CORRECTIVE_PLAN)
    flag.incidents.add(incident)
    flag.sessions.add(session)
    flag.agreements.add(agreement)
    FlagEventFactory(flag=flag, incident=incident)
    from_incident = FollowUpFactory(client=client_record, origin=FollowUpOrigin.INCIDENT, incident=incident)
    flag.follow_ups.add(from_incident)
    from_plan = FollowUpFactory(client=client_record, origin=FollowUpOrigin.CORRECTIVE_PLAN)
    PlanItem.objects.create(flag=flag, follow_up=from_plan)

    answered = RevisionRequestFactory(incident=incident, client=client_record, requested_by=supervisor)
    answer = AddendumFactory(session=None, incident=incident, client=client_record, author=owner)
    answered.addendum = answer
    answered.save()
    FlagEventFactory(
        flag=flag,
        kind=FlagEventKind.RETURNED,
        actor=supervisor,
        comment=answered.request,
        incident=incident,
        revision_request=answered,
    )
    FlagEventFactory(flag=flag, kind=FlagEventKind.REVISED, actor=owner, incident=incident, addendum=answer)
    unanswered = RevisionRequestFactory(
        incident=None, session=session, client=client_record, requested_by=supervisor
    )

    meeting = meetings.meeting_schedule(
        by=supervisor,
        supervisees=[owner],
        format=MeetingFormat.INDIVIDUAL,
        medium="in_person",
        starts_at=timezone.now() - datetime.timedelta(hours=1),
        duration_minutes=60,
        propose_agenda=False,
    )
    about = {}
    for kind, target in (
        (AgendaKind.FLAG, flag),
        (AgendaKind.REVISION, unanswered),
        (AgendaKind.FOLLOW_UP, from_incident),
    ):
        candidate = meetings.Candidate(kind=kind, target=target, supervisee_id=owner.pk)
        about[kind] = meetings.agenda_add(meeting=meeting, by=supervisor, candidate=candidate)
    free = meetings.agenda_add(meeting=meeting, by=supervisor, title="Caseload")
    meetings.item_follow_up_assign(
        item=about[AgendaKind.FLAG],
        by=supervisor,
        action="Review the time agreement with the client",
        owner=owner,
        due_on=timezone.localdate() + datetime.timedelta(days=7),
    )
    FlagEventFactory(
        flag=flag, kind=FlagEventKind.COMMENTED, actor=supervisor, comment="Discussed.", meeting=meeting
    )
    meetings.minutes_save(
        meeting=meeting,
        by=supervisor,
        minutes={about[AgendaKind.FLAG].pk: "The plan is on track.", free.pk: "Twelve clients."},
    )
    meetings.meeting_sign(meeting=meeting, by=supervisor)

    EventDecision.objects.create(therapist=owner, uid=f"{client_record.code}@calendar", client=client_record)
    AccessRecord.objects.create(
        practice=client_record.practice, user=owner, client=client_record, object_type="client"
    )
    EmergencyAccess.objects.create(
        practice=client_record.practice,
        therapist=colleague,
        client=client_record,
        granted_by=admin,
        reason="Cover",
        ends_at=timezone.now() + datetime.timedelta(hours=1),
    )
    return client_record


@pytest.fixture
def archived(owner, admin, colleague, supervisor, client_record):
    with time_machine.travel(ARCHIVED_AT, tick=False):
        client_record.archive(reason="Therapy ended; retention period running.")
        client_record.save()
    return with_records(client_record, owner=owner, admin=admin, colleague=colleague, supervisor=supervisor)


@pytest.fixture
def kept(owner, admin, colleague, supervisor):
    """A client archived recently, and one never archived: both stay."""
    people = {"owner": owner, "admin": admin, "colleague": colleague, "supervisor": supervisor}
    recent = ClientFactory(therapist=owner, code="RS-0002")
    with time_machine.travel(ARCHIVED_AT + datetime.timedelta(days=3 * 365), tick=False):
        recent.archive(reason="Recent.")
        recent.save()
    with_records(recent, **people)
    active = with_records(ClientFactory(therapist=owner, code="RS-0003"), **people)
    return [recent, active]


# Each model the purge reaches, and how its rows name their client.
ABOUT = {
    Client: "pk",
    Session: "client",
    Incident: "client",
    Addendum: "client",
    BoundaryAgreement: "client",
    Acknowledgement: "client",
    AcknowledgedVersion: "acknowledgement__client",
    AcknowledgementDocument: "acknowledgement__client",
    Flag: "client",
    FlagEvent: "flag__client",
    FollowUp: "client",
    PlanItem: "flag__client",
    RevisionRequest: "client",
    AgendaItem: ("flag__client", "revision_request__client", "follow_up__client"),
    ItemFollowUp: "follow_up__client",
    EventDecision: "client",
    AccessRecord: "client",
    EmergencyAccess: "client",
}
MODELS = tuple(ABOUT)


def about(model, client_record):
    """The rows of ``model`` about ``client_record``."""
    paths = ABOUT[model]
    paths = (paths,) if isinstance(paths, str) else paths
    condition = Q()
    for path in paths:
        condition |= Q(**{path: client_record.pk})
    return model.objects.filter(condition)


PURGED = (
    "1 clients",
    "1 sessions",
    "1 incidents",
    "2 addenda",
    "2 agreements",
    "1 acknowledgements",
    "1 acknowledged versions",
    "1 acknowledgement documents",
    "1 flags",
    "4 flag events",
    "3 follow-ups",
    "1 plan items",
    "2 revision requests",
    "3 agenda items",
    "1 meeting follow-ups",
    "1 calendar decisions",
    "1 access records",
    "1 emergency access grants",
)


def counts():
    return {model.__name__: model.objects.count() for model in MODELS}


@time_machine.travel(datetime.datetime(2026, 3, 2, tzinfo=datetime.UTC), tick=False)
def test_purges_only_clients_archived_longer_ago_than_the_retention(archived, kept, capsys):
    history_before = pghistory.models.Events.objects.count()
    kept_rows = {model: {client.pk: about(model, client).count() for client in kept} for model in MODELS}
    meetings_before = set(Meeting.objects.values_list("pk", flat=True))

    call_command("purge_archived", "--older-than-years", "7")

    assert set(Client.objects.all()) == set(kept)
    for model in MODELS:
        assert not about(model, archived).exists(), model
        for client in kept:  # the kept clients' rows are all still there
            assert about(model, client).count() == kept_rows[model][client.pk] > 0, (model, client)
    # The purged client's meeting stays, with its free item; only the items about them went.
    assert set(Meeting.objects.values_list("pk", flat=True)) == meetings_before
    assert AgendaItem.objects.filter(kind=AgendaKind.FREE).count() == 3
    out = capsys.readouterr().out
    assert out.startswith("Deleted: ")
    for words in PURGED:
        assert f" {words}," in out or f" {words}." in out, words
    # The change history is append-only: it keeps every row and records the deletions.
    assert pghistory.models.Events.objects.count() > history_before


@time_machine.travel(datetime.datetime(2026, 3, 2, tzinfo=datetime.UTC), tick=False)
def test_rows_about_others_that_point_at_a_purged_client_lose_the_link(archived, kept, owner, supervisor):
    """A flag about the therapist's pattern cites the purged client's entries and returned one of
    them: the flag, its history and its other evidence stay; the links to the purged rows go."""
    session, follow_up = Session.objects.get(client=archived), FollowUp.objects.filter(client=archived)[0]
    incident, agreement = (
        Incident.objects.get(client=archived),
        BoundaryAgreement.objects.filter(client=archived)[0],
    )
    request = RevisionRequest.objects.get(client=archived, session=session)
    answer = Addendum.objects.filter(client=archived)[0]
    kept_session = Session.objects.get(client=kept[1])
    pattern = FlagFactory(
        client=None, therapist=owner, practice=owner.practice, rule=RuleCode.THERAPIST_PATTERN
    )
    pattern.sessions.add(session, kept_session)
    pattern.incidents.add(incident)
    pattern.agreements.add(agreement)
    pattern.follow_ups.add(follow_up)
    returned = FlagEventFactory(
        flag=pattern,
        kind=FlagEventKind.RETURNED,
        actor=supervisor,
        comment="Say what was agreed.",
        session=session,
        revision_request=request,
    )
    revised = FlagEventFactory(
        flag=pattern, kind=FlagEventKind.REVISED, actor=owner, session=session, addendum=answer
    )

    call_command("purge_archived", "--older-than-years", "7")

    pattern.refresh_from_db()
    assert list(pattern.sessions.all()) == [kept_session]
    assert not pattern.incidents.exists() and not pattern.agreements.exists()
    assert not pattern.follow_ups.exists()
    returned.refresh_from_db()
    revised.refresh_from_db()
    assert (returned.session, returned.revision_request, returned.comment) == (
        None,
        None,
        "Say what was agreed.",
    )
    assert (revised.session, revised.addendum) == (None, None)


@time_machine.travel(datetime.datetime(2026, 3, 2, tzinfo=datetime.UTC), tick=False)
def test_dry_run_counts_and_deletes_nothing(archived, kept, capsys):
    before = counts()

    call_command("purge_archived", "--older-than-years", "7", "--dry-run")

    assert counts() == before
    out = capsys.readouterr().out
    assert out.startswith("Would delete: ")
    for words in PURGED:
        assert f" {words}," in out or f" {words}." in out, words


@time_machine.travel(datetime.datetime(2026, 3, 2, tzinfo=datetime.UTC), tick=False)
def test_the_default_retention_comes_from_settings(archived, settings):
    settings.RETENTION_YEARS = 9

    call_command("purge_archived")

    assert Client.objects.filter(pk=archived.pk).exists()


@time_machine.travel(datetime.datetime(2026, 3, 2, tzinfo=datetime.UTC), tick=False)
def test_a_retention_under_one_year_is_refused(archived):
    from django.core.management import CommandError

    with pytest.raises(CommandError):
        call_command("purge_archived", "--older-than-years", "0")
    assert Client.objects.filter(pk=archived.pk).exists()
