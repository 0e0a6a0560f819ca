"""Archiving: a client or a draft entry leaves every list and rule, and its rows stay."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from clients.models import Client
from sessions_log.models import Incident, Session
from sessions_log.tests.factories import IncidentFactory, SessionFactory
from supervision.findings import find_intake_incomplete, find_unsigned_entry

pytestmark = pytest.mark.django_db


def archive_url(client_record):
    return reverse("clients:archive", args=[client_record.pk])


class TestArchiveClient:
    def test_owner_archives_with_a_reason(self, client, owner, client_record):
        client.force_login(owner)

        response = client.post(archive_url(client_record), {"reason": "Moved abroad; records kept."})

        assert response.status_code == 302
        assert response["Location"] == reverse("clients:list")
        client_record.refresh_from_db()
        assert client_record.archived_at is not None
        assert client_record.archived_reason == "Moved abroad; records kept."

    def test_a_reason_is_required(self, client, owner, client_record):
        client.force_login(owner)

        response = client.post(archive_url(client_record), {"reason": ""})

        assert response.status_code == 302
        assert response["Location"] == client_record.get_absolute_url()
        client_record.refresh_from_db()
        assert client_record.archived_at is None

    def test_get_is_refused(self, client, owner, client_record):
        client.force_login(owner)
        assert client.get(archive_url(client_record)).status_code == 405

    @pytest.mark.parametrize("visitor", ["colleague", "supervisor", "admin", "other_admin"])
    def test_only_the_owner_archives(self, request, client, visitor, client_record):
        client.force_login(request.getfixturevalue(visitor))

        response = client.post(archive_url(client_record), {"reason": "Not mine to archive."})

        assert response.status_code == 404
        client_record.refresh_from_db()
        assert client_record.archived_at is None

    def test_archived_client_vanishes_from_lists_and_pages_but_its_records_stay(
        self, client, owner, supervisor, admin, client_record
    ):
        session = SessionFactory(client=client_record)
        incident = IncidentFactory(client=client_record)
        client.force_login(owner)
        client.post(archive_url(client_record), {"reason": "Therapy ended long ago."})

        for user in (owner, supervisor, admin):
            assert not Client.objects.for_user(user).exists()
            assert not Session.objects.for_user(user).exists()
            assert not Incident.objects.for_user(user).exists()
        assert client_record not in client.get(reverse("clients:list")).context["page"].object_list
        assert client.get(client_record.get_absolute_url()).status_code == 404
        assert client.get(session.get_absolute_url()).status_code == 404
        assert Session.objects.filter(pk=session.pk).exists()
        assert Incident.objects.filter(pk=incident.pk).exists()

    def test_archived_client_counts_in_no_rule(self, owner, client_record):
        now = timezone.now()
        SessionFactory(client=client_record, documented_at=now - datetime.timedelta(days=3))
        practice = client_record.practice
        assert find_intake_incomplete(practice=practice, thresholds={"grace_days": 14}, now=now)
        assert find_unsigned_entry(practice=practice, thresholds={"grace_hours": 48}, now=now)

        client_record.archive(reason="Moved abroad.")
        client_record.save()

        assert not find_intake_incomplete(practice=practice, thresholds={"grace_days": 14}, now=now)
        assert not find_unsigned_entry(practice=practice, thresholds={"grace_hours": 48}, now=now)


class TestArchivedDraft:
    def test_an_archived_draft_counts_in_no_rule_and_no_list(self, owner, client_record):
        now = timezone.now()
        incident = IncidentFactory(
            client=client_record,
            documented_at=now - datetime.timedelta(days=3),
            occurred_at=now - datetime.timedelta(days=4),
        )
        practice = client_record.practice
        assert find_unsigned_entry(practice=practice, thresholds={"grace_hours": 48}, now=now)

        incident.archive(reason="Logged by mistake.")
        incident.save()

        assert not find_unsigned_entry(practice=practice, thresholds={"grace_hours": 48}, now=now)
        assert not Incident.objects.for_user(owner).exists()
