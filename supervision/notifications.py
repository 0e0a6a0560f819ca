"""E-mail about flags, queued in the transaction that opens the flag or records the decision.

Messages name the rule, the client's pseudonymous code and a link; never clinical content.
"""

from django.conf import settings
from django.db.models import CharField, Value
from django.db.models.functions import Cast, Concat
from django.urls import reverse
from django.utils import timezone

from accounts.models import Role, SupervisionAssignment, User
from common import mail
from common.dates import date_text, datetime_text
from supervision.models import Flag, FlagEvent, FlagEventKind, FlagStatus, Severity


def _link(flag: Flag) -> str:
    return settings.SITE_URL.rstrip("/") + reverse("supervision:flag_detail", args=[flag.pk])


def flag_tag(flag: Flag) -> str:
    """What the queued e-mail about ``flag`` is tagged with (the flag page looks for it)."""
    return f"flag:{flag.pk}"


def flag_tag_sql(flag_id) -> Concat:
    """``flag_tag`` as an expression, from an expression for the flag's id."""
    return Concat(Value("flag:"), Cast(flag_id, output_field=CharField()))


def _subject_of(flag: Flag) -> str:
    return f"client {flag.client.code}" if flag.client_id else f"therapist {flag.therapist}"


def notify_flag_opened(flag: Flag) -> None:
    """A critical flag goes to the therapist's current supervisors at once."""
    if flag.severity != Severity.CRITICAL:
        return
    due = datetime_text(flag.acknowledge_by, zone=True)
    mail.send(
        subject=f"[Alliance] Critical flag: {flag.get_rule_display()} ({_subject_of(flag)})",
        body=(
            f"A critical flag opened for {_subject_of(flag)}, a client of {flag.therapist}.\n\n"
            f"Rule: {flag.get_rule_display()}\nAcknowledgement due by: {due}\n\n"
            f"Open it in Alliance: {_link(flag)}\n"
        ),
        recipients=[user.email for user in flag.therapist.current_supervisors()],
        practice_id=flag.practice_id,
        tag=flag_tag(flag),
    )


def _decision_words(event: FlagEvent) -> str:
    """What was decided, in the decider's words: the comment, the outcome, the plan's dates."""
    flag = event.flag
    lines = []
    if event.kind == FlagEventKind.RESOLVED and flag.outcome:
        lines.append(f"Outcome: {flag.get_outcome_display()}.")
    if event.kind == FlagEventKind.CLASSIFIED and event.classification:
        lines.append(f"Final classification: {event.get_classification_display().lower()}.")
    if event.kind == FlagEventKind.RETURNED:
        lines.append("An entry was returned to you for revision: answer it with an addendum.")
    if event.comment:
        lines.append(f"{event.actor} wrote:\n\n{event.comment}")
    if event.kind == FlagEventKind.RESOLVED:
        # What each follow-up asks stays in Alliance; who and by when is the plan's shape.
        steps = [
            f"- a follow-up for {item.follow_up.owner}, due {date_text(item.follow_up.due_on)}"
            for item in flag.plan_items.select_related("follow_up__owner").order_by("pk")
        ]
        if steps:
            lines.append("Corrective plan:\n" + "\n".join(steps))
    return "\n\n".join(lines)


def notify_decision(event: FlagEvent) -> None:
    """A supervisor's decision goes to the therapist; an escalation also to the practice admins.

    The message carries the decision's words (the decider's comment) and a link; the client is
    named by code only.
    """
    flag = event.flag
    if event.actor_id is None:
        return
    recipients = [flag.therapist.email]
    if event.kind == FlagEventKind.ESCALATED:
        recipients += User.objects.filter(
            practice_id=flag.practice_id, role=Role.PRACTICE_ADMIN, is_active=True
        ).values_list("email", flat=True)
    action = event.get_kind_display().lower()
    words = _decision_words(event)
    mail.send(
        subject=f"[Alliance] {event.get_kind_display()}: {flag.get_rule_display()} ({_subject_of(flag)})",
        body=(
            f"{event.actor} recorded a decision on the flag '{flag.get_rule_display()}' "
            f"for {_subject_of(flag)}: {action}.\n\n"
            + (f"{words}\n\n" if words else "")
            + f"Open it in Alliance: {_link(flag)}\n"
        ),
        recipients=list(recipients),
        practice_id=flag.practice_id,
        tag=flag_tag(flag),
    )


def _reviewers_of(flag: Flag) -> list[str]:
    """Who hears the therapist's answer: the current supervisors, and the practice admins who
    decided on the flag (a supervisor whose assignment ended can no longer open it)."""
    deciders = User.objects.filter(
        pk__in=flag.events.exclude(actor=flag.therapist).exclude(actor__isnull=True).values("actor"),
        practice_id=flag.practice_id,
        role=Role.PRACTICE_ADMIN,
        is_active=True,
    )
    return [user.email for user in (*flag.therapist.current_supervisors(), *deciders)]


def notify_therapist_answer(event: FlagEvent) -> None:
    """A reply on the flag, or an addendum answering a return, goes to the reviewers.

    The reply's and the addendum's text stay in Alliance: they are the therapist's clinical words.
    """
    flag = event.flag
    what = (
        "replied on"
        if event.kind == FlagEventKind.REPLIED
        else f"answered with an addendum the {event.entry._meta.verbose_name} returned on"
    )
    mail.send(
        subject=f"[Alliance] {event.get_kind_display()}: {flag.get_rule_display()} ({_subject_of(flag)})",
        body=(
            f"{event.actor} {what} the flag '{flag.get_rule_display()}' for {_subject_of(flag)}.\n\n"
            f"Read it in Alliance: {_link(flag)}\n"
        ),
        recipients=_reviewers_of(flag),
        practice_id=flag.practice_id,
        tag=flag_tag(flag),
    )


def send_overdue_digest(*, now=None) -> int:
    """One e-mail per supervisor (queued) listing their supervisees' flags past acknowledgement;
    returns how many."""
    now = now or timezone.now()
    overdue = (
        Flag.objects.filter(status=FlagStatus.OPEN, acknowledge_by__lt=now)
        .select_related("client", "therapist")
        .order_by("acknowledge_by")
    )
    by_supervisor: dict[User, list[Flag]] = {}
    assignments = (
        SupervisionAssignment.objects.current()
        .filter(therapist__in=overdue.values("therapist"))
        .select_related("supervisor")
    )
    supervisors_of: dict[int, list[User]] = {}
    for assignment in assignments:
        if assignment.supervisor.is_active:
            supervisors_of.setdefault(assignment.therapist_id, []).append(assignment.supervisor)
    for flag in overdue:
        for supervisor in supervisors_of.get(flag.therapist_id, []):
            by_supervisor.setdefault(supervisor, []).append(flag)
    sent = 0
    for supervisor, flags in by_supervisor.items():
        if not supervisor.email:
            continue
        lines = [
            f"- {flag.get_rule_display()} · {_subject_of(flag)} · due "
            f"{datetime_text(flag.acknowledge_by, zone=True)} · {_link(flag)}"
            for flag in flags
        ]
        mail.send(
            subject=f"[Alliance] {len(flags)} flag{'s' if len(flags) != 1 else ''} past acknowledgement",
            body="These flags of therapists you supervise are past their acknowledgement time:\n\n"
            + "\n".join(lines)
            + "\n",
            recipients=[supervisor.email],
            practice_id=supervisor.practice_id,
        )
        sent += 1
    return sent
