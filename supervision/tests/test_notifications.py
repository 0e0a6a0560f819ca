import datetime
import io

import pytest
from django.core import mail
from django.core.management import call_command
from django.db import transaction
from django.utils import timezone
from django.utils.formats import date_format

from supervision.models import FlagEvent, FlagEventKind, Outcome, Severity
from supervision.notifications import notify_decision, notify_flag_opened
from supervision.services import PlanStep, flag_resolve
from supervision.tests.factories import FlagFactory

pytestmark = pytest.mark.django_db


class RolledBack(Exception):
    pass


def test_a_critical_flag_is_queued_with_its_change_and_mailed_to_the_current_supervisor(
    supervisor, ended_supervisor, client_record, deliver_mail
):
    flag = FlagFactory(client=client_record, rule="therapist_high_risk", severity=Severity.CRITICAL)

    with pytest.raises(RolledBack), transaction.atomic():
        notify_flag_opened(flag)
        raise RolledBack
    assert deliver_mail() == []  # rolled back with the change that caused it
    notify_flag_opened(flag)
    assert not mail.outbox  # queued, not sent: only the worker talks to the mail server

    assert len(deliver_mail()) == 1
    assert mail.outbox[0].to == [supervisor.email]
    assert "RS-0001" in mail.outbox[0].subject
    assert f"/supervision/flags/{flag.pk}/" in mail.outbox[0].body


def test_a_medium_flag_mails_nobody(supervisor, client_record, deliver_mail):
    notify_flag_opened(FlagFactory(client=client_record, severity=Severity.MEDIUM))

    assert deliver_mail() == []


def test_a_decision_mails_the_therapist_and_an_escalation_the_admins_too(
    owner, supervisor, admin, client_record, deliver_mail
):
    flag = FlagFactory(client=client_record)
    decided = FlagEvent.objects.create(flag=flag, kind=FlagEventKind.ACKNOWLEDGED, actor=supervisor)
    escalated = FlagEvent.objects.create(
        flag=flag, kind=FlagEventKind.ESCALATED, actor=supervisor, comment="x"
    )

    notify_decision(decided)
    notify_decision(escalated)

    assert [message.to for message in deliver_mail()] == [[owner.email], sorted([owner.email, admin.email])]
    assert all(flag.client.code in message.body for message in mail.outbox)


def test_overdue_digest_goes_to_current_supervisors_only(
    supervisor, ended_supervisor, client_record, deliver_mail
):
    now = timezone.now()
    FlagFactory(
        client=client_record,
        opened_at=now - datetime.timedelta(days=10),
        acknowledge_by=now - datetime.timedelta(days=3),
    )
    FlagFactory(client=client_record, rule="unsigned_entry")  # not yet due
    out = io.StringIO()

    call_command("send_overdue_digest", stdout=out)

    assert "Sent 1 digest." in out.getvalue()
    assert [message.to for message in deliver_mail()] == [[supervisor.email]]
    assert "1 flag past acknowledgement" in mail.outbox[0].subject


def test_a_resolution_mails_the_comment_outcome_and_plan_dates_but_not_what_the_plan_asks(
    owner, supervisor, client_record, deliver_mail
):
    flag = FlagFactory(client=client_record)
    today = timezone.localdate()
    plan = [
        PlanStep("Read the chapter on self-disclosure.", owner, today + datetime.timedelta(days=7)),
        PlanStep("Review the case with the client.", supervisor, today + datetime.timedelta(days=14)),
    ]

    flag_resolve(
        flag=flag,
        by=supervisor,
        outcome=Outcome.CORRECTIVE_PLAN,
        comment="We agreed a plan in supervision.",
        plan=plan,
    )

    # The therapist also hears of their own step as a follow-up assigned to them.
    (message,) = [message for message in deliver_mail() if message.subject.startswith("[Alliance] Resolved")]
    assert message.to == [owner.email]
    assert "We agreed a plan in supervision." in message.body
    assert "Outcome: Corrective plan." in message.body
    for step in plan:
        assert f"a follow-up for {step.owner}, due {date_format(step.due_on)}" in message.body
        assert step.action not in message.body
    assert "RS-0001" in message.body


def test_a_classification_mails_the_classification_it_set(owner, supervisor, client_record, deliver_mail):
    flag = FlagFactory(client=client_record)
    event = FlagEvent.objects.create(
        flag=flag, kind=FlagEventKind.CLASSIFIED, actor=supervisor, classification="violation"
    )

    notify_decision(event)

    (message,) = deliver_mail()
    assert "Final classification: violation." in message.body


def test_a_system_event_mails_nobody(client_record, deliver_mail):
    flag = FlagFactory(client=client_record)

    notify_decision(FlagEvent.objects.create(flag=flag, kind=FlagEventKind.EVIDENCE_UPDATED))

    assert deliver_mail() == []
