"""The client export: the password again within five minutes, JSON and PDF, who may, and the log."""

import datetime
import io
import json
import logging
from urllib.parse import parse_qs, urlencode, urlparse

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from accounts.tests.factories import PASSWORD
from accounts.tests.reauth import confirm_password
from audit.models import AccessAction, AccessRecord
from boundaries import services
from boundaries.tests.factories import BoundaryAgreementFactory
from clients.tests.factories import ClientFactory
from common.tests.logs import security_events
from sessions_log.tests.factories import AddendumFactory, IncidentFactory, SessionFactory
from supervision.models import FlagEventKind
from supervision.tests.factories import FlagEventFactory, FlagFactory

pytestmark = pytest.mark.django_db

STRANGERS = ["colleague", "unassigned_supervisor", "ended_supervisor", "other_admin", "other_therapist"]
EXPORTS = ["clients:export_json", "clients:export_pdf"]
CONFIRM = reverse("accounts:confirm_password")


def signed(entry, by):
    entry.mark_signed(by=by)
    entry.save()
    return entry


@pytest.fixture
def record(owner, supervisor, client_record):
    """One of each kind of record about ``client_record``, and another client's, not to be exported."""
    first = BoundaryAgreementFactory(client=client_record, terms="Fifty minutes, version one.")
    session = signed(SessionFactory(client=client_record), owner)
    incident = IncidentFactory(client=client_record, description="Asked for a hug at the door.")
    signed(incident, owner)
    addendum = AddendumFactory(session=session, client=client_record, author=owner, text="Started late.")
    flag = FlagFactory(client=client_record)
    flag.incidents.add(incident)
    event = FlagEventFactory(flag=flag, kind=FlagEventKind.COMMENTED, actor=supervisor, comment="Discuss.")
    other = ClientFactory(therapist=owner, code="RS-0002")
    IncidentFactory(client=other, description="Another client's incident.")
    BoundaryAgreementFactory(client=other, terms="Another client's terms.")
    return {
        "agreement": first,
        "session": session,
        "incident": incident,
        "addendum": addendum,
        "flag": flag,
        "event": event,
    }


def confirm(client, client_record, password=PASSWORD):
    """The password re-entered on the way to ``client_record``'s export page."""
    query = urlencode({"next": reverse("clients:export", args=[client_record.pk])})
    return client.post(f"{CONFIRM}?{query}", {"password": password})


class TestPassword:
    def test_the_page_asks_for_the_password_first(self, client, owner, client_record):
        client.force_login(owner)

        response = client.get(reverse("clients:export", args=[client_record.pk]), follow=True)

        assert response.redirect_chain[-1][0].startswith(CONFIRM)
        assert 'name="password"' in response.text
        assert reverse("clients:export_json", args=[client_record.pk]) not in response.text

    @pytest.mark.parametrize("name", EXPORTS)
    def test_an_export_without_the_password_goes_to_the_password_page(
        self, client, owner, client_record, name
    ):
        client.force_login(owner)
        url = reverse(name, args=[client_record.pk])

        response = client.get(url)

        assert response.status_code == 302
        location = urlparse(response["Location"])
        assert (location.path, parse_qs(location.query)["next"]) == (CONFIRM, [url])
        confirm_password(client)
        assert client.get(url).status_code == 200

    def test_the_right_password_offers_the_downloads(self, client, owner, client_record):
        client.force_login(owner)

        response = confirm(client, client_record)
        page = client.get(response["Location"])

        assert response.status_code == 302
        assert reverse("clients:export_json", args=[client_record.pk]) in page.text
        assert reverse("clients:export_pdf", args=[client_record.pk]) in page.text

    def test_the_password_counts_for_five_minutes(self, client, owner, client_record):
        url = reverse("clients:export_json", args=[client_record.pk])
        with time_machine.travel(timezone.now(), tick=False) as clock:
            client.force_login(owner)
            confirm(client, client_record)
            clock.shift(datetime.timedelta(minutes=4, seconds=59))
            assert client.get(url).status_code == 200
            clock.shift(datetime.timedelta(seconds=2))
            assert client.get(url).status_code == 302

    def test_a_wrong_password_is_refused_and_logged(self, client, owner, client_record, caplog):
        client.force_login(owner)

        with caplog.at_level(logging.INFO, logger="alliance.security"):
            response = confirm(client, client_record, password="not-my-password")

        assert response.status_code == 200
        assert "That is not your password" in response.text
        assert client.get(reverse("clients:export_json", args=[client_record.pk])).status_code == 302
        failures = [event for event in security_events(caplog) if event["event"] == "password_confirm_failed"]
        assert len(failures) == 1
        assert failures[0]["user"] == owner.pk
        assert "not-my-password" not in caplog.text

    def test_twelve_wrong_passwords_lock_the_account_out_and_the_right_one_then_exports_nothing(
        self, client, owner, client_record, settings
    ):
        settings.AXES_ENABLED = True
        client.force_login(owner)

        refused = [confirm(client, client_record, password=f"guess {n}") for n in range(12)]
        right = confirm(client, client_record)

        assert [response.status_code for response in refused[:4]] == [200] * 4
        # The fifth locks the account out, as at sign-in, and ends the session.
        assert refused[4].status_code == 429
        assert b"Sign-in paused for 15 minutes" in refused[4].content
        assert right.status_code == 302
        assert urlparse(right["Location"]).path == reverse("accounts:login")
        export = client.get(reverse("clients:export_json", args=[client_record.pk]))
        assert urlparse(export["Location"]).path == reverse("accounts:login")
        assert (
            client.post(reverse("accounts:login"), {"username": "owner", "password": PASSWORD}).status_code
            == 429
        )


class TestJson:
    def test_it_holds_every_kind_of_record_of_this_client_only(self, client, owner, client_record, record):
        client.force_login(owner)
        confirm(client, client_record)

        response = client.get(reverse("clients:export_json", args=[client_record.pk]))

        assert response.status_code == 200
        assert response["Content-Type"] == "application/json"
        assert response["Content-Disposition"] == 'attachment; filename="client-RS-0001.json"'
        data = json.loads(response.content)
        assert data["client"]["code"] == "RS-0001"
        assert [a["id"] for a in data["agreements"]] == [record["agreement"].pk]
        assert [s["id"] for s in data["sessions"]] == [record["session"].pk]
        (incident,) = data["incidents"]
        assert incident["description"] == "Asked for a hug at the door."
        assert incident["content_hash"] == record["incident"].content_hash
        assert incident["signed_by_id"] == owner.pk and incident["signed_at"]
        assert [a["text"] for a in data["addenda"]] == ["Started late."]
        (flag,) = data["flags"]
        assert flag["incident_ids"] == [record["incident"].pk]
        assert [e["comment"] for e in flag["events"]] == ["Discuss."]
        assert "Another client" not in response.text
        assert {row["client_id"] for row in data["agreements"] + data["incidents"]} == {client_record.pk}

    def test_every_agreement_version_is_exported(self, client, owner, client_record, record):
        agreement = record["agreement"]
        services.agreement_revise(
            agreement=agreement,
            recorded_by=owner,
            terms="Fifty minutes, version two.",
            proposed_by=agreement.proposed_by,
            rationale=agreement.rationale,
            effective_date=timezone.localdate(),
            review_interval_days=agreement.review_interval_days,
            next_review_on=None,
            revision_reason="The session length changed.",
        )
        client.force_login(owner)
        confirm(client, client_record)

        data = client.get(reverse("clients:export_json", args=[client_record.pk])).json()

        assert [a["terms"] for a in data["agreements"]] == [
            "Fifty minutes, version one.",
            "Fifty minutes, version two.",
        ]

    def test_the_export_is_logged_without_client_data(self, client, owner, client_record, record, caplog):
        client.force_login(owner)
        confirm(client, client_record)

        with caplog.at_level(logging.INFO, logger="alliance.security"):
            client.get(reverse("clients:export_json", args=[client_record.pk]))

        (event,) = [event for event in security_events(caplog) if event["event"] == "client_export"]
        assert (event["user"], event["client"], event["format"]) == (owner.pk, client_record.pk, "json")
        assert "RS-0001" not in json.dumps(event)
        (access,) = AccessRecord.objects.filter(action=AccessAction.EXPORT)
        assert (access.user, access.client, access.object_type) == (owner, client_record, "client")


class TestPdf:
    def test_it_is_a_pdf_with_the_client_code_and_the_records(
        self, client, owner, client_record, record, caplog
    ):
        client.force_login(owner)
        confirm(client, client_record)

        with caplog.at_level(logging.INFO, logger="alliance.security"):
            response = client.get(reverse("clients:export_pdf", args=[client_record.pk]))

        assert response.status_code == 200
        assert response["Content-Type"] == "application/pdf"
        assert response["Content-Disposition"] == 'attachment; filename="client-RS-0001.pdf"'
        text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(response.content)).pages)
        assert "RS-0001" in text
        assert "Asked for a hug at the door." in text
        assert "Started late." in text
        assert "Discuss." in text
        assert record["incident"].content_hash[:16] in text.replace("\n", "")
        assert "Another client" not in text
        assert {"event": "client_export", "format": "pdf"}.items() <= security_events(caplog)[-1].items()


class TestWhoMayExport:
    def test_the_practice_admin_may(self, client, admin, client_record, record):
        client.force_login(admin)
        confirm(client, client_record)

        assert client.get(reverse("clients:export_json", args=[client_record.pk])).status_code == 200

    @pytest.mark.parametrize("name", ["clients:export", *EXPORTS])
    def test_the_supervisor_gets_403(self, client, supervisor, client_record, name):
        client.force_login(supervisor)

        # Refused before the password is asked, and after.
        assert client.get(reverse(name, args=[client_record.pk])).status_code == 403
        confirm(client, client_record)
        assert client.get(reverse(name, args=[client_record.pk])).status_code == 403

    @pytest.mark.parametrize("visitor", STRANGERS)
    @pytest.mark.parametrize("name", ["clients:export", *EXPORTS])
    def test_a_stranger_gets_404(self, request, client, client_record, name, visitor):
        client.force_login(request.getfixturevalue(visitor))

        assert client.get(reverse(name, args=[client_record.pk])).status_code == 404
        confirm(client, client_record)
        assert client.get(reverse(name, args=[client_record.pk])).status_code == 404

    def test_the_link_is_shown_to_those_who_may_export(self, client, owner, admin, supervisor, client_record):
        link = reverse("clients:export", args=[client_record.pk])
        for user, shown in ((owner, True), (admin, True), (supervisor, False)):
            client.force_login(user)
            assert (link in client.get(client_record.get_absolute_url()).text) is shown, user


def test_json_export_queries(client, owner, client_record, record, django_assert_num_queries):
    client.force_login(owner)
    confirm(client, client_record)

    # The session, the user, the user's practice (its time zone), the client; its agreements,
    # acknowledgements (and, when there are any, the versions each covers), sessions, incidents,
    # addenda, follow-ups, revision requests and flags; the flags' events, incidents, sessions,
    # agreements, follow-ups and plan items; the access record. However many records the client has.
    with django_assert_num_queries(19):
        response = client.get(reverse("clients:export_json", args=[client_record.pk]))

    assert response.status_code == 200


def test_json_export_holds_the_follow_ups_and_revision_requests(client, owner, client_record):
    from sessions_log.tests.factories import FollowUpFactory

    follow_up = FollowUpFactory(client=client_record, done=True)
    client.force_login(owner)
    confirm(client, client_record)

    record = client.get(reverse("clients:export_json", args=[client_record.pk])).json()

    assert [row["id"] for row in record["follow_ups"]] == [follow_up.pk]
    assert record["follow_ups"][0]["done_note"] == follow_up.done_note
    assert record["revision_requests"] == []
