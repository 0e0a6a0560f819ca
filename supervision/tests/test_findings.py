"""Each rule of DESIGN §4 fires at its threshold, not one step below, and follows the practice's thresholds.

The finders are called directly with the default thresholds (or changed ones) and a fixed ``NOW``,
a Wednesday in British summer time; the clock is frozen there too, so factory defaults agree.
That a disabled rule opens no flag is the engine's part: see ``test_engine``.
"""

import datetime

import pytest
import time_machine

from boundaries.models import CORE_CATEGORIES, AgreementStatus, Category
from boundaries.tests.factories import BoundaryAgreementFactory
from clients.models import ClientStatus
from clients.tests.factories import ClientFactory
from sessions_log.models import Classification, FollowUpOrigin, HarmLevel, Initiator
from sessions_log.tests.factories import FollowUpFactory, IncidentFactory, SessionFactory
from supervision.findings import FINDERS, Finding, fingerprint
from supervision.models import RuleCode
from supervision.rules import RULES

NOW = datetime.datetime(2025, 6, 11, 12, 0, tzinfo=datetime.UTC)
TODAY = datetime.date(2025, 6, 11)
SECOND = datetime.timedelta(seconds=1)
MINUTE = datetime.timedelta(minutes=1)
HOUR = datetime.timedelta(hours=1)
DAY = datetime.timedelta(days=1)


@pytest.fixture(autouse=True)
def frozen_clock():
    with time_machine.travel(NOW, tick=False):
        yield


def find(rule: str, practice, *, now=NOW, **thresholds) -> list[Finding]:
    """The rule's findings with its defaults, overridden by ``thresholds``."""
    return FINDERS[rule](practice=practice, thresholds={**RULES[rule].defaults, **thresholds}, now=now)


def subjects(findings: list[Finding]) -> set:
    return {finding.client_id or finding.therapist_id for finding in findings}


def incident(client, ago=DAY, **fields):
    return IncidentFactory(client=client, occurred_at=NOW - ago, **fields)


def overrun(client, ended_ago, minutes):
    start = NOW - ended_ago - 50 * MINUTE - minutes * MINUTE
    return SessionFactory(
        client=client,
        scheduled_start=start,
        scheduled_end=start + 50 * MINUTE,
        actual_start=start,
        actual_end=start + (50 + minutes) * MINUTE,
    )


# Every finding names its rule, practice, therapist and client


def test_a_finding_carries_its_subject_evidence_and_a_stable_fingerprint(practice, client_record):
    incidents = [incident(client_record, category=Category.TIME, ago=d * DAY) for d in (3, 2, 1)]

    [finding] = find(RuleCode.REPEATED_CATEGORY, practice)

    assert finding.rule == RuleCode.REPEATED_CATEGORY
    assert (finding.practice_id, finding.therapist_id, finding.client_id) == (
        practice.pk,
        client_record.therapist_id,
        client_record.pk,
    )
    assert finding.incident_ids == tuple(sorted(i.pk for i in incidents))
    assert finding.summary == "Incidents repeated in one category within 60 days: time (3)."
    assert finding.fingerprint == fingerprint({f"incident:{i.pk}" for i in incidents})
    assert find(RuleCode.REPEATED_CATEGORY, practice)[0].fingerprint == finding.fingerprint


def test_rules_never_look_at_another_practice(practice, client_record, other_therapist):
    stranger = ClientFactory(therapist=other_therapist)
    for client in (client_record, stranger):
        incident(client, category=Category.PHYSICAL, initiated_by=Initiator.THERAPIST)

    assert subjects(find(RuleCode.THERAPIST_HIGH_RISK, practice)) == {client_record.pk}


def test_scope_narrows_to_the_given_clients_and_therapists(practice, owner, colleague):
    mine_a, mine_b = ClientFactory(therapist=owner), ClientFactory(therapist=owner)
    theirs = ClientFactory(therapist=colleague)
    for client in (mine_a, mine_b, theirs):
        incident(client, category=Category.PHYSICAL, initiated_by=Initiator.THERAPIST)
    finder, defaults = FINDERS[RuleCode.THERAPIST_HIGH_RISK], RULES[RuleCode.THERAPIST_HIGH_RISK].defaults

    def scoped(**scope):
        return subjects(finder(practice=practice, thresholds=defaults, now=NOW, **scope))

    assert scoped(client_ids=[mine_a.pk]) == {mine_a.pk}
    assert scoped(therapist_ids=[owner.pk]) == {mine_a.pk, mine_b.pk}
    assert scoped(client_ids=[mine_a.pk, theirs.pk], therapist_ids=[colleague.pk]) == {theirs.pk}
    assert scoped(client_ids=[]) == set()


# therapist_high_risk: no thresholds; it fires at once


@pytest.mark.parametrize("category", [Category.PHYSICAL, Category.DUAL_RELATIONSHIP, Category.GIFTS_MONEY])
def test_high_risk_fires_at_once_on_a_therapist_initiated_high_risk_category(
    practice, client_record, category
):
    created = incident(client_record, ago=MINUTE, category=category, initiated_by=Initiator.THERAPIST)

    [finding] = find(RuleCode.THERAPIST_HIGH_RISK, practice)

    assert finding.incident_ids == (created.pk,)


def test_high_risk_fires_on_any_therapist_initiated_violation(practice, client_record):
    violation = {"provisional_classification": Classification.VIOLATION}
    incident(client_record, category=Category.TIME, initiated_by=Initiator.THERAPIST, **violation)

    assert subjects(find(RuleCode.THERAPIST_HIGH_RISK, practice)) == {client_record.pk}


def test_high_risk_ignores_client_initiated_and_ordinary_therapist_crossings(practice, client_record):
    violation = {"provisional_classification": Classification.VIOLATION}
    incident(client_record, category=Category.PHYSICAL, initiated_by=Initiator.CLIENT, **violation)
    incident(client_record, category=Category.TIME, initiated_by=Initiator.THERAPIST)
    incident(client_record, category=Category.DISCLOSURE, initiated_by=Initiator.THERAPIST)

    assert find(RuleCode.THERAPIST_HIGH_RISK, practice) == []


def test_high_risk_uses_the_final_classification_over_the_provisional_one(practice, owner):
    upgraded, downgraded = ClientFactory(therapist=owner), ClientFactory(therapist=owner)
    own_time = {"category": Category.TIME, "initiated_by": Initiator.THERAPIST}
    incident(upgraded, final_classification=Classification.VIOLATION, **own_time)
    incident(
        downgraded,
        provisional_classification=Classification.VIOLATION,
        final_classification=Classification.CROSSING,
        **own_time,
    )

    assert subjects(find(RuleCode.THERAPIST_HIGH_RISK, practice)) == {upgraded.pk}


def test_high_risk_incidents_of_one_client_are_one_finding(practice, client_record):
    first = incident(client_record, ago=9 * DAY, category=Category.PHYSICAL, initiated_by=Initiator.THERAPIST)
    second = incident(client_record, ago=DAY, category=Category.GIFTS_MONEY, initiated_by=Initiator.THERAPIST)

    [finding] = find(RuleCode.THERAPIST_HIGH_RISK, practice)

    assert finding.incident_ids == (first.pk, second.pk)
    assert finding.summary == (
        "2 therapist-initiated high-risk incidents: physical contact and space on 2 Jun 2025; "
        "gifts, fees and money on 10 Jun 2025."
    )


# slippery_slope: >= 3 incidents within 90 days with harm never decreasing, or >= 3 categories


def test_slope_fires_on_three_incidents_with_harm_never_decreasing(practice, client_record):
    incidents = [
        incident(client_record, ago=89 * DAY, harm=HarmLevel.NONE),
        incident(client_record, ago=40 * DAY, harm=HarmLevel.LOW),
        incident(client_record, ago=DAY, harm=HarmLevel.LOW),
    ]

    [finding] = find(RuleCode.SLIPPERY_SLOPE, practice)

    assert finding.incident_ids == tuple(i.pk for i in incidents)
    assert finding.summary == "3 incidents within 90 days with harm never decreasing (from none to low)."


def test_slope_counts_incidents_in_the_order_they_happened_not_logged(practice, client_record):
    # Logged newest first: in the order they happened, harm rises.
    incident(client_record, ago=DAY, harm=HarmLevel.MODERATE)
    incident(client_record, ago=2 * DAY, harm=HarmLevel.LOW)
    incident(client_record, ago=3 * DAY, harm=HarmLevel.NONE)

    assert subjects(find(RuleCode.SLIPPERY_SLOPE, practice)) == {client_record.pk}


def test_slope_does_not_fire_when_harm_decreases_once(practice, client_record):
    for days, harm in ((30, HarmLevel.LOW), (20, HarmLevel.NONE), (10, HarmLevel.MODERATE)):
        incident(client_record, ago=days * DAY, harm=harm)

    assert find(RuleCode.SLIPPERY_SLOPE, practice) == []


def test_slope_does_not_fire_on_two_incidents(practice, client_record):
    incident(client_record, ago=2 * DAY, harm=HarmLevel.NONE)
    incident(client_record, ago=DAY, harm=HarmLevel.SEVERE)

    assert find(RuleCode.SLIPPERY_SLOPE, practice) == []


def test_slope_window_starts_just_after_now_minus_90_days(practice, owner):
    inside, outside = ClientFactory(therapist=owner), ClientFactory(therapist=owner)
    for client, oldest in ((inside, 90 * DAY - SECOND), (outside, 90 * DAY)):
        incident(client, ago=oldest)
        incident(client, ago=2 * DAY)
        incident(client, ago=DAY)

    assert subjects(find(RuleCode.SLIPPERY_SLOPE, practice)) == {inside.pk}


def test_slope_fires_on_three_categories_whatever_the_harm(practice, client_record):
    incident(client_record, ago=3 * DAY, category=Category.TIME, harm=HarmLevel.MODERATE)
    incident(client_record, ago=2 * DAY, category=Category.ONLINE, harm=HarmLevel.NONE)
    incident(client_record, ago=DAY, category=Category.COMMUNICATION, harm=HarmLevel.LOW)

    [finding] = find(RuleCode.SLIPPERY_SLOPE, practice)

    assert finding.summary == (
        "Incidents in 3 categories within 90 days (time; contact outside sessions; online and social media)."
    )


def test_slope_does_not_fire_on_two_categories_with_decreasing_harm(practice, client_record):
    incident(client_record, ago=3 * DAY, category=Category.TIME, harm=HarmLevel.MODERATE)
    incident(client_record, ago=2 * DAY, category=Category.ONLINE, harm=HarmLevel.NONE)
    incident(client_record, ago=DAY, category=Category.TIME, harm=HarmLevel.LOW)

    assert find(RuleCode.SLIPPERY_SLOPE, practice) == []


def test_slope_follows_the_practice_thresholds(practice, client_record):
    incident(client_record, ago=40 * DAY, category=Category.TIME)
    incident(client_record, ago=2 * DAY, category=Category.ONLINE)
    incident(client_record, ago=DAY, category=Category.COMMUNICATION)

    assert find(RuleCode.SLIPPERY_SLOPE, practice, min_incidents=4, min_categories=4) == []
    assert find(RuleCode.SLIPPERY_SLOPE, practice, window_days=30) == []
    assert subjects(find(RuleCode.SLIPPERY_SLOPE, practice, window_days=30, min_incidents=2)) == {
        client_record.pk
    }


# time_overruns: >= 3 sessions ended within 30 days >= 10 minutes past the scheduled end


def test_overruns_fire_on_three_sessions_ten_minutes_over(practice, client_record):
    sessions = [
        overrun(client_record, ended_ago=d * DAY, minutes=m) for d, m in ((29, 10), (15, 25), (1, 10))
    ]
    overrun(client_record, ended_ago=8 * DAY, minutes=9)

    [finding] = find(RuleCode.TIME_OVERRUNS, practice)

    assert finding.session_ids == tuple(s.pk for s in sessions)
    assert (
        finding.summary
        == "3 sessions within 30 days ended 10 or more minutes late (the longest by 25 minutes)."
    )


def test_overruns_do_not_fire_with_one_session_nine_minutes_over(practice, client_record):
    for days, minutes in ((20, 10), (10, 9), (1, 30)):
        overrun(client_record, ended_ago=days * DAY, minutes=minutes)

    assert find(RuleCode.TIME_OVERRUNS, practice) == []


def test_overruns_count_sessions_that_ended_after_now_minus_30_days(practice, owner):
    inside, outside = ClientFactory(therapist=owner), ClientFactory(therapist=owner)
    for client, oldest in ((inside, 30 * DAY - SECOND), (outside, 30 * DAY)):
        overrun(client, ended_ago=oldest, minutes=15)
        overrun(client, ended_ago=7 * DAY, minutes=15)
        overrun(client, ended_ago=DAY, minutes=15)

    assert subjects(find(RuleCode.TIME_OVERRUNS, practice)) == {inside.pk}


def test_overruns_follow_the_practice_thresholds(practice, client_record):
    for days, minutes in ((20, 12), (10, 15), (1, 20)):
        overrun(client_record, ended_ago=days * DAY, minutes=minutes)

    assert find(RuleCode.TIME_OVERRUNS, practice, overrun_minutes=15) == []
    assert find(RuleCode.TIME_OVERRUNS, practice, min_sessions=4) == []
    assert find(RuleCode.TIME_OVERRUNS, practice, window_days=14) == []
    assert subjects(find(RuleCode.TIME_OVERRUNS, practice, overrun_minutes=15, min_sessions=2)) == {
        client_record.pk
    }


# repeated_category: >= 3 incidents in one category within 60 days, whoever initiated them


def test_repeated_category_fires_on_three_in_one_category_by_anyone(practice, client_record):
    for days, initiator in ((59, Initiator.CLIENT), (30, Initiator.THERAPIST), (1, Initiator.THIRD_PARTY)):
        incident(client_record, ago=days * DAY, category=Category.COMMUNICATION, initiated_by=initiator)

    assert subjects(find(RuleCode.REPEATED_CATEGORY, practice)) == {client_record.pk}


def test_repeated_category_does_not_fire_on_two_in_a_category(practice, client_record):
    incident(client_record, ago=3 * DAY, category=Category.COMMUNICATION)
    incident(client_record, ago=2 * DAY, category=Category.COMMUNICATION)
    incident(client_record, ago=DAY, category=Category.TIME)
    incident(client_record, ago=60 * DAY, category=Category.COMMUNICATION)  # just outside the window

    assert find(RuleCode.REPEATED_CATEGORY, practice) == []


def test_repeated_categories_of_one_client_are_one_finding(practice, client_record):
    for days in (3, 2, 1):
        incident(client_record, ago=days * DAY, category=Category.TIME)
        incident(client_record, ago=days * DAY, category=Category.ONLINE)

    [finding] = find(RuleCode.REPEATED_CATEGORY, practice)

    assert len(finding.incident_ids) == 6
    assert finding.summary == (
        "Incidents repeated in one category within 60 days: time (3); online and social media (3)."
    )


def test_repeated_category_follows_the_practice_thresholds(practice, client_record):
    for days in (40, 20, 1):
        incident(client_record, ago=days * DAY, category=Category.TIME)

    assert find(RuleCode.REPEATED_CATEGORY, practice, min_incidents=4) == []
    assert find(RuleCode.REPEATED_CATEGORY, practice, window_days=30) == []
    assert subjects(find(RuleCode.REPEATED_CATEGORY, practice, window_days=30, min_incidents=2)) == {
        client_record.pk
    }


# disclosure_pattern: >= 3 therapist-initiated disclosures within 30 days


def test_disclosure_pattern_fires_on_three_therapist_disclosures(practice, client_record):
    for days in (29, 10, 1):
        incident(
            client_record, ago=days * DAY, category=Category.DISCLOSURE, initiated_by=Initiator.THERAPIST
        )

    [finding] = find(RuleCode.DISCLOSURE_PATTERN, practice)

    assert finding.summary == "3 self-disclosures by the therapist within 30 days."


def test_disclosure_pattern_ignores_the_clients_questions(practice, client_record):
    incident(client_record, ago=3 * DAY, category=Category.DISCLOSURE, initiated_by=Initiator.THERAPIST)
    incident(client_record, ago=2 * DAY, category=Category.DISCLOSURE, initiated_by=Initiator.THERAPIST)
    incident(client_record, ago=DAY, category=Category.DISCLOSURE, initiated_by=Initiator.CLIENT)
    incident(client_record, ago=30 * DAY, category=Category.DISCLOSURE, initiated_by=Initiator.THERAPIST)

    assert find(RuleCode.DISCLOSURE_PATTERN, practice) == []


def test_disclosure_pattern_follows_the_practice_thresholds(practice, client_record):
    for days in (20, 10, 1):
        incident(
            client_record, ago=days * DAY, category=Category.DISCLOSURE, initiated_by=Initiator.THERAPIST
        )

    assert find(RuleCode.DISCLOSURE_PATTERN, practice, min_incidents=4) == []
    assert find(RuleCode.DISCLOSURE_PATTERN, practice, window_days=14) == []
    assert subjects(find(RuleCode.DISCLOSURE_PATTERN, practice, window_days=14, min_incidents=2)) == {
        client_record.pk
    }


# missing_precautions: harm >= moderate lacking rationale, consent or consultation 72 hours on


def harmful(client, documented_ago, harm=HarmLevel.MODERATE, **fields):
    values = {
        "rationale": "Stayed in the room as she calmed.",
        "client_consent": "Agreed at the next session.",
        "consulted_with": "Dr Rivera",
        **fields,
    }
    return IncidentFactory(
        client=client,
        harm=harm,
        occurred_at=NOW - documented_ago - HOUR,
        documented_at=NOW - documented_ago,
        **values,
    )


@pytest.mark.parametrize("missing", ["rationale", "client_consent", "consulted_with"])
def test_missing_precautions_fire_72_hours_after_documenting(practice, client_record, missing):
    created = harmful(client_record, documented_ago=72 * HOUR, **{missing: ""})

    [finding] = find(RuleCode.MISSING_PRECAUTIONS, practice)

    assert finding.incident_ids == (created.pk,)


def test_missing_precautions_summary_names_the_gaps(practice, client_record):
    harmful(
        client_record, documented_ago=80 * HOUR, harm=HarmLevel.SEVERE, client_consent="", consulted_with=" "
    )

    [finding] = find(RuleCode.MISSING_PRECAUTIONS, practice)

    assert finding.summary == (
        "Severe-harm incident of 8 Jun 2025 lacks client consent and consultation, 72 hours or more after "
        "documenting."
    )


def test_missing_precautions_wait_until_72_hours_have_passed(practice, client_record):
    harmful(client_record, documented_ago=72 * HOUR - SECOND, rationale="")

    assert find(RuleCode.MISSING_PRECAUTIONS, practice) == []


def test_missing_precautions_ignore_low_harm_and_complete_records(practice, client_record):
    harmful(client_record, documented_ago=100 * HOUR, harm=HarmLevel.LOW, rationale="")
    harmful(client_record, documented_ago=100 * HOUR, harm=HarmLevel.SEVERE)

    assert find(RuleCode.MISSING_PRECAUTIONS, practice) == []


def test_missing_precautions_follow_the_practice_thresholds(practice, client_record):
    harmful(client_record, documented_ago=30 * HOUR, harm=HarmLevel.LOW, rationale="")

    assert find(RuleCode.MISSING_PRECAUTIONS, practice, min_harm=1) == []
    assert find(RuleCode.MISSING_PRECAUTIONS, practice, grace_hours=24) == []
    assert subjects(find(RuleCode.MISSING_PRECAUTIONS, practice, min_harm=1, grace_hours=24)) == {
        client_record.pk
    }


# follow_up_overdue: no thresholds; the due date has passed (in the practice's zone) and not done


def follow_up(client, due, **fields):
    return FollowUpFactory(client=client, due_on=due, created_at=NOW - 20 * DAY, **fields)


def test_follow_up_overdue_fires_the_day_after_it_was_due(practice, client_record):
    created = follow_up(client_record, due=TODAY - DAY)

    [finding] = find(RuleCode.FOLLOW_UP_OVERDUE, practice)

    assert (finding.client_id, finding.therapist_id) == (client_record.pk, client_record.therapist_id)
    assert (finding.follow_up_ids, finding.incident_ids) == ((created.pk,), ())
    assert finding.summary == "1 follow-up not done, due on 10 Jun 2025."
    assert finding.fingerprint == fingerprint({f"follow_up:{created.pk}"})


def test_follow_up_due_today_or_done_is_not_overdue(practice, client_record):
    follow_up(client_record, due=TODAY)
    follow_up(client_record, due=TODAY - 5 * DAY, done=True)

    assert find(RuleCode.FOLLOW_UP_OVERDUE, practice) == []


def test_follow_up_due_date_passes_at_midnight_in_the_practice_zone(practice, client_record):
    follow_up(client_record, due=TODAY)
    # 23:30 UTC is 00:30 the next day in London in summer.
    late_evening = datetime.datetime(2025, 6, 11, 23, 30, tzinfo=datetime.UTC)

    assert find(RuleCode.FOLLOW_UP_OVERDUE, practice, now=late_evening - HOUR) == []
    assert subjects(find(RuleCode.FOLLOW_UP_OVERDUE, practice, now=late_evening)) == {client_record.pk}


def test_follow_up_overdue_reads_the_tasks_not_the_incidents_old_columns(practice, client_record):
    # Migration 0007 copied these columns into tasks; what is left on the incident counts no more.
    IncidentFactory(
        client=client_record, occurred_at=NOW - 20 * DAY, follow_up="Call back.", follow_up_due=TODAY - DAY
    )

    assert find(RuleCode.FOLLOW_UP_OVERDUE, practice) == []


def test_follow_ups_of_an_archived_incident_or_without_a_client_are_not_overdue(practice, client_record):
    archived = follow_up(client_record, due=TODAY - DAY, from_incident=True).incident
    archived.archive(reason="Logged twice.")
    archived.save()
    follow_up(None, due=TODAY - DAY, therapist=client_record.therapist, origin=FollowUpOrigin.CORRECTIVE_PLAN)

    assert find(RuleCode.FOLLOW_UP_OVERDUE, practice) == []


def test_all_overdue_follow_ups_of_a_client_are_one_finding(practice, client_record):
    first = follow_up(client_record, due=TODAY - 3 * DAY, from_incident=True)
    second = follow_up(client_record, due=TODAY - DAY)

    [finding] = find(RuleCode.FOLLOW_UP_OVERDUE, practice)

    assert finding.follow_up_ids == (first.pk, second.pk)
    assert finding.summary == "2 follow-ups not done, due on 8 Jun 2025 and 10 Jun 2025."


# unsigned_entry: a session or incident still a draft 72 hours after it was documented


def test_unsigned_entries_fire_72_hours_after_documenting(practice, client_record):
    session = SessionFactory(client=client_record, documented_at=NOW - 72 * HOUR)
    note = IncidentFactory(client=client_record, occurred_at=NOW - 80 * HOUR, documented_at=NOW - 72 * HOUR)

    [finding] = find(RuleCode.UNSIGNED_ENTRY, practice)

    assert (finding.session_ids, finding.incident_ids) == ((session.pk,), (note.pk,))
    assert finding.summary == "1 session and 1 incident unsigned 72 hours or more after documenting " + (
        "(the oldest documented on 8 Jun 2025)."
    )


def test_unsigned_entries_are_not_flagged_before_72_hours_or_once_signed(practice, client_record, owner):
    SessionFactory(client=client_record, documented_at=NOW - 72 * HOUR + SECOND)
    signed = SessionFactory(client=client_record, documented_at=NOW - 100 * HOUR)
    signed.mark_signed(by=owner, at=NOW - 99 * HOUR)
    signed.save()

    assert find(RuleCode.UNSIGNED_ENTRY, practice) == []


def test_unsigned_entries_still_matter_after_discharge(practice, client_record):
    SessionFactory(client=client_record, documented_at=NOW - 100 * HOUR)
    client_record.status, client_record.discharged_on = ClientStatus.DISCHARGED, TODAY
    client_record.save()

    assert subjects(find(RuleCode.UNSIGNED_ENTRY, practice)) == {client_record.pk}


def test_unsigned_entries_follow_the_practice_thresholds(practice, client_record):
    SessionFactory(client=client_record, documented_at=NOW - 30 * HOUR)

    assert find(RuleCode.UNSIGNED_ENTRY, practice) == []
    assert subjects(find(RuleCode.UNSIGNED_ENTRY, practice, grace_hours=24)) == {client_record.pk}


# agreement_review_due: no thresholds; an active agreement's next review date has passed


def agreement(client, review_on, **fields):
    return BoundaryAgreementFactory(
        client=client, effective_date=review_on - 90 * DAY, next_review_on=review_on, **fields
    )


def test_review_due_fires_the_day_after_the_review_date(practice, client_record):
    created = agreement(client_record, review_on=TODAY - DAY)

    [finding] = find(RuleCode.AGREEMENT_REVIEW_DUE, practice)

    assert finding.agreement_ids == (created.pk,)
    assert finding.summary == "Review overdue: time agreement, due 10 Jun 2025."


def test_review_due_today_is_not_yet_overdue(practice, client_record):
    agreement(client_record, review_on=TODAY)

    assert find(RuleCode.AGREEMENT_REVIEW_DUE, practice) == []


def test_review_due_ignores_old_versions_and_discharged_clients(practice, owner):
    superseded = ClientFactory(therapist=owner)
    agreement(superseded, review_on=TODAY - 9 * DAY, status=AgreementStatus.ENDED, ended_on=TODAY - DAY)
    discharged = ClientFactory(therapist=owner, status=ClientStatus.DISCHARGED, discharged_on=TODAY - DAY)
    agreement(discharged, review_on=TODAY - 9 * DAY)

    assert find(RuleCode.AGREEMENT_REVIEW_DUE, practice) == []


# intake_incomplete: an active client >= 14 days after intake lacking an active core agreement


def intake(owner, days_ago, categories=CORE_CATEGORIES, **fields):
    client = ClientFactory(therapist=owner, intake_date=TODAY - days_ago * DAY, **fields)
    for category in categories:
        BoundaryAgreementFactory(client=client, category=category)
    return client


def test_intake_incomplete_fires_14_days_after_intake(practice, owner):
    client = intake(owner, 14, categories=[Category.TIME, Category.PHYSICAL, Category.DISCLOSURE])

    [finding] = find(RuleCode.INTAKE_INCOMPLETE, practice)

    assert finding.client_id == client.pk
    assert finding.conditions == ("missing:dual_relationship",)
    assert finding.summary == "Intake on 28 May 2025; no active agreement on dual or multiple relationships."


def test_intake_incomplete_waits_14_days(practice, owner):
    intake(owner, 13, categories=[Category.TIME])

    assert find(RuleCode.INTAKE_INCOMPLETE, practice) == []


def test_intake_is_complete_with_the_four_core_agreements_active(practice, owner):
    intake(owner, 60)
    partial = intake(owner, 60, categories=[Category.TIME, Category.PHYSICAL, Category.COMMUNICATION])
    BoundaryAgreementFactory(client=partial, category=Category.DISCLOSURE)
    BoundaryAgreementFactory(
        client=partial, category=Category.DUAL_RELATIONSHIP, status=AgreementStatus.DRAFT
    )

    [finding] = find(RuleCode.INTAKE_INCOMPLETE, practice)

    assert finding.client_id == partial.pk


def test_intake_incomplete_ignores_discharged_clients(practice, owner):
    intake(owner, 60, categories=[], status=ClientStatus.DISCHARGED, discharged_on=TODAY)

    assert find(RuleCode.INTAKE_INCOMPLETE, practice) == []


def test_intake_incomplete_follows_the_practice_thresholds(practice, owner):
    intake(owner, 20, categories=[])

    assert find(RuleCode.INTAKE_INCOMPLETE, practice, grace_days=21) == []
    [finding] = find(RuleCode.INTAKE_INCOMPLETE, practice, grace_days=20)
    assert len(finding.conditions) == 4


# therapist_pattern: therapist-initiated incidents with >= 3 clients, or one client > half of >= 4


def own_crossings(owner, *per_client, ago=DAY):
    clients = [ClientFactory(therapist=owner) for _ in per_client]
    for client, number in zip(clients, per_client, strict=True):
        for _ in range(number):
            incident(client, ago=ago, category=Category.TIME, initiated_by=Initiator.THERAPIST)
    return clients


def test_therapist_pattern_fires_on_three_different_clients(practice, owner):
    own_crossings(owner, 1, 1, 1)

    [finding] = find(RuleCode.THERAPIST_PATTERN, practice)

    assert (finding.therapist_id, finding.client_id, len(finding.incident_ids)) == (owner.pk, None, 3)
    assert finding.summary == "Therapist-initiated incidents with 3 different clients within 90 days."


def test_therapist_pattern_does_not_fire_on_two_clients(practice, owner):
    own_crossings(owner, 1, 1)
    incident(ClientFactory(therapist=owner), initiated_by=Initiator.CLIENT)
    own_crossings(owner, 1, ago=90 * DAY)

    assert find(RuleCode.THERAPIST_PATTERN, practice) == []


def test_therapist_pattern_fires_when_one_client_has_more_than_half_of_four(practice, owner):
    favourite, _ = own_crossings(owner, 3, 1)

    [finding] = find(RuleCode.THERAPIST_PATTERN, practice)

    assert (
        finding.summary
        == f"{favourite.code} accounts for 3 of 4 therapist-initiated incidents within 90 days."
    )


@pytest.mark.parametrize("per_client", [(2, 2), (3,)], ids=["exactly-half", "only-three"])
def test_therapist_pattern_needs_more_than_half_of_at_least_four(practice, owner, per_client):
    own_crossings(owner, *per_client)

    assert find(RuleCode.THERAPIST_PATTERN, practice) == []


def test_therapist_pattern_follows_the_practice_thresholds(practice, owner):
    own_crossings(owner, 2, 1, ago=10 * DAY)

    assert find(RuleCode.THERAPIST_PATTERN, practice) == []
    assert find(RuleCode.THERAPIST_PATTERN, practice, min_clients=2, window_days=7) == []
    assert subjects(find(RuleCode.THERAPIST_PATTERN, practice, min_clients=2)) == {owner.pk}
    assert subjects(find(RuleCode.THERAPIST_PATTERN, practice, min_incidents=3)) == {owner.pk}


def test_therapist_pattern_for_a_client_looks_at_all_of_the_therapists_clients(practice, owner, colleague):
    first, *_ = own_crossings(owner, 1, 1, 1)
    own_crossings(colleague, 1, 1, 1)
    finder, defaults = FINDERS[RuleCode.THERAPIST_PATTERN], RULES[RuleCode.THERAPIST_PATTERN].defaults

    found = finder(practice=practice, thresholds=defaults, now=NOW, client_ids=[first.pk])

    assert subjects(found) == {owner.pk}
    assert len(found[0].incident_ids) == 3
