"""Client: database constraints and clean()."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from clients.models import Client, ClientStatus
from clients.tests.factories import ClientFactory

INTAKE = datetime.date(2025, 3, 3)
DAY = datetime.timedelta(days=1)


def assert_invalid(instance, field, code):
    """full_clean() refuses ``instance`` with error ``code`` on ``field``."""
    with pytest.raises(ValidationError) as excinfo:
        instance.full_clean()
    errors = excinfo.value.error_dict
    assert field in errors, errors
    assert code in [error.code for error in errors[field]]


@pytest.fixture
def client_at_intake(owner):
    return ClientFactory(therapist=owner, code="RS-0002", intake_date=INTAKE)


# Database constraints


def test_database_refuses_a_duplicate_code_in_the_practice(client_record, colleague):
    with pytest.raises(IntegrityError, match="client_code_unique_per_practice"), transaction.atomic():
        ClientFactory.build(therapist=colleague, code=client_record.code).save()


def test_database_accepts_the_same_code_in_another_practice(client_record, other_therapist):
    ClientFactory(therapist=other_therapist, code=client_record.code)

    assert Client.objects.filter(code=client_record.code).count() == 2


@pytest.mark.parametrize(
    "code",
    ["rs-0001", "AB", "-RS1", "JANE DOE", "RS_0001", "RS-0001\n", "Jane-1990"],
    ids=[
        "lower-case",
        "too-short",
        "leading-hyphen",
        "space",
        "underscore",
        "trailing-newline",
        "name-and-year",
    ],
)
def test_database_refuses_a_client_code_that_is_not_pseudonymous(owner, code):
    with pytest.raises(IntegrityError, match="client_code_format"), transaction.atomic():
        Client.objects.bulk_create([ClientFactory.build(therapist=owner, code=code)])


@pytest.mark.parametrize("code", ["RS-0142", "A12", "X" * 20, "7-B"])
def test_database_accepts_a_pseudonymous_client_code(owner, code):
    Client.objects.bulk_create([ClientFactory.build(therapist=owner, code=code)])

    assert Client.objects.filter(code=code).exists()


def test_database_refuses_an_unknown_setting(client_record):
    with pytest.raises(IntegrityError, match="client_setting_valid"), transaction.atomic():
        Client.objects.filter(pk=client_record.pk).update(setting="carrier_pigeon")


@pytest.mark.parametrize(
    ("status", "discharged_on"),
    [(ClientStatus.DISCHARGED, None), (ClientStatus.ACTIVE, INTAKE + DAY), ("archived", None)],
    ids=["discharged-without-date", "active-with-discharge-date", "unknown-status"],
)
def test_database_refuses_a_discharge_date_that_contradicts_the_status(
    client_at_intake, status, discharged_on
):
    with pytest.raises(IntegrityError, match="client_discharge_date_matches_status"), transaction.atomic():
        Client.objects.filter(pk=client_at_intake.pk).update(status=status, discharged_on=discharged_on)


@pytest.mark.parametrize(
    ("status", "discharged_on"),
    [
        (ClientStatus.DISCHARGED, INTAKE),
        (ClientStatus.DISCHARGED, INTAKE + 30 * DAY),
        (ClientStatus.ACTIVE, None),
    ],
)
def test_database_accepts_a_discharge_date_that_matches_the_status(client_at_intake, status, discharged_on):
    Client.objects.filter(pk=client_at_intake.pk).update(status=status, discharged_on=discharged_on)

    client_at_intake.refresh_from_db()
    assert (client_at_intake.status, client_at_intake.discharged_on) == (status, discharged_on)


def test_database_refuses_a_discharge_before_intake(client_at_intake):
    with pytest.raises(IntegrityError, match="client_discharged_after_intake"), transaction.atomic():
        Client.objects.filter(pk=client_at_intake.pk).update(
            status=ClientStatus.DISCHARGED, discharged_on=INTAKE - DAY
        )


# clean()


@pytest.mark.parametrize("therapist", ["other_therapist", "unassigned_supervisor", "admin"])
def test_clean_refuses_a_therapist_who_is_not_a_therapist_of_the_practice(request, practice, therapist):
    client = ClientFactory.build(
        practice=practice, therapist=request.getfixturevalue(therapist), code="RS-0002"
    )

    assert_invalid(client, "therapist", "therapist_not_in_practice")


def test_clean_accepts_a_therapist_of_the_practice(practice, colleague):
    ClientFactory.build(practice=practice, therapist=colleague, code="RS-0002").full_clean()


def test_clean_refuses_a_discharge_before_intake(owner):
    client = ClientFactory.build(
        therapist=owner, intake_date=INTAKE, status=ClientStatus.DISCHARGED, discharged_on=INTAKE - DAY
    )

    assert_invalid(client, "discharged_on", "discharge_before_intake")
