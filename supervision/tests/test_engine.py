"""The engine turns findings into flags: opens once, refreshes, never duplicates, never reopens, closes.

The clock is frozen at ``NOW`` (a Wednesday in British summer time) unless a test travels; most
tests evaluate only the rule they are about, so that the intake of a test client without
agreements does not add flags of its own.
"""

import datetime
import threading
import time
import zoneinfo

import pytest
import time_machine
from django.core import mail
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from boundaries.models import CORE_CATEGORIES, Category
from boundaries.services import agreement_create
from boundaries.tests.factories import BoundaryAgreementFactory
from clients.services import client_discharge
from clients.tests.factories import ClientFactory
from sessions_log.models import ATTESTATION, Classification, HarmLevel, Incident, Initiator
from sessions_log.services import follow_up_complete, incident_create, session_sign
from sessions_log.tests.factories import FollowUpFactory, IncidentFactory, SessionFactory
from supervision.engine import CONDITION_CLEARED, acknowledge_due, evaluate, evaluate_for_client
from supervision.findings import fingerprint
from supervision.models import Flag, FlagEvent, FlagEventKind, FlagStatus, Outcome, RuleCode, Severity
from supervision.rules import RULES
from supervision.tests.factories import RuleSettingFactory

NOW = datetime.datetime(2025, 6, 11, 12, 0, tzinfo=datetime.UTC)
TODAY = datetime.date(2025, 6, 11)
MINUTE = datetime.timedelta(minutes=1)
HOUR = datetime.timedelta(hours=1)
DAY = datetime.timedelta(days=1)
LONDON = zoneinfo.ZoneInfo("Europe/London")


@pytest.fixture(autouse=True)
def frozen_clock(request):
    """The clock stands still at NOW, except in tests of threads, whose waits need it to run."""
    marker = request.node.get_closest_marker("django_db")
    if marker and marker.kwargs.get("transaction"):
        yield
        return
    with time_machine.travel(NOW, tick=False):
        yield


# Data that makes each rule fire for ``client`` at NOW, with the defaults.


def incident(client, ago=DAY, **fields):
    return IncidentFactory(client=client, occurred_at=timezone.now() - ago, **fields)


def overrun(client, ended_ago, minutes=15):
    start = timezone.now() - ended_ago - (50 + minutes) * MINUTE
    return SessionFactory(
        client=client,
        scheduled_start=start,
        scheduled_end=start + 50 * MINUTE,
        actual_start=start,
        actual_end=start + (50 + minutes) * MINUTE,
    )


def draft_session(client, documented_ago=100 * HOUR):
    return SessionFactory(client=client, documented_at=timezone.now() - documented_ago)


FIRES = {
    RuleCode.THERAPIST_HIGH_RISK: lambda c: incident(
        c, category=Category.PHYSICAL, initiated_by=Initiator.THERAPIST
    ),
    RuleCode.SLIPPERY_SLOPE: lambda c: [incident(c, ago=d * DAY) for d in (3, 2, 1)],
    RuleCode.TIME_OVERRUNS: lambda c: [overrun(c, ended_ago=d * DAY) for d in (3, 2, 1)],
    RuleCode.REPEATED_CATEGORY: lambda c: [incident(c, ago=d * DAY) for d in (3, 2, 1)],
    RuleCode.DISCLOSURE_PATTERN: lambda c: [
        incident(c, ago=d * DAY, category=Category.DISCLOSURE, initiated_by=Initiator.THERAPIST)
        for d in (3, 2, 1)
    ],
    RuleCode.MISSING_PRECAUTIONS: lambda c: IncidentFactory(
        client=c, harm=HarmLevel.MODERATE, occurred_at=NOW - 101 * HOUR, documented_at=NOW - 100 * HOUR
    ),
    RuleCode.FOLLOW_UP_OVERDUE: lambda c: FollowUpFactory(
        client=c, created_at=NOW - 9 * DAY, due_on=TODAY - DAY
    ),
    RuleCode.UNSIGNED_ENTRY: draft_session,
    RuleCode.AGREEMENT_REVIEW_DUE: lambda c: BoundaryAgreementFactory(
        client=c, effective_date=TODAY - 91 * DAY, next_review_on=TODAY - DAY
    ),
    RuleCode.INTAKE_INCOMPLETE: lambda c: None,  # a client with no agreement, 120 days after intake
    RuleCode.THERAPIST_PATTERN: lambda c: [
        incident(other, initiated_by=Initiator.THERAPIST)
        for other in (c, ClientFactory(therapist=c.therapist), ClientFactory(therapist=c.therapist))
    ],
}


def open_flags(**filters):
    return Flag.objects.filter(
        status__in=[FlagStatus.OPEN, FlagStatus.ACKNOWLEDGED, FlagStatus.RETURNED], **filters
    )


def events(flag) -> list[str]:
    return list(flag.events.values_list("kind", flat=True))


def close(flag, status=FlagStatus.DISMISSED, outcome=""):
    """A supervisor's decision, written directly: the decision services have tests of their own."""
    Flag.objects.filter(pk=flag.pk).update(status=status, outcome=outcome, closed_at=timezone.now())


# Opening


def test_a_finding_opens_one_flag_with_its_evidence_and_an_opened_event(practice, client_record):
    session = draft_session(client_record)

    result = evaluate(practice=practice, rules=[RuleCode.UNSIGNED_ENTRY])

    [flag] = result.opened
    flag.refresh_from_db()
    assert (flag.practice, flag.rule, flag.therapist, flag.client) == (
        practice,
        RuleCode.UNSIGNED_ENTRY,
        client_record.therapist,
        client_record,
    )
    assert (flag.severity, flag.status, flag.opened_at) == (Severity.LOW, FlagStatus.OPEN, NOW)
    assert flag.acknowledge_by == NOW + 14 * DAY
    assert flag.summary.startswith("1 session unsigned 72 hours or more")
    assert list(flag.sessions.all()) == [session]
    assert flag.evidence_fingerprint == fingerprint({f"session:{session.pk}"})
    [event] = flag.events.all()
    assert (event.kind, event.actor, event.created_at, event.comment) == (
        FlagEventKind.OPENED,
        None,
        NOW,
        flag.summary,
    )


@pytest.mark.parametrize("rule", RULES)
def test_every_rule_opens_a_flag_with_its_catalogue_severity(practice, client_record, rule):
    FIRES[rule](client_record)

    [flag] = evaluate(practice=practice, rules=[rule]).opened

    assert flag.severity == RULES[rule].severity
    assert flag.summary
    assert flag.client_id == (None if rule == RuleCode.THERAPIST_PATTERN else client_record.pk)
    assert flag.therapist_id == client_record.therapist_id


@pytest.mark.parametrize("rule", RULES)
def test_a_disabled_rule_opens_no_flag(practice, client_record, rule):
    FIRES[rule](client_record)
    RuleSettingFactory(practice=practice, rule=rule, enabled=False, thresholds={})

    result = evaluate(practice=practice, rules=[rule])

    assert result.opened == []
    assert not Flag.objects.exists()


def test_a_disabled_rule_leaves_its_open_flags_alone(practice, client_record):
    session = draft_session(client_record)
    [flag] = evaluate(practice=practice, rules=[RuleCode.UNSIGNED_ENTRY]).opened
    RuleSettingFactory(practice=practice, rule=RuleCode.UNSIGNED_ENTRY, enabled=False, thresholds={})
    session.delete()

    evaluate(practice=practice)

    flag.refresh_from_db()
    assert flag.status == FlagStatus.OPEN


def test_the_practice_thresholds_are_respected(practice, other_practice, client_record, other_therapist):
    for client in (client_record, ClientFactory(therapist=other_therapist)):
        FIRES[RuleCode.TIME_OVERRUNS](client)
    RuleSettingFactory(practice=practice, rule=RuleCode.TIME_OVERRUNS, thresholds={"min_sessions": 4})

    assert evaluate(practice=practice, rules=[RuleCode.TIME_OVERRUNS]).opened == []
    assert len(evaluate(practice=other_practice, rules=[RuleCode.TIME_OVERRUNS]).opened) == 1


def test_several_incidents_of_one_client_open_one_flag(practice, client_record):
    for category in (Category.PHYSICAL, Category.GIFTS_MONEY, Category.DUAL_RELATIONSHIP):
        incident(client_record, category=category, initiated_by=Initiator.THERAPIST)

    [flag] = evaluate(practice=practice, rules=[RuleCode.THERAPIST_HIGH_RISK]).opened

    assert flag.incidents.count() == 3


def test_a_therapist_pattern_flag_is_about_the_therapist(practice, client_record, owner):
    FIRES[RuleCode.THERAPIST_PATTERN](client_record)

    [flag] = evaluate(practice=practice, rules=[RuleCode.THERAPIST_PATTERN]).opened

    assert (flag.therapist, flag.client) == (owner, None)
    assert flag.incidents.count() == 3


def test_a_second_evaluation_changes_nothing(practice, client_record):
    for rule in RULES:
        FIRES[rule](client_record)
    first = evaluate(practice=practice)
    flags, history = list(Flag.objects.values()), list(FlagEvent.objects.values())

    second = evaluate(practice=practice)

    assert {flag.rule for flag in first.opened} == set(RULES)
    assert (second.opened, second.refreshed, second.closed) == ([], [], [])
    assert list(Flag.objects.values()) == flags
    assert list(FlagEvent.objects.values()) == history


# Acknowledgement due


@pytest.mark.parametrize(
    ("opened", "due"),
    [
        (
            datetime.datetime(2025, 6, 12, 15, 0, tzinfo=LONDON),
            datetime.datetime(2025, 6, 13, 15, 0, tzinfo=LONDON),
        ),  # Thursday: Friday
        (
            datetime.datetime(2025, 6, 13, 15, 0, tzinfo=LONDON),
            datetime.datetime(2025, 6, 16, 15, 0, tzinfo=LONDON),
        ),  # Friday: Monday
        (
            datetime.datetime(2025, 6, 14, 10, 0, tzinfo=LONDON),
            datetime.datetime(2025, 6, 16, 10, 0, tzinfo=LONDON),
        ),  # Saturday: Monday
        (
            datetime.datetime(2025, 6, 15, 23, 30, tzinfo=LONDON),
            datetime.datetime(2025, 6, 16, 23, 30, tzinfo=LONDON),
        ),  # Sunday: Monday
    ],
    ids=["thursday", "friday", "saturday", "sunday"],
)
def test_a_critical_flag_is_due_within_one_working_day(opened, due):
    assert acknowledge_due(opened.replace(tzinfo=LONDON), Severity.CRITICAL, LONDON) == due.replace(
        tzinfo=LONDON
    )


def test_working_days_keep_the_wall_clock_time_across_a_clock_change():
    friday = datetime.datetime(2025, 3, 28, 15, 0, tzinfo=LONDON)  # 15:00 GMT
    monday = datetime.datetime(2025, 3, 31, 14, 0, tzinfo=datetime.UTC)  # 15:00 BST

    assert acknowledge_due(friday, Severity.CRITICAL, LONDON) == monday


@pytest.mark.parametrize(("severity", "days"), [(Severity.HIGH, 3), (Severity.MEDIUM, 7), (Severity.LOW, 14)])
def test_other_flags_are_due_within_calendar_days(severity, days):
    saturday = datetime.datetime(2025, 6, 14, 10, 0, tzinfo=datetime.UTC)

    assert acknowledge_due(saturday, severity, LONDON) == saturday + days * DAY


@time_machine.travel(datetime.datetime(2025, 6, 13, 14, 0, tzinfo=datetime.UTC), tick=False)
def test_a_critical_flag_is_mailed_to_the_supervisor_through_the_queue(
    practice, client_record, supervisor, deliver_mail
):
    FIRES[RuleCode.THERAPIST_HIGH_RISK](client_record)

    [flag] = evaluate(practice=practice, rules=[RuleCode.THERAPIST_HIGH_RISK]).opened
    assert mail.outbox == []

    assert flag.acknowledge_by == datetime.datetime(2025, 6, 16, 14, 0, tzinfo=datetime.UTC)  # Monday
    [message] = deliver_mail()
    assert message.to == [supervisor.email]
    assert client_record.code in message.subject


# Refreshing evidence


def test_new_evidence_refreshes_the_open_flag_with_an_event(practice, client_record):
    first = FIRES[RuleCode.REPEATED_CATEGORY](client_record)
    [flag] = evaluate(practice=practice, rules=[RuleCode.REPEATED_CATEGORY]).opened
    Flag.objects.filter(pk=flag.pk).update(status=FlagStatus.ACKNOWLEDGED, acknowledged_at=NOW)
    fourth = incident(client_record, ago=HOUR)

    result = evaluate(practice=practice, rules=[RuleCode.REPEATED_CATEGORY])

    assert result.refreshed == [flag] and result.opened == []
    flag.refresh_from_db()
    assert flag.status == FlagStatus.ACKNOWLEDGED
    assert set(flag.incidents.all()) == {*first, fourth}
    assert flag.evidence_fingerprint == fingerprint({f"incident:{i.pk}" for i in (*first, fourth)})
    assert "time (4)" in flag.summary
    assert events(flag) == [FlagEventKind.OPENED, FlagEventKind.EVIDENCE_UPDATED]
    assert flag.events.last().comment == flag.summary
    assert evaluate(practice=practice, rules=[RuleCode.REPEATED_CATEGORY]).refreshed == []


# Never reopening a decided flag


def test_a_dismissed_flag_is_not_reopened_for_the_same_evidence(practice, client_record):
    FIRES[RuleCode.UNSIGNED_ENTRY](client_record)
    [flag] = evaluate(practice=practice, rules=[RuleCode.UNSIGNED_ENTRY]).opened
    close(flag)

    result = evaluate(practice=practice, rules=[RuleCode.UNSIGNED_ENTRY])

    assert result.opened == []
    assert Flag.objects.get() == flag


def test_new_evidence_after_a_decision_opens_a_new_flag(practice, client_record):
    first = draft_session(client_record)
    [flag] = evaluate(practice=practice, rules=[RuleCode.UNSIGNED_ENTRY]).opened
    close(flag, FlagStatus.RESOLVED, Outcome.DISCUSSED)
    second = draft_session(client_record, documented_ago=80 * HOUR)

    [new] = evaluate(practice=practice, rules=[RuleCode.UNSIGNED_ENTRY]).opened

    assert new != flag
    assert set(new.sessions.all()) == {first, second}


def test_evidence_thinning_out_after_a_decision_opens_nothing(practice, client_record):
    for days in (40, 30, 20, 10):
        incident(client_record, ago=days * DAY)
    [flag] = evaluate(practice=practice, rules=[RuleCode.REPEATED_CATEGORY]).opened
    close(flag, FlagStatus.RESOLVED, Outcome.CORRECTIVE_PLAN)

    # Twenty-five days on, the oldest is out of the 60-day window: three remain, all decided on.
    result = evaluate(practice=practice, rules=[RuleCode.REPEATED_CATEGORY], now=NOW + 25 * DAY)

    assert result.opened == []


def test_a_condition_that_returns_after_clearing_opens_a_new_flag(practice, client_record):
    harmful = FIRES[RuleCode.MISSING_PRECAUTIONS](client_record)
    [first] = evaluate(practice=practice, rules=[RuleCode.MISSING_PRECAUTIONS]).opened
    Incident.objects.filter(pk=harmful.pk).update(
        rationale="Safety first.", client_consent="Agreed.", consulted_with="Dr Rivera"
    )
    assert evaluate(practice=practice, rules=[RuleCode.MISSING_PRECAUTIONS]).closed == [first]
    Incident.objects.filter(pk=harmful.pk).update(client_consent="")

    [second] = evaluate(practice=practice, rules=[RuleCode.MISSING_PRECAUTIONS]).opened

    assert second != first


# Closing


def test_a_cleared_condition_closes_the_flag_with_an_event(practice, client_record, owner):
    session = draft_session(client_record)
    [flag] = evaluate(practice=practice, rules=[RuleCode.UNSIGNED_ENTRY]).opened
    session_sign(session=session, by=owner, attestation=ATTESTATION)

    with time_machine.travel(NOW + HOUR, tick=False):
        result = evaluate(practice=practice, rules=[RuleCode.UNSIGNED_ENTRY])

    assert result.closed == [flag]
    flag.refresh_from_db()
    assert (flag.status, flag.outcome, flag.closed_at) == (
        FlagStatus.RESOLVED,
        Outcome.CONDITION_CLEARED,
        NOW + HOUR,
    )
    event = flag.events.last()
    assert (event.kind, event.actor, event.comment) == (FlagEventKind.AUTO_CLOSED, None, CONDITION_CLEARED)
    assert evaluate(practice=practice, rules=[RuleCode.UNSIGNED_ENTRY]).closed == []


def test_a_high_risk_flag_waits_for_a_decision_even_when_its_incident_no_longer_fires(
    practice, client_record
):
    violation = incident(
        client_record,
        category=Category.TIME,
        initiated_by=Initiator.THERAPIST,
        provisional_classification=Classification.VIOLATION,
    )
    [flag] = evaluate(practice=practice, rules=[RuleCode.THERAPIST_HIGH_RISK]).opened
    Incident.objects.filter(pk=violation.pk).update(final_classification=Classification.CROSSING)

    result = evaluate(practice=practice, rules=[RuleCode.THERAPIST_HIGH_RISK])

    assert result.closed == []
    assert open_flags().get() == flag


def test_an_evaluation_closes_only_flags_in_its_scope(practice, owner, colleague):
    mine, other_mine, theirs = (
        ClientFactory(therapist=owner),
        ClientFactory(therapist=owner),
        ClientFactory(therapist=colleague),
    )
    sessions = [draft_session(client) for client in (mine, other_mine, theirs)]
    unsigned = [RuleCode.UNSIGNED_ENTRY]
    assert len(evaluate(practice=practice, rules=unsigned).opened) == 3
    for session in sessions:
        session.delete()

    assert {f.client for f in evaluate(practice=practice, rules=unsigned, client_ids=[mine.pk]).closed} == {
        mine
    }
    assert {
        f.client for f in evaluate(practice=practice, rules=unsigned, therapist_ids=[colleague.pk]).closed
    } == {theirs}
    assert open_flags().get().client == other_mine


def test_evaluating_a_client_covers_its_therapists_pattern(practice, client_record, owner):
    FIRES[RuleCode.THERAPIST_PATTERN](client_record)

    result = evaluate_for_client(client_record)

    assert {(flag.rule, flag.client_id) for flag in result.opened} >= {(RuleCode.THERAPIST_PATTERN, None)}
    assert open_flags(rule=RuleCode.THERAPIST_PATTERN).get().therapist == owner


# Queries stay bounded


def test_the_number_of_queries_does_not_grow_with_the_practice(
    practice, other_practice, owner, other_therapist
):
    def queries(practice_):
        with CaptureQueriesContext(connection) as opening:
            evaluate(practice=practice_)
        with CaptureQueriesContext(connection) as steady:
            evaluate(practice=practice_)
        return len(opening), len(steady)

    for therapist, clients in ((owner, 1), (other_therapist, 5)):
        for _ in range(clients):
            client = ClientFactory(therapist=therapist)
            for rule in RULES:
                if rule not in (
                    RuleCode.THERAPIST_HIGH_RISK,
                    RuleCode.THERAPIST_PATTERN,
                ):  # mail, one per therapist
                    FIRES[rule](client)

    assert queries(practice) == queries(other_practice)


# Saves run the rules once committed


def test_logging_an_incident_evaluates_its_client_on_commit(
    client_record, owner, django_capture_on_commit_callbacks
):
    data = {
        "category": Category.PHYSICAL,
        "initiated_by": Initiator.THERAPIST,
        "provisional_classification": Classification.CROSSING,
        "occurred_at": NOW - HOUR,
        "description": "I put a hand on the client's shoulder as she left.",
    }

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        created = incident_create(client=client_record, by=owner, data=data)
        assert not Flag.objects.exists()

    assert len(callbacks) >= 1
    flag = open_flags(rule=RuleCode.THERAPIST_HIGH_RISK).get()
    assert list(flag.incidents.all()) == [created]


def test_adding_the_missing_agreement_closes_the_intake_flag_on_commit(
    practice, owner, django_capture_on_commit_callbacks
):
    client = ClientFactory(therapist=owner, intake_date=TODAY - 30 * DAY)
    for category in CORE_CATEGORIES[:3]:
        BoundaryAgreementFactory(client=client, category=category)
    [flag] = evaluate(practice=practice, rules=[RuleCode.INTAKE_INCOMPLETE]).opened

    with django_capture_on_commit_callbacks(execute=True):
        agreement_create(
            client=client,
            category=Category.DUAL_RELATIONSHIP,
            terms="No social contact.",
            proposed_by="jointly",
            effective_date=TODAY,
            review_interval_days=90,
            recorded_by=owner,
        )

    flag.refresh_from_db()
    assert (flag.status, flag.outcome) == (FlagStatus.RESOLVED, Outcome.CONDITION_CLEARED)


def test_discharging_a_client_closes_its_intake_flag_on_commit(
    practice, client_record, django_capture_on_commit_callbacks
):
    [flag] = evaluate(practice=practice, rules=[RuleCode.INTAKE_INCOMPLETE]).opened

    with django_capture_on_commit_callbacks(execute=True):
        client_discharge(client=client_record, on=TODAY)

    flag.refresh_from_db()
    assert flag.status == FlagStatus.RESOLVED


def test_an_overdue_follow_up_is_the_evidence_of_its_flag_and_completing_it_closes_the_flag(
    practice, client_record, owner, django_capture_on_commit_callbacks
):
    follow_up = FollowUpFactory(client=client_record, created_at=NOW - 9 * DAY, due_on=TODAY - DAY)
    [flag] = evaluate(practice=practice, rules=[RuleCode.FOLLOW_UP_OVERDUE]).opened
    assert list(flag.follow_ups.all()) == [follow_up]
    assert (list(flag.incidents.all()), list(flag.sessions.all())) == ([], [])
    assert flag.evidence_fingerprint == fingerprint({f"follow_up:{follow_up.pk}"})

    with django_capture_on_commit_callbacks(execute=True):
        follow_up_complete(follow_up=follow_up, by=owner, note="Called back on Monday.")

    flag.refresh_from_db()
    assert (flag.status, flag.outcome) == (FlagStatus.RESOLVED, Outcome.CONDITION_CLEARED)


# Concurrency, on PostgreSQL itself


def in_thread(target, *args) -> threading.Thread:
    """Run ``target`` on a connection of its own, closed when it ends."""

    def run():
        try:
            target(*args)
        finally:
            connection.close()

    thread = threading.Thread(target=run)
    thread.start()
    return thread


def waiting_for_a_lock() -> bool:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity"
            " WHERE datname = current_database() AND wait_event_type = 'Lock'"
        )
        return cursor.fetchone()[0] > 0


@pytest.mark.django_db(transaction=True)
def test_an_evaluation_that_loses_the_race_refreshes_the_winners_flag(practice, client_record):
    draft_session(client_record)
    results, first_inserted, second_waits = {}, threading.Event(), threading.Event()

    def first():
        with transaction.atomic():
            results["first"] = evaluate(practice=practice, rules=[RuleCode.UNSIGNED_ENTRY])
            first_inserted.set()
            second_waits.wait(timeout=10)

    def second():
        first_inserted.wait(timeout=10)
        results["second"] = evaluate(practice=practice, rules=[RuleCode.UNSIGNED_ENTRY])

    threads = [in_thread(first)]
    first_inserted.wait(timeout=10)
    threads.append(in_thread(second))
    deadline = time.monotonic() + 10
    while not waiting_for_a_lock() and time.monotonic() < deadline:
        time.sleep(0.02)
    blocked = waiting_for_a_lock()
    second_waits.set()
    for thread in threads:
        thread.join(timeout=20)

    assert blocked, "the second evaluation never waited on the first one's flag"
    assert len(results["first"].opened) == 1
    assert results["second"].opened == []
    assert Flag.objects.count() == 1
    assert FlagEvent.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_concurrent_evaluations_leave_exactly_one_flag_per_rule_and_subject(practice, owner):
    clients = [ClientFactory(therapist=owner) for _ in range(3)]
    for client in clients:
        for rule in (RuleCode.UNSIGNED_ENTRY, RuleCode.REPEATED_CATEGORY, RuleCode.THERAPIST_PATTERN):
            FIRES[rule](client)
    start, results = threading.Barrier(4), []

    def run():
        start.wait(timeout=10)
        results.append(evaluate(practice=practice))

    for thread in [in_thread(run) for _ in range(4)]:
        thread.join(timeout=30)

    assert len(results) == 4
    flags = Flag.objects.all()
    keys = [(flag.rule, flag.client_id, flag.therapist_id) for flag in flags]
    assert len(keys) == len(set(keys))
    assert sum(len(result.opened) for result in results) == len(keys)
    assert FlagEvent.objects.filter(kind=FlagEventKind.OPENED).count() == len(keys)
