"""A supervisor's decisions on a flag, the therapist's replies and revisions of returned entries.

Every decision is one function: it locks the flag row (``SELECT ... FOR UPDATE``), refuses a
flag that was closed, or that someone else decided on since the caller looked at it, records a
``FlagEvent`` (who, when, comment) and tells the therapist once the transaction commits.

Only a current supervisor of the flag's therapist or an admin of its practice may decide
(``Flag.may_be_decided_by``); views check first and answer 403, these check again so that no
other caller can skip it.
"""

import datetime
from collections.abc import Iterable
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.utils import timezone

from accounts.models import Role, User
from accounts.security_log import log_event
from common.dates import datetime_text
from sessions_log import services as session_log
from sessions_log.models import Addendum, Classification, FollowUpOrigin, Incident, Session
from supervision import notifications
from supervision.engine import evaluate, evaluate_for_client
from supervision.models import (
    Flag,
    FlagEvent,
    FlagEventKind,
    FlagReading,
    FlagStatus,
    Meeting,
    Outcome,
    PlanItem,
    RuleSetting,
)
from supervision.rules import RULES

# Outcomes a person chooses; "condition cleared" is the engine's, when it closes a flag itself.
DECISION_OUTCOMES = [outcome for outcome in Outcome if outcome != Outcome.CONDITION_CLEARED]


def _locked(flag: Flag, *, by: User, seen_event: int | None) -> Flag:
    """The flag's row, locked until the transaction ends, if ``by`` may still decide on it.

    ``seen_event`` is the id of the newest event the caller was shown (0 for none): if a newer
    one exists, someone acted in the meantime and the decision is refused, to be made again
    with the history in view. ``None`` skips that check (a plain comment never conflicts).
    """
    locked = Flag.objects.select_for_update().get(pk=flag.pk)
    if not locked.may_be_decided_by(by):
        raise PermissionDenied("Only a current supervisor of the therapist or a practice admin decides.")
    if not locked.is_open:
        raise ValidationError(
            "This flag was %(status)s on %(when)s: no further decision can be recorded.",
            code="closed",
            params={
                "status": locked.get_status_display().lower(),
                "when": datetime_text(locked.closed_at),
            },
        )
    if seen_event is not None:
        newest = locked.events.order_by("-pk").values_list("pk", flat=True).first() or 0
        if newest > seen_event:
            raise ValidationError(
                "Something was recorded on this flag since you opened it (it is now %(status)s). "
                "Nothing was saved: read the history and decide again.",
                code="stale",
                params={"status": locked.get_status_display().lower()},
            )
    return locked


def _record(
    flag: Flag, *, kind: str, by: User, at, comment: str = "", meeting: Meeting | None = None, **entry
) -> FlagEvent:
    """The decision's event; one taken in a supervision meeting names it (``meeting``)."""
    if meeting is not None and not meeting.items.filter(flag=flag).exists():
        raise ValidationError("This flag is not on that meeting's agenda.", code="not_on_agenda")
    event = FlagEvent.objects.create(
        flag=flag, kind=kind, actor=by, comment=comment.strip(), created_at=at, meeting=meeting, **entry
    )
    notifications.notify_decision(event)
    return event


def _looked_at(flag: Flag, at) -> list[str]:
    """Any decision is also a first look: an open flag becomes acknowledged, no longer overdue."""
    if flag.status != FlagStatus.OPEN:
        return []
    flag.status = FlagStatus.ACKNOWLEDGED
    flag.acknowledged_at = at
    return ["status", "acknowledged_at"]


def _required(text: str, message: str, code: str) -> str:
    text = (text or "").strip()
    if not text:
        raise ValidationError(message, code=code)
    return text


def _evidence_entry(flag: Flag, entry: Incident | Session) -> dict:
    """``{"incident": entry}`` or ``{"session": entry}``, if the entry is part of the flag's evidence."""
    if isinstance(entry, Incident):
        in_evidence, key = flag.incidents.filter(pk=entry.pk).exists(), "incident"
    elif isinstance(entry, Session):
        in_evidence, key = flag.sessions.filter(pk=entry.pk).exists(), "session"
    else:
        raise TypeError(f"Not an entry of the session log: {entry!r}")
    if not in_evidence:
        raise ValidationError(
            "That %(kind)s is not part of this flag's evidence.",
            code="not_evidence",
            params={"kind": entry._meta.verbose_name},
        )
    return {key: entry}


@transaction.atomic
def flag_acknowledge(
    *, flag: Flag, by: User, comment: str = "", seen_event: int | None = None, meeting: Meeting | None = None
) -> FlagEvent:
    """Say the flag has been seen; it stops counting as overdue."""
    locked = _locked(flag, by=by, seen_event=seen_event)
    if locked.status != FlagStatus.OPEN:
        raise ValidationError(
            "This flag was already acknowledged on %(when)s.",
            code="already_acknowledged",
            params={"when": datetime_text(locked.acknowledged_at)},
        )
    at = timezone.now()
    locked.save(update_fields=_looked_at(locked, at))
    return _record(locked, kind=FlagEventKind.ACKNOWLEDGED, by=by, at=at, comment=comment, meeting=meeting)


@transaction.atomic
def flag_comment(*, flag: Flag, by: User, comment: str, meeting: Meeting | None = None) -> FlagEvent:
    """Add a note to the decision history, shown to the therapist too."""
    comment = _required(comment, "Write the comment.", "comment_required")
    locked = _locked(flag, by=by, seen_event=None)
    at = timezone.now()
    if fields := _looked_at(locked, at):
        locked.save(update_fields=fields)
    return _record(locked, kind=FlagEventKind.COMMENTED, by=by, at=at, comment=comment, meeting=meeting)


@transaction.atomic
def flag_return_entry(
    *,
    flag: Flag,
    by: User,
    entry: Incident | Session,
    comment: str,
    seen_event: int | None = None,
    meeting: Meeting | None = None,
) -> FlagEvent:
    """Send a signed entry of the evidence back to the therapist, who revises it by an addendum.

    The flag waits as "returned for revision" until every entry returned on it has an addendum
    (``flag_entry_revised``). A draft is refused: its therapist can still simply edit it.
    """
    comment = _required(comment, "Tell the therapist what to revise.", "comment_required")
    locked = _locked(flag, by=by, seen_event=seen_event)
    named = _evidence_entry(locked, entry)
    # The request is kept beside the entry, where its page and addendum form show it.
    revision = session_log.revision_request_create(entry=entry, by=by, request=comment)
    at = revision.requested_at
    # A returned flag has been looked at: keep the time, so it is acknowledged once revised.
    locked.acknowledged_at = locked.acknowledged_at or at
    locked.status = FlagStatus.RETURNED
    locked.save(update_fields=["status", "acknowledged_at"])
    return _record(
        locked,
        meeting=meeting,
        kind=FlagEventKind.RETURNED,
        by=by,
        at=at,
        comment=comment,
        revision_request=revision,
        **named,
    )


@transaction.atomic
def flag_entry_revised(*, entry: Incident | Session, by: User, addendum: Addendum) -> list[FlagEvent]:
    """The therapist added an addendum to ``entry``: note it on every flag that returned it.

    Called by the session log inside the transaction that adds the addendum. A flag waiting
    only on this entry goes back to "acknowledged"; one still waiting on another returned entry
    stays "returned". Flags that never returned the entry are left alone. Returns the events.
    """
    key = "incident" if isinstance(entry, Incident) else "session"
    returned_here = FlagEvent.objects.filter(kind=FlagEventKind.RETURNED, **{key: entry})
    flags = Flag.objects.select_for_update().filter(
        pk__in=returned_here.values("flag"), status=FlagStatus.RETURNED
    )
    at = timezone.now()
    events = []
    for flag in flags.order_by("pk"):
        waiting = _awaiting_revision(flag)
        if (key, entry.pk) not in waiting:
            continue  # revised already; this addendum is a further correction
        event = FlagEvent.objects.create(
            flag=flag, kind=FlagEventKind.REVISED, actor=by, created_at=at, addendum=addendum, **{key: entry}
        )
        notifications.notify_therapist_answer(event)
        events.append(event)
        if waiting == {(key, entry.pk)}:
            flag.status = FlagStatus.ACKNOWLEDGED
            flag.save(update_fields=["status"])
    return events


def _awaiting_revision(flag: Flag) -> set[tuple[str, int]]:
    """Entries returned on ``flag`` with no addendum noted since they were returned."""
    waiting: set[tuple[str, int]] = set()
    for kind, incident_id, session_id in (
        flag.events.filter(kind__in=[FlagEventKind.RETURNED, FlagEventKind.REVISED])
        .order_by("created_at", "pk")
        .values_list("kind", "incident_id", "session_id")
    ):
        entry = ("incident", incident_id) if incident_id else ("session", session_id)
        if kind == FlagEventKind.RETURNED:
            waiting.add(entry)
        else:
            waiting.discard(entry)
    return waiting


@transaction.atomic
def flag_classify(
    *,
    flag: Flag,
    by: User,
    incident: Incident,
    classification: str,
    comment: str = "",
    seen_event: int | None = None,
    meeting: Meeting | None = None,
) -> FlagEvent:
    """Set the supervisor's final classification of an incident of the evidence.

    The final classification lies outside the signed content, so it may be set on a signed
    incident; it is written with a queryset update, leaving the signed row's own fields alone.
    """
    if classification not in Classification.values:
        raise ValidationError("Choose crossing or violation.", code="invalid_classification")
    locked = _locked(flag, by=by, seen_event=seen_event)
    named = _evidence_entry(locked, incident)
    Incident.objects.filter(pk=incident.pk).update(final_classification=classification)
    incident.final_classification = classification
    # A violation can fire a rule (therapist_high_risk): evaluate once this commits.
    transaction.on_commit(lambda: evaluate_for_client(incident.client), robust=True)
    at = timezone.now()
    if fields := _looked_at(locked, at):
        locked.save(update_fields=fields)
    return _record(
        locked,
        meeting=meeting,
        kind=FlagEventKind.CLASSIFIED,
        by=by,
        at=at,
        comment=comment,
        classification=classification,
        **named,
    )


@dataclass(frozen=True)
class PlanStep:
    """One follow-up of a corrective plan, as the resolution form gives it."""

    action: str
    owner: User
    due_on: datetime.date


@transaction.atomic
def flag_resolve(
    *,
    flag: Flag,
    by: User,
    outcome: str,
    comment: str = "",
    plan: Iterable[PlanStep] = (),
    seen_event: int | None = None,
    meeting: Meeting | None = None,
) -> FlagEvent:
    """Close the flag with the outcome of the review.

    A corrective plan is one or more follow-ups, each with its owner and due date, which the
    therapist (or whoever owns them) carries out; the plan is required with that outcome.
    """
    if outcome not in DECISION_OUTCOMES:
        raise ValidationError("Choose the outcome of the review.", code="outcome_required")
    plan = list(plan)
    if outcome == Outcome.CORRECTIVE_PLAN and not plan:
        raise ValidationError(
            "A corrective plan needs at least one follow-up: say what is to be done, by whom and by when.",
            code="plan_required",
        )
    locked = _locked(flag, by=by, seen_event=seen_event)
    at = timezone.now()
    locked.status = FlagStatus.RESOLVED
    locked.outcome = outcome
    locked.closed_at = at
    locked.save(update_fields=["status", "outcome", "closed_at"])
    for step in plan:
        follow_up = session_log.follow_up_create(
            by=by,
            origin=FollowUpOrigin.CORRECTIVE_PLAN,
            client=locked.client,
            therapist=locked.therapist,
            action=step.action,
            owner=step.owner,
            due_on=step.due_on,
            # The therapist's own steps are in the resolution's e-mail already.
            notify=step.owner.pk != locked.therapist_id,
        )
        PlanItem.objects.create(flag=locked, follow_up=follow_up)
    return _record(locked, kind=FlagEventKind.RESOLVED, by=by, at=at, comment=comment, meeting=meeting)


@transaction.atomic
def flag_reply(*, flag: Flag, by: User, comment: str) -> FlagEvent:
    """The flag's therapist answers on it, open or closed; their supervisors are told.

    A reply changes no status: it is the therapist's word in the history, beside the decisions.
    """
    comment = _required(comment, "Write your reply.", "comment_required")
    locked = Flag.objects.select_for_update().get(pk=flag.pk)
    if by.pk != locked.therapist_id or not by.is_active:
        raise PermissionDenied("Only the flag's therapist replies on it.")
    event = FlagEvent.objects.create(
        flag=locked, kind=FlagEventKind.REPLIED, actor=by, comment=comment, created_at=timezone.now()
    )
    notifications.notify_therapist_answer(event)
    return event


@transaction.atomic
def flags_acknowledge(*, flags: Iterable[Flag], by: User, comment: str = "") -> list[FlagEvent]:
    """Acknowledge several open flags with one comment, all or nothing.

    Flags someone else acknowledged or closed in the meantime are left out, not refused: the
    supervisor asked that these be marked seen, and they are.
    """
    events = []
    for flag in sorted(flags, key=lambda flag: flag.pk):
        locked = Flag.objects.select_for_update().get(pk=flag.pk)
        if not locked.may_be_decided_by(by):
            raise PermissionDenied("Only a current supervisor of the therapist or a practice admin decides.")
        if locked.status != FlagStatus.OPEN:
            continue
        at = timezone.now()
        locked.save(update_fields=_looked_at(locked, at))
        events.append(_record(locked, kind=FlagEventKind.ACKNOWLEDGED, by=by, at=at, comment=comment))
    return events


def flag_mark_read(*, flag: Flag, user: User, seen_event: int) -> None:
    """Remember the newest event ``user`` was shown on ``flag``, never moving backwards.

    One statement, whether it is the first reading or a later one: it runs on every view of a
    flag page.
    """
    table = FlagReading._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            INSERT INTO {table} (flag_id, user_id, seen_event_id, seen_at) VALUES (%s, %s, %s, %s)
            ON CONFLICT (flag_id, user_id) DO UPDATE
            SET seen_event_id = EXCLUDED.seen_event_id, seen_at = EXCLUDED.seen_at
            WHERE {table}.seen_event_id < EXCLUDED.seen_event_id
            """,  # noqa: S608 (the table name is the model's own)
            [flag.pk, user.pk, seen_event, timezone.now()],
        )


@transaction.atomic
def flag_dismiss(
    *, flag: Flag, by: User, reason: str, seen_event: int | None = None, meeting: Meeting | None = None
) -> FlagEvent:
    """Close the flag as a false positive; the reason is required and kept."""
    reason = _required(reason, "Say why this flag is a false positive.", "reason_required")
    locked = _locked(flag, by=by, seen_event=seen_event)
    at = timezone.now()
    locked.status = FlagStatus.DISMISSED
    locked.closed_at = at
    locked.save(update_fields=["status", "closed_at"])
    return _record(locked, kind=FlagEventKind.DISMISSED, by=by, at=at, comment=reason, meeting=meeting)


@transaction.atomic
def flag_escalate(
    *, flag: Flag, by: User, comment: str, seen_event: int | None = None, meeting: Meeting | None = None
) -> FlagEvent:
    """Bring the flag to the practice admins' attention; they are told by e-mail."""
    comment = _required(comment, "Say why you are escalating.", "comment_required")
    locked = _locked(flag, by=by, seen_event=seen_event)
    if by.role == Role.PRACTICE_ADMIN:
        raise ValidationError("Escalation brings a flag to the practice admins: you are one.", code="admin")
    if locked.escalated_at is not None:
        raise ValidationError(
            "This flag was already escalated on %(when)s.",
            code="already_escalated",
            params={"when": datetime_text(locked.escalated_at)},
        )
    at = timezone.now()
    locked.escalated_at = at
    locked.save(update_fields=["escalated_at", *_looked_at(locked, at)])
    return _record(locked, kind=FlagEventKind.ESCALATED, by=by, at=at, comment=comment, meeting=meeting)


@transaction.atomic
def rule_setting_update(
    *, practice, rule: str, enabled: bool, thresholds: dict[str, int], by: User | None = None
) -> RuleSetting:
    """Save a practice's thresholds for one rule; only the rule's own keys are kept.

    The change history (``RuleSettingHistory``) records every save; a save that changes
    something is also a security-log event, written once the change is committed.
    """
    known = {threshold.key for threshold in RULES[rule].thresholds}
    kept = {key: value for key, value in thresholds.items() if key in known}
    before = RuleSetting.objects.select_for_update().filter(practice=practice, rule=rule).first()
    setting, _created = RuleSetting.objects.update_or_create(
        practice=practice, rule=rule, defaults={"enabled": enabled, "thresholds": kept}
    )
    was_enabled = before.enabled if before else True
    changed = sorted(key for key in known if (before.thresholds if before else {}).get(key) != kept.get(key))
    if enabled != was_enabled or changed:
        transaction.on_commit(
            lambda: log_event(
                "rule_setting_changed",
                user=by,
                practice=practice.pk,
                rule=rule,
                enabled=enabled,
                was_enabled=was_enabled,
                thresholds=",".join(changed) or "-",
            )
        )
    # New thresholds take effect now for the whole practice, not at the next scheduled sweep.
    transaction.on_commit(lambda: evaluate(practice=practice, rules=[rule]), robust=True)
    return setting
