"""Decisions and settings that reach across apps: revision by addendum, re-evaluation on commit."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from sessions_log.tests.factories import IncidentFactory, SessionFactory
from supervision.models import Flag, FlagEventKind, FlagStatus, RuleCode
from supervision.services import flag_classify, flag_return_entry, rule_setting_update
from supervision.tests.factories import FlagFactory

pytestmark = pytest.mark.django_db


def test_addendum_to_a_returned_entry_puts_the_flag_back_to_acknowledged(
    client, owner, supervisor, client_record
):
    incident = IncidentFactory(client=client_record)
    incident.mark_signed(by=owner)
    incident.save()
    flag = FlagFactory(client=client_record)
    flag.incidents.add(incident)
    flag_return_entry(flag=flag, by=supervisor, entry=incident, comment="Add the consultation you had.")
    client.force_login(owner)

    response = client.post(
        reverse("sessions_log:incident_addendum", args=[incident.pk]),
        {
            "text": "Consulted Dr Rivera on the day; advice: revisit the agreement.",
            "reason": "Returned by supervisor",
        },
    )

    assert response.status_code == 302
    flag.refresh_from_db()
    assert flag.status == FlagStatus.ACKNOWLEDGED
    assert flag.events.filter(kind=FlagEventKind.REVISED, actor=owner).count() == 1


def test_classifying_a_therapist_initiated_incident_as_violation_fires_at_once(
    owner, supervisor, client_record, django_capture_on_commit_callbacks
):
    incident = IncidentFactory(client=client_record, initiated_by="therapist", category="time")
    flag = FlagFactory(client=client_record)
    flag.incidents.add(incident)

    with django_capture_on_commit_callbacks(execute=True):
        flag_classify(flag=flag, by=supervisor, incident=incident, classification="violation")

    high_risk = Flag.objects.get(rule=RuleCode.THERAPIST_HIGH_RISK, client=client_record)
    assert list(high_risk.incidents.all()) == [incident]


def test_changed_thresholds_take_effect_without_waiting_for_the_sweep(
    owner, admin, client_record, django_capture_on_commit_callbacks
):
    now = timezone.now()
    for days in (2, 4):
        start = now - datetime.timedelta(days=days)
        SessionFactory(
            client=client_record,
            scheduled_start=start,
            scheduled_end=start + datetime.timedelta(minutes=50),
            actual_start=start,
            actual_end=start + datetime.timedelta(minutes=65),
        )
    assert not Flag.objects.filter(rule=RuleCode.TIME_OVERRUNS).exists()

    with django_capture_on_commit_callbacks(execute=True):
        rule_setting_update(
            practice=client_record.practice,
            rule=RuleCode.TIME_OVERRUNS,
            enabled=True,
            thresholds={"window_days": 30, "min_sessions": 2, "overrun_minutes": 10},
        )

    assert Flag.objects.filter(rule=RuleCode.TIME_OVERRUNS, client=client_record).count() == 1
