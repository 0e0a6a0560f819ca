"""Fixtures shared by every app: one practice's cast around an owning therapist, and strangers.

``owner`` owns ``client``; ``colleague`` is another therapist of the same practice;
``supervisor`` supervises ``owner`` now; ``unassigned_supervisor`` supervises nobody;
``ended_supervisor`` supervised ``owner`` until yesterday; ``admin`` runs the practice;
``other_admin`` and ``other_therapist`` belong to another practice.
"""

import datetime

import pytest
from django.utils import timezone

from accounts.tests.factories import (
    PracticeAdminFactory,
    PracticeFactory,
    SupervisionAssignmentFactory,
    SupervisorFactory,
    TherapistFactory,
)
from clients.tests.factories import ClientFactory


@pytest.fixture
def practice(db):
    return PracticeFactory(name="Riverside Practice")


@pytest.fixture
def other_practice(db):
    return PracticeFactory(name="Lakeside Practice")


@pytest.fixture
def owner(practice):
    return TherapistFactory(practice=practice, username="owner")


@pytest.fixture
def colleague(practice):
    return TherapistFactory(practice=practice, username="colleague")


@pytest.fixture
def supervisor(owner):
    return SupervisionAssignmentFactory(therapist=owner, supervisor__username="supervisor").supervisor


@pytest.fixture
def unassigned_supervisor(practice):
    return SupervisorFactory(practice=practice, username="unassigned")


@pytest.fixture
def ended_supervisor(owner):
    today = timezone.localdate()
    assignment = SupervisionAssignmentFactory(
        therapist=owner,
        supervisor__username="ended",
        starts_on=today - datetime.timedelta(days=365),
        ends_on=today,
    )
    return assignment.supervisor


@pytest.fixture
def admin(practice):
    return PracticeAdminFactory(practice=practice, username="practiceadmin")


@pytest.fixture
def other_admin(other_practice):
    return PracticeAdminFactory(practice=other_practice, username="otheradmin")


@pytest.fixture
def other_therapist(other_practice):
    return TherapistFactory(practice=other_practice, username="othertherapist")


@pytest.fixture
def client_record(owner):
    """``owner``'s client (named so as not to shadow pytest-django's test ``client``)."""
    return ClientFactory(therapist=owner, code="RS-0001")
