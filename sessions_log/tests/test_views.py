"""The session log through the test client: status, redirect, and the database afterwards."""

import datetime
import re
import zoneinfo

import pytest
import time_machine
from django.contrib.messages import get_messages
from django.urls import URLPattern, reverse
from django.utils import timezone

from accounts.models import User
from boundaries.models import Category
from boundaries.tests.factories import BoundaryAgreementFactory
from clients.models import ClientSetting, ClientStatus
from clients.tests.factories import ClientFactory
from config.tests.test_fuzz import FormParser, forms_of
from sessions_log import urls as sessions_log_urls
from sessions_log.models import (
    ATTESTATION,
    Addendum,
    Attendance,
    EntryStatus,
    FollowUpOrigin,
    Incident,
    Session,
    SessionSetting,
)
from sessions_log.tests.factories import AddendumFactory, IncidentFactory, SessionFactory
from supervision.tests.factories import FlagFactory

pytestmark = pytest.mark.django_db

LONDON = zoneinfo.ZoneInfo("Europe/London")  # the practice's time zone (PracticeFactory)
START = datetime.datetime(2025, 5, 5, 10, 0, tzinfo=LONDON)
MINUTE = datetime.timedelta(minutes=1)
STRANGERS = ["colleague", "unassigned_supervisor", "ended_supervisor", "other_admin", "other_therapist"]
READERS = ["owner", "supervisor", "admin"]
ATTESTED = {"attest": "on"}  # the sign form's box ticked
REFUSED_UNATTESTED = (
    "Tick “I confirm this record is accurate and complete” to sign and lock the record; nothing was signed."
)


def local(value: datetime.datetime) -> str:
    """A time as a datetime-local input sends it, in the practice's time zone."""
    return value.astimezone(LONDON).strftime("%Y-%m-%dT%H:%M")


def incident_fields(owner, **overrides) -> dict:
    return {
        "category": Category.TIME,
        "agreement": "",
        "initiated_by": "client",
        "provisional_classification": "crossing",
        "harm": "0",
        "location": "office",
        "occurred_at": "",
        "description": "The client asked to run ten minutes over.",
        "rationale": "",
        "client_consent": "",
        "consulted_with": "",
        "consulted_on": "",
        "consultation_advice": "",
        "immediate_action": "",
        "follow_up": "",
        "follow_up_owner": str(owner.pk),
        "follow_up_due": "",
    } | overrides


def session_data(*, incidents=(), initial=0, **overrides) -> dict:
    """The session page's POST: the session's fields and an incident formset of ``incidents``."""
    data = {
        "scheduled_start": local(START),
        "scheduled_end": local(START + 50 * MINUTE),
        "actual_start": local(START),
        "actual_end": local(START + 62 * MINUTE),
        "setting": SessionSetting.IN_PERSON,
        "attendance": Attendance.ATTENDED,
        "incidents-TOTAL_FORMS": str(len(incidents)),
        "incidents-INITIAL_FORMS": str(initial),
        "incidents-MIN_NUM_FORMS": "0",
        "incidents-MAX_NUM_FORMS": "20",
    }
    for index, fields in enumerate(incidents):
        data |= {f"incidents-{index}-{name}": value for name, value in fields.items()}
    return data | overrides


def message_texts(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


INCIDENT_TEMPLATE = re.compile(r'<template id="incident-template">(.*?)</template>', re.DOTALL)


def as_offered(response, *, added: int = 0, typed: dict[int, dict] | None = None) -> dict[str, str]:
    """What the session page sends, left as it renders, after ``added`` clicks on "Add another
    incident": each a copy of the page's <template> with ``__prefix__`` numbered, as the script
    (static/js/incident_formset.js) makes it. ``typed``: fields typed into incident forms, by index.
    """
    path = response.wsgi_request.path
    [form] = [form for form in forms_of(response, path) if "incidents-TOTAL_FORMS" in form.fields]
    data = form.data()
    template = INCIDENT_TEMPLATE.search(response.content.decode()).group(1)
    total = int(data["incidents-TOTAL_FORMS"])
    for index in range(total, total + added):
        parser = FormParser(path)
        parser.feed(f'<form method="post">{template.replace("__prefix__", str(index))}</form>')
        data |= parser.forms[0].data()
    data["incidents-TOTAL_FORMS"] = str(total + added)
    for index, fields in (typed or {}).items():
        data |= {f"incidents-{index}-{name}": value for name, value in fields.items()}
    return data


def form_errors(response) -> object:
    """The errors of a re-rendered session page, for an assertion's message."""
    if response.context is None:
        return None
    return response.context["form"].errors, response.context["formset"].errors


def snapshot() -> list:
    """Everything a refused request must leave as it was."""
    return [
        list(Session.objects.order_by("pk").values_list("pk", "status", "updated_at", "actual_end")),
        list(Incident.objects.order_by("pk").values_list("pk", "status", "updated_at", "description")),
        list(Addendum.objects.order_by("pk").values_list("pk", "text")),
    ]


def signed(entry):
    entry.mark_signed(by=entry.client.therapist)
    entry.save()
    return entry


@pytest.fixture
def agreement(client_record):
    return BoundaryAgreementFactory(client=client_record, category=Category.TIME)


@pytest.fixture
def session(client_record):
    return SessionFactory(client=client_record)


@pytest.fixture
def signed_session(client_record):
    return signed(SessionFactory(client=client_record, scheduled_start=START - datetime.timedelta(days=7)))


@pytest.fixture
def incident(client_record):
    return IncidentFactory(client=client_record)


@pytest.fixture
def signed_incident(client_record):
    return signed(IncidentFactory(client=client_record))


@pytest.fixture
def owner_client(client, owner):
    client.force_login(owner)
    return client


class TestLogSession:
    def test_one_post_logs_a_session_with_two_incidents(self, owner_client, owner, client_record, agreement):
        at = START + 20 * MINUTE
        due = timezone.localdate() + datetime.timedelta(days=7)
        response = owner_client.post(
            reverse("sessions_log:session_new", args=[client_record.pk]),
            session_data(
                incidents=[
                    incident_fields(owner, agreement=str(agreement.pk)),
                    incident_fields(
                        owner,
                        category=Category.DISCLOSURE,
                        initiated_by="therapist",
                        occurred_at=local(at),
                        description="I mentioned my own divorce.",
                        follow_up="Take it to supervision.",
                        follow_up_due=f"{due:%Y-%m-%d}",
                    ),
                ]
            ),
        )

        session = Session.objects.get()
        assert response.status_code == 302
        assert response["Location"] == session.get_absolute_url()
        assert "Session saved as a draft with 2 incidents." in message_texts(response)[0]
        assert session.client == client_record
        assert session.therapist == owner
        assert session.status == EntryStatus.DRAFT
        assert session.scheduled_start == START
        assert session.overrun_minutes == 12
        by_category = {incident.category: incident for incident in session.incidents.all()}
        assert set(by_category) == {Category.TIME, Category.DISCLOSURE}
        time_incident, disclosure = by_category[Category.TIME], by_category[Category.DISCLOSURE]
        assert time_incident.agreement == agreement
        assert time_incident.occurred_at == START  # left empty: the session's start
        assert not time_incident.follow_ups.exists()  # no follow-up typed, so none made
        assert disclosure.occurred_at == at
        # The follow-up typed with the incident is a task of its own, not the incident's columns.
        follow_up = disclosure.follow_ups.get()
        assert (follow_up.action, follow_up.owner, follow_up.due_on) == (
            "Take it to supervision.",
            owner,
            due,
        )
        assert (follow_up.origin, follow_up.client, follow_up.created_by) == (
            FollowUpOrigin.INCIDENT,
            client_record,
            owner,
        )
        assert (disclosure.follow_up, disclosure.follow_up_owner, disclosure.follow_up_due) == (
            "",
            None,
            None,
        )
        assert all(incident.client == client_record for incident in by_category.values())
        assert all(incident.status == EntryStatus.DRAFT for incident in by_category.values())

    def test_the_empty_incident_form_is_ignored(self, owner_client, owner, client_record):
        blank = incident_fields(
            owner, category="", initiated_by="", provisional_classification="", description=""
        )

        response = owner_client.post(
            reverse("sessions_log:session_new", args=[client_record.pk]), session_data(incidents=[blank])
        )

        assert response.status_code == 302
        assert Session.objects.count() == 1
        assert not Incident.objects.exists()

    @time_machine.travel(datetime.datetime(2025, 5, 5, 9, 37, tzinfo=datetime.UTC), tick=False)
    def test_form_starts_this_hour_in_the_practice_time_zone_for_the_usual_length(
        self, owner_client, client_record
    ):
        client_record.setting = ClientSetting.TELEHEALTH
        client_record.save()
        client_record.practice.usual_session_minutes = 45
        client_record.practice.save()

        response = owner_client.get(reverse("sessions_log:session_new", args=[client_record.pk]))

        assert response.status_code == 200
        content = response.content.decode()
        # 09:37 UTC is 10:37 in London in May: the session starts at 10:00 local and runs 45 minutes.
        assert re.search(r'name="scheduled_start" value="2025-05-05T10:00"', content)
        assert re.search(r'name="scheduled_end" value="2025-05-05T10:45"', content)
        assert re.search(r'name="actual_start" value="2025-05-05T10:00"', content)
        assert re.search(r'name="actual_end" value="2025-05-05T10:45"', content)
        assert 'type="datetime-local"' in content
        assert response.context["form"].initial["setting"] == SessionSetting.TELEHEALTH
        assert len(response.context["formset"].forms) == 1

    def test_incident_form_offers_only_this_clients_active_agreements(
        self, owner_client, owner, client_record, agreement
    ):
        BoundaryAgreementFactory(client=ClientFactory(therapist=owner), category=Category.TIME)

        response = owner_client.get(reverse("sessions_log:session_new", args=[client_record.pk]))

        form = response.context["formset"].forms[0]
        assert list(form.fields["agreement"].queryset) == [agreement]
        assert list(form.fields["follow_up_owner"].queryset) == [owner]
        assert form.initial["follow_up_owner"] == owner.pk

    def test_another_incident_is_added_in_the_page_from_the_empty_form(self, owner_client, client_record):
        response = owner_client.get(reverse("sessions_log:session_new", args=[client_record.pk]))

        content = response.content.decode()
        template = INCIDENT_TEMPLATE.search(content).group(1)
        assert 'name="incidents-__prefix__-category"' in template
        assert "Incident __number__" in template
        # No request adds it: the button is the script's, and nothing asks the server for a form.
        assert re.search(r'<button type="button"\s+id="add-incident"', content)
        assert 'name="add_incident"' not in content
        assert "/static/js/incident_formset.js" in content
        # Outside the form, so that the template's fields are never sent.
        assert content.index("</form>") < content.index('<template id="incident-template">')

    @pytest.mark.parametrize("page", ["new", "edit"])
    def test_incidents_left_as_the_page_offers_them_are_ignored_without_an_error(
        self, owner_client, supervisor, admin, client_record, page
    ):
        # With a supervisor and an admin, the owner offered is one choice among several.
        session = SessionFactory(client=client_record) if page == "edit" else None
        url = (
            reverse("sessions_log:session_edit", args=[session.pk])
            if session
            else reverse("sessions_log:session_new", args=[client_record.pk])
        )

        response = owner_client.post(url, as_offered(owner_client.get(url), added=2))

        assert response.status_code == 302, form_errors(response)
        assert "Session saved as a draft with 0 incidents." in message_texts(response)[0]
        assert Session.objects.count() == 1
        assert not Incident.objects.exists()

    def test_an_added_incident_typed_in_is_saved_beside_an_untouched_one(
        self, owner_client, owner, client_record
    ):
        url = reverse("sessions_log:session_new", args=[client_record.pk])
        typed = {
            "category": Category.ONLINE,
            "initiated_by": "client",
            "provisional_classification": "crossing",
            "description": "A friend request during the session.",
        }

        response = owner_client.post(url, as_offered(owner_client.get(url), added=2, typed={1: typed}))

        assert response.status_code == 302, form_errors(response)
        incident = Incident.objects.get()
        assert (incident.category, incident.description) == (Category.ONLINE, typed["description"])
        assert not incident.follow_ups.exists()  # the owner offered alone is no follow-up

    def test_a_new_incident_offers_the_sessions_therapist_as_follow_up_owner(
        self, owner_client, owner, supervisor, admin, session
    ):
        # Listed before the therapist: the owner offered is chosen, not the first in the list.
        User.objects.filter(pk__in=[supervisor.pk, admin.pk]).update(last_name="Aaa")

        response = owner_client.get(reverse("sessions_log:session_edit", args=[session.pk]))

        formset = response.context["formset"]
        for form in (formset.forms[-1], formset.empty_form):
            assert list(form.fields["follow_up_owner"].queryset)[-1] == owner
            assert form.initial["follow_up_owner"] == session.therapist_id == owner.pk
        data = as_offered(response, added=1)
        assert data["incidents-0-follow_up_owner"] == data["incidents-1-follow_up_owner"] == str(owner.pk)

    def test_discharged_client_gets_no_new_session(self, owner_client, client_record):
        client_record.status = ClientStatus.DISCHARGED
        client_record.discharged_on = timezone.localdate()
        client_record.save()
        url = reverse("sessions_log:session_new", args=[client_record.pk])

        for response in (owner_client.get(url), owner_client.post(url, session_data())):
            assert response.status_code == 302
            assert response["Location"] == client_record.get_absolute_url()
            assert "no new sessions can be logged" in message_texts(response)[0]
        assert not Session.objects.exists()


def _future():
    return local(timezone.now() + datetime.timedelta(days=1))


def _next_week():
    return f"{timezone.localdate() + datetime.timedelta(days=7):%Y-%m-%d}"


INVALID_SESSIONS = {
    "scheduled end before start": (
        {"scheduled_end": local(START - MINUTE)},
        {},
        "The scheduled end must be after the scheduled start.",
    ),
    "actual end before start": (
        {"actual_end": local(START - MINUTE)},
        {},
        "The actual end must be after the actual start.",
    ),
    "attended without actual times": (
        {"actual_start": "", "actual_end": ""},
        {},
        "Give the actual start and end of an attended session.",
    ),
    "no-show with actual times": (
        {"attendance": Attendance.NO_SHOW},
        {},
        "A no-show or late cancellation has no actual times.",
    ),
    "garbage date": (
        {"scheduled_start": "next tuesday"},
        {},
        "Enter a date and time, such as 2025-05-05 10:00.",
    ),
    "incident in the future": ({}, {"occurred_at": _future}, "An incident cannot be in the future."),
    "garbage incident date": ({}, {"occurred_at": "2025-13-45T99:99"}, "Enter a date and time"),
    "category not the agreement's": (
        {},
        {"category": Category.PHYSICAL, "agreement": "AGREEMENT"},
        "The category must match the agreement&#x27;s (Time).",
    ),
    "follow-up due without a follow-up": ({}, {"follow_up_due": _next_week}, "Say what the follow-up is."),
    "follow-up without a due date": ({}, {"follow_up": "Call back."}, "Give the follow-up a due date."),
    "follow-up due in the past": (
        {},
        {"follow_up": "Call back.", "follow_up_due": "2025-05-01"},
        "A new follow-up cannot be due in the past.",
    ),
    "no description": ({}, {"description": ""}, "Describe what happened, factually."),
}


class TestInvalidSession:
    @pytest.mark.parametrize(
        ("session_changes", "incident_changes", "error"), INVALID_SESSIONS.values(), ids=INVALID_SESSIONS
    )
    def test_rerenders_with_typed_values_and_error(
        self, owner_client, owner, client_record, agreement, session_changes, incident_changes, error
    ):
        incident_changes = {
            name: (value() if callable(value) else str(agreement.pk) if value == "AGREEMENT" else value)
            for name, value in incident_changes.items()
        }
        incident = incident_fields(owner, description="Typed by the therapist.") | incident_changes
        data = session_data(incidents=[incident], **session_changes)

        response = owner_client.post(reverse("sessions_log:session_new", args=[client_record.pk]), data)

        assert response.status_code == 200
        content = response.content.decode()
        assert error in content
        assert "nothing has been saved yet" in content
        for name, value in session_changes.items():
            shown = (
                f'<option value="{value}" selected>'
                if name == "attendance"
                else f'name="{name}" value="{value}"'
            )
            assert shown in content or not value
        if incident["description"]:
            assert "Typed by the therapist." in content
        assert not Session.objects.exists()
        assert not Incident.objects.exists()

    def test_agreement_of_another_client_is_not_a_choice(self, owner_client, owner, client_record):
        elsewhere = BoundaryAgreementFactory(client=ClientFactory(therapist=owner))
        data = session_data(incidents=[incident_fields(owner, agreement=str(elsewhere.pk))])

        response = owner_client.post(reverse("sessions_log:session_new", args=[client_record.pk]), data)

        assert response.status_code == 200
        assert "Select a valid choice" in response.content.decode()
        assert not Session.objects.exists()

    @pytest.mark.parametrize("total", ["many", "100000", ""])
    def test_tampered_management_form_is_an_error_not_a_500(self, owner_client, client_record, total):
        data = session_data() | {"incidents-TOTAL_FORMS": total}

        response = owner_client.post(reverse("sessions_log:session_new", args=[client_record.pk]), data)

        assert response.status_code == 200
        assert not Session.objects.exists()

    def test_forged_negative_form_count_logs_no_incidents(self, owner_client, client_record):
        data = session_data() | {"incidents-TOTAL_FORMS": "-5"}

        response = owner_client.post(reverse("sessions_log:session_new", args=[client_record.pk]), data)

        assert response.status_code == 302
        assert not Incident.objects.exists()


class TestEditSession:
    def test_owner_changes_a_draft_and_its_incidents(self, owner_client, owner, session):
        kept = IncidentFactory(client=session.client, session=session, occurred_at=session.actual_start)
        removed = IncidentFactory(
            client=session.client, session=session, occurred_at=session.actual_start + MINUTE
        )
        existing = [
            incident_fields(
                owner, id=str(kept.pk), occurred_at=local(kept.occurred_at), description="Reworded."
            ),
            incident_fields(owner, id=str(removed.pk), occurred_at=local(removed.occurred_at), DELETE="on"),
        ]
        new = incident_fields(owner, category=Category.GIFTS_MONEY, description="A small gift at the door.")
        data = session_data(
            incidents=[*existing, new],
            initial=2,
            scheduled_start=local(session.scheduled_start),
            scheduled_end=local(session.scheduled_end),
            actual_start=local(session.actual_start),
            actual_end=local(session.scheduled_end + 15 * MINUTE),
        )

        response = owner_client.post(reverse("sessions_log:session_edit", args=[session.pk]), data)

        assert response.status_code == 302, response.context["form"].errors
        assert response["Location"] == session.get_absolute_url()
        session.refresh_from_db()
        assert session.overrun_minutes == 15
        kept.refresh_from_db()
        assert kept.description == "Reworded."
        # Removed from the form, archived in the database: nothing is deleted.
        removed.refresh_from_db()
        assert removed.archived_at is not None and removed.archived_reason
        assert not Incident.objects.for_user(owner).filter(pk=removed.pk).exists()
        page = owner_client.get(reverse("sessions_log:session_edit", args=[session.pk]))
        assert removed not in [form.instance for form in page.context["formset"].forms]
        added = session.incidents.get(category=Category.GIFTS_MONEY)
        assert added.occurred_at == session.actual_start
        assert session.status == EntryStatus.DRAFT

    def test_incident_of_another_session_cannot_be_slipped_in(self, owner_client, owner, session):
        elsewhere = IncidentFactory(client=session.client, session=SessionFactory(client=session.client))
        before = snapshot()
        data = session_data(
            incidents=[incident_fields(owner, id=str(elsewhere.pk), description="Hijacked.")], initial=1
        )

        response = owner_client.post(reverse("sessions_log:session_edit", args=[session.pk]), data)

        assert response.status_code == 200
        assert "no longer part of this session" in response.content.decode()
        assert snapshot() == before

    def test_edit_page_shows_the_saved_incidents(self, owner_client, session):
        IncidentFactory(client=session.client, session=session, description="Saved before.")

        response = owner_client.get(reverse("sessions_log:session_edit", args=[session.pk]))

        assert response.status_code == 200
        assert len(response.context["formset"].forms) == 2  # the saved one and an empty one
        assert b"Saved before." in response.content

    def test_edit_after_signing_is_refused_and_the_row_is_unchanged(
        self, owner_client, owner, signed_session
    ):
        url = reverse("sessions_log:session_edit", args=[signed_session.pk])
        before = snapshot()

        get = owner_client.get(url)
        post = owner_client.post(url, session_data(actual_end=local(START + 90 * MINUTE)))

        assert get.status_code == 302
        assert get["Location"] == signed_session.get_absolute_url()
        assert "signed and locked" in message_texts(get)[0]
        # A save from a page opened before the signature: refused, and what was typed is shown.
        assert post.status_code == 200
        assert b"is locked" in post.content
        assert b"What you typed is kept below, not saved." in post.content
        assert local(START + 90 * MINUTE).encode() in post.content
        assert snapshot() == before
        signed_session.refresh_from_db()
        assert signed_session.content_hash == signed_session.compute_content_hash()

    def test_detail_of_a_signed_session_offers_no_edit(self, owner_client, signed_session):
        response = owner_client.get(signed_session.get_absolute_url())

        assert reverse("sessions_log:session_edit", args=[signed_session.pk]).encode() not in response.content
        assert reverse("sessions_log:session_sign", args=[signed_session.pk]).encode() not in response.content
        assert b"Add addendum" in response.content


class TestSignSession:
    def test_signing_locks_the_session_and_its_incidents(self, owner_client, owner, session):
        incidents = IncidentFactory.create_batch(2, client=session.client, session=session)

        response = owner_client.post(reverse("sessions_log:session_sign", args=[session.pk]), ATTESTED)

        assert response.status_code == 302
        assert response["Location"] == session.get_absolute_url()
        assert "Session signed and locked with 2 incidents." in message_texts(response)[0]
        session.refresh_from_db()
        assert session.status == EntryStatus.SIGNED
        assert session.signed_by == owner
        assert timezone.now() - session.signed_at < datetime.timedelta(minutes=1)
        assert re.fullmatch(r"[0-9a-f]{64}", session.content_hash)
        assert session.content_hash == session.compute_content_hash()
        assert session.signature_attestation == ATTESTATION
        for incident in incidents:
            incident.refresh_from_db()
            assert incident.status == EntryStatus.SIGNED
            assert (incident.signed_by, incident.signed_at) == (owner, session.signed_at)
            assert incident.content_hash == incident.compute_content_hash()
            assert incident.signature_attestation == ATTESTATION

    @pytest.mark.parametrize("body", [{}, {"attest": ""}], ids=["no-box", "box-empty"])
    def test_signing_without_the_attestation_is_refused_and_signs_nothing(self, owner_client, session, body):
        IncidentFactory(client=session.client, session=session)
        before = snapshot()

        response = owner_client.post(reverse("sessions_log:session_sign", args=[session.pk]), body)

        assert response.status_code == 302
        assert response["Location"] == session.get_absolute_url()
        assert message_texts(response) == [REFUSED_UNATTESTED]
        assert snapshot() == before
        assert not Session.objects.filter(signature_attestation=ATTESTATION).exists()

    def test_a_repeated_sign_post_signs_once(self, owner_client, session):
        url = reverse("sessions_log:session_sign", args=[session.pk])

        first = owner_client.post(url, ATTESTED)
        signature = Session.objects.values_list("signed_at", "content_hash").get(pk=session.pk)
        with time_machine.travel(timezone.now() + MINUTE):
            again = owner_client.post(url, ATTESTED)

        assert (first.status_code, again.status_code) == (302, 302)
        assert message_texts(first)[0].startswith("Session signed and locked")
        # The first answer's message is still waiting to be shown: the second's comes after it.
        assert message_texts(again)[-1].endswith("is locked; it cannot be signed again.")
        assert Session.objects.values_list("signed_at", "content_hash").get(pk=session.pk) == signature

    def test_the_detail_page_shows_the_attestation_beside_the_signature(self, owner_client, session):
        owner_client.post(reverse("sessions_log:session_sign", args=[session.pk]), ATTESTED)

        content = owner_client.get(session.get_absolute_url()).content.decode()

        assert f"Attested at signing: “{ATTESTATION}”" in content
        assert "Signed before attestations were recorded." not in content

    def test_detail_page_shows_the_signature(self, owner_client, signed_session):
        response = owner_client.get(signed_session.get_absolute_url())

        content = response.content.decode()
        assert "Signed" in content
        assert signed_session.content_hash[:12] in content
        assert str(signed_session.signed_by) in content
        # Signed without the words (as before attestations were asked): said so, not left blank.
        assert "Signed before attestations were recorded." in content

    def test_signing_twice_is_refused(self, owner_client, owner, signed_session):
        before = snapshot()
        signature = ("signed_by", "signed_at", "content_hash")
        first = Session.objects.values_list(*signature).get(pk=signed_session.pk)

        # A minute later (well inside the idle sign-out), so that a second signature written over
        # the first would show in signed_at.
        with time_machine.travel(timezone.now() + MINUTE):
            response = owner_client.post(
                reverse("sessions_log:session_sign", args=[signed_session.pk]), ATTESTED
            )

        assert response.status_code == 302
        assert "is locked" in message_texts(response)[0]
        assert snapshot() == before
        assert first == (owner.pk, signed_session.signed_at, signed_session.content_hash)
        assert Session.objects.values_list(*signature).get(pk=signed_session.pk) == first

    def test_draft_detail_offers_edit_and_sign_with_a_warning(self, owner_client, session):
        response = owner_client.get(session.get_absolute_url())

        content = response.content.decode()
        assert reverse("sessions_log:session_edit", args=[session.pk]) in content
        assert reverse("sessions_log:session_sign", args=[session.pk]) in content
        assert "can no longer be edited" in content
        assert re.search(r'<input type="checkbox" name="attest"[^>]*id="id_attest"', content)
        assert 'for="id_attest"' in content and ATTESTATION in content
        assert "Add addendum" not in content


class TestSessionDetail:
    def test_shows_overrun_incidents_and_addenda_in_order(self, owner_client, client_record):
        session = SessionFactory(
            client=client_record,
            scheduled_start=START,
            scheduled_end=START + 50 * MINUTE,
            actual_start=START,
            actual_end=START + 62 * MINUTE,
        )
        IncidentFactory(client=client_record, session=session, description="Asked for more time.")
        signed(session)
        AddendumFactory(session=session, text="First correction.", created_at=timezone.now() - MINUTE)
        AddendumFactory(session=session, text="Second correction.")

        response = owner_client.get(session.get_absolute_url())

        content = response.content.decode()
        assert "ran 12 min over" in content
        assert "Asked for more time." in content
        assert content.index("First correction.") < content.index("Second correction.")

    def test_no_overrun_shown_for_a_session_that_ended_on_time(self, owner_client, session):
        response = owner_client.get(session.get_absolute_url())

        assert b"min over" not in response.content

    @pytest.mark.parametrize("incident_count", [1, 3])
    def test_query_count(self, owner_client, client_record, incident_count, django_assert_num_queries):
        session = SessionFactory(client=client_record)
        agreement = BoundaryAgreementFactory(client=client_record)
        for _ in range(incident_count):
            IncidentFactory(client=client_record, session=session, agreement=agreement, follow_up_owner=None)
        signed(session)
        for incident in session.incidents.all():
            signed(incident)
            AddendumFactory(
                session=None, incident=incident, client=client_record, author=client_record.therapist
            )
        AddendumFactory(session=session)
        # django session, user, practice (time zone), the session with client, therapist and
        # signer, the access record insert, its incidents with agreement and signer, their addenda
        # with authors, their follow-ups with owners, the session's addenda with authors, its
        # revision requests, the client's open flags: the same however many incidents.
        with django_assert_num_queries(11):
            response = owner_client.get(session.get_absolute_url())
        assert response.status_code == 200


class TestAddendum:
    def test_addendum_is_added_and_shown(self, owner_client, owner, signed_session):
        hash_before = signed_session.content_hash

        response = owner_client.post(
            reverse("sessions_log:session_addendum", args=[signed_session.pk]),
            {"text": "The session began at 10:05.", "reason": "Wrong start time."},
        )

        addendum = Addendum.objects.get()
        assert response.status_code == 302
        assert response["Location"] == f"{signed_session.get_absolute_url()}#addendum-{addendum.pk}"
        assert (addendum.session, addendum.client, addendum.author) == (
            signed_session,
            signed_session.client,
            owner,
        )
        signed_session.refresh_from_db()
        assert signed_session.content_hash == hash_before
        detail = owner_client.get(signed_session.get_absolute_url()).content.decode()
        assert "The session began at 10:05." in detail
        assert "Wrong start time." in detail

    def test_addendum_form_for_signed_session(self, owner_client, signed_session):
        response = owner_client.get(reverse("sessions_log:session_addendum", args=[signed_session.pk]))

        assert response.status_code == 200
        assert 'name="reason"' in response.content.decode()

    def test_addendum_without_reason_rerenders_with_the_text(self, owner_client, signed_session):
        response = owner_client.post(
            reverse("sessions_log:session_addendum", args=[signed_session.pk]),
            {"text": "Typed correction.", "reason": ""},
        )

        assert response.status_code == 200
        assert b"Give the reason for the addendum." in response.content
        assert b"Typed correction." in response.content
        assert not Addendum.objects.exists()

    def test_addendum_on_a_draft_is_refused(self, owner_client, session):
        url = reverse("sessions_log:session_addendum", args=[session.pk])

        for response in (owner_client.get(url), owner_client.post(url, {"text": "x", "reason": "y"})):
            assert response.status_code == 302
            assert response["Location"] == session.get_absolute_url()
            assert "Addenda are for signed entries" in message_texts(response)[0]
        assert not Addendum.objects.exists()

    def test_addendum_to_a_signed_incident(self, owner_client, owner, signed_incident):
        response = owner_client.post(
            reverse("sessions_log:incident_addendum", args=[signed_incident.pk]),
            {"text": "It was a Tuesday.", "reason": "Detail remembered later."},
        )

        assert response.status_code == 302
        assert Addendum.objects.get().incident == signed_incident
        assert b"It was a Tuesday." in owner_client.get(signed_incident.get_absolute_url()).content


class TestAddendaOnEveryEntryTheyCorrect:
    def test_a_session_addendum_shows_on_the_page_of_each_incident_signed_with_it(
        self, owner_client, client_record
    ):
        session = SessionFactory(client=client_record)
        incident = IncidentFactory(client=client_record, session=session, occurred_at=session.actual_start)
        owner_client.post(reverse("sessions_log:session_sign", args=[session.pk]), ATTESTED)
        owner_client.post(
            reverse("sessions_log:session_addendum", args=[session.pk]),
            {"text": "The gift was a book, not flowers.", "reason": "Wrong detail in the incident."},
        )
        addendum = Addendum.objects.get()
        elsewhere = signed(IncidentFactory(client=client_record))

        page = owner_client.get(incident.get_absolute_url()).content.decode()
        other = owner_client.get(elsewhere.get_absolute_url()).content.decode()

        assert addendum.session == session and addendum.incident is None
        assert "The gift was a book, not flowers." in page
        assert f"{session.get_absolute_url()}#addendum-{addendum.pk}" in page  # named as the session's
        assert "The gift was a book, not flowers." not in other

    def test_the_incidents_own_and_its_sessions_addenda_show_oldest_first(self, owner_client, client_record):
        session = signed(SessionFactory(client=client_record))
        incident = signed(
            IncidentFactory(client=client_record, session=session, occurred_at=session.actual_start)
        )
        AddendumFactory(session=session, text="To the session, first.", created_at=timezone.now() - MINUTE)
        AddendumFactory(
            session=None,
            incident=incident,
            client=client_record,
            author=client_record.therapist,
            text="To the incident, then.",
        )

        content = owner_client.get(incident.get_absolute_url()).content.decode()

        assert content.index("To the session, first.") < content.index("To the incident, then.")


class TestIncidentOutsideSession:
    def test_owner_logs_an_incident_outside_a_session(self, owner_client, owner, client_record):
        at = timezone.now().replace(second=0, microsecond=0) - datetime.timedelta(hours=3)
        data = incident_fields(
            owner,
            category=Category.ONLINE,
            location="online",
            occurred_at=local(at),
            description="A friend request on a social network.",
        )

        response = owner_client.post(reverse("sessions_log:incident_new", args=[client_record.pk]), data)

        incident = Incident.objects.get()
        assert response.status_code == 302
        assert response["Location"] == incident.get_absolute_url()
        assert incident.session is None
        assert incident.occurred_at == at
        assert incident.status == EntryStatus.DRAFT

    def test_form_leaves_when_it_happened_to_be_typed(self, owner_client, client_record):
        response = owner_client.get(reverse("sessions_log:incident_new", args=[client_record.pk]))

        assert response.status_code == 200
        # Never the time of typing, offered as if it were when the incident happened.
        assert re.search(
            r'<input type="datetime-local" name="occurred_at"(?![^>]*value=)[^>]*>', response.content.decode()
        )
        assert response.context["form"]["occurred_at"].value() is None

    def test_discharged_client_can_still_have_incidents(self, owner_client, owner, client_record):
        client_record.status = ClientStatus.DISCHARGED
        client_record.discharged_on = timezone.localdate()
        client_record.save()
        data = incident_fields(owner, occurred_at=local(timezone.now() - MINUTE), description="A visit.")

        response = owner_client.post(reverse("sessions_log:incident_new", args=[client_record.pk]), data)

        assert response.status_code == 302
        assert Incident.objects.get().client == client_record

    def test_future_incident_rerenders_with_error(self, owner_client, owner, client_record):
        data = incident_fields(owner, occurred_at=_future(), description="Not yet.")

        response = owner_client.post(reverse("sessions_log:incident_new", args=[client_record.pk]), data)

        assert response.status_code == 200
        assert b"An incident cannot be in the future." in response.content
        assert b"Not yet." in response.content
        assert not Incident.objects.exists()

    def test_missing_time_is_an_error_outside_a_session_and_keeps_what_was_typed(
        self, owner_client, owner, client_record
    ):
        data = incident_fields(
            owner, occurred_at="", category=Category.ONLINE, description="A friend request, typed."
        )

        response = owner_client.post(reverse("sessions_log:incident_new", args=[client_record.pk]), data)

        assert response.status_code == 200
        content = response.content.decode()
        assert "Say when it happened: the date and time of the incident." in content
        assert "nothing has been saved yet" in content
        assert "A friend request, typed." in content
        assert f'<option value="{Category.ONLINE}" selected>' in content
        assert response.context["form"]["occurred_at"].value() == ""
        assert not Incident.objects.exists()

    def test_owner_edits_a_draft(self, owner_client, owner, incident):
        data = incident_fields(owner, occurred_at=local(incident.occurred_at), description="Clarified.")

        response = owner_client.post(reverse("sessions_log:incident_edit", args=[incident.pk]), data)

        assert response.status_code == 302
        incident.refresh_from_db()
        assert incident.description == "Clarified."

    def test_signing_locks_the_incident(self, owner_client, owner, incident):
        response = owner_client.post(reverse("sessions_log:incident_sign", args=[incident.pk]), ATTESTED)

        assert response.status_code == 302
        incident.refresh_from_db()
        assert incident.status == EntryStatus.SIGNED
        assert incident.signed_by == owner
        assert incident.content_hash == incident.compute_content_hash()
        assert incident.signature_attestation == ATTESTATION
        detail = owner_client.get(incident.get_absolute_url()).content.decode()
        assert f"Attested at signing: “{ATTESTATION}”" in detail

    def test_signing_without_the_attestation_is_refused_and_signs_nothing(self, owner_client, incident):
        before = snapshot()

        response = owner_client.post(reverse("sessions_log:incident_sign", args=[incident.pk]))

        assert response.status_code == 302
        assert response["Location"] == incident.get_absolute_url()
        assert message_texts(response) == [REFUSED_UNATTESTED]
        assert snapshot() == before

    def test_a_repeated_sign_post_signs_once(self, owner_client, incident):
        url = reverse("sessions_log:incident_sign", args=[incident.pk])

        first = owner_client.post(url, ATTESTED)
        signature = Incident.objects.values_list("signed_at", "content_hash").get(pk=incident.pk)
        again = owner_client.post(url, ATTESTED)

        assert (first.status_code, again.status_code) == (302, 302)
        assert message_texts(again)[-1].endswith("is locked; it cannot be signed again.")
        assert Incident.objects.values_list("signed_at", "content_hash").get(pk=incident.pk) == signature

    def test_edit_after_signing_is_refused_and_the_row_is_unchanged(
        self, owner_client, owner, signed_incident
    ):
        url = reverse("sessions_log:incident_edit", args=[signed_incident.pk])
        before = snapshot()

        get = owner_client.get(url)
        post = owner_client.post(
            url,
            incident_fields(owner, occurred_at=local(signed_incident.occurred_at), description="Changed."),
        )

        assert get.status_code == 302
        assert get["Location"] == signed_incident.get_absolute_url()
        assert "signed and locked" in message_texts(get)[0]
        assert post.status_code == 200
        assert b"What you typed is kept below, not saved." in post.content
        assert b"Changed." in post.content
        assert snapshot() == before

    def test_incident_of_a_session_is_edited_with_the_session(self, owner_client, session):
        incident = IncidentFactory(client=session.client, session=session)

        response = owner_client.get(reverse("sessions_log:incident_edit", args=[incident.pk]))

        assert response.status_code == 302
        assert response["Location"] == reverse("sessions_log:session_edit", args=[session.pk])

    def test_incident_of_a_session_is_not_signed_alone(self, owner_client, session):
        incident = IncidentFactory(client=session.client, session=session)

        response = owner_client.post(reverse("sessions_log:incident_sign", args=[incident.pk]), ATTESTED)

        assert response.status_code == 302
        assert "sign it with the session" in message_texts(response)[0]
        incident.refresh_from_db()
        assert incident.status == EntryStatus.DRAFT

    def test_query_count(self, owner_client, client_record, django_assert_num_queries):
        incident = signed(IncidentFactory(client=client_record, session=SessionFactory(client=client_record)))
        AddendumFactory.create_batch(
            2, session=None, incident=incident, client=client_record, author=incident.client.therapist
        )
        # django session, user, practice (time zone), the incident with client, session,
        # agreement and signer, its follow-ups with owners, the access record insert, its addenda
        # with authors, its revision requests, the client's open flags
        with django_assert_num_queries(9):
            response = owner_client.get(incident.get_absolute_url())
        assert response.status_code == 200

    def test_detail_shows_the_incident(self, owner_client, incident):
        response = owner_client.get(incident.get_absolute_url())

        assert response.status_code == 200
        assert incident.description.encode() in response.content
        assert reverse("sessions_log:incident_sign", args=[incident.pk]).encode() in response.content


# Access: every URL of the app, every kind of user.


@pytest.fixture
def objects(owner, client_record, session, signed_session, incident, signed_incident):
    return {
        "client": client_record,
        "session": session,
        "signed_session": signed_session,
        "incident": incident,
        "signed_incident": signed_incident,
    }


def _valid_session_post(objects):
    owner = objects["client"].therapist
    return session_data(incidents=[incident_fields(owner)])


def _valid_incident_post(objects):
    owner = objects["client"].therapist
    return incident_fields(owner, occurred_at=local(timezone.now() - datetime.timedelta(hours=1)))


def _addendum_post(objects):
    return {"text": "A correction.", "reason": "A reason."}


# name: (the object its URL takes, whether it only reads, the POST body, POST only)
ACCESS = {
    "session_new": ("client", False, _valid_session_post, False),
    "session_detail": ("session", True, None, False),
    "session_edit": ("session", False, _valid_session_post, False),
    "session_sign": ("session", False, lambda objects: ATTESTED, True),
    "session_addendum": ("signed_session", False, _addendum_post, False),
    "incident_new": ("client", False, _valid_incident_post, False),
    "incident_detail": ("incident", True, None, False),
    "incident_edit": ("incident", False, _valid_incident_post, False),
    "incident_sign": ("incident", False, lambda objects: ATTESTED, True),
    "incident_addendum": ("signed_incident", False, _addendum_post, False),
}


def _url(name, objects):
    return reverse(f"sessions_log:{name}", args=[objects[ACCESS[name][0]].pk])


def test_every_url_has_an_access_test():
    names = {pattern.name for pattern in sessions_log_urls.urlpatterns if isinstance(pattern, URLPattern)}
    assert names == set(ACCESS)


@pytest.mark.parametrize("name", ACCESS)
def test_owner_succeeds(client, owner, objects, name):
    _, _, post_body, post_only = ACCESS[name]
    client.force_login(owner)
    url = _url(name, objects)

    if not post_only:
        assert client.get(url).status_code == 200
    if post_body is not None:
        response = client.post(url, post_body(objects))
        assert response.status_code == 302, response.context and response.context["form"].errors
        assert not any(message.level_tag == "error" for message in get_messages(response.wsgi_request))


@pytest.mark.parametrize("name", ACCESS)
@pytest.mark.parametrize("actor", STRANGERS)
def test_strangers_get_404_and_change_nothing(request, client, objects, name, actor):
    _, _, post_body, post_only = ACCESS[name]
    client.force_login(request.getfixturevalue(actor))
    url = _url(name, objects)
    before = snapshot()

    if not post_only:
        assert client.get(url).status_code == 404
    assert client.post(url, post_body(objects) if post_body else {}).status_code in (404, 405)
    assert snapshot() == before


@pytest.mark.parametrize("name", ACCESS)
@pytest.mark.parametrize("actor", ["supervisor", "admin"])
def test_supervisor_and_admin_read_but_change_nothing(request, client, objects, name, actor):
    _, reads, post_body, post_only = ACCESS[name]
    client.force_login(request.getfixturevalue(actor))
    url = _url(name, objects)
    before = snapshot()

    if reads:
        response = client.get(url)
        assert response.status_code == 200
        assert b"Sign and lock" not in response.content
        assert b"/edit/" not in response.content
    else:
        if not post_only:
            assert client.get(url).status_code == 404
        assert client.post(url, post_body(objects)).status_code == 404
    assert snapshot() == before


@pytest.mark.parametrize("name", [name for name, spec in ACCESS.items() if spec[3]])
def test_state_changes_are_post_only(owner_client, objects, name):
    assert owner_client.get(_url(name, objects)).status_code == 405


@pytest.mark.parametrize("name", [name for name, spec in ACCESS.items() if spec[1]])
def test_read_pages_refuse_post(owner_client, objects, name):
    assert owner_client.post(_url(name, objects)).status_code == 405


def test_anonymous_is_sent_to_sign_in(client, objects):
    for name in ACCESS:
        response = client.get(_url(name, objects))
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("accounts:login"))


def test_a_flag_raised_by_a_save_shows_on_the_entry_page(owner_client, client_record):
    flag = FlagFactory(client=client_record)
    incident = IncidentFactory(client=client_record)

    response = owner_client.get(incident.get_absolute_url())

    assert list(response.context["open_flags"]) == [flag]
    assert flag.get_absolute_url().encode() in response.content
