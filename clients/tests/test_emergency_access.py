"""Emergency access: a practice admin opens one client to a therapist, to read, for a while."""

import datetime
import logging

import pytest
import time_machine
from django.core import mail
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from boundaries.tests.factories import BoundaryAgreementFactory
from clients.models import Client, EmergencyAccess
from clients.tests.factories import ClientFactory
from common.tests.logs import security_events
from sessions_log.models import Session
from sessions_log.tests.factories import IncidentFactory, SessionFactory

pytestmark = pytest.mark.django_db

URL = reverse("accounts:emergency_access")


def grant_form(therapist, client_record, **overrides):
    return {
        "therapist": therapist.pk,
        "client_code": client_record.code,
        "reason": "The owner is in hospital; the client is in crisis.",
        "hours": 24,
        **overrides,
    }


@pytest.fixture
def granted(client, admin, colleague, client_record, supervisor, django_capture_on_commit_callbacks):
    """``colleague`` granted 24 hours of access to ``owner``'s client through the page."""
    client.force_login(admin)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(URL, grant_form(colleague, client_record))
    assert response.status_code == 302
    client.logout()
    return EmergencyAccess.objects.get()


def client_pages(client_record):
    session = SessionFactory(client=client_record)
    incident = IncidentFactory(client=client_record)
    agreement = BoundaryAgreementFactory(client=client_record)
    return [
        reverse("clients:detail", args=[client_record.pk]),
        reverse("clients:timeline", args=[client_record.pk]),
        reverse("sessions_log:session_detail", args=[session.pk]),
        reverse("sessions_log:incident_detail", args=[incident.pk]),
        reverse("boundaries:detail", args=[agreement.pk]),
    ]


class TestGranting:
    def test_admin_grants_and_the_grant_is_logged(self, granted, admin, colleague, client_record, caplog):
        assert granted.therapist == colleague
        assert granted.client == client_record
        assert granted.granted_by == admin
        assert granted.ends_at - granted.starts_at == datetime.timedelta(hours=24)
        assert granted.is_current()

    def test_the_grant_goes_to_the_security_log(self, client, admin, colleague, client_record, caplog):
        client.force_login(admin)
        with caplog.at_level(logging.INFO, logger="alliance.security"):
            client.post(URL, grant_form(colleague, client_record))
        assert "emergency_access_granted" in [event["event"] for event in security_events(caplog)]

    def test_the_clients_current_supervisor_is_mailed(
        self, granted, supervisor, ended_supervisor, client_record, deliver_mail
    ):
        assert len(deliver_mail()) == 1
        assert mail.outbox[0].to == [supervisor.email]
        assert client_record.code in mail.outbox[0].subject
        assert granted.reason not in mail.outbox[0].body

    def test_the_page_lists_current_and_past_grants(self, client, admin, granted):
        client.force_login(admin)
        response = client.get(URL)
        assert response.status_code == 200
        assert response.context["current"] == [granted]
        granted.revoke(by=admin)
        response = client.get(URL)
        assert response.context["current"] == []
        assert response.context["past"] == [granted]

    @pytest.mark.parametrize("hours", [0, 73])
    def test_at_most_72_hours(self, client, admin, colleague, client_record, hours):
        client.force_login(admin)
        response = client.post(URL, grant_form(colleague, client_record, hours=hours))
        assert response.status_code == 200
        assert "hours" in response.context["form"].errors
        assert not EmergencyAccess.objects.exists()

    def test_a_reason_is_required(self, client, admin, colleague, client_record):
        client.force_login(admin)
        response = client.post(URL, grant_form(colleague, client_record, reason=""))
        assert "reason" in response.context["form"].errors
        assert not EmergencyAccess.objects.exists()

    def test_the_database_refuses_a_grant_longer_than_72_hours(self, admin, colleague, client_record):
        now = timezone.now()
        with pytest.raises(IntegrityError), transaction.atomic():
            EmergencyAccess.objects.create(
                practice=client_record.practice,
                therapist=colleague,
                client=client_record,
                granted_by=admin,
                reason="Too long",
                starts_at=now,
                ends_at=now + datetime.timedelta(hours=73),
            )

    def test_a_client_of_another_practice_cannot_be_granted(self, client, admin, colleague, other_therapist):
        elsewhere = ClientFactory(therapist=other_therapist, code="LS-0001")
        client.force_login(admin)
        response = client.post(URL, grant_form(colleague, elsewhere))
        assert "client_code" in response.context["form"].errors
        assert not EmergencyAccess.objects.exists()

    def test_a_therapist_of_another_practice_cannot_be_granted(
        self, client, admin, other_therapist, client_record
    ):
        client.force_login(admin)
        response = client.post(URL, grant_form(other_therapist, client_record))
        assert "therapist" in response.context["form"].errors
        assert not EmergencyAccess.objects.exists()

    def test_another_practices_admin_cannot_grant_our_client(
        self, client, other_admin, colleague, client_record
    ):
        client.force_login(other_admin)
        response = client.post(URL, grant_form(colleague, client_record))
        assert response.context["form"].errors
        assert not EmergencyAccess.objects.exists()

    @pytest.mark.parametrize("visitor", ["owner", "colleague", "supervisor"])
    def test_only_a_practice_admin_reaches_the_page(self, request, client, visitor, colleague, client_record):
        client.force_login(request.getfixturevalue(visitor))
        assert client.get(URL).status_code == 403
        assert client.post(URL, grant_form(colleague, client_record)).status_code == 403
        assert not EmergencyAccess.objects.exists()


class TestTheGrantee:
    def test_reads_the_clients_pages_during_the_grant(self, client, granted, colleague, client_record):
        client.force_login(colleague)
        for url in client_pages(client_record):
            assert client.get(url).status_code == 200, url
        assert client_record in Client.objects.for_user(colleague)

    def test_cannot_change_anything(self, client, granted, colleague, client_record):
        draft = SessionFactory(client=client_record)
        client.force_login(colleague)
        assert not Client.objects.owned_by(colleague).exists()
        for url in (
            reverse("clients:edit", args=[client_record.pk]),
            reverse("sessions_log:session_new", args=[client_record.pk]),
            reverse("sessions_log:session_edit", args=[draft.pk]),
            reverse("sessions_log:session_sign", args=[draft.pk]),
        ):
            assert client.post(url, {"code": "ZZ-0001"}).status_code == 404, url
        assert Session.objects.filter(client=client_record).count() == 1

    def test_gets_404_once_the_grant_has_ended(self, client, granted, colleague, client_record):
        urls = client_pages(client_record)
        with time_machine.travel(granted.ends_at, tick=False):
            # Signed in afresh: a day of idleness would have signed anybody out.
            client.force_login(colleague)
            for url in urls:
                assert client.get(url).status_code == 404, url

    def test_gets_404_once_the_grant_is_revoked(self, client, granted, admin, colleague, client_record):
        client.force_login(admin)
        response = client.post(reverse("accounts:emergency_access_revoke", args=[granted.pk]))
        assert response.status_code == 302
        granted.refresh_from_db()
        assert granted.revoked_at is not None and granted.revoked_by == admin

        client.force_login(colleague)
        for url in client_pages(client_record):
            assert client.get(url).status_code == 404, url

    def test_sees_no_other_client_of_the_owner(self, client, granted, colleague, owner):
        other = ClientFactory(therapist=owner, code="RS-0002")
        client.force_login(colleague)
        assert client.get(reverse("clients:detail", args=[other.pk])).status_code == 404


class TestRevoking:
    def test_another_practices_admin_gets_404(self, client, granted, other_admin):
        client.force_login(other_admin)
        response = client.post(reverse("accounts:emergency_access_revoke", args=[granted.pk]))
        assert response.status_code == 404
        granted.refresh_from_db()
        assert granted.revoked_at is None

    def test_a_therapist_is_refused(self, client, granted, colleague):
        client.force_login(colleague)
        response = client.post(reverse("accounts:emergency_access_revoke", args=[granted.pk]))
        assert response.status_code == 403
        granted.refresh_from_db()
        assert granted.revoked_at is None
