"""The one-time tokens of create forms (accounts.submissions)."""

import datetime
import uuid

import pytest
from django.db import transaction
from django.utils import timezone

from accounts.models import FormSubmission
from accounts.submissions import AlreadySent, forget_old_submissions, submitted_once

pytestmark = pytest.mark.django_db


class Refused(Exception):
    pass


def test_a_token_is_stored_with_the_result_and_a_second_send_gets_it(owner):
    token = uuid.uuid4()
    with submitted_once(owner, token) as receipt:
        receipt.result_url = "/made/"

    with pytest.raises(AlreadySent) as again, submitted_once(owner, token):
        pytest.fail("the block must not run a second time")

    assert again.value.url == "/made/"


def test_a_refused_send_stores_no_token(owner):
    token = uuid.uuid4()
    with pytest.raises(Refused), submitted_once(owner, token):
        raise Refused

    with submitted_once(owner, token) as receipt:  # the corrected form is still the first send
        receipt.result_url = "/made/"
    assert FormSubmission.objects.get().result_url == "/made/"


def test_without_a_token_the_block_simply_runs(owner):
    for _ in range(2):
        with submitted_once(owner, None):
            pass

    assert not FormSubmission.objects.exists()


def test_the_purge_forgets_tokens_older_than_thirty_days(owner):
    old = FormSubmission.objects.create(
        token=uuid.uuid4(), user=owner, created_at=timezone.now() - datetime.timedelta(days=31)
    )
    recent = FormSubmission.objects.create(token=uuid.uuid4(), user=owner)

    with transaction.atomic():
        assert forget_old_submissions() == 1

    assert list(FormSubmission.objects.all()) == [recent]
    assert not FormSubmission.objects.filter(pk=old.pk).exists()
