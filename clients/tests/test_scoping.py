"""for_user on every scoped model, for every role: who sees which rows, and who gets a 404.

``rows`` gives one row of every scoped model to ``owner``, to ``colleague`` (same practice)
and to ``other_therapist`` (another practice), so each test checks both that the viewer sees
what the role allows and that nothing else leaks in.
"""

import datetime
import json
import logging

import pytest
from django.contrib.auth.models import AnonymousUser
from django.http import Http404
from django.urls import reverse
from django.utils import timezone

from accounts.models import SupervisionAssignment, User
from accounts.tests.factories import SupervisionAssignmentFactory, UserFactory
from boundaries.models import BoundaryAgreement
from boundaries.tests.factories import BoundaryAgreementFactory
from clients.models import Client, ClientStatus
from clients.scoping import get_visible_or_404
from clients.tests.factories import ClientFactory
from common.tests.logs import json_line, security_events
from sessions_log.models import Addendum, Incident, Session
from sessions_log.tests.factories import AddendumFactory, IncidentFactory, SessionFactory
from supervision.models import Flag, FlagEvent, RuleCode, Severity
from supervision.tests.factories import FlagEventFactory, FlagFactory

SCOPED_MODELS = [Client, BoundaryAgreement, Session, Incident, Addendum, Flag, FlagEvent]
by_model = pytest.mark.parametrize("model", SCOPED_MODELS, ids=lambda model: model.__name__)


def rows_for(client) -> dict:
    """One row of every scoped model hanging off ``client``, and a therapist-level flag."""
    agreement = BoundaryAgreementFactory(client=client)
    session = SessionFactory(client=client)
    session.mark_signed(by=client.therapist)
    session.save()
    incident = IncidentFactory(client=client, session=session, agreement=agreement)
    addendum = AddendumFactory(session=session)
    client_flag = FlagFactory(client=client)
    # A therapist-level flag has no client: it is scoped by its therapist alone.
    therapist_flag = FlagFactory(
        client=None,
        therapist=client.therapist,
        practice=client.practice,
        rule=RuleCode.THERAPIST_PATTERN,
        severity=Severity.HIGH,
    )
    events = [FlagEventFactory(flag=client_flag), FlagEventFactory(flag=therapist_flag)]
    return {
        Client: {client.pk},
        BoundaryAgreement: {agreement.pk},
        Session: {session.pk},
        Incident: {incident.pk},
        Addendum: {addendum.pk},
        Flag: {client_flag.pk, therapist_flag.pk},
        FlagEvent: {event.pk for event in events},
    }


@pytest.fixture
def rows(client_record, colleague, other_therapist):
    return {
        "owner": rows_for(client_record),
        "colleague": rows_for(ClientFactory(therapist=colleague)),
        "other_practice": rows_for(ClientFactory(therapist=other_therapist)),
    }


@pytest.fixture
def inactive_owner(owner):
    owner.is_active = False
    owner.save()
    return owner


@pytest.fixture
def superuser(db):
    return UserFactory(username="root", practice=None, is_superuser=True, is_staff=True)


def visible(model, user) -> set:
    return set(model.objects.for_user(user).values_list("pk", flat=True))


# ScopedQuerySet.for_user on every model that holds client data


@by_model
def test_therapist_sees_their_own_rows(model, owner, rows):
    assert visible(model, owner) == rows["owner"][model]


@by_model
def test_colleague_sees_none_of_the_owners_rows(model, colleague, rows):
    assert visible(model, colleague) == rows["colleague"][model]


@by_model
def test_current_supervisor_sees_the_supervisees_rows(model, supervisor, rows):
    assert visible(model, supervisor) == rows["owner"][model]


@by_model
def test_unassigned_supervisor_sees_nothing(model, unassigned_supervisor, rows):
    assert visible(model, unassigned_supervisor) == set()


@by_model
def test_supervisor_whose_assignment_ended_sees_nothing(model, ended_supervisor, rows):
    assert visible(model, ended_supervisor) == set()


@by_model
def test_supervisor_whose_assignment_starts_tomorrow_sees_nothing(model, owner, unassigned_supervisor, rows):
    SupervisionAssignmentFactory(
        therapist=owner,
        supervisor=unassigned_supervisor,
        starts_on=timezone.localdate() + datetime.timedelta(days=1),
    )

    assert visible(model, unassigned_supervisor) == set()


@by_model
def test_supervisor_assigned_across_practices_sees_nothing(
    model, other_therapist, unassigned_supervisor, rows
):
    # clean() refuses such an assignment; scoping must not rely on that.
    SupervisionAssignmentFactory(therapist=other_therapist, supervisor=unassigned_supervisor)

    assert visible(model, unassigned_supervisor) == set()


@by_model
def test_practice_admin_sees_every_row_of_the_practice(model, admin, rows):
    assert visible(model, admin) == rows["owner"][model] | rows["colleague"][model]


@by_model
def test_other_practice_admin_sees_nothing_of_the_practice(model, other_admin, rows):
    assert visible(model, other_admin) == rows["other_practice"][model]


@by_model
def test_other_practice_therapist_sees_nothing_of_the_practice(model, other_therapist, rows):
    assert visible(model, other_therapist) == rows["other_practice"][model]


@by_model
def test_inactive_user_sees_nothing(model, inactive_owner, rows):
    assert visible(model, inactive_owner) == set()


@by_model
def test_anonymous_user_sees_nothing(model, rows):
    assert visible(model, AnonymousUser()) == set()


@by_model
def test_superuser_sees_every_row(model, superuser, rows):
    assert visible(model, superuser) == set().union(*(owned[model] for owned in rows.values()))


@by_model
def test_inactive_superuser_sees_nothing(model, superuser, rows):
    superuser.is_active = False

    assert visible(model, superuser) == set()


# get_visible_or_404


@by_model
def test_get_visible_or_404_returns_a_row_the_user_may_see(model, owner, rows):
    pk = min(rows["owner"][model])

    assert get_visible_or_404(model, owner, pk=pk).pk == pk


@by_model
@pytest.mark.parametrize(
    "stranger", ["colleague", "unassigned_supervisor", "ended_supervisor", "other_admin", "other_therapist"]
)
def test_get_visible_or_404_raises_404_for_a_stranger(request, model, stranger, rows):
    user = request.getfixturevalue(stranger)

    with pytest.raises(Http404):
        get_visible_or_404(model, user, pk=min(rows["owner"][model]))


def test_get_visible_or_404_raises_404_for_a_missing_id(owner, rows):
    with pytest.raises(Http404):
        get_visible_or_404(Client, owner, pk=max(rows["other_practice"][Client]) + 1000)


def test_get_visible_or_404_keeps_the_filters_of_a_queryset(owner, client_record):
    client_record.status = ClientStatus.DISCHARGED
    client_record.discharged_on = client_record.intake_date
    client_record.save()

    assert get_visible_or_404(Client.objects.all(), owner, pk=client_record.pk) == client_record
    with pytest.raises(Http404):
        get_visible_or_404(Client.objects.active(), owner, pk=client_record.pk)


# User.objects.for_user


def user_pks(viewer) -> set:
    return set(User.objects.for_user(viewer).values_list("pk", flat=True))


@pytest.fixture
def everyone(
    owner, colleague, supervisor, unassigned_supervisor, ended_supervisor, admin, other_admin, other_therapist
):
    return {
        "practice": {
            user.pk for user in (owner, colleague, supervisor, unassigned_supervisor, ended_supervisor, admin)
        },
        "other_practice": {other_admin.pk, other_therapist.pk},
    }


@pytest.mark.parametrize(
    "viewer", ["owner", "colleague", "supervisor", "unassigned_supervisor", "other_therapist"]
)
def test_therapists_and_supervisors_see_only_their_own_account(request, viewer, everyone):
    user = request.getfixturevalue(viewer)

    assert user_pks(user) == {user.pk}


def test_practice_admin_sees_every_account_of_the_practice(admin, everyone):
    assert user_pks(admin) == everyone["practice"]


def test_other_practice_admin_sees_no_account_of_the_practice(other_admin, everyone):
    assert user_pks(other_admin) == everyone["other_practice"]


def test_inactive_user_sees_no_account(inactive_owner, everyone):
    assert user_pks(inactive_owner) == set()


def test_anonymous_user_sees_no_account(everyone):
    assert user_pks(AnonymousUser()) == set()


def test_superuser_sees_every_account(superuser, everyone):
    assert user_pks(superuser) == everyone["practice"] | everyone["other_practice"] | {superuser.pk}


# SupervisionAssignment.objects.for_user


@pytest.fixture
def assignments(owner, supervisor, ended_supervisor, other_therapist):
    return {
        "current": owner.supervised_by.get(supervisor=supervisor).pk,
        "ended": owner.supervised_by.get(supervisor=ended_supervisor).pk,
        "other_practice": SupervisionAssignmentFactory(therapist=other_therapist).pk,
    }


def assignment_pks(viewer) -> set:
    return set(SupervisionAssignment.objects.for_user(viewer).values_list("pk", flat=True))


def test_supervised_therapist_sees_their_assignments(owner, assignments):
    assert assignment_pks(owner) == {assignments["current"], assignments["ended"]}


def test_current_supervisor_sees_their_assignment(supervisor, assignments):
    assert assignment_pks(supervisor) == {assignments["current"]}


def test_supervisor_whose_assignment_ended_sees_only_that_past_assignment(ended_supervisor, assignments):
    assert assignment_pks(ended_supervisor) == {assignments["ended"]}


@pytest.mark.parametrize("viewer", ["colleague", "unassigned_supervisor", "other_admin", "other_therapist"])
def test_strangers_see_none_of_the_owners_assignments(request, viewer, assignments):
    user = request.getfixturevalue(viewer)

    assert assignment_pks(user).isdisjoint({assignments["current"], assignments["ended"]})


def test_practice_admin_sees_every_assignment_of_the_practice(admin, assignments):
    assert assignment_pks(admin) == {assignments["current"], assignments["ended"]}


def test_inactive_user_sees_no_assignment(inactive_owner, assignments):
    assert assignment_pks(inactive_owner) == set()


def test_anonymous_user_sees_no_assignment(assignments):
    assert assignment_pks(AnonymousUser()) == set()


def test_superuser_sees_every_assignment(superuser, assignments):
    assert assignment_pks(superuser) == set(assignments.values())


def test_denied_access_to_a_real_object_is_logged_without_content(client, owner, colleague, caplog):
    caplog.set_level(logging.INFO, logger="alliance.security")
    other = ClientFactory(therapist=colleague, code="SECRET-CODE")
    client.force_login(owner)

    assert client.get(reverse("clients:detail", args=[other.pk])).status_code == 404
    assert client.get(reverse("clients:detail", args=[999_999])).status_code == 404

    lines = [json_line(record) for record in caplog.records if record.name == "alliance.security"]
    denied = [json.loads(line) for line in lines if json.loads(line)["event"] == "access_denied"]
    assert len(denied) == 1  # the missing id is a plain 404, not an attempt on a record
    assert (denied[0]["model"], denied[0]["action"], denied[0]["pk"]) == ("clients.client", "read", other.pk)
    assert denied[0]["user"] == owner.pk
    assert not any("SECRET-CODE" in line for line in lines)


def test_denied_access_carries_the_client_address(client, owner, colleague, caplog):
    caplog.set_level(logging.INFO, logger="alliance.security")
    other = ClientFactory(therapist=colleague)
    client.force_login(owner)

    response = client.get(reverse("clients:detail", args=[other.pk]), REMOTE_ADDR="198.51.100.23")

    (denied,) = [event for event in security_events(caplog) if event["event"] == "access_denied"]
    assert denied["ip"] == "198.51.100.23"
    assert denied["request_id"] == response["X-Request-ID"]


def test_denied_access_behind_our_proxy_carries_the_forwarded_address(
    client, owner, colleague, caplog, settings
):
    settings.TRUSTED_PROXY_COUNT = 1
    caplog.set_level(logging.INFO, logger="alliance.security")
    other = ClientFactory(therapist=colleague)
    client.force_login(owner)

    client.get(
        reverse("clients:detail", args=[other.pk]),
        REMOTE_ADDR="10.0.0.2",
        HTTP_X_FORWARDED_FOR="203.0.113.9, 198.51.100.23",
    )

    (denied,) = [event for event in security_events(caplog) if event["event"] == "access_denied"]
    assert denied["ip"] == "198.51.100.23"  # the proxy's entry, not the one the client wrote
