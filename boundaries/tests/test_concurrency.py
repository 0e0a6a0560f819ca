"""Two revisions of one agreement at once: one becomes version 2, the other is told it came late."""

import datetime

import pytest
from django.db import transaction
from django.test import Client as Browser
from django.urls import reverse
from django.utils import timezone

from boundaries.models import AgreementStatus, BoundaryAgreement, ProposedBy
from boundaries.tests.factories import BoundaryAgreementFactory
from config.tests.concurrency import start, wait_until_blocked

pytestmark = pytest.mark.django_db(transaction=True)


def revision(terms: str) -> dict:
    return {
        "terms": terms,
        "proposed_by": ProposedBy.JOINTLY,
        "rationale": "",
        "effective_date": timezone.localdate().isoformat(),
        "review_interval_days": "90",
        "next_review_on": "",
        "revision_reason": "Reviewed with the client.",
    }


def test_two_revisions_at_once_make_one_version_and_a_conflict_message(owner, client_record):
    agreement = BoundaryAgreementFactory(
        client=client_record, effective_date=timezone.localdate() - datetime.timedelta(days=30)
    )
    url = reverse("boundaries:revise", args=[agreement.pk])
    browsers = [Browser(), Browser()]
    for browser in browsers:
        browser.force_login(owner)
    terms = ["Sessions last fifty minutes.", "Sessions last forty-five minutes."]

    # Both requests read the agreement as active, then queue on its row lock.
    with transaction.atomic():
        BoundaryAgreement.objects.select_for_update().get(pk=agreement.pk)
        racers = start(
            lambda browser=browser, text=text: browser.post(url, revision(text))
            for browser, text in zip(browsers, terms, strict=True)
        )
        wait_until_blocked(racers)
    responses = [racer.outcome() for racer in racers]

    assert sorted(response.status_code for response in responses) == [200, 302]
    winner = next(i for i, response in enumerate(responses) if response.status_code == 302)
    loser = responses[1 - winner]
    chain = BoundaryAgreement.objects.filter(chain=agreement.chain).order_by("version")
    assert [(a.version, a.status, a.terms) for a in chain] == [
        (1, AgreementStatus.SUPERSEDED, agreement.terms),
        (2, AgreementStatus.ACTIVE, terms[winner]),
    ]
    assert responses[winner]["Location"] == chain[1].get_absolute_url()
    # The late one is not saved, and says why on the form it sent, with its typing kept.
    assert (
        b"Only the active version of an agreement can be revised; version 1 is superseded." in loser.content
    )
    assert terms[1 - winner].encode() in loser.content
