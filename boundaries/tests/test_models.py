"""BoundaryAgreement: database constraints, the version chain, and clean()."""

import datetime
import uuid

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from boundaries.models import AgreementStatus, BoundaryAgreement, Category
from boundaries.tests.factories import BoundaryAgreementFactory
from clients.tests.factories import ClientFactory

EFFECTIVE = datetime.date(2025, 1, 6)
DAY = datetime.timedelta(days=1)


def assert_invalid(instance, field, code):
    """full_clean() refuses ``instance`` with error ``code`` on ``field``."""
    with pytest.raises(ValidationError) as excinfo:
        instance.full_clean()
    errors = excinfo.value.error_dict
    assert field in errors, errors
    assert code in [error.code for error in errors[field]]


def next_version(previous, **overrides):
    """An unsaved revision of ``previous``, linked into its chain."""
    fields = {
        "client": previous.client,
        "category": previous.category,
        "chain": previous.chain,
        "version": previous.version + 1,
        "supersedes": previous,
        **overrides,
    }
    return BoundaryAgreementFactory.build(**fields)


@pytest.fixture
def agreement(client_record):
    return BoundaryAgreementFactory(
        client=client_record, effective_date=EFFECTIVE, next_review_on=EFFECTIVE + 90 * DAY
    )


@pytest.fixture
def superseded(agreement):
    """``agreement`` after it was revised: its next version can now be active."""
    agreement.status = AgreementStatus.SUPERSEDED
    agreement.save()
    return agreement


# Database constraints on one row


@pytest.mark.parametrize(
    ("changes", "constraint"),
    [
        ({"category": "finances"}, "agreement_category_valid"),
        ({"proposed_by": "supervisor"}, "agreement_proposed_by_valid"),
        ({"status": "archived"}, "agreement_status_valid"),
        ({"terms": ""}, "agreement_terms_required"),
        ({"next_review_on": EFFECTIVE - DAY}, "agreement_review_after_effective"),
        ({"review_interval_days": 6}, "agreement_review_interval_range"),
        ({"review_interval_days": 731}, "agreement_review_interval_range"),
        ({"status": AgreementStatus.ENDED}, "agreement_end_date_matches_status"),
        ({"ended_on": EFFECTIVE + DAY}, "agreement_end_date_matches_status"),
        (
            {"status": AgreementStatus.SUPERSEDED, "ended_on": EFFECTIVE + DAY},
            "agreement_end_date_matches_status",
        ),
        (
            {"status": AgreementStatus.ENDED, "ended_on": EFFECTIVE - DAY},
            "agreement_ended_after_effective",
        ),
        ({"revision_reason": "Asked for by the client."}, "agreement_revision_reason"),
        ({"version": 2, "revision_reason": "Revised."}, "agreement_version_links_previous"),
    ],
    ids=[
        "unknown-category",
        "unknown-proposer",
        "unknown-status",
        "no-terms",
        "review-before-effective",
        "review-interval-too-short",
        "review-interval-too-long",
        "ended-without-date",
        "active-with-end-date",
        "superseded-with-end-date",
        "ended-before-effective",
        "first-version-with-revision-reason",
        "later-version-without-previous",
    ],
)
def test_database_refuses_an_invalid_agreement(agreement, changes, constraint):
    with pytest.raises(IntegrityError, match=constraint), transaction.atomic():
        BoundaryAgreement.objects.filter(pk=agreement.pk).update(**changes)


@pytest.mark.parametrize(
    "changes",
    [
        {"next_review_on": EFFECTIVE},
        {"review_interval_days": 7},
        {"review_interval_days": 730},
        {"status": AgreementStatus.ENDED, "ended_on": EFFECTIVE + DAY},
        {"status": AgreementStatus.DRAFT},
        {"status": AgreementStatus.SUPERSEDED},
    ],
    ids=[
        "review-on-effective-date",
        "shortest-review-interval",
        "longest-review-interval",
        "ended-with-date",
        "draft",
        "superseded",
    ],
)
def test_database_accepts_a_valid_agreement(agreement, changes):
    BoundaryAgreement.objects.filter(pk=agreement.pk).update(**changes)

    agreement.refresh_from_db()
    assert {name: getattr(agreement, name) for name in changes} == changes


# Database constraints across rows


def test_database_refuses_two_active_agreements_in_one_category_for_a_client(agreement):
    with (
        pytest.raises(IntegrityError, match="agreement_one_active_per_client_category"),
        transaction.atomic(),
    ):
        BoundaryAgreementFactory.build(client=agreement.client, category=agreement.category).save()


@pytest.mark.parametrize(
    "overrides",
    [
        {"status": AgreementStatus.DRAFT},
        {"category": Category.PHYSICAL},
        {"client": None},
    ],
    ids=["a-draft-beside-it", "another-category", "another-client"],
)
def test_database_accepts_another_agreement_beside_an_active_one(agreement, owner, overrides):
    if "client" in overrides:
        overrides = {**overrides, "client": ClientFactory(therapist=owner)}
    other = BoundaryAgreementFactory(
        **{"client": agreement.client, "category": agreement.category, **overrides}
    )

    assert BoundaryAgreement.objects.filter(pk__in=[agreement.pk, other.pk]).count() == 2


def test_database_refuses_a_second_active_version_in_a_chain(agreement):
    # Another category, so that only the per-chain rule (not the per-category one) is at stake.
    with pytest.raises(IntegrityError, match="agreement_one_active_per_chain"), transaction.atomic():
        next_version(agreement, category=Category.PHYSICAL).save()


def test_database_refuses_a_repeated_version_number_in_a_chain(agreement):
    with pytest.raises(IntegrityError, match="agreement_version_unique_in_chain"), transaction.atomic():
        BoundaryAgreementFactory.build(
            client=agreement.client, chain=agreement.chain, version=1, status=AgreementStatus.DRAFT
        ).save()


def test_database_refuses_two_versions_superseding_the_same_one(superseded):
    next_version(superseded, status=AgreementStatus.DRAFT).save()

    with pytest.raises(IntegrityError, match="supersedes_id"), transaction.atomic():
        next_version(superseded, version=3, status=AgreementStatus.DRAFT).save()


def test_database_refuses_a_first_version_that_supersedes_another(agreement):
    with pytest.raises(IntegrityError, match="agreement_version_links_previous"), transaction.atomic():
        BoundaryAgreementFactory.build(
            client=agreement.client, supersedes=agreement, version=1, status=AgreementStatus.DRAFT
        ).save()


def test_database_accepts_a_revision_that_supersedes_the_previous_version(superseded):
    revision = next_version(superseded, terms="Sessions last 50 minutes; lateness is made up once a month.")
    revision.save()

    assert list(
        BoundaryAgreement.objects.filter(chain=superseded.chain).values_list("version", "status")
    ) == [
        (2, AgreementStatus.ACTIVE),
        (1, AgreementStatus.SUPERSEDED),
    ]
    assert superseded.superseded_by == revision


# clean()


def test_clean_accepts_the_next_version_of_the_same_agreement(superseded):
    next_version(superseded).full_clean()


@pytest.mark.parametrize(
    "overrides",
    [
        {"client": None},
        {"category": Category.PHYSICAL},
        {"chain": uuid.UUID(int=1)},
        {"version": 3},
    ],
    ids=["other-client", "other-category", "other-chain", "skips-a-version"],
)
def test_clean_refuses_a_version_that_breaks_the_chain(superseded, owner, overrides):
    if "client" in overrides:
        overrides = {**overrides, "client": ClientFactory(therapist=owner)}
    revision = next_version(superseded, **overrides)

    assert_invalid(revision, "supersedes", "broken_chain")


def test_clean_refuses_a_review_date_before_the_effective_date(client_record):
    agreement = BoundaryAgreementFactory.build(
        client=client_record, effective_date=EFFECTIVE, next_review_on=EFFECTIVE - DAY
    )

    assert_invalid(agreement, "next_review_on", "review_before_effective")
