"""A signed entry changed behind Alliance's back is shown loudly as such, and logged."""

import logging

import pgtrigger
import pytest

from common.tests.logs import security_events
from sessions_log.models import Incident, Session
from sessions_log.tests.factories import IncidentFactory, SessionFactory

pytestmark = pytest.mark.django_db


def tampering():
    """A change behind Alliance's back, by someone who first switched off the database's refusal
    to change a signed row."""
    return pgtrigger.ignore(
        "sessions_log.Session:signed_entry_immutable", "sessions_log.Incident:signed_entry_immutable"
    )


def signed(entry, by):
    entry.mark_signed(by=by)
    entry.save()
    return entry


def test_an_intact_signed_incident_shows_no_alarm(client, owner, client_record):
    incident = signed(IncidentFactory(client=client_record), owner)
    client.force_login(owner)

    response = client.get(incident.get_absolute_url())

    assert b"Integrity check failed" not in response.content


def test_a_tampered_incident_is_shown_and_logged(client, owner, client_record, caplog):
    incident = signed(IncidentFactory(client=client_record), owner)
    with tampering():
        Incident.objects.filter(pk=incident.pk).update(description="Rewritten after signing")
    client.force_login(owner)

    with caplog.at_level(logging.INFO, logger="alliance.security"):
        response = client.get(incident.get_absolute_url())

    assert b"Integrity check failed" in response.content
    (event,) = [event for event in security_events(caplog) if event["event"] == "integrity_mismatch"]
    assert (event["model"], event["id"]) == ("sessions_log.incident", incident.pk)
    assert "Rewritten" not in caplog.text  # the log never carries the content


def test_a_tampered_session_and_its_incident_are_both_flagged(client, owner, client_record):
    session = SessionFactory(client=client_record)
    incident = IncidentFactory(client=client_record, session=session, occurred_at=session.actual_start)
    signed(session, owner)
    signed(incident, owner)
    with tampering():
        Session.objects.filter(pk=session.pk).update(attendance="late")
        Incident.objects.filter(pk=incident.pk).update(harm=0 if incident.harm else 1)
    client.force_login(owner)

    response = client.get(session.get_absolute_url())

    assert response.content.count(b"Integrity check failed") == 2
