"""Two tabs editing one draft: the later save from an older page loses nothing and says so.

Each edit form carries the row's version (common.forms.VersionFormMixin). Tab A and tab B open
the same draft; A saves; B's save, from the page read before A's, is refused: B's typing stays in
the form, A's saved values are named beside it, and B's next save replaces them knowingly.
"""

import pytest
from django.urls import reverse

from config.tests.test_fuzz import forms_of
from sessions_log.models import Incident
from sessions_log.tests.factories import IncidentFactory, SessionFactory

pytestmark = pytest.mark.django_db


def opened(browser, url: str) -> dict:
    page = browser.get(url)
    assert page.status_code == 200
    [form] = [form for form in forms_of(page, url) if "seen_version" in form.fields]
    return form.data()


def two_tabs(client, url: str) -> tuple[dict, dict]:
    return opened(client, url), opened(client, url)


def stale_save_then_resave(client, url, tab_a, tab_b, field, a_value, b_value, read):
    first = client.post(url, {**tab_a, field: a_value})
    assert first.status_code == 302
    assert read() == a_value

    stale = client.post(url, {**tab_b, field: b_value})

    assert stale.status_code == 200
    assert b"was changed at" in stale.content
    assert b"What you typed is kept below" in stale.content
    assert b_value.encode() in stale.content  # B's typing kept
    assert a_value.encode() in stale.content  # A's saved value named beside it
    assert read() == a_value  # nothing overwritten
    # The re-rendered page carries the new version: saving it again replaces A's, knowingly.
    [form] = [form for form in forms_of(stale, url) if "seen_version" in form.fields]
    again = client.post(url, form.data())
    assert again.status_code == 302
    assert read() == b_value


def test_a_draft_session_and_its_incident(client, owner, client_record):
    session = SessionFactory(client=client_record)
    incident = IncidentFactory(client=client_record, session=session, occurred_at=session.actual_start)
    client.force_login(owner)
    url = reverse("sessions_log:session_edit", args=[session.pk])
    tab_a, tab_b = two_tabs(client, url)

    stale_save_then_resave(
        client,
        url,
        tab_a,
        tab_b,
        "incidents-0-description",
        "Tab A: the client stayed ten minutes longer.",
        "Tab B: the client asked for a hug.",
        lambda: Incident.objects.get(pk=incident.pk).description,
    )


def test_a_draft_incident_outside_a_session(client, owner, client_record):
    incident = IncidentFactory(client=client_record)
    client.force_login(owner)
    url = reverse("sessions_log:incident_edit", args=[incident.pk])
    tab_a, tab_b = two_tabs(client, url)

    stale_save_then_resave(
        client,
        url,
        tab_a,
        tab_b,
        "description",
        "Tab A: a text message at 23:00.",
        "Tab B: a phone call at 23:00.",
        lambda: Incident.objects.get(pk=incident.pk).description,
    )


def test_the_clients_details(client, owner, client_record):
    client.force_login(owner)
    url = reverse("clients:edit", args=[client_record.pk])
    tab_a, tab_b = two_tabs(client, url)

    stale_save_then_resave(
        client,
        url,
        tab_a,
        tab_b,
        "code",
        "RS-0101",
        "RS-0202",
        lambda: type(client_record).objects.get(pk=client_record.pk).code,
    )


def test_signing_in_another_tab_keeps_what_this_tab_typed(client, owner, client_record):
    incident = IncidentFactory(client=client_record)
    client.force_login(owner)
    url = reverse("sessions_log:incident_edit", args=[incident.pk])
    tab = opened(client, url)
    signing = client.post(reverse("sessions_log:incident_sign", args=[incident.pk]), {"attest": "on"})
    assert signing.status_code == 302

    late = client.post(url, {**tab, "description": "Typed before the signature."})

    assert late.status_code == 200
    assert b"is locked" in late.content
    assert b"Typed before the signature." in late.content
    assert Incident.objects.get(pk=incident.pk).description == incident.description
