"""Two signatures of one session at once: one signs, the other is told it is already signed."""

import pytest
from django.contrib.messages import get_messages
from django.db import transaction
from django.test import Client as Browser
from django.urls import reverse

from config.tests.concurrency import start, wait_until_blocked
from sessions_log.models import EntryStatus, Session
from sessions_log.tests.factories import IncidentFactory, SessionFactory

pytestmark = pytest.mark.django_db(transaction=True)


def messages_of(response) -> list[tuple[str, str]]:
    return [(message.level_tag, str(message)) for message in get_messages(response.wsgi_request)]


def test_two_signatures_at_once_sign_once_and_the_other_is_refused(owner, client_record):
    session = SessionFactory(client=client_record)
    incident = IncidentFactory(client=client_record, session=session, occurred_at=session.actual_start)
    url = reverse("sessions_log:session_sign", args=[session.pk])
    browsers = [Browser(), Browser()]
    for browser in browsers:
        browser.force_login(owner)

    # Both requests find the session a draft, then queue on its row lock.
    with transaction.atomic():
        Session.objects.select_for_update().get(pk=session.pk)
        racers = start(lambda browser=browser: browser.post(url, {"attest": "on"}) for browser in browsers)
        wait_until_blocked(racers)
    responses = [racer.outcome() for racer in racers]

    assert [response.status_code for response in responses] == [302, 302]
    outcomes = sorted(messages_of(response)[0] for response in responses)
    assert [level for level, _ in outcomes] == ["error", "success"]
    assert outcomes[0][1].startswith("This session was signed by")
    assert outcomes[0][1].endswith("is locked; it cannot be signed again.")
    session.refresh_from_db()
    incident.refresh_from_db()
    assert session.status == incident.status == EntryStatus.SIGNED
    assert session.signed_at == incident.signed_at  # one signature, not the second over the first
    assert session.content_hash == session.compute_content_hash()
