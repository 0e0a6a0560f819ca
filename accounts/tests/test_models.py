"""Practice, User and SupervisionAssignment: database constraints, clean() and current()."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.models import Practice, Role, SupervisionAssignment, User
from accounts.tests.factories import (
    SupervisionAssignmentFactory,
    SupervisorFactory,
    UserFactory,
)

DAY = datetime.timedelta(days=1)


def assert_invalid(instance, field, code):
    """full_clean() refuses ``instance`` with error ``code`` on ``field``."""
    with pytest.raises(ValidationError) as excinfo:
        instance.full_clean()
    errors = excinfo.value.error_dict
    assert field in errors, errors
    assert code in [error.code for error in errors[field]]


@pytest.fixture
def today():
    return timezone.localdate()


@pytest.fixture
def other_supervisor(other_practice):
    return SupervisorFactory(practice=other_practice, username="othersupervisor")


# Practice


@pytest.mark.parametrize("minutes", [0, 9, 241])
def test_database_refuses_a_usual_session_length_outside_10_to_240_minutes(practice, minutes):
    with pytest.raises(IntegrityError, match="practice_usual_session_minutes_range"), transaction.atomic():
        Practice.objects.filter(pk=practice.pk).update(usual_session_minutes=minutes)


@pytest.mark.parametrize("minutes", [10, 50, 240])
def test_database_accepts_a_usual_session_length_within_bounds(practice, minutes):
    Practice.objects.filter(pk=practice.pk).update(usual_session_minutes=minutes)

    practice.refresh_from_db()
    assert practice.usual_session_minutes == minutes


def test_database_refuses_a_second_practice_of_the_same_name(practice):
    with pytest.raises(IntegrityError, match="accounts_practice_name"), transaction.atomic():
        Practice.objects.create(name="Riverside Practice")


# User


def test_database_refuses_a_user_outside_every_practice(owner):
    with pytest.raises(IntegrityError, match="user_practice_required"), transaction.atomic():
        User.objects.filter(pk=owner.pk).update(practice=None)


def test_database_accepts_a_superuser_outside_every_practice(db):
    root = User.objects.create_superuser("root", "root@example.org", "not-a-demo-password")

    assert root.practice is None


def test_database_refuses_an_unknown_role(owner):
    with pytest.raises(IntegrityError, match="user_role_valid"), transaction.atomic():
        User.objects.filter(pk=owner.pk).update(role="receptionist")


@pytest.mark.parametrize("role", Role.values)
def test_database_accepts_every_role(practice, role):
    user = UserFactory(practice=practice, role=role)

    assert User.objects.get(pk=user.pk).role == role


# SupervisionAssignment: database constraints


@pytest.mark.parametrize("days", [0, -1], ids=["ends-the-day-it-starts", "ends-before-it-starts"])
def test_database_refuses_an_assignment_that_does_not_end_after_it_starts(
    owner, unassigned_supervisor, today, days
):
    assignment = SupervisionAssignmentFactory.build(
        therapist=owner, supervisor=unassigned_supervisor, starts_on=today, ends_on=today + days * DAY
    )

    with pytest.raises(IntegrityError, match="assignment_ends_after_start"), transaction.atomic():
        assignment.save()


def test_database_accepts_an_assignment_of_one_day(owner, unassigned_supervisor, today):
    SupervisionAssignmentFactory(
        therapist=owner, supervisor=unassigned_supervisor, starts_on=today, ends_on=today + DAY
    )


def test_database_refuses_self_supervision(owner):
    with pytest.raises(IntegrityError, match="assignment_not_self_supervision"), transaction.atomic():
        SupervisionAssignmentFactory.build(therapist=owner, supervisor=owner).save()


# The existing assignment runs from today - 100 until (not including) today.
@pytest.mark.parametrize(
    ("starts", "ends"),
    [
        (-50, None),
        (-200, -99),
        (-1, 10),
        (-200, None),
        (-99, -98),
    ],
    ids=["open-ended-inside", "ends-on-its-first-day", "straddles-its-end", "covers-it", "inside-it"],
)
def test_database_refuses_overlapping_assignments_of_the_same_pair(
    owner, unassigned_supervisor, today, starts, ends
):
    SupervisionAssignmentFactory(
        therapist=owner, supervisor=unassigned_supervisor, starts_on=today - 100 * DAY, ends_on=today
    )
    overlapping = SupervisionAssignmentFactory.build(
        therapist=owner,
        supervisor=unassigned_supervisor,
        starts_on=today + starts * DAY,
        ends_on=None if ends is None else today + ends * DAY,
    )

    with pytest.raises(IntegrityError, match="assignment_no_overlap"), transaction.atomic():
        overlapping.save()


@pytest.mark.parametrize(
    ("starts", "ends"),
    [(0, None), (-300, -100)],
    ids=["starts-the-day-it-ends", "ends-the-day-it-starts"],
)
def test_database_accepts_back_to_back_assignments_of_the_same_pair(
    owner, unassigned_supervisor, today, starts, ends
):
    SupervisionAssignmentFactory(
        therapist=owner, supervisor=unassigned_supervisor, starts_on=today - 100 * DAY, ends_on=today
    )

    SupervisionAssignmentFactory(
        therapist=owner,
        supervisor=unassigned_supervisor,
        starts_on=today + starts * DAY,
        ends_on=None if ends is None else today + ends * DAY,
    )


def test_database_refuses_a_second_open_ended_assignment_of_the_same_pair(
    owner, unassigned_supervisor, today
):
    SupervisionAssignmentFactory(
        therapist=owner, supervisor=unassigned_supervisor, starts_on=today - 100 * DAY
    )

    with pytest.raises(IntegrityError, match="assignment_no_overlap"), transaction.atomic():
        SupervisionAssignmentFactory.build(
            therapist=owner, supervisor=unassigned_supervisor, starts_on=today + 30 * DAY
        ).save()


def test_database_accepts_overlapping_assignments_of_different_pairs(
    owner, colleague, supervisor, unassigned_supervisor
):
    # owner already has ``supervisor``; a second supervisor and a second supervisee are both fine.
    SupervisionAssignmentFactory(therapist=owner, supervisor=unassigned_supervisor)
    SupervisionAssignmentFactory(therapist=colleague, supervisor=supervisor)

    assert SupervisionAssignment.objects.current().count() == 3


def test_full_clean_reports_an_overlapping_assignment_before_the_database_does(
    owner, supervisor, practice, today
):
    overlapping = SupervisionAssignment(
        practice=practice, therapist=owner, supervisor=supervisor, starts_on=today
    )

    with pytest.raises(ValidationError):
        overlapping.full_clean()


# SupervisionAssignment: clean()


@pytest.mark.parametrize(
    ("therapist", "supervisor", "field", "code"),
    [
        ("admin", "unassigned_supervisor", "therapist", "therapist_not_in_practice"),
        ("other_therapist", "unassigned_supervisor", "therapist", "therapist_not_in_practice"),
        ("owner", "colleague", "supervisor", "supervisor_not_in_practice"),
        ("owner", "other_supervisor", "supervisor", "supervisor_not_in_practice"),
    ],
    ids=[
        "therapist-is-an-admin",
        "therapist-of-another-practice",
        "supervisor-is-a-therapist",
        "supervisor-of-another-practice",
    ],
)
def test_clean_requires_a_therapist_and_a_supervisor_of_the_practice(
    request, practice, therapist, supervisor, field, code
):
    assignment = SupervisionAssignment(
        practice=practice,
        therapist=request.getfixturevalue(therapist),
        supervisor=request.getfixturevalue(supervisor),
    )

    assert_invalid(assignment, field, code)


def test_clean_refuses_an_end_before_the_start(practice, owner, unassigned_supervisor, today):
    assignment = SupervisionAssignment(
        practice=practice,
        therapist=owner,
        supervisor=unassigned_supervisor,
        starts_on=today,
        ends_on=today - DAY,
    )

    assert_invalid(assignment, "ends_on", "ends_before_start")


def test_clean_accepts_a_therapist_and_a_supervisor_of_the_practice(practice, owner, unassigned_supervisor):
    SupervisionAssignment(practice=practice, therapist=owner, supervisor=unassigned_supervisor).full_clean()


# SupervisionAssignment: current()


@pytest.mark.parametrize(
    ("starts", "ends", "current"),
    [
        (0, None, True),
        (-10, 1, True),
        (-10, None, True),
        (-10, 0, False),
        (1, None, False),
        (-10, -1, False),
    ],
    ids=["starts-today", "ends-tomorrow", "open-ended", "ends-today", "starts-tomorrow", "ended-yesterday"],
)
def test_current_keeps_assignments_in_force_today(owner, unassigned_supervisor, today, starts, ends, current):
    assignment = SupervisionAssignmentFactory(
        therapist=owner,
        supervisor=unassigned_supervisor,
        starts_on=today + starts * DAY,
        ends_on=None if ends is None else today + ends * DAY,
    )

    assert SupervisionAssignment.objects.current().filter(pk=assignment.pk).exists() is current
    assert assignment.is_current() is current


def test_current_on_a_past_day_keeps_an_assignment_that_has_since_ended(owner, ended_supervisor, today):
    assignment = owner.supervised_by.get(supervisor=ended_supervisor)

    assert list(SupervisionAssignment.objects.current(on=today - DAY)) == [assignment]
    assert assignment.is_current(on=today - DAY)


def test_supervisees_are_the_therapists_under_a_current_assignment(owner, supervisor, ended_supervisor):
    assert list(supervisor.supervisees()) == [owner]
    assert list(ended_supervisor.supervisees()) == []
