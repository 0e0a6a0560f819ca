"""The decision services: what each records, what each refuses, and who is told."""

import datetime

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from clients.tests.factories import ClientFactory
from sessions_log.models import Classification, FollowUp, FollowUpOrigin, Incident, RevisionRequest
from sessions_log.services import addendum_add, session_update
from sessions_log.tests.factories import IncidentFactory, SessionFactory
from supervision import services
from supervision.models import (
    Flag,
    FlagEvent,
    FlagEventKind,
    FlagReading,
    FlagStatus,
    Outcome,
    PlanItem,
    RuleCode,
    RuleSetting,
)
from supervision.tests.factories import FlagEventFactory, FlagFactory

pytestmark = pytest.mark.django_db
DAY = datetime.timedelta(days=1)


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


# The therapist's revision: an addendum answers the revision request a return made


def revise(entry, by, text="The rationale: the client was in crisis."):
    """The therapist's addendum, through the session log (which tells supervision by a signal)."""
    return addendum_add(entry=entry, by=by, text=text, reason="Returned by the supervisor.")


def revised_events(flag):
    return list(flag.events.filter(kind=FlagEventKind.REVISED))


def test_returning_an_entry_asks_for_its_revision_beside_the_entry(flag, supervisor, incident):
    event = services.flag_return_entry(
        flag=flag, by=supervisor, entry=incident, comment="  Add the rationale. "
    )

    request = RevisionRequest.objects.get()
    assert (request.incident, request.session, request.client) == (incident, None, incident.client)
    assert (request.requested_by, request.request, request.addendum) == (
        supervisor,
        "Add the rationale.",
        None,
    )
    assert event.revision_request == request
    assert list(RevisionRequest.objects.unanswered()) == [request]


def test_a_refused_return_asks_for_nothing(flag, supervisor, client_record):
    draft = IncidentFactory(client=client_record)
    flag.incidents.add(draft)

    with pytest.raises(ValidationError, match="still a draft"):
        services.flag_return_entry(flag=flag, by=supervisor, entry=draft, comment="Revise.")
    assert not RevisionRequest.objects.exists()


def test_an_addendum_answers_the_request_and_the_revised_event_names_it(flag, supervisor, owner, incident):
    services.flag_return_entry(flag=flag, by=supervisor, entry=incident, comment="Add the rationale.")

    addendum = revise(incident, owner)

    assert RevisionRequest.objects.get().addendum == addendum
    [event] = revised_events(flag)
    assert (event.actor, event.incident, event.addendum) == (owner, incident, addendum)
    assert event.comment == ""  # the addendum is the answer, shown in full on the flag


def test_an_addendum_to_the_returned_entry_sets_the_flag_back_to_acknowledged(
    flag, supervisor, owner, incident
):
    services.flag_return_entry(flag=flag, by=supervisor, entry=incident, comment="Add the rationale.")

    revise(incident, owner)

    assert [(e.kind, e.actor, e.incident) for e in revised_events(flag)] == [
        (FlagEventKind.REVISED, owner, incident)
    ]
    assert fresh(flag).status == FlagStatus.ACKNOWLEDGED


def test_a_flag_waits_until_every_returned_entry_is_revised(flag, supervisor, owner, incident, session):
    services.flag_return_entry(flag=flag, by=supervisor, entry=incident, comment="Add the rationale.")
    services.flag_return_entry(flag=flag, by=supervisor, entry=session, comment="Check the end time.")

    revise(session, owner, text="The session ended at 11:10.")
    assert fresh(flag).status == FlagStatus.RETURNED
    assert list(RevisionRequest.objects.unanswered().values_list("incident", flat=True)) == [incident.pk]

    revise(incident, owner)
    assert fresh(flag).status == FlagStatus.ACKNOWLEDGED
    assert not RevisionRequest.objects.unanswered().exists()


def test_a_further_addendum_after_the_revision_records_nothing(flag, supervisor, owner, incident, session):
    services.flag_return_entry(flag=flag, by=supervisor, entry=incident, comment="Add the rationale.")
    services.flag_return_entry(flag=flag, by=supervisor, entry=session, comment="Check the end time.")
    first = revise(incident, owner)

    revise(incident, owner, text="And the consultation, on Tuesday.")

    assert [event.addendum for event in revised_events(flag)] == [first]
    assert RevisionRequest.objects.get(incident=incident).addendum == first


def test_an_addendum_to_an_entry_nobody_returned_records_nothing(flag, owner, incident):
    revise(incident, owner)

    assert revised_events(flag) == []
    assert fresh(flag).status == FlagStatus.OPEN


def test_an_addendum_after_the_flag_was_resolved_records_nothing(flag, supervisor, owner, incident):
    services.flag_return_entry(flag=flag, by=supervisor, entry=incident, comment="Add the rationale.")
    services.flag_resolve(flag=flag, by=supervisor, outcome=Outcome.DISCUSSED)

    addendum = revise(incident, owner)

    assert revised_events(flag) == []
    assert fresh(flag).status == FlagStatus.RESOLVED
    assert RevisionRequest.objects.get().addendum == addendum  # the request is answered all the same


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
        flag=flag, by=supervisor, outcome=Outcome.DISCUSSED, comment="Discussed in supervision."
    )

    flag = fresh(flag)
    assert (flag.status, flag.outcome, flag.closed_at) == (
        FlagStatus.RESOLVED,
        Outcome.DISCUSSED,
        event.created_at,
    )
    assert (event.kind, event.actor, event.comment) == (
        FlagEventKind.RESOLVED,
        supervisor,
        "Discussed in supervision.",
    )
    assert not flag.plan_items.exists()


def plan(owner, supervisor):
    today = timezone.localdate()
    return [
        services.PlanStep("Read the guidance on self-disclosure.", owner, today + 7 * DAY),
        services.PlanStep("Bring the case to the next meeting.", supervisor, today + 14 * DAY),
    ]


def test_resolving_with_a_two_step_plan_makes_two_follow_ups_of_the_plan(
    flag, supervisor, owner, client_record
):
    steps = plan(owner, supervisor)

    event = services.flag_resolve(
        flag=flag, by=supervisor, outcome=Outcome.CORRECTIVE_PLAN, comment="Plan agreed.", plan=steps
    )

    flag = fresh(flag)
    assert (flag.status, flag.outcome) == (FlagStatus.RESOLVED, Outcome.CORRECTIVE_PLAN)
    assert event.kind == FlagEventKind.RESOLVED
    items = list(flag.plan_items.select_related("follow_up").order_by("pk"))
    assert [(item.follow_up.action, item.follow_up.owner, item.follow_up.due_on) for item in items] == [
        (step.action, step.owner, step.due_on) for step in steps
    ]
    for item in items:
        follow_up = item.follow_up
        assert (follow_up.origin, follow_up.client, follow_up.therapist) == (
            FollowUpOrigin.CORRECTIVE_PLAN,
            client_record,
            owner,
        )
        assert (follow_up.created_by, follow_up.incident, follow_up.is_done) == (supervisor, None, False)


def test_a_plan_of_a_therapist_level_flag_is_in_the_therapists_caseload(supervisor, owner):
    flag = FlagFactory(client=None, therapist=owner, practice=owner.practice, rule=RuleCode.THERAPIST_PATTERN)

    services.flag_resolve(
        flag=flag, by=supervisor, outcome=Outcome.CORRECTIVE_PLAN, plan=plan(owner, supervisor)
    )

    follow_ups = FollowUp.objects.filter(plan_item__flag=flag)
    assert {(f.client, f.therapist, f.practice) for f in follow_ups} == {(None, owner, owner.practice)}


def test_a_corrective_plan_without_a_step_is_refused(flag, supervisor):
    with pytest.raises(ValidationError, match="at least one follow-up") as refused:
        services.flag_resolve(flag=flag, by=supervisor, outcome=Outcome.CORRECTIVE_PLAN, plan=[])

    assert refused.value.code == "plan_required"
    assert fresh(flag).status == FlagStatus.OPEN
    assert not flag.events.exists()


def test_a_plan_step_for_someone_who_cannot_open_the_record_undoes_the_whole_resolution(
    flag, supervisor, owner, colleague
):
    steps = [
        *plan(owner, supervisor),
        services.PlanStep("Cover the sessions.", colleague, timezone.localdate()),
    ]

    with pytest.raises(ValidationError, match="cannot open this record"):
        services.flag_resolve(flag=flag, by=supervisor, outcome=Outcome.CORRECTIVE_PLAN, plan=steps)

    assert fresh(flag).status == FlagStatus.OPEN
    assert not FollowUp.objects.exists()
    assert not PlanItem.objects.exists()


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


def test_a_returned_entry_tells_the_therapist_what_to_answer_with_an_addendum(
    deliver_mail, flag, supervisor, owner, incident
):
    services.flag_return_entry(flag=flag, by=supervisor, entry=incident, comment="Add the rationale.")

    (message,) = deliver_mail()
    assert message.to == [owner.email]
    assert "answer it with an addendum" in message.body
    assert "Add the rationale." in message.body  # the supervisor's words, as the therapist is owed
    assert incident.description not in message.body


def test_a_refused_decision_sends_nothing(deliver_mail, flag, supervisor):
    with pytest.raises(ValidationError):
        services.flag_dismiss(flag=flag, by=supervisor, reason="")

    assert deliver_mail() == []


def test_a_revision_tells_the_supervisor_without_the_addendums_text(
    deliver_mail, flag, supervisor, owner, incident
):
    services.flag_return_entry(flag=flag, by=supervisor, entry=incident, comment="Add the rationale.")
    (returned,) = deliver_mail()
    mail.outbox.clear()

    revise(incident, owner, text="The rationale: the client was in crisis.")

    (message,) = deliver_mail()
    assert message.to == [supervisor.email]
    assert "answered with an addendum" in message.body
    assert f"/supervision/flags/{flag.pk}/" in message.body
    assert "in crisis" not in message.body


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


# The therapist's reply


@pytest.mark.parametrize(
    "status", [FlagStatus.OPEN, FlagStatus.RETURNED, FlagStatus.RESOLVED, FlagStatus.DISMISSED]
)
def test_the_therapist_replies_on_an_open_or_closed_flag_and_nothing_else_changes(flag, owner, status):
    closed_at = flag.opened_at if status in (FlagStatus.RESOLVED, FlagStatus.DISMISSED) else None
    Flag.objects.filter(pk=flag.pk).update(status=status, closed_at=closed_at)

    event = services.flag_reply(flag=flag, by=owner, comment="  I have since changed my practice. ")

    assert (event.kind, event.actor, event.comment) == (
        FlagEventKind.REPLIED,
        owner,
        "I have since changed my practice.",
    )
    assert fresh(flag).status == status


@pytest.mark.parametrize("person", ["supervisor", "admin", "colleague", "other_therapist"])
def test_only_the_flags_therapist_replies(request, flag, person):
    with pytest.raises(PermissionDenied):
        services.flag_reply(flag=flag, by=request.getfixturevalue(person), comment="Hello.")
    assert not flag.events.exists()


def test_an_empty_reply_is_refused(flag, owner):
    with pytest.raises(ValidationError, match="Write your reply"):
        services.flag_reply(flag=flag, by=owner, comment="  ")
    assert not flag.events.exists()


def test_a_reply_tells_the_supervisors_and_earlier_deciders_without_its_text(
    deliver_mail, flag, owner, supervisor, ended_supervisor, admin
):
    services.flag_acknowledge(flag=flag, by=admin)
    deliver_mail()
    mail.outbox.clear()

    services.flag_reply(flag=flag, by=owner, comment="The overruns were crisis sessions.")

    (message,) = deliver_mail()
    assert sorted(message.to) == sorted([supervisor.email, admin.email])
    assert "replied on" in message.body and flag.client.code in message.body
    assert f"/supervision/flags/{flag.pk}/" in message.body
    assert "crisis" not in message.body


# Acknowledging several flags at once


def test_bulk_acknowledge_marks_the_open_flags_seen_and_skips_the_others(supervisor, client_record):
    first, second = (
        FlagFactory(client=client_record),
        FlagFactory(client=client_record, rule=RuleCode.UNSIGNED_ENTRY),
    )
    seen = FlagFactory(client=client_record, rule=RuleCode.REPEATED_CATEGORY, status=FlagStatus.ACKNOWLEDGED)
    closed = FlagFactory(client=client_record, rule=RuleCode.SLIPPERY_SLOPE, status=FlagStatus.RESOLVED)

    events = services.flags_acknowledge(flags=[second, seen, closed, first], by=supervisor, comment="Seen.")

    assert [(e.flag_id, e.kind, e.actor, e.comment) for e in events] == [
        (flag.pk, FlagEventKind.ACKNOWLEDGED, supervisor, "Seen.") for flag in (first, second)
    ]
    assert {fresh(f).status for f in (first, second, seen)} == {FlagStatus.ACKNOWLEDGED}
    assert fresh(closed).status == FlagStatus.RESOLVED
    assert not seen.events.exists() and not closed.events.exists()


def test_bulk_acknowledge_with_a_flag_the_user_may_not_decide_changes_nothing(
    supervisor, client_record, colleague
):
    mine = FlagFactory(client=client_record)
    not_mine = FlagFactory(client=ClientFactory(therapist=colleague))

    with pytest.raises(PermissionDenied):
        services.flags_acknowledge(flags=[mine, not_mine], by=supervisor)

    assert fresh(mine).status == FlagStatus.OPEN
    assert not FlagEvent.objects.exists()


def test_bulk_acknowledge_tells_the_therapist_once_per_flag(deliver_mail, supervisor, owner, client_record):
    flags = [
        FlagFactory(client=client_record),
        FlagFactory(client=client_record, rule=RuleCode.UNSIGNED_ENTRY),
    ]

    services.flags_acknowledge(flags=flags, by=supervisor)

    assert [message.to for message in deliver_mail()] == [[owner.email], [owner.email]]


# What each reader has seen


def test_marking_read_remembers_the_newest_event_seen_and_never_moves_back(flag, owner):
    services.flag_mark_read(flag=flag, user=owner, seen_event=5)
    services.flag_mark_read(flag=flag, user=owner, seen_event=9)
    services.flag_mark_read(flag=flag, user=owner, seen_event=7)

    assert FlagReading.objects.get(flag=flag, user=owner).seen_event_id == 9
