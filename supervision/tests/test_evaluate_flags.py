"""``manage.py evaluate_flags``: the scheduled sweep of every practice, on the demo and under a lock."""

import io
from collections import defaultdict

import pytest
from django.core.management import call_command
from django.db import connections, transaction

from clients.tests.factories import ClientFactory
from demo.seed import seed_demo
from supervision.engine import SWEEP_LOCK_NAMESPACE, evaluate_all
from supervision.management.commands.evaluate_flags import Command
from supervision.models import OPEN_STATUSES, Flag, FlagEvent
from supervision.rules import RULES

# Where each rule fires on the demo at scale 1 (as demo/tests/test_seed_demo.py pins it):
# client codes, or the therapist's username for the therapist-level rule.
DEMO_FLAGS = {
    "therapist_high_risk": {"RS-0202", "RS-0204", "RS-0305", "LK-0102"},
    "slippery_slope": {"RS-0103", "RS-0302"},
    "time_overruns": {"RS-0205"},
    "repeated_category": {"RS-0102", "RS-0303"},
    "disclosure_pattern": {"RS-0102"},
    "missing_precautions": {"RS-0304"},
    "follow_up_overdue": {"RS-0204"},
    "unsigned_entry": {"RS-0105", "RS-0308"},
    "agreement_review_due": {"RS-0104", "RS-0307"},
    "intake_incomplete": {"RS-0306"},
    "therapist_pattern": {"dr.patel"},
}
# The one the demo's supervisor resolved with a corrective plan after its first sweep.
DEMO_RESOLVED = ("disclosure_pattern", "RS-0102")


@pytest.fixture(scope="class")
def demo(django_db_setup, django_db_blocker):
    """The demo (which sweeps once itself) loaded and swept again for the class, then rolled back;
    yields the command's output."""
    with django_db_blocker.unblock(), transaction.atomic():
        seed_demo()
        out = io.StringIO()
        call_command("evaluate_flags", stdout=out)
        yield out.getvalue()
        transaction.set_rollback(True)


def flagged(statuses=None) -> dict[str, set[str]]:
    flags = Flag.objects.all() if statuses is None else Flag.objects.filter(status__in=statuses)
    subjects = defaultdict(set)
    for rule, code, username in flags.values_list("rule", "client__code", "therapist__username"):
        subjects[rule].add(code or username)
    return dict(subjects)


@pytest.mark.django_db
@pytest.mark.usefixtures("demo")
class TestOnTheDemo:
    def test_every_rule_has_flagged_in_riverside(self):
        riverside = Flag.objects.filter(practice__name="Riverside Practice")

        assert set(riverside.values_list("rule", flat=True)) == set(RULES)

    def test_flags_fall_where_the_demo_means_them_and_nowhere_else(self):
        rule, code = DEMO_RESOLVED
        still_open = {name: codes - {code} if name == rule else codes for name, codes in DEMO_FLAGS.items()}

        assert flagged() == DEMO_FLAGS
        assert flagged(OPEN_STATUSES) == {name: codes for name, codes in still_open.items() if codes}

    def test_every_flag_opened_with_its_evidence(self):
        for flag in Flag.objects.prefetch_related(
            "events", "incidents", "sessions", "agreements", "follow_ups"
        ):
            assert [event.kind for event in flag.events.all()][0] == "opened"
            evidence = [
                *flag.incidents.all(),
                *flag.sessions.all(),
                *flag.agreements.all(),
                *flag.follow_ups.all(),
            ]
            assert evidence or flag.rule == "intake_incomplete", flag

    def test_the_command_finds_nothing_the_demo_sweep_left_undone(self, demo):
        assert demo == "Flags opened: 0, refreshed: 0, closed: 0.\n"

    def test_a_second_run_changes_nothing(self):
        flags, history = list(Flag.objects.values()), list(FlagEvent.objects.values())
        out = io.StringIO()

        call_command("evaluate_flags", stdout=out)

        assert out.getvalue() == "Flags opened: 0, refreshed: 0, closed: 0.\n"
        assert list(Flag.objects.values()) == flags
        assert list(FlagEvent.objects.values()) == history


def test_help_says_to_run_it_from_cron_every_15_minutes():
    assert "cron every 15 minutes" in Command.help


def test_a_practice_another_host_is_sweeping_is_skipped(practice, other_practice, owner, other_therapist):
    for therapist in (owner, other_therapist):
        ClientFactory(therapist=therapist)  # no agreements: intake_incomplete, 120 days on
    other_host = connections.create_connection("default")
    try:
        with other_host.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_lock(%s, %s)", [SWEEP_LOCK_NAMESPACE, practice.pk])
        out = io.StringIO()

        call_command("evaluate_flags", stdout=out)
        result_practices = set(Flag.objects.values_list("practice__name", flat=True))
    finally:
        other_host.close()

    assert "Skipped, being evaluated by another host: Riverside Practice." in out.getvalue()
    assert "Riverside Practice" not in result_practices
    assert "Lakeside Practice" in result_practices


def test_evaluate_all_returns_what_changed_across_practices(practice, other_practice, owner, other_therapist):
    for therapist in (owner, other_therapist):
        ClientFactory(therapist=therapist)  # no agreements: intake_incomplete, 120 days on

    result = evaluate_all()

    assert {flag.practice for flag in result.opened} == {practice, other_practice}
    assert result.skipped == []
    assert evaluate_all().opened == []
