import datetime
import io

import pytest
from django.core import mail
from django.core.management import call_command
from django.utils import timezone

from supervision.models import FlagEvent, FlagEventKind, Severity
from supervision.notifications import notify_decision, notify_flag_opened
from supervision.tests.factories import FlagFactory

pytestmark = pytest.mark.django_db


def test_a_critical_flag_mails_the_current_supervisor_on_commit(
    supervisor, ended_supervisor, client_record, django_capture_on_commit_callbacks
):
    flag = FlagFactory(client=client_record, rule="therapist_high_risk", severity=Severity.CRITICAL)

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        notify_flag_opened(flag)
    assert not mail.outbox  # nothing before the commit
    for callback in callbacks:
        callback()

    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == [supervisor.email]
    assert "RS-0001" in mail.outbox[0].subject
    assert f"/supervision/flags/{flag.pk}/" in mail.outbox[0].body


def test_a_medium_flag_mails_nobody(supervisor, client_record, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        notify_flag_opened(FlagFactory(client=client_record, severity=Severity.MEDIUM))

    assert not mail.outbox


def test_a_decision_mails_the_therapist_and_an_escalation_the_admins_too(
    owner, supervisor, admin, client_record, django_capture_on_commit_callbacks
):
    flag = FlagFactory(client=client_record)
    decided = FlagEvent.objects.create(flag=flag, kind=FlagEventKind.ACKNOWLEDGED, actor=supervisor)
    escalated = FlagEvent.objects.create(
        flag=flag, kind=FlagEventKind.ESCALATED, actor=supervisor, comment="x"
    )

    with django_capture_on_commit_callbacks(execute=True):
        notify_decision(decided)
        notify_decision(escalated)

    assert [message.to for message in mail.outbox] == [[owner.email], sorted([owner.email, admin.email])]
    assert all(flag.client.code in message.body for message in mail.outbox)


def test_overdue_digest_goes_to_current_supervisors_only(supervisor, ended_supervisor, client_record):
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
    assert [message.to for message in mail.outbox] == [[supervisor.email]]
    assert "1 flag past acknowledgement" in mail.outbox[0].subject
