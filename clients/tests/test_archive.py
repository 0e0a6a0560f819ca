"""Archiving: a client leaves the lists of work and the rules, stays readable (read-only) to its
therapist, supervisor and practice admin, is refused while anything is unsettled, is told to the
supervisor, and may be restored by the admin; a draft taken back leaves every list and rule."""

import datetime
import json
import logging

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from accounts.decorators import CONFIRMED_AT_KEY
from accounts.tests.factories import PASSWORD
from clients import services
from clients.models import Client
from common.tests.logs import security_events
from sessions_log.models import FollowUp, Incident, Session
from sessions_log.tests.factories import IncidentFactory, SessionFactory
from supervision.findings import find_intake_incomplete, find_unsigned_entry
from supervision.models import Flag, FlagStatus
from supervision.tests.factories import FlagFactory

pytestmark = pytest.mark.django_db

REASON = "Moved abroad; records kept."


def archive_url(client_record):
    return reverse("clients:archive", args=[client_record.pk])


def restore_url(client_record):
    return reverse("clients:restore", args=[client_record.pk])


def signed(entry, by):
    entry.mark_signed(by=by)
    entry.save()
    return entry


@pytest.fixture
def settled(owner, client_record):
    """A signed session with a signed incident and a resolved flag on it: nothing left to settle."""
    session = signed(SessionFactory(client=client_record), owner)
    incident = signed(IncidentFactory(client=client_record, session=None), owner)
    flag = FlagFactory(client=client_record, status=FlagStatus.RESOLVED, outcome="no_action")
    flag.incidents.add(incident)
    return {"session": session, "incident": incident, "flag": flag}


@pytest.fixture
def archived(owner, client_record, settled):
    services.client_archive(client=client_record, reason=REASON, by=owner)
    client_record.refresh_from_db()
    return client_record


class TestArchiveClient:
    def test_owner_archives_with_a_reason(self, client, owner, client_record):
        client.force_login(owner)

        response = client.post(archive_url(client_record), {"reason": REASON})

        assert response.status_code == 302
        assert response["Location"] == reverse("clients:list")
        client_record.refresh_from_db()
        assert client_record.archived_at is not None
        assert (client_record.archived_reason, client_record.archived_by) == (REASON, owner)

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


class TestArchiveRefused:
    @pytest.mark.parametrize("status", [FlagStatus.OPEN, FlagStatus.ACKNOWLEDGED, FlagStatus.RETURNED])
    def test_while_a_flag_is_open(self, client, owner, client_record, status):
        FlagFactory(client=client_record, status=status)
        client.force_login(owner)

        response = client.post(archive_url(client_record), {"reason": REASON}, follow=True)

        client_record.refresh_from_db()
        assert client_record.archived_at is None
        assert response.redirect_chain[-1][0] == client_record.get_absolute_url()
        assert "1 open flag: the supervisor resolves or dismisses it first." in response.text

    def test_while_entries_are_unsigned(self, client, owner, client_record):
        SessionFactory(client=client_record)
        IncidentFactory(client=client_record)
        IncidentFactory(client=client_record)
        client.force_login(owner)

        response = client.post(archive_url(client_record), {"reason": REASON}, follow=True)

        client_record.refresh_from_db()
        assert client_record.archived_at is None
        assert "1 unsigned session and 2 unsigned incidents: sign them" in response.text

    def test_a_draft_taken_back_is_nothing_to_settle(self, owner, client_record):
        draft = IncidentFactory(client=client_record)
        draft.archive(reason="Logged by mistake.")
        draft.save()

        services.client_archive(client=client_record, reason=REASON, by=owner)

        client_record.refresh_from_db()
        assert client_record.archived_at is not None


class TestArchiveTold:
    def test_the_supervisor_is_mailed_the_code_and_the_reason_only(
        self, owner, supervisor, client_record, settled, mailoutbox, deliver_mail
    ):
        services.client_archive(client=client_record, reason=REASON, by=owner)
        deliver_mail()

        (message,) = mailoutbox
        assert message.to == [supervisor.email]
        assert client_record.code in message.subject
        assert REASON in message.body
        assert client_record.get_absolute_url() in message.body
        assert settled["incident"].description not in message.body

    def test_without_a_supervisor_the_practice_admin_is_mailed(
        self, colleague, admin, mailoutbox, deliver_mail
    ):
        from clients.tests.factories import ClientFactory

        unsupervised = ClientFactory(therapist=colleague, code="RS-0009")
        services.client_archive(client=unsupervised, reason=REASON, by=colleague)
        deliver_mail()

        assert [message.to for message in mailoutbox] == [[admin.email]]

    def test_a_refused_archive_sends_nothing(self, owner, client_record, mailoutbox, deliver_mail):
        FlagFactory(client=client_record)
        with pytest.raises(services.ValidationError):
            services.client_archive(client=client_record, reason=REASON, by=owner)
        assert deliver_mail() == []

    def test_it_is_a_security_event_without_client_data(self, owner, client_record, caplog):
        with caplog.at_level(logging.INFO, logger="alliance.security"):
            services.client_archive(client=client_record, reason=REASON, by=owner)

        (event,) = [event for event in security_events(caplog) if event["event"] == "client_archived"]
        assert (event["user"], event["client"]) == (owner.pk, client_record.pk)
        assert client_record.code not in json.dumps(event)
        assert REASON not in json.dumps(event)


class TestArchivedReadOnly:
    @pytest.mark.parametrize("reader", ["owner", "supervisor", "admin"])
    def test_its_pages_stay_readable_and_marked(self, request, client, archived, settled, reader):
        client.force_login(request.getfixturevalue(reader))

        for obj in (archived, settled["session"], settled["incident"], settled["flag"]):
            response = client.get(obj.get_absolute_url())
            assert response.status_code == 200, obj
            assert f"by {archived.archived_by}: {REASON}" in response.text
        assert client.get(reverse("clients:timeline", args=[archived.pk])).status_code == 200

    @pytest.mark.parametrize("reader", ["supervisor", "admin"])
    def test_supervisor_and_admin_still_read_its_flag_and_incident(self, request, archived, settled, reader):
        user = request.getfixturevalue(reader)
        assert Flag.objects.for_user(user).filter(pk=settled["flag"].pk).exists()
        assert Incident.objects.for_user(user).filter(pk=settled["incident"].pk).exists()
        assert Session.objects.for_user(user).filter(pk=settled["session"].pk).exists()

    @pytest.mark.parametrize(
        "stranger", ["colleague", "unassigned_supervisor", "ended_supervisor", "other_admin"]
    )
    def test_strangers_still_get_404(self, request, client, archived, settled, stranger):
        client.force_login(request.getfixturevalue(stranger))
        for obj in (archived, settled["incident"], settled["flag"]):
            assert client.get(obj.get_absolute_url()).status_code == 404

    def test_the_owner_changes_nothing(self, client, owner, archived, settled):
        client.force_login(owner)

        page = client.get(archived.get_absolute_url()).text
        responses = [
            client.post(reverse("clients:edit", args=[archived.pk]), {"code": "RS-0099"}),
            client.post(reverse("clients:discharge", args=[archived.pk]), {"discharged_on": "2026-01-01"}),
            client.get(reverse("sessions_log:session_new", args=[archived.pk])),
            client.get(reverse("sessions_log:incident_addendum", args=[settled["incident"].pk])),
        ]

        assert [response.status_code for response in responses] == [404] * 4
        assert reverse("clients:archive", args=[archived.pk]) not in page
        assert reverse("sessions_log:session_new", args=[archived.pk]) not in page

    def test_the_supervisor_decides_nothing(self, client, supervisor, archived, settled):
        client.force_login(supervisor)

        response = client.post(
            reverse("supervision:flag_comment", args=[settled["flag"].pk]), {"comment": "Still here?"}
        )

        assert response.status_code == 404
        assert not settled["flag"].events.exists()

    def test_it_leaves_the_therapists_active_lists(self, client, owner, archived):
        FollowUp.objects.create(
            practice=archived.practice,
            therapist=owner,
            client=archived,
            origin="client",
            action="Send the closing letter",
            owner=owner,
            due_on=timezone.localdate(),
            created_by=owner,
        )
        client.force_login(owner)

        assert archived not in client.get(reverse("clients:list")).context["page"].object_list
        home = client.get(reverse("home")).context
        assert archived not in home["page"].object_list
        assert not home["worklists"]["follow_ups_due"].items
        assert not any(group for _, _, group in client.get(reverse("follow_ups")).context["groups"])
        # Still there, marked, for whoever asks for the archived ones.
        listed = client.get(reverse("clients:list"), {"status": "archived"})
        assert list(listed.context["page"].object_list) == [archived]
        assert "archived" in listed.text


class TestRestore:
    def test_the_admin_restores_and_it_is_logged(self, client, admin, archived, caplog):
        client.force_login(admin)
        page = client.get(archived.get_absolute_url()).text
        assert restore_url(archived) in page

        with caplog.at_level(logging.INFO, logger="alliance.security"):
            response = client.post(restore_url(archived))

        assert response.status_code == 302
        assert response["Location"] == archived.get_absolute_url()
        archived.refresh_from_db()
        assert (archived.archived_at, archived.archived_reason, archived.archived_by) == (None, "", None)
        (event,) = [event for event in security_events(caplog) if event["event"] == "client_restored"]
        assert (event["user"], event["client"]) == (admin.pk, archived.pk)

    @pytest.mark.parametrize("visitor", ["owner", "supervisor", "colleague", "other_admin"])
    def test_nobody_else_restores(self, request, client, archived, visitor):
        client.force_login(request.getfixturevalue(visitor))

        response = client.post(restore_url(archived))

        assert response.status_code == 404
        archived.refresh_from_db()
        assert archived.archived_at is not None
        assert restore_url(archived) not in client.get(archived.get_absolute_url()).text

    def test_not_after_the_retention_period(self, client, admin, archived, settings):
        settings.RETENTION_YEARS = 7
        with time_machine.travel(archived.archived_at + datetime.timedelta(days=7 * 366)):
            client.force_login(admin)
            response = client.post(restore_url(archived), follow=True)

        archived.refresh_from_db()
        assert archived.archived_at is not None
        assert "can no longer be restored" in response.text

    def test_a_client_not_archived_is_not_restored(self, client, admin, client_record):
        client.force_login(admin)
        response = client.post(restore_url(client_record), follow=True)
        assert "This client is not archived." in response.text

    def test_get_is_refused(self, client, admin, archived):
        client.force_login(admin)
        assert client.get(restore_url(archived)).status_code == 405


class TestExport:
    def test_the_export_holds_an_archived_clients_rows_and_drafts_taken_back(
        self, client, admin, owner, archived, settled
    ):
        taken_back = IncidentFactory(client=archived, description="Logged twice.")
        taken_back.archive(reason="Logged by mistake.")
        taken_back.save()
        client.force_login(admin)
        client.post(reverse("clients:export", args=[archived.pk]), {"password": PASSWORD})
        session = client.session  # the password just re-entered, however the export asks for it
        session[CONFIRMED_AT_KEY] = timezone.now().timestamp()
        session.save()

        data = client.get(reverse("clients:export_json", args=[archived.pk])).json()

        assert data["client"]["archived_reason"] == REASON
        assert [s["id"] for s in data["sessions"]] == [settled["session"].pk]
        assert {i["id"] for i in data["incidents"]} == {settled["incident"].pk, taken_back.pk}
        assert [f["id"] for f in data["flags"]] == [settled["flag"].pk]


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
        assert not Client.objects.filter(archived_at__isnull=False).exists()
