"""The floors of DESIGN §5, as far as a test can see them.

The import contract itself is import-linter's (``make lint``); here: the migration graph has no
cycle between apps, and the record-keeping apps reach the rule engine only through the signals
supervision connects, so a save in each of them still opens its flag.
"""

import datetime
from contextlib import contextmanager

import pytest
from django.db.migrations.loader import MigrationLoader
from django.utils import timezone

from boundaries.models import Category
from boundaries.services import client_intake
from clients.models import Client
from clients.services import client_update
from clients.signals import records_changed
from clients.tests.factories import ClientFactory
from sessions_log.models import HarmLevel, Initiator
from sessions_log.services import incident_create
from supervision import receivers
from supervision.models import Flag

pytestmark = pytest.mark.django_db


def app_graph() -> dict[str, set[str]]:
    """Which apps each app's migrations depend on."""
    loader = MigrationLoader(None, ignore_no_migrations=True)
    graph: dict[str, set[str]] = {}
    for (app, _name), migration in loader.disk_migrations.items():
        for dependency_app, _dependency in migration.dependencies:
            if dependency_app not in (app, "__setting__"):
                graph.setdefault(app, set()).add(dependency_app)
    return graph


def test_no_cycle_between_apps_in_the_migration_graph():
    graph = app_graph()

    def reaches(start: str, goal: str, seen: set[str]) -> bool:
        for nxt in graph.get(start, ()):
            if nxt == goal or (nxt not in seen and reaches(nxt, goal, seen | {nxt})):
                return True
        return False

    cycles = sorted(app for app in graph if reaches(app, app, {app}))
    assert cycles == []


def test_accounts_migrations_depend_on_no_app_above_it():
    assert app_graph().get("accounts", set()) <= {"auth", "contenttypes", "pghistory"}


@contextmanager
def rule_engine_disconnected():
    records_changed.disconnect(dispatch_uid="supervision.evaluate_after_save")
    try:
        yield
    finally:
        records_changed.connect(receivers.evaluate_after_save, dispatch_uid="supervision.evaluate_after_save")


def save_in_clients(owner) -> Client:
    """Move the intake back a month: a client without core agreements is then incomplete."""
    record = ClientFactory(therapist=owner, intake_date=timezone.localdate())
    client_update(
        client=record,
        code=record.code,
        intake_date=timezone.localdate() - datetime.timedelta(days=30),
        setting=record.setting,
    )
    return record


def save_in_boundaries(owner) -> Client:
    """An intake dated a month ago, recorded with no agreement."""
    record = Client(code="RS-0900", intake_date=timezone.localdate() - datetime.timedelta(days=30))
    return client_intake(therapist=owner, client=record, agreements=[])


def save_in_sessions_log(owner) -> Client:
    """A physical-contact incident the therapist initiated: high risk at once."""
    record = ClientFactory(therapist=owner)
    incident_create(
        client=record,
        by=owner,
        data={
            "category": Category.PHYSICAL,
            "initiated_by": Initiator.THERAPIST,
            "provisional_classification": "crossing",
            "harm": HarmLevel.NONE,
            "location": "office",
            "occurred_at": timezone.now() - datetime.timedelta(hours=1),
            "description": "Put a hand on the client's shoulder at the door.",
        },
    )
    return record


SAVES = [
    pytest.param(save_in_clients, "intake_incomplete", id="clients"),
    pytest.param(save_in_boundaries, "intake_incomplete", id="boundaries"),
    pytest.param(save_in_sessions_log, "therapist_high_risk", id="sessions_log"),
]


@pytest.mark.parametrize(("save", "rule"), SAVES)
def test_a_save_opens_its_flag_through_the_signal(save, rule, owner, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        record = save(owner)

    assert Flag.objects.filter(client=record, rule=rule).open().exists()


@pytest.mark.parametrize(("save", "rule"), SAVES)
def test_without_the_receiver_the_same_save_opens_nothing(
    save, rule, owner, django_capture_on_commit_callbacks
):
    with rule_engine_disconnected(), django_capture_on_commit_callbacks(execute=True):
        record = save(owner)

    assert not Flag.objects.filter(client=record).exists()
