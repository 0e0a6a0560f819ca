"""The engine: turns the rules' findings into flags, and runs after saves and on a schedule.

``evaluate`` runs the enabled rules of one practice over a scope (all of it, some clients, some
therapists) and reconciles the findings with the flags in that scope:

- a finding with no open flag for its rule and subject opens one (severity from the catalogue,
  acknowledgement due per ``ACKNOWLEDGE_WITHIN``, an "opened" event, its evidence), unless a
  supervisor already resolved or dismissed a flag for that rule and subject whose evidence
  covers everything found now: nothing new has happened since that decision;
- a finding with an open flag refreshes its evidence, with an event, when the evidence changed;
- an open flag of a clock-based rule with no finding any more is closed as "condition cleared".
  A therapist-initiated high-risk incident is not clock-based: its flag waits for a decision.

The partial unique indexes on ``Flag`` allow one open flag per rule and subject, so two
evaluations at once (two app servers, two hosts sweeping) cannot duplicate a flag: the loser's
insert fails inside a savepoint and it refreshes the winner's flag instead. Rows are written in
one order (by rule and subject), so concurrent evaluations wait for each other, not deadlock.

``evaluate_for_client`` runs after the commit of any save that can change a rule's answer (the
services of the session log, agreements and clients send ``clients.signals.records_changed`` on
commit, and ``supervision/receivers.py`` connects this function to it);
``evaluate_all`` is the schedule (``manage.py evaluate_flags``), one practice at a time under a
PostgreSQL advisory lock so that hosts sweeping at the same moment skip each other's practice.
"""

import datetime
import zoneinfo
from dataclasses import dataclass, field
from functools import reduce
from operator import or_

from django.db import IntegrityError, connection, transaction
from django.db.models import Q
from django.utils import timezone

from accounts.models import Practice
from supervision import notifications
from supervision.findings import FINDERS, Finding, evidence_keys, subject_key, subject_q
from supervision.models import (
    CLOSED_STATUSES,
    OPEN_STATUSES,
    THERAPIST_LEVEL_RULES,
    Flag,
    FlagEvent,
    FlagEventKind,
    FlagStatus,
    Outcome,
    RuleSetting,
)
from supervision.rules import ACKNOWLEDGE_WITHIN, RULES, resolve_setting

# The first key of the advisory locks taken by evaluate_all; the second is the practice's id.
SWEEP_LOCK_NAMESPACE = 0x414C4C59  # "ALLY"
CONDITION_CLEARED = "Condition cleared: the rule no longer finds this with the current records."
# The evidence relations of a flag, and the prefix of their keys in a fingerprint.
EVIDENCE = (
    ("incidents", "incident"),
    ("sessions", "session"),
    ("agreements", "agreement"),
    ("follow_ups", "follow_up"),
)


@dataclass
class EvaluationResult:
    opened: list[Flag] = field(default_factory=list)
    refreshed: list[Flag] = field(default_factory=list)
    closed: list[Flag] = field(default_factory=list)
    # Practices that evaluate_all left alone because another host was sweeping them.
    skipped: list[str] = field(default_factory=list)

    def merge(self, other: "EvaluationResult") -> None:
        self.opened += other.opened
        self.refreshed += other.refreshed
        self.closed += other.closed
        self.skipped += other.skipped


def acknowledge_due(
    opened_at: datetime.datetime, severity: str, zone: zoneinfo.ZoneInfo
) -> datetime.datetime:
    """When a flag opened at ``opened_at`` must be acknowledged, per ``ACKNOWLEDGE_WITHIN``.

    Working days skip Saturdays and Sundays in the practice's time zone, keeping the wall-clock
    time: a critical flag opened on Friday at 15:00 is due on Monday at 15:00.
    """
    unit, amount = ACKNOWLEDGE_WITHIN[severity]
    if unit == "days":
        return opened_at + datetime.timedelta(days=amount)
    if unit != "working_days":
        raise ValueError(f"Unknown unit for acknowledgement: {unit}")
    local = opened_at.astimezone(zone)
    day, counted = local.date(), 0
    while counted < amount:
        day += datetime.timedelta(days=1)
        counted += day.weekday() < 5
    return datetime.datetime.combine(day, local.time(), tzinfo=zone).astimezone(datetime.UTC)


def _flag_subject(flag: Flag) -> tuple[str, int, int]:
    return subject_key(flag.rule, flag.client_id, flag.therapist_id)


def evaluate(*, practice, client_ids=None, therapist_ids=None, rules=None, now=None) -> EvaluationResult:
    """Run the enabled ``rules`` (all by default) of ``practice`` over the scope; reconcile the flags.

    ``client_ids`` and ``therapist_ids`` narrow the scope as in ``supervision.findings``; only
    flags inside it are refreshed or closed. ``now`` is the moment judged (the current time by
    default); flags opened or closed are stamped with it.
    """
    now = now or timezone.now()
    client_ids = None if client_ids is None else sorted(set(client_ids))
    therapist_ids = None if therapist_ids is None else sorted(set(therapist_ids))
    settings = {setting.rule: setting for setting in RuleSetting.objects.filter(practice=practice)}
    evaluated: list[str] = []
    findings: dict[tuple, Finding] = {}
    for rule in RULES if rules is None else rules:
        enabled, thresholds = resolve_setting(rule, settings.get(rule))
        if not enabled:
            continue
        evaluated.append(rule)
        for finding in FINDERS[rule](
            practice=practice,
            thresholds=thresholds,
            now=now,
            client_ids=client_ids,
            therapist_ids=therapist_ids,
        ):
            findings[finding.subject] = finding
    result = EvaluationResult()
    if not evaluated:
        return result
    # The flags this evaluation answers for: its rules' (client-level, then therapist-level) in scope.
    groups = [
        [rule for rule in evaluated if (rule in THERAPIST_LEVEL_RULES) == therapist_level]
        for therapist_level in (False, True)
    ]
    scope = reduce(
        or_,
        (
            Q(rule__in=group) & subject_q(group[0], client_ids=client_ids, therapist_ids=therapist_ids)
            for group in groups
            if group
        ),
    )
    with transaction.atomic():
        open_flags = {
            _flag_subject(flag): flag
            for flag in Flag.objects.filter(practice=practice, status__in=OPEN_STATUSES).filter(scope)
        }
        changed = [
            (flag, findings[key])
            for key, flag in sorted(open_flags.items())
            if key in findings and flag.evidence_fingerprint != findings[key].fingerprint
        ]
        cleared = [
            flag
            for key, flag in sorted(open_flags.items())
            if key not in findings and RULES[flag.rule].clock_based
        ]
        new = [finding for key, finding in sorted(findings.items()) if key not in open_flags]
        # Locks on existing flags first, then inserts: every evaluation takes them in this order.
        result.refreshed = _refresh(changed, now)
        result.closed = _close(cleared, now)
        result.opened, refreshed_instead = _open(practice, _undecided(practice, new), now)
        result.refreshed += refreshed_instead
        for flag in result.opened:
            notifications.notify_flag_opened(flag)
    return result


def evaluate_for_client(client) -> EvaluationResult:
    """Every rule for ``client``, and the therapist-level rule for its therapist: run after a save."""
    return evaluate(practice=client.practice, client_ids=[client.pk])


def evaluate_all(*, now=None) -> EvaluationResult:
    """Evaluate every rule for every practice; a practice another host is sweeping is skipped.

    Each practice is evaluated in a transaction holding ``pg_try_advisory_xact_lock`` for it,
    which PostgreSQL releases at commit or when the connection dies, so a crashed run cannot
    leave a practice locked. The unique index on open flags stays the guard against duplicates.
    """
    total = EvaluationResult()
    for practice in Practice.objects.order_by("pk"):
        with transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT pg_try_advisory_xact_lock(%s, %s)", [SWEEP_LOCK_NAMESPACE, practice.pk]
                )
                (locked,) = cursor.fetchone()
            if not locked:
                total.skipped.append(practice.name)
                continue
            total.merge(evaluate(practice=practice, now=now))
    return total


# Writing flags ---------------------------------------------------------------------------------


def _through(name: str):
    """The through model of the evidence relation ``name``, and its column for the evidence row."""
    relation = Flag._meta.get_field(name)
    return relation.remote_field.through, f"{relation.m2m_reverse_field_name()}_id"


def _write_evidence(pairs: list[tuple[Flag, Finding]], *, replace: bool = False) -> None:
    """Set each flag's incidents, sessions and agreements to its finding's, in one query per relation."""
    for name, prefix in EVIDENCE:
        through, target = _through(name)
        if replace:
            through.objects.filter(flag_id__in=[flag.pk for flag, _ in pairs]).delete()
        through.objects.bulk_create(
            [
                through(flag_id=flag.pk, **{target: pk})
                for flag, finding in pairs
                for pk in getattr(finding, f"{prefix}_ids")
            ]
        )


def _evidence_of(flag_ids: list[int]) -> dict[int, set[str]]:
    """The evidence keys of the given flags, as ``Finding.evidence_keys`` spells them."""
    keys: dict[int, set[str]] = {pk: set() for pk in flag_ids}
    for name, prefix in EVIDENCE:
        through, target = _through(name)
        for flag_id, pk in through.objects.filter(flag_id__in=flag_ids).values_list("flag_id", target):
            keys[flag_id] |= evidence_keys(**{f"{prefix}_ids": [pk]})
    return keys


def _refresh(pairs: list[tuple[Flag, Finding]], now, *, skip_locked: bool = False) -> list[Flag]:
    """Give open flags their findings' evidence and summary, with an event; returns those changed.

    The rows are re-read under lock: one closed, or refreshed to the same evidence, by someone
    else in the meantime is left alone. ``skip_locked`` leaves a row another transaction holds
    to that transaction, for callers that already hold rows others may wait on.
    """
    if not pairs:
        return []
    wanted = {flag.pk: finding for flag, finding in pairs}
    changed = []
    for flag in (
        Flag.objects.select_for_update(skip_locked=skip_locked)
        .filter(pk__in=wanted, status__in=OPEN_STATUSES)
        .order_by("pk")
    ):
        finding = wanted[flag.pk]
        if flag.evidence_fingerprint != finding.fingerprint:
            flag.evidence_fingerprint, flag.summary = finding.fingerprint, finding.summary
            changed.append((flag, finding))
    if changed:
        Flag.objects.bulk_update([flag for flag, _ in changed], ["evidence_fingerprint", "summary"])
        _write_evidence(changed, replace=True)
        FlagEvent.objects.bulk_create(
            FlagEvent(flag=flag, kind=FlagEventKind.EVIDENCE_UPDATED, comment=finding.summary, created_at=now)
            for flag, finding in changed
        )
    return [flag for flag, _ in changed]


def _close(flags: list[Flag], now) -> list[Flag]:
    """Close open flags whose condition has cleared, with an event saying so."""
    if not flags:
        return []
    closed = list(
        Flag.objects.select_for_update()
        .filter(pk__in=[flag.pk for flag in flags], status__in=OPEN_STATUSES)
        .order_by("pk")
    )
    for flag in closed:
        flag.status, flag.outcome = FlagStatus.RESOLVED, Outcome.CONDITION_CLEARED
        flag.closed_at = max(now, flag.opened_at)
    if closed:
        Flag.objects.bulk_update(closed, ["status", "outcome", "closed_at"])
        FlagEvent.objects.bulk_create(
            FlagEvent(flag=flag, kind=FlagEventKind.AUTO_CLOSED, comment=CONDITION_CLEARED, created_at=now)
            for flag in closed
        )
    return closed


def _undecided(practice, findings: list[Finding]) -> list[Finding]:
    """The findings a supervisor has not already decided on.

    A flag resolved or dismissed by a supervisor (not one the engine closed as cleared) stands
    for its evidence: a finding with that fingerprint, or with evidence all inside that flag's
    (the same incidents, some now out of the window), brings nothing new and opens nothing.
    """
    if not findings:
        return []
    client_ids = {finding.client_id for finding in findings if finding.client_id is not None}
    therapist_ids = {finding.therapist_id for finding in findings if finding.client_id is None}
    decided = (
        Flag.objects.filter(
            practice=practice,
            rule__in={finding.rule for finding in findings},
            status__in=CLOSED_STATUSES,
        )
        .exclude(outcome=Outcome.CONDITION_CLEARED)
        .filter(Q(client_id__in=client_ids) | Q(client__isnull=True, therapist_id__in=therapist_ids))
        .values_list("pk", "rule", "client_id", "therapist_id", "evidence_fingerprint")
    )
    by_subject: dict[tuple, list[tuple[int, str]]] = {}
    for pk, rule, client_id, therapist_id, digest in decided:
        by_subject.setdefault(subject_key(rule, client_id, therapist_id), []).append((pk, digest))
    if not by_subject:
        return findings
    evidence = _evidence_of([pk for flags in by_subject.values() for pk, _ in flags])

    def already_decided(finding: Finding) -> bool:
        keys = finding.evidence_keys
        return any(
            digest == finding.fingerprint or (keys and keys <= evidence[pk])
            for pk, digest in by_subject.get(finding.subject, ())
        )

    return [finding for finding in findings if not already_decided(finding)]


def _new_flag(practice, finding: Finding, now, zone) -> Flag:
    severity = RULES[finding.rule].severity
    return Flag(
        practice=practice,
        rule=finding.rule,
        therapist_id=finding.therapist_id,
        client_id=finding.client_id,
        severity=severity,
        status=FlagStatus.OPEN,
        summary=finding.summary,
        opened_at=now,
        acknowledge_by=acknowledge_due(now, severity, zone),
        evidence_fingerprint=finding.fingerprint,
    )


def _opened_events(pairs: list[tuple[Flag, Finding]], now) -> list[FlagEvent]:
    return [
        FlagEvent(flag=flag, kind=FlagEventKind.OPENED, comment=finding.summary, created_at=now)
        for flag, finding in pairs
    ]


def _open(practice, findings: list[Finding], now) -> tuple[list[Flag], list[Flag]]:
    """Open a flag for each finding; returns (opened, refreshed instead).

    All at once if no other evaluation got there first; otherwise one by one, each in a
    savepoint, refreshing the other evaluation's flag where the unique index refuses ours.
    """
    if not findings:
        return [], []
    zone = zoneinfo.ZoneInfo(practice.time_zone)
    pairs = [(_new_flag(practice, finding, now, zone), finding) for finding in findings]
    try:
        with transaction.atomic():
            Flag.objects.bulk_create([flag for flag, _ in pairs])
            _write_evidence(pairs)
            FlagEvent.objects.bulk_create(_opened_events(pairs, now))
        return [flag for flag, _ in pairs], []
    except IntegrityError:
        pass
    opened, refreshed = [], []
    for flag, finding in pairs:
        flag.pk, flag._state.adding = None, True
        try:
            with transaction.atomic():
                flag.save(force_insert=True)
                _write_evidence([(flag, finding)])
                FlagEvent.objects.bulk_create(_opened_events([(flag, finding)], now))
            opened.append(flag)
        except IntegrityError:
            subject = (
                Q(client__isnull=True, therapist_id=finding.therapist_id)
                if finding.rule in THERAPIST_LEVEL_RULES
                else Q(client_id=finding.client_id)
            )
            winner = Flag.objects.filter(subject, rule=finding.rule, status__in=OPEN_STATUSES).first()
            if winner is None:  # not a lost race but a broken constraint: let it be seen
                raise
            # Our uncommitted inserts may be what the winner's holder waits for: never wait on it.
            refreshed += _refresh([(winner, finding)], now, skip_locked=True)
    return opened, refreshed
