"""Two decisions on one flag at once: one is recorded, the other is told the flag moved on."""

import pytest
from django.db import transaction
from django.test import Client as Browser
from django.urls import reverse

from config.tests.concurrency import start, wait_until_blocked
from supervision.models import Flag, FlagEvent, FlagStatus, Outcome
from supervision.tests.factories import FlagEventFactory, FlagFactory

pytestmark = pytest.mark.django_db(transaction=True)


def test_resolve_and_dismiss_at_once_record_one_decision(supervisor, client_record):
    flag = FlagFactory(client=client_record)
    seen = FlagEventFactory(flag=flag).pk
    resolve = (
        reverse("supervision:flag_resolve", args=[flag.pk]),
        {"outcome": Outcome.DISCUSSED, "comment": "ok"},
    )
    dismiss = (reverse("supervision:flag_dismiss", args=[flag.pk]), {"comment": "A false positive."})
    browsers = [Browser(), Browser()]
    for browser in browsers:
        browser.force_login(supervisor)

    # Both supervisors' forms were drawn from the same page; both requests queue on the flag's row lock.
    with transaction.atomic():
        Flag.objects.select_for_update().get(pk=flag.pk)
        racers = start(
            lambda browser=browser, action=action: browser.post(action[0], {**action[1], "seen_event": seen})
            for browser, action in zip(browsers, (resolve, dismiss), strict=True)
        )
        wait_until_blocked(racers)
    responses = [racer.outcome() for racer in racers]

    flag.refresh_from_db()
    assert flag.status in (FlagStatus.RESOLVED, FlagStatus.DISMISSED)
    decisions = FlagEvent.objects.filter(flag=flag, actor=supervisor)
    assert decisions.count() == 1
    # The winner is redirected; the loser sees the flag page again with the refusal, status 200.
    assert sorted(response.status_code for response in responses) == [200, 302]
    loser = next(response for response in responses if response.status_code == 200)
    assert b"no further decision can be recorded" in loser.content
