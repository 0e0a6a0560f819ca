"""Flag, FlagEvent and RuleSetting: database constraints."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F

from supervision.models import (
    CLOSED_STATUSES,
    OPEN_STATUSES,
    Flag,
    FlagEvent,
    FlagEventKind,
    FlagStatus,
    Outcome,
    RuleCode,
    RuleSetting,
    Severity,
)
from supervision.tests.factories import FlagEventFactory, FlagFactory, RuleSettingFactory

SECOND = datetime.timedelta(seconds=1)
SYSTEM_EVENTS = [FlagEventKind.OPENED, FlagEventKind.EVIDENCE_UPDATED, FlagEventKind.AUTO_CLOSED]
DECISION_EVENTS = [kind for kind in FlagEventKind if kind not in SYSTEM_EVENTS]


def therapist_flag(therapist, **fields):
    """An unsaved flag of the therapist-level rule, whose subject is the therapist, not a client."""
    return FlagFactory.build(
        **{
            "client": None,
            "therapist": therapist,
            "practice": therapist.practice,
            "rule": RuleCode.THERAPIST_PATTERN,
            "severity": Severity.HIGH,
            **fields,
        }
    )


@pytest.fixture
def flag(client_record):
    return FlagFactory(client=client_record)


@pytest.fixture
def resolved_flag(client_record):
    return FlagFactory(client=client_record, status=FlagStatus.RESOLVED)


# Flag: database constraints on one row


@pytest.mark.parametrize(
    ("start", "changes", "constraint"),
    [
        ("flag", {"rule": "gut_feeling"}, "flag_rule_valid"),
        ("flag", {"severity": "urgent"}, "flag_severity_valid"),
        ("flag", {"status": "snoozed"}, "flag_status_valid"),
        ("resolved_flag", {"outcome": "shrugged"}, "flag_outcome_valid"),
        ("flag", {"client": None}, "flag_subject_matches_rule"),
        ("flag", {"acknowledge_by": F("opened_at") - SECOND}, "flag_acknowledge_due_after_opening"),
        ("flag", {"status": FlagStatus.RESOLVED}, "flag_closed_at_matches_status"),
        ("flag", {"status": FlagStatus.DISMISSED}, "flag_closed_at_matches_status"),
        ("flag", {"closed_at": F("opened_at")}, "flag_closed_at_matches_status"),
        ("resolved_flag", {"status": FlagStatus.OPEN}, "flag_closed_at_matches_status"),
        ("flag", {"outcome": Outcome.DISCUSSED}, "flag_outcome_only_when_resolved"),
        (
            "resolved_flag",
            {"status": FlagStatus.DISMISSED, "outcome": Outcome.DISCUSSED},
            "flag_outcome_only_when_resolved",
        ),
        ("resolved_flag", {"closed_at": F("opened_at") - SECOND}, "flag_closed_after_opening"),
        ("flag", {"status": FlagStatus.ACKNOWLEDGED}, "flag_acknowledged_has_time"),
    ],
    ids=[
        "unknown-rule",
        "unknown-severity",
        "unknown-status",
        "unknown-outcome",
        "client-rule-without-client",
        "acknowledgement-due-before-opening",
        "resolved-without-closing-time",
        "dismissed-without-closing-time",
        "open-with-closing-time",
        "reopened-with-closing-time",
        "outcome-while-open",
        "outcome-of-a-dismissal",
        "closed-before-opening",
        "acknowledged-without-time",
    ],
)
def test_database_refuses_an_invalid_flag(request, start, changes, constraint):
    flag = request.getfixturevalue(start)

    with pytest.raises(IntegrityError, match=constraint), transaction.atomic():
        Flag.objects.filter(pk=flag.pk).update(**changes)


@pytest.mark.parametrize(
    ("start", "changes"),
    [
        ("flag", {"acknowledge_by": F("opened_at")}),
        ("flag", {"status": FlagStatus.ACKNOWLEDGED, "acknowledged_at": F("opened_at")}),
        ("flag", {"status": FlagStatus.RETURNED}),
        ("flag", {"status": FlagStatus.DISMISSED, "closed_at": F("opened_at")}),
        ("resolved_flag", {"outcome": Outcome.CORRECTIVE_PLAN}),
    ],
    ids=["acknowledgement-due-at-opening", "acknowledged", "returned", "dismissed", "resolved-with-outcome"],
)
def test_database_accepts_a_valid_flag(request, start, changes):
    flag = request.getfixturevalue(start)

    assert Flag.objects.filter(pk=flag.pk).update(**changes) == 1


def test_database_refuses_a_therapist_level_flag_about_a_client(owner, client_record):
    with pytest.raises(IntegrityError, match="flag_subject_matches_rule"), transaction.atomic():
        therapist_flag(owner, client=client_record).save()


def test_database_accepts_a_therapist_level_flag_without_a_client(owner):
    flag = therapist_flag(owner)
    flag.save()

    assert Flag.objects.get(pk=flag.pk).client is None


# Flag: at most one open flag per rule and subject


@pytest.mark.parametrize("status", OPEN_STATUSES)
def test_database_refuses_a_second_open_flag_for_one_rule_and_client(client_record, status):
    FlagFactory(client=client_record, status=status)

    with pytest.raises(IntegrityError, match="flag_one_open_per_rule_client"), transaction.atomic():
        FlagFactory.build(client=client_record).save()


def test_database_refuses_two_open_flags_for_one_rule_and_client_created_at_once(client_record):
    # As two servers evaluating the rules at the same moment would.
    with pytest.raises(IntegrityError, match="flag_one_open_per_rule_client"), transaction.atomic():
        Flag.objects.bulk_create(
            [FlagFactory.build(client=client_record), FlagFactory.build(client=client_record)]
        )


@pytest.mark.parametrize("status", CLOSED_STATUSES)
def test_database_accepts_a_new_flag_once_the_previous_one_is_closed(client_record, status):
    FlagFactory(client=client_record, status=status)

    FlagFactory(client=client_record)

    assert Flag.objects.filter(client=client_record).count() == 2


def test_database_accepts_open_flags_of_different_rules_for_one_client(flag):
    FlagFactory(client=flag.client, rule=RuleCode.REPEATED_CATEGORY)

    assert Flag.objects.open().filter(client=flag.client).count() == 2


@pytest.mark.parametrize("status", OPEN_STATUSES)
def test_database_refuses_a_second_open_therapist_level_flag(owner, status):
    therapist_flag(owner, status=status).save()

    with pytest.raises(IntegrityError, match="flag_one_open_per_rule_therapist"), transaction.atomic():
        therapist_flag(owner).save()


def test_database_accepts_a_therapist_level_flag_once_the_previous_one_is_closed(owner):
    therapist_flag(owner, status=FlagStatus.DISMISSED).save()

    therapist_flag(owner).save()

    assert Flag.objects.filter(therapist=owner, client=None).count() == 2


def test_database_accepts_open_therapist_level_flags_for_different_therapists(owner, colleague):
    therapist_flag(owner).save()
    therapist_flag(colleague).save()

    assert Flag.objects.open().filter(rule=RuleCode.THERAPIST_PATTERN).count() == 2


# FlagEvent


def test_database_refuses_an_unknown_event_kind(flag, supervisor):
    with pytest.raises(IntegrityError, match="flag_event_kind_valid"), transaction.atomic():
        FlagEventFactory.build(flag=flag, kind="shrugged", actor=supervisor, comment="Hm.").save()


@pytest.mark.parametrize("kind", [FlagEventKind.DISMISSED, FlagEventKind.COMMENTED])
def test_database_refuses_a_dismissal_or_comment_without_a_comment(flag, supervisor, kind):
    with pytest.raises(IntegrityError, match="flag_event_comment_required"), transaction.atomic():
        FlagEventFactory.build(flag=flag, kind=kind, actor=supervisor, comment="").save()


@pytest.mark.parametrize("kind", DECISION_EVENTS)
def test_database_refuses_a_decision_without_an_actor(flag, kind):
    with pytest.raises(IntegrityError, match="flag_event_decision_has_actor"), transaction.atomic():
        FlagEventFactory.build(flag=flag, kind=kind, actor=None, comment="Discussed on Monday.").save()


@pytest.mark.parametrize("kind", DECISION_EVENTS)
def test_database_accepts_a_decision_by_an_actor(flag, supervisor, kind):
    event = FlagEventFactory(flag=flag, kind=kind, actor=supervisor, comment="Discussed on Monday.")

    assert FlagEvent.objects.get(pk=event.pk).actor == supervisor


@pytest.mark.parametrize("kind", SYSTEM_EVENTS)
def test_database_accepts_a_system_event_without_an_actor(flag, kind):
    event = FlagEventFactory(flag=flag, kind=kind, actor=None)

    assert FlagEvent.objects.get(pk=event.pk).actor is None


# RuleSetting


def test_database_refuses_two_settings_for_one_rule_in_a_practice(practice):
    RuleSettingFactory(practice=practice)

    with pytest.raises(IntegrityError, match="rule_setting_unique_per_practice"), transaction.atomic():
        RuleSettingFactory.build(practice=practice).save()


def test_database_refuses_a_setting_for_an_unknown_rule(practice):
    with pytest.raises(IntegrityError, match="rule_setting_rule_valid"), transaction.atomic():
        RuleSettingFactory.build(practice=practice, rule="gut_feeling").save()


def test_database_accepts_settings_for_other_rules_and_other_practices(practice, other_practice):
    RuleSettingFactory(practice=practice)
    RuleSettingFactory(practice=practice, rule=RuleCode.SLIPPERY_SLOPE)
    RuleSettingFactory(practice=other_practice)

    assert RuleSetting.objects.count() == 3


def test_clean_refuses_a_flag_whose_therapist_is_not_the_clients(client_record, colleague):
    flag = FlagFactory.build(client=client_record, therapist=colleague)

    with pytest.raises(ValidationError, match="client's therapist"):
        flag.clean()
