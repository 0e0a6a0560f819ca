"""Fixtures shared by every app: one practice's cast around an owning therapist, and strangers.

``owner`` owns ``client``; ``colleague`` is another therapist of the same practice;
``supervisor`` supervises ``owner`` now; ``unassigned_supervisor`` supervises nobody;
``ended_supervisor`` supervised ``owner`` until yesterday; ``admin`` runs the practice;
``other_admin`` and ``other_therapist`` belong to another practice.
"""

import datetime

import pytest
from django.conf import settings
from django.contrib.postgres.functions import TransactionNow
from django.core import mail
from django.db import connection
from django.utils import timezone
from procrastinate.contrib.django.models import ProcrastinateJob

from accounts.tests.factories import (
    PracticeAdminFactory,
    PracticeFactory,
    SupervisionAssignmentFactory,
    SupervisorFactory,
    TherapistFactory,
)
from clients.tests.factories import ClientFactory
from common.mail import DELIVER_EMAIL
from common.tasks import deliver_email
from common.tests.queue import truncate_queue


@pytest.fixture(scope="session", autouse=True)
def queued_mail(django_test_environment):
    """Mail goes through the queue in tests too: Django's test set-up puts its in-memory backend
    in ``EMAIL_BACKEND``; the tests' deliveries go there instead (``EMAIL_DELIVERY_BACKEND``)."""
    settings.EMAIL_BACKEND = "common.mail.QueuedEmailBackend"


@pytest.fixture(autouse=True)
def _empty_queue_after_transactional_tests(request, django_db_blocker):
    """A transactional test's flush leaves the task queue's tables alone (they are not Django's
    models): what it queued (the demo's critical-flag mail, a worker's heartbeat) goes here."""
    yield
    marker = request.node.get_closest_marker("django_db")
    transactional = (marker is not None and marker.kwargs.get("transaction")) or (
        "transactional_db" in request.fixturenames
    )
    if transactional:
        with django_db_blocker.unblock():
            truncate_queue()


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


@pytest.fixture
def deliver_mail(db):
    """Deliver the queued e-mail as the worker does, but on the test's own connection (a test runs
    in one transaction, which a worker could not see into); returns ``django.core.mail.outbox``.
    The real worker, with real SMTP servers, runs in common/tests/test_mail_queue.py."""

    def deliver():
        # Only what this test's transaction queued (now() is its start), whatever an earlier
        # test may have left committed.
        jobs = list(
            ProcrastinateJob.objects.filter(
                task_name=DELIVER_EMAIL,
                status="todo",
                procrastinateevent__type="deferred",
                procrastinateevent__at__gte=TransactionNow(),
            ).order_by("id")
        )
        for job in jobs:
            deliver_email(**job.args)
        with connection.cursor() as cursor:
            cursor.execute("DELETE FROM procrastinate_jobs WHERE id = ANY(%s)", [[job.id for job in jobs]])
        return mail.outbox

    return deliver
