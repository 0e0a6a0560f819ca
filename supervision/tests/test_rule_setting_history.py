"""A change of a rule's settings leaves a history row naming who made it, and a log line."""

import logging

import pytest
from django.urls import reverse

from supervision import services
from supervision.models import RuleCode, RuleSetting

pytestmark = pytest.mark.django_db

History = RuleSetting.pgh_event_model


def test_switching_a_rule_off_writes_a_history_row_with_the_admin(client, admin):
    client.force_login(admin)

    client.post(
        reverse("supervision:rule_setting_edit", args=[RuleCode.THERAPIST_HIGH_RISK]), {"enabled": ""}
    )

    event = History.objects.get()
    assert (event.rule, event.enabled, event.pgh_label) == (RuleCode.THERAPIST_HIGH_RISK, False, "insert")
    assert event.pgh_context.metadata["user"] == admin.pk


def test_switching_a_rule_off_is_a_security_log_event(
    practice, admin, caplog, django_capture_on_commit_callbacks
):
    with (
        caplog.at_level(logging.INFO, logger="alliance.security"),
        django_capture_on_commit_callbacks(execute=True),
    ):
        services.rule_setting_update(
            practice=practice, rule=RuleCode.THERAPIST_HIGH_RISK, enabled=False, thresholds={}, by=admin
        )

    [line] = [r for r in caplog.records if r.getMessage() == "rule_setting_changed"]
    assert (line.user, line.rule, line.enabled, line.was_enabled) == (
        admin.pk,
        RuleCode.THERAPIST_HIGH_RISK,
        False,
        True,
    )


def test_saving_unchanged_settings_logs_nothing(practice, admin, caplog, django_capture_on_commit_callbacks):
    services.rule_setting_update(practice=practice, rule=RuleCode.TIME_OVERRUNS, enabled=True, thresholds={})
    with (
        caplog.at_level(logging.INFO, logger="alliance.security"),
        django_capture_on_commit_callbacks(execute=True),
    ):
        services.rule_setting_update(
            practice=practice, rule=RuleCode.TIME_OVERRUNS, enabled=True, thresholds={}, by=admin
        )

    assert not [r for r in caplog.records if "rule_setting_changed" in r.getMessage()]
    assert History.objects.filter(pgh_label="update").count() == 1
