"""Agreement services: the version chain, and refusals that leave the database as it was."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from boundaries import services
from boundaries.models import AgreementStatus, BoundaryAgreement, Category, ProposedBy
from boundaries.tests.factories import BoundaryAgreementFactory
from clients.models import ClientStatus

pytestmark = pytest.mark.django_db

DAY = datetime.timedelta(days=1)


@pytest.fixture
def today():
    return timezone.localdate()


@pytest.fixture
def agreement(client_record, today):
    return BoundaryAgreementFactory(client=client_record, effective_date=today - 30 * DAY)


def revision_fields(owner, today, **overrides):
    return {
        "terms": "Sessions last 50 minutes; a late start is not made up.",
        "proposed_by": ProposedBy.CLIENT,
        "rationale": "The client asked for clarity about lateness.",
        "effective_date": today,
        "review_interval_days": 60,
        "revision_reason": "Reviewed with the client.",
        "recorded_by": owner,
        **overrides,
    }


def error_codes(excinfo) -> set[str]:
    error = excinfo.value
    if hasattr(error, "error_dict"):
        return {e.code for errors in error.error_dict.values() for e in errors}
    return {e.code for e in error.error_list}


# agreement_create


def test_create_records_version_one_with_review_date_from_interval(owner, client_record, today):
    agreement = services.agreement_create(
        client=client_record,
        category=Category.PHYSICAL,
        terms="Handshake only.",
        proposed_by=ProposedBy.JOINTLY,
        effective_date=today,
        review_interval_days=30,
        recorded_by=owner,
    )

    agreement.refresh_from_db()
    assert (agreement.version, agreement.status, agreement.supersedes) == (1, AgreementStatus.ACTIVE, None)
    assert agreement.next_review_on == today + 30 * DAY
    assert agreement.recorded_by == owner


def test_create_refuses_a_category_with_an_active_agreement(owner, agreement, today):
    with pytest.raises(ValidationError) as excinfo:
        services.agreement_create(
            client=agreement.client,
            category=agreement.category,
            terms="Another time agreement.",
            proposed_by=ProposedBy.JOINTLY,
            effective_date=today,
            review_interval_days=30,
            recorded_by=owner,
        )

    assert error_codes(excinfo) == {"category_taken"}
    assert BoundaryAgreement.objects.count() == 1


def test_create_refuses_a_discharged_client(owner, client_record, today):
    client_record.status, client_record.discharged_on = ClientStatus.DISCHARGED, today
    client_record.save()

    with pytest.raises(ValidationError) as excinfo:
        services.agreement_create(
            client=client_record,
            category=Category.TIME,
            terms="Fifty minutes.",
            proposed_by=ProposedBy.JOINTLY,
            effective_date=today,
            review_interval_days=30,
            recorded_by=owner,
        )

    assert error_codes(excinfo) == {"client_discharged"}
    assert not BoundaryAgreement.objects.exists()


# agreement_revise


def test_revise_creates_next_version_in_the_chain_and_supersedes_the_old(owner, agreement, today):
    revision = services.agreement_revise(agreement=agreement, **revision_fields(owner, today))

    agreement.refresh_from_db()
    assert agreement.status == AgreementStatus.SUPERSEDED
    assert revision.status == AgreementStatus.ACTIVE
    assert (revision.chain, revision.version, revision.supersedes) == (agreement.chain, 2, agreement)
    assert (revision.client, revision.category) == (agreement.client, agreement.category)
    assert revision.next_review_on == today + 60 * DAY
    assert revision.proposed_by == ProposedBy.CLIENT
    assert revision.revision_reason == "Reviewed with the client."


@pytest.mark.parametrize("reason", ["", "   "])
def test_revise_without_a_reason_is_refused_and_changes_nothing(owner, agreement, today, reason):
    fields = revision_fields(owner, today, revision_reason=reason)

    with pytest.raises(ValidationError) as excinfo:
        services.agreement_revise(agreement=agreement, **fields)

    assert error_codes(excinfo) == {"no_reason"}
    agreement.refresh_from_db()
    assert agreement.status == AgreementStatus.ACTIVE
    assert BoundaryAgreement.objects.count() == 1


def test_revise_of_a_superseded_version_is_refused(owner, agreement, today):
    services.agreement_revise(agreement=agreement, **revision_fields(owner, today))
    agreement.refresh_from_db()

    with pytest.raises(ValidationError) as excinfo:
        services.agreement_revise(agreement=agreement, **revision_fields(owner, today, terms="Third try."))

    assert error_codes(excinfo) == {"not_active"}
    assert BoundaryAgreement.objects.count() == 2


def test_stale_revise_from_a_copy_loaded_before_another_revision_is_refused(owner, agreement, today):
    # Two requests loaded version 1 while it was active; the first one revises it.
    stale = BoundaryAgreement.objects.get(pk=agreement.pk)
    services.agreement_revise(agreement=agreement, **revision_fields(owner, today))
    assert stale.status == AgreementStatus.ACTIVE  # what the second request still believes

    with pytest.raises(ValidationError) as excinfo:
        services.agreement_revise(agreement=stale, **revision_fields(owner, today, terms="Competing edit."))

    assert error_codes(excinfo) == {"not_active"}
    assert list(BoundaryAgreement.objects.order_by("version").values_list("version", "status")) == [
        (1, AgreementStatus.SUPERSEDED),
        (2, AgreementStatus.ACTIVE),
    ]
    assert not BoundaryAgreement.objects.filter(terms="Competing edit.").exists()


def test_revise_of_an_ended_agreement_is_refused(owner, agreement, today):
    services.agreement_end(agreement=agreement, ended_on=today)

    with pytest.raises(ValidationError) as excinfo:
        services.agreement_revise(agreement=agreement, **revision_fields(owner, today))

    assert error_codes(excinfo) == {"not_active"}
    assert BoundaryAgreement.objects.count() == 1


def test_revise_taking_effect_before_the_previous_version_is_refused(owner, agreement, today):
    with pytest.raises(ValidationError) as excinfo:
        services.agreement_revise(
            agreement=agreement,
            **revision_fields(owner, today, effective_date=agreement.effective_date - DAY),
        )

    assert error_codes(excinfo) == {"revision_before_previous"}
    agreement.refresh_from_db()
    assert agreement.status == AgreementStatus.ACTIVE
    assert BoundaryAgreement.objects.count() == 1


# agreement_end


def test_end_sets_status_and_date(agreement, today):
    services.agreement_end(agreement=agreement, ended_on=today)

    agreement.refresh_from_db()
    assert (agreement.status, agreement.ended_on) == (AgreementStatus.ENDED, today)


@pytest.mark.parametrize(
    ("offset", "code"),
    [(-31, "end_before_effective"), (1, "end_in_future")],
)
def test_end_refuses_dates_before_effective_or_in_the_future(agreement, today, offset, code):
    with pytest.raises(ValidationError) as excinfo:
        services.agreement_end(agreement=agreement, ended_on=today + offset * DAY)

    assert error_codes(excinfo) == {code}
    agreement.refresh_from_db()
    assert (agreement.status, agreement.ended_on) == (AgreementStatus.ACTIVE, None)


def test_stale_end_of_a_revised_version_is_refused(owner, agreement, today):
    stale = BoundaryAgreement.objects.get(pk=agreement.pk)
    services.agreement_revise(agreement=agreement, **revision_fields(owner, today))

    with pytest.raises(ValidationError) as excinfo:
        services.agreement_end(agreement=stale, ended_on=today)

    assert error_codes(excinfo) == {"not_active"}
    stale.refresh_from_db()
    assert stale.status == AgreementStatus.SUPERSEDED


def test_an_agreement_recorded_ahead_may_end_on_its_effective_date(client_record, today):
    ahead = BoundaryAgreementFactory(client=client_record, effective_date=today + 7 * DAY)

    services.agreement_end(agreement=ahead, ended_on=today + 7 * DAY)

    ahead.refresh_from_db()
    assert ahead.status == AgreementStatus.ENDED
