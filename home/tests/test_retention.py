"""The retention purge: archived clients past the retention period go, with every row about them."""

import datetime

import pghistory.models
import pytest
import time_machine
from django.core.management import call_command
from django.utils import timezone

from audit.models import AccessRecord
from boundaries.models import BoundaryAgreement
from boundaries.tests.factories import BoundaryAgreementFactory
from clients.models import Client, EmergencyAccess
from clients.tests.factories import ClientFactory
from sessions_log.models import Addendum, Incident, Session
from sessions_log.tests.factories import AddendumFactory, IncidentFactory, SessionFactory
from supervision.models import Flag, FlagEvent
from supervision.tests.factories import FlagEventFactory, FlagFactory

pytestmark = pytest.mark.django_db

ARCHIVED_AT = datetime.datetime(2018, 3, 1, 12, tzinfo=datetime.UTC)


def with_records(client_record, *, owner, admin, colleague):
    """A client with a signed session and incident, an addendum, an agreement, a flag and its
    events, an access record and an emergency grant."""
    session = SessionFactory(client=client_record)
    incident = IncidentFactory(client=client_record, session=session, occurred_at=session.actual_start)
    session.mark_signed(by=owner)
    session.save()
    incident.refresh_from_db()
    AddendumFactory(session=session, client=client_record, author=owner)
    BoundaryAgreementFactory(client=client_record)
    flag = FlagFactory(client=client_record)
    flag.incidents.add(incident)
    FlagEventFactory(flag=flag, incident=incident)
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
def archived(owner, admin, colleague, client_record):
    with time_machine.travel(ARCHIVED_AT, tick=False):
        client_record.archive(reason="Therapy ended; retention period running.")
        client_record.save()
    return with_records(client_record, owner=owner, admin=admin, colleague=colleague)


@pytest.fixture
def kept(owner, admin, colleague):
    """A client archived recently, and one never archived: both stay."""
    recent = ClientFactory(therapist=owner, code="RS-0002")
    with time_machine.travel(ARCHIVED_AT + datetime.timedelta(days=3 * 365), tick=False):
        recent.archive(reason="Recent.")
        recent.save()
    with_records(recent, owner=owner, admin=admin, colleague=colleague)
    active = with_records(
        ClientFactory(therapist=owner, code="RS-0003"), owner=owner, admin=admin, colleague=colleague
    )
    return [recent, active]


MODELS = (
    Client,
    Session,
    Incident,
    Addendum,
    BoundaryAgreement,
    Flag,
    FlagEvent,
    AccessRecord,
    EmergencyAccess,
)


def counts():
    return {model.__name__: model.objects.count() for model in MODELS}


@time_machine.travel(datetime.datetime(2026, 3, 2, tzinfo=datetime.UTC), tick=False)
def test_purges_only_clients_archived_longer_ago_than_the_retention(archived, kept, capsys):
    history_before = pghistory.models.Events.objects.count()

    call_command("purge_archived", "--older-than-years", "7")

    assert set(Client.objects.all()) == set(kept)
    for model in MODELS[1:]:
        assert not model.objects.filter(
            **({"flag__client": archived} if model is FlagEvent else {"client": archived})
        ).exists(), model
        assert model.objects.exists(), model  # the kept clients' rows are still there
    out = capsys.readouterr().out
    assert out.startswith("Deleted: ")
    assert "1 clients" in out and "1 incidents" in out and "1 access records" in out
    # The change history is append-only: it keeps every row and records the deletions.
    assert pghistory.models.Events.objects.count() > history_before


@time_machine.travel(datetime.datetime(2026, 3, 2, tzinfo=datetime.UTC), tick=False)
def test_dry_run_counts_and_deletes_nothing(archived, kept, capsys):
    before = counts()

    call_command("purge_archived", "--older-than-years", "7", "--dry-run")

    assert counts() == before
    assert capsys.readouterr().out.startswith("Would delete: 1 flag events, 1 flags")


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
