"""The decision services: what each records, what each refuses, and who is told."""

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from sessions_log.models import Classification, Incident
from sessions_log.services import session_update
from sessions_log.tests.factories import IncidentFactory, SessionFactory
from supervision import services
from supervision.models import Flag, FlagEvent, FlagEventKind, FlagStatus, Outcome, RuleCode, RuleSetting
from supervision.tests.factories import FlagEventFactory, FlagFactory

pytestmark = pytest.mark.django_db


def signed(entry):
    entry.mark_signed(by=entry.client.therapist)
    entry.save()
    return entry


@pytest.fixture
def incident(client_record):
    return signed(IncidentFactory(client=client_record))


@pytest.fixture
def session(client_record):
    return signed(SessionFactory(client=client_record))


@pytest.fixture
def flag(client_record, incident, session):
    flag = FlagFactory(client=client_record)
    flag.incidents.add(incident)
    flag.sessions.add(session)
    return flag


def fresh(flag) -> Flag:
    return Flag.objects.get(pk=flag.pk)


# Each decision records who, when and the comment, and moves the flag on


def test_acknowledge_records_the_supervisor_the_time_and_the_comment(flag, supervisor):
    event = services.flag_acknowledge(flag=flag, by=supervisor, comment="Seen; will raise on Monday.")

    flag = fresh(flag)
    assert flag.status == FlagStatus.ACKNOWLEDGED
    assert flag.acknowledged_at == event.created_at
    assert (event.kind, event.actor, event.comment) == (
        FlagEventKind.ACKNOWLEDGED,
        supervisor,
        "Seen; will raise on Monday.",
    )
    assert not flag.is_overdue


def test_acknowledging_twice_is_refused(flag, supervisor):
    services.flag_acknowledge(flag=flag, by=supervisor)

    with pytest.raises(ValidationError, match="already acknowledged"):
        services.flag_acknowledge(flag=flag, by=supervisor)
    assert flag.events.count() == 1


def test_a_comment_is_recorded_and_counts_as_a_first_look(flag, supervisor):
    event = services.flag_comment(flag=flag, by=supervisor, comment="  Let us discuss the overruns.  ")

    assert (event.kind, event.actor, event.comment) == (
        FlagEventKind.COMMENTED,
        supervisor,
        "Let us discuss the overruns.",
    )
    assert fresh(flag).status == FlagStatus.ACKNOWLEDGED


@pytest.mark.parametrize("comment", ["", "   "])
def test_an_empty_comment_is_refused(flag, supervisor, comment):
    with pytest.raises(ValidationError, match="Write the comment"):
        services.flag_comment(flag=flag, by=supervisor, comment=comment)
    assert not flag.events.exists()


def test_returning_an_incident_waits_for_the_therapists_revision(flag, supervisor, incident):
    event = services.flag_return_entry(
        flag=flag, by=supervisor, entry=incident, comment="Add the consultation you had."
    )

    flag = fresh(flag)
    assert flag.status == FlagStatus.RETURNED
    assert flag.acknowledged_at == event.created_at
    assert (event.kind, event.actor, event.incident, event.session) == (
        FlagEventKind.RETURNED,
        supervisor,
        incident,
        None,
    )
    assert event.comment == "Add the consultation you had."


def test_returning_a_session_names_the_session(flag, supervisor, session):
    event = services.flag_return_entry(flag=flag, by=supervisor, entry=session, comment="Check the end time.")

    assert (event.session, event.incident) == (session, None)


def test_returning_an_entry_outside_the_evidence_is_refused(flag, supervisor, client_record):
    other = signed(IncidentFactory(client=client_record))

    with pytest.raises(ValidationError, match="not part of this flag's evidence"):
        services.flag_return_entry(flag=flag, by=supervisor, entry=other, comment="Revise.")
    assert fresh(flag).status == FlagStatus.OPEN


def test_returning_a_draft_is_refused(flag, supervisor, client_record):
    draft = IncidentFactory(client=client_record)
    flag.incidents.add(draft)

    with pytest.raises(ValidationError, match="still a draft"):
        services.flag_return_entry(flag=flag, by=supervisor, entry=draft, comment="Revise.")


def test_returning_without_saying_what_to_revise_is_refused(flag, supervisor, incident):
    with pytest.raises(ValidationError, match="what to revise"):
        services.flag_return_entry(flag=flag, by=supervisor, entry=incident, comment=" ")


# The therapist's revision


def test_an_addendum_to_the_returned_entry_sets_the_flag_back_to_acknowledged(
    flag, supervisor, owner, incident
):
    services.flag_return_entry(flag=flag, by=supervisor, entry=incident, comment="Add the rationale.")

    events = services.flag_entry_revised(entry=incident, by=owner)

    assert [(e.kind, e.actor, e.incident) for e in events] == [(FlagEventKind.REVISED, owner, incident)]
    assert fresh(flag).status == FlagStatus.ACKNOWLEDGED


def test_a_flag_waits_until_every_returned_entry_is_revised(flag, supervisor, owner, incident, session):
    services.flag_return_entry(flag=flag, by=supervisor, entry=incident, comment="Add the rationale.")
    services.flag_return_entry(flag=flag, by=supervisor, entry=session, comment="Check the end time.")

    services.flag_entry_revised(entry=session, by=owner)
    assert fresh(flag).status == FlagStatus.RETURNED

    services.flag_entry_revised(entry=incident, by=owner)
    assert fresh(flag).status == FlagStatus.ACKNOWLEDGED


def test_a_further_addendum_after_the_revision_records_nothing(flag, supervisor, owner, incident, session):
    services.flag_return_entry(flag=flag, by=supervisor, entry=incident, comment="Add the rationale.")
    services.flag_return_entry(flag=flag, by=supervisor, entry=session, comment="Check the end time.")
    services.flag_entry_revised(entry=incident, by=owner)

    assert services.flag_entry_revised(entry=incident, by=owner) == []
    assert flag.events.filter(kind=FlagEventKind.REVISED).count() == 1


def test_an_addendum_to_an_entry_nobody_returned_records_nothing(flag, owner, incident):
    assert services.flag_entry_revised(entry=incident, by=owner) == []
    assert fresh(flag).status == FlagStatus.OPEN


def test_an_addendum_after_the_flag_was_resolved_records_nothing(flag, supervisor, owner, incident):
    services.flag_return_entry(flag=flag, by=supervisor, entry=incident, comment="Add the rationale.")
    services.flag_resolve(flag=flag, by=supervisor, outcome=Outcome.DISCUSSED)

    assert services.flag_entry_revised(entry=incident, by=owner) == []
    assert fresh(flag).status == FlagStatus.RESOLVED


# Final classification


def test_classifying_sets_the_final_classification_and_keeps_the_signature(flag, supervisor, incident):
    content_hash = incident.content_hash

    event = services.flag_classify(
        flag=flag, by=supervisor, incident=incident, classification=Classification.VIOLATION, comment="Clear."
    )

    incident = Incident.objects.get(pk=incident.pk)
    assert incident.final_classification == Classification.VIOLATION
    assert incident.classification == Classification.VIOLATION
    assert incident.is_signed and incident.content_hash == content_hash
    assert incident.compute_content_hash() == content_hash
    assert (event.kind, event.incident, event.classification, event.comment) == (
        FlagEventKind.CLASSIFIED,
        incident,
        Classification.VIOLATION,
        "Clear.",
    )
    assert fresh(flag).status == FlagStatus.ACKNOWLEDGED


def test_classifying_an_incident_outside_the_evidence_is_refused(flag, supervisor, client_record):
    other = IncidentFactory(client=client_record)

    with pytest.raises(ValidationError, match="not part of this flag's evidence"):
        services.flag_classify(flag=flag, by=supervisor, incident=other, classification="violation")
    assert Incident.objects.get(pk=other.pk).final_classification == ""


def test_a_draft_incident_removed_after_its_classification_leaves_the_event(
    flag, supervisor, owner, client_record
):
    session = SessionFactory(client=client_record)
    draft = IncidentFactory(client=client_record, session=session)
    flag.incidents.add(draft)
    event = services.flag_classify(flag=flag, by=supervisor, incident=draft, classification="crossing")

    session_update(session=session, by=owner, data={}, removed_incidents=[draft.pk])

    # The draft is archived, not deleted: the event still names it, with its classification.
    event.refresh_from_db()
    assert (event.incident, event.classification) == (draft, Classification.CROSSING)
    assert event.incident.archived_at is not None


def test_an_unknown_classification_is_refused(flag, supervisor, incident):
    with pytest.raises(ValidationError, match="crossing or violation"):
        services.flag_classify(flag=flag, by=supervisor, incident=incident, classification="grey area")


# Closing


def test_resolving_records_the_outcome_and_closes_the_flag(flag, supervisor):
    event = services.flag_resolve(
        flag=flag, by=supervisor, outcome=Outcome.CORRECTIVE_PLAN, comment="Plan agreed in supervision."
    )

    flag = fresh(flag)
    assert (flag.status, flag.outcome, flag.closed_at) == (
        FlagStatus.RESOLVED,
        Outcome.CORRECTIVE_PLAN,
        event.created_at,
    )
    assert (event.kind, event.actor, event.comment) == (
        FlagEventKind.RESOLVED,
        supervisor,
        "Plan agreed in supervision.",
    )


@pytest.mark.parametrize("outcome", ["", "shrugged", Outcome.CONDITION_CLEARED])
def test_resolving_without_a_chosen_outcome_is_refused(flag, supervisor, outcome):
    with pytest.raises(ValidationError, match="outcome"):
        services.flag_resolve(flag=flag, by=supervisor, outcome=outcome)
    assert fresh(flag).status == FlagStatus.OPEN
    assert not flag.events.exists()


def test_dismissing_records_the_reason_and_closes_the_flag(flag, supervisor):
    event = services.flag_dismiss(flag=flag, by=supervisor, reason="The sessions were double sessions.")

    flag = fresh(flag)
    assert (flag.status, flag.closed_at, flag.outcome) == (FlagStatus.DISMISSED, event.created_at, "")
    assert (event.kind, event.comment) == (FlagEventKind.DISMISSED, "The sessions were double sessions.")


@pytest.mark.parametrize("reason", ["", "  \n "])
def test_dismissing_without_a_reason_is_refused(flag, supervisor, reason):
    with pytest.raises(ValidationError, match="false positive"):
        services.flag_dismiss(flag=flag, by=supervisor, reason=reason)
    assert fresh(flag).status == FlagStatus.OPEN


# Escalation


def test_escalating_marks_the_flag_and_records_why(flag, supervisor):
    event = services.flag_escalate(flag=flag, by=supervisor, comment="Possible dual relationship.")

    flag = fresh(flag)
    assert flag.escalated_at == event.created_at
    assert flag.status == FlagStatus.ACKNOWLEDGED
    assert (event.kind, event.comment) == (FlagEventKind.ESCALATED, "Possible dual relationship.")


def test_escalating_twice_is_refused(flag, supervisor):
    services.flag_escalate(flag=flag, by=supervisor, comment="Possible dual relationship.")

    with pytest.raises(ValidationError, match="already escalated"):
        services.flag_escalate(flag=flag, by=supervisor, comment="Again.")


def test_an_admin_does_not_escalate_to_themselves(flag, admin):
    with pytest.raises(ValidationError, match="you are one"):
        services.flag_escalate(flag=flag, by=admin, comment="Hm.")


def test_escalating_without_a_reason_is_refused(flag, supervisor):
    with pytest.raises(ValidationError, match="why you are escalating"):
        services.flag_escalate(flag=flag, by=supervisor, comment="")


# Refusals common to every decision


def every_decision(incident):
    return {
        "acknowledge": lambda flag, by, **kw: services.flag_acknowledge(flag=flag, by=by, **kw),
        "return": lambda flag, by, **kw: services.flag_return_entry(
            flag=flag, by=by, entry=incident, comment="Revise.", **kw
        ),
        "classify": lambda flag, by, **kw: services.flag_classify(
            flag=flag, by=by, incident=incident, classification="crossing", **kw
        ),
        "resolve": lambda flag, by, **kw: services.flag_resolve(
            flag=flag, by=by, outcome=Outcome.DISCUSSED, **kw
        ),
        "dismiss": lambda flag, by, **kw: services.flag_dismiss(
            flag=flag, by=by, reason="Not a pattern.", **kw
        ),
        "escalate": lambda flag, by, **kw: services.flag_escalate(flag=flag, by=by, comment="Serious.", **kw),
    }


DECISIONS = ["acknowledge", "return", "classify", "resolve", "dismiss", "escalate"]


@pytest.mark.parametrize("closing", [FlagStatus.RESOLVED, FlagStatus.DISMISSED])
@pytest.mark.parametrize("decision", [*DECISIONS, "comment"])
def test_a_closed_flag_takes_no_further_decision(flag, supervisor, incident, closing, decision):
    Flag.objects.filter(pk=flag.pk).update(status=closing, closed_at=flag.opened_at)
    decide = every_decision(incident).get(
        decision, lambda flag, by: services.flag_comment(flag=flag, by=by, comment="Late note.")
    )

    with pytest.raises(ValidationError, match="no further decision") as refused:
        decide(flag, supervisor)

    assert refused.value.code == "closed"
    assert not flag.events.exists()


@pytest.mark.parametrize("decision", DECISIONS)
def test_a_decision_on_a_flag_that_changed_since_it_was_read_is_refused(flag, supervisor, incident, decision):
    seen = FlagEventFactory(flag=flag, kind=FlagEventKind.OPENED).pk
    FlagEventFactory(flag=flag, kind=FlagEventKind.EVIDENCE_UPDATED)

    with pytest.raises(ValidationError, match="since you opened it") as refused:
        every_decision(incident)[decision](flag, supervisor, seen_event=seen)

    assert refused.value.code == "stale"
    assert flag.events.count() == 2
    assert fresh(flag).status == FlagStatus.OPEN


@pytest.mark.parametrize("decision", DECISIONS)
def test_a_decision_on_the_flag_as_it_was_read_goes_through(flag, supervisor, incident, decision):
    seen = FlagEventFactory(flag=flag, kind=FlagEventKind.OPENED).pk

    event = every_decision(incident)[decision](flag, supervisor, seen_event=seen)

    assert event.pk > seen


@pytest.mark.parametrize(
    "person", ["owner", "colleague", "unassigned_supervisor", "ended_supervisor", "other_admin"]
)
@pytest.mark.parametrize("decision", DECISIONS)
def test_only_a_current_supervisor_or_the_practice_admin_decides(request, flag, incident, person, decision):
    with pytest.raises(PermissionDenied):
        every_decision(incident)[decision](flag, request.getfixturevalue(person))
    with pytest.raises(PermissionDenied):
        services.flag_comment(flag=flag, by=request.getfixturevalue(person), comment="Hello.")
    assert not flag.events.exists()


@pytest.mark.parametrize("decision", [d for d in DECISIONS if d != "escalate"])
def test_the_practice_admin_decides(flag, admin, incident, decision):
    assert every_decision(incident)[decision](flag, admin).actor == admin


# Notifications


@pytest.mark.parametrize("decision", DECISIONS)
def test_the_therapist_is_told_of_a_decision_through_the_queue(
    deliver_mail, flag, supervisor, owner, incident, decision
):
    every_decision(incident)[decision](flag, supervisor)
    assert mail.outbox == []  # queued with the decision; the worker sends it

    deliver_mail()
    assert owner.email in {address for message in mail.outbox for address in message.to}
    assert all(flag.get_rule_display() in message.subject for message in mail.outbox)


def test_an_escalation_reaches_the_practice_admins_too(
    deliver_mail, flag, supervisor, owner, admin, other_admin
):
    services.flag_escalate(flag=flag, by=supervisor, comment="Serious.")

    (message,) = deliver_mail()
    assert set(message.to) == {owner.email, admin.email}


def test_a_returned_entry_tells_the_therapist_to_add_an_addendum(deliver_mail, flag, supervisor, incident):
    services.flag_return_entry(flag=flag, by=supervisor, entry=incident, comment="Add the rationale.")

    (message,) = deliver_mail()
    assert "add an addendum" in message.body
    assert "Add the rationale." not in message.body  # the comment is read in Alliance, not in e-mail


def test_a_refused_decision_sends_nothing(deliver_mail, flag, supervisor):
    with pytest.raises(ValidationError):
        services.flag_dismiss(flag=flag, by=supervisor, reason="")

    assert deliver_mail() == []


def test_a_revision_tells_nobody_by_mail(deliver_mail, flag, supervisor, owner, incident):
    services.flag_return_entry(flag=flag, by=supervisor, entry=incident, comment="Add the rationale.")
    (returned,) = deliver_mail()
    mail.outbox.clear()

    services.flag_entry_revised(entry=incident, by=owner)

    assert deliver_mail() == []


# Rule settings


def test_rule_settings_keep_only_the_rules_own_thresholds(practice):
    setting = services.rule_setting_update(
        practice=practice,
        rule=RuleCode.TIME_OVERRUNS,
        enabled=False,
        thresholds={"min_sessions": 5, "overrun_minutes": 15, "window_days": 30, "made_up": 1},
    )

    assert RuleSetting.objects.get() == setting
    assert setting.enabled is False
    assert setting.thresholds == {"min_sessions": 5, "overrun_minutes": 15, "window_days": 30}


def test_saving_rule_settings_again_updates_the_one_row(practice):
    services.rule_setting_update(
        practice=practice, rule=RuleCode.TIME_OVERRUNS, enabled=True, thresholds={"min_sessions": 5}
    )
    services.rule_setting_update(
        practice=practice, rule=RuleCode.TIME_OVERRUNS, enabled=True, thresholds={"min_sessions": 6}
    )

    assert RuleSetting.objects.get().thresholds == {"min_sessions": 6}


def test_events_are_kept_in_order_with_their_flag(flag, supervisor):
    services.flag_acknowledge(flag=flag, by=supervisor)
    services.flag_comment(flag=flag, by=supervisor, comment="First note.")

    assert list(FlagEvent.objects.filter(flag=flag).values_list("kind", flat=True)) == [
        FlagEventKind.ACKNOWLEDGED,
        FlagEventKind.COMMENTED,
    ]


@pytest.mark.parametrize("decision", DECISIONS)
def test_every_decision_locks_the_flag_row_first(flag, supervisor, incident, decision):
    with CaptureQueriesContext(connection) as queries:
        every_decision(incident)[decision](flag, supervisor)

    locks = [q["sql"] for q in queries if q["sql"].endswith("FOR UPDATE")]
    assert locks and '"supervision_flag"' in locks[0]
    assert queries.captured_queries.index(next(q for q in queries if q["sql"] == locks[0])) <= 1
