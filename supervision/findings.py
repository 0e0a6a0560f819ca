"""What each rule of DESIGN §4 finds: one small function per rule, from the database to findings.

Every ``find_<code>`` takes the practice, the practice's thresholds for the rule (defaults filled
in), the moment to judge at, and optionally the clients and therapists to look at; it returns one
``Finding`` per subject the rule fires on, carrying the evidence behind it. Nothing is written:
``supervision.engine`` turns findings into flags.

Counting conventions (DESIGN §4): "within N days" means occurred (or, for a session, ended) after
``now`` minus N days and not after ``now``; thresholds are inclusive; harm is ordered (it is stored
as its rank); an incident's classification is the generated column ``classification``, the
supervisor's final one where set, else the therapist's provisional one. Calendar days ("a due date
has passed", "intake N days ago") are days in the practice's time zone. The subject of a finding
is the client, except for therapist_pattern, whose subject is the therapist; all the evidence
behind one rule and one subject is one finding.

Discharged clients: agreement_review_due and intake_incomplete look only at clients in therapy
(there is nothing left to review or agree); the other rules keep looking, because an unsigned
entry, a missing precaution, a promised follow-up or a pattern of crossings still matters after
the therapy ends, and incidents are still logged then.

Scope: ``client_ids`` and ``therapist_ids`` narrow the subjects looked at (``None`` means all of
the practice's). A therapist-level rule given ``client_ids`` looks at those clients' therapists,
over all their clients. ``subject_q`` states the same scope for flags, so that the engine closes
only flags the evaluation looked at.

Each function runs one or two queries whatever the size of the practice, grouping in SQL where
the rule is a count.
"""

import datetime
import hashlib
import zoneinfo
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.contrib.postgres.aggregates import ArrayAgg
from django.db.models import BooleanField, Count, ExpressionWrapper, Max, Q, QuerySet

from boundaries.models import CORE_CATEGORIES, AgreementStatus, BoundaryAgreement, Category
from clients.models import Client, ClientStatus
from common.dates import date_text
from sessions_log.models import (
    Classification,
    EntryStatus,
    FollowUp,
    HarmLevel,
    Incident,
    Initiator,
    Session,
)
from supervision.models import THERAPIST_LEVEL_RULES, RuleCode

# Categories in which any incident the therapist starts is reviewed at once.
HIGH_RISK_CATEGORIES = (Category.PHYSICAL, Category.DUAL_RELATIONSHIP, Category.GIFTS_MONEY)
BLANK = r"^\s*$"


@dataclass(frozen=True)
class Finding:
    """One rule firing for one subject, with the rows that made it fire.

    ``conditions`` holds facts that are not rows (the core categories an intake lacks); they
    count in the fingerprint like evidence, so a different gap is a different finding.
    """

    rule: str
    practice_id: int
    therapist_id: int
    client_id: int | None
    incident_ids: tuple[int, ...] = ()
    session_ids: tuple[int, ...] = ()
    agreement_ids: tuple[int, ...] = ()
    follow_up_ids: tuple[int, ...] = ()
    summary: str = ""
    conditions: tuple[str, ...] = ()

    @property
    def subject(self) -> tuple[str, int, int]:
        return subject_key(self.rule, self.client_id, self.therapist_id)

    @property
    def evidence_keys(self) -> frozenset[str]:
        keys = evidence_keys(self.incident_ids, self.session_ids, self.agreement_ids, self.follow_up_ids)
        return keys | set(self.conditions)

    @property
    def fingerprint(self) -> str:
        return fingerprint(self.evidence_keys)


def subject_key(rule: str, client_id: int | None, therapist_id: int) -> tuple[str, int, int]:
    """(rule, client, therapist) with 0 for the part that is not the subject; sorts and compares."""
    if rule in THERAPIST_LEVEL_RULES:
        return (rule, 0, therapist_id)
    return (rule, client_id, 0)


def evidence_keys(incident_ids=(), session_ids=(), agreement_ids=(), follow_up_ids=()) -> frozenset[str]:
    return frozenset(
        [f"incident:{pk}" for pk in incident_ids]
        + [f"session:{pk}" for pk in session_ids]
        + [f"agreement:{pk}" for pk in agreement_ids]
        + [f"follow_up:{pk}" for pk in follow_up_ids]
    )


def fingerprint(keys: Iterable[str]) -> str:
    """SHA-256 of the sorted evidence keys: the same facts give the same digest."""
    return hashlib.sha256("\n".join(sorted(keys)).encode()).hexdigest()


# Scope -----------------------------------------------------------------------------------------


def subject_q(rule: str, *, client_ids=None, therapist_ids=None) -> Q:
    """The flags (of one practice and ``rule``) whose subject an evaluation with this scope covers."""
    q = Q()
    if rule in THERAPIST_LEVEL_RULES:
        if client_ids is not None:
            q &= Q(therapist_id__in=Client.objects.filter(pk__in=client_ids).values("therapist_id"))
        if therapist_ids is not None:
            q &= Q(therapist_id__in=therapist_ids)
        return q
    if client_ids is not None:
        q &= Q(client_id__in=client_ids)
    if therapist_ids is not None:
        q &= Q(therapist_id__in=therapist_ids)
    return q


def _scoped(queryset: QuerySet, practice, client_ids, therapist_ids, *, client: str = "client__") -> QuerySet:
    """Rows of ``practice`` belonging to the clients in scope, archived ones left out; ``client`` is
    the path to the client."""
    lookups = {f"{client}practice_id": practice.pk, f"{client}archived_at__isnull": True}
    if client and any(field.name == "archived_at" for field in queryset.model._meta.concrete_fields):
        lookups["archived_at__isnull"] = True  # an archived draft counts for nothing
    if client_ids is not None:
        lookups[f"{client}pk__in"] = client_ids
    if therapist_ids is not None:
        lookups[f"{client}therapist_id__in"] = therapist_ids
    return queryset.filter(**lookups)


def _incidents(practice, client_ids, therapist_ids) -> QuerySet:
    return _scoped(Incident.objects.order_by(), practice, client_ids, therapist_ids)


def _sessions(practice, client_ids, therapist_ids) -> QuerySet:
    # Planned sessions from the calendar count once they are logged, not before.
    return _scoped(Session.objects.logged().order_by(), practice, client_ids, therapist_ids)


def _within(field: str, now: datetime.datetime, days: int) -> Q:
    """``field`` fell within ``days`` days of ``now``: after ``now`` minus the days, not after ``now``."""
    return Q(**{f"{field}__gt": now - datetime.timedelta(days=days), f"{field}__lte": now})


def _zone(practice) -> zoneinfo.ZoneInfo:
    return zoneinfo.ZoneInfo(practice.time_zone)


def _today(practice, now: datetime.datetime) -> datetime.date:
    return now.astimezone(_zone(practice)).date()


def _day(practice, moment: datetime.datetime) -> str:
    return date_text(moment.astimezone(_zone(practice)).date())


def _plural(number: int, word: str, plural: str | None = None) -> str:
    return f"{number} {word if number == 1 else plural or word + 's'}"


def _category(code: str) -> str:
    return Category(code).label.lower()


def _harm(level: int) -> str:
    return HarmLevel(level).label.lower()


def _and(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def _sentence(parts: list[str]) -> str:
    text = "; ".join(parts)
    return text[0].upper() + text[1:] + "."


# The rules -------------------------------------------------------------------------------------


def find_therapist_high_risk(
    *, practice, thresholds: dict, now: datetime.datetime, client_ids=None, therapist_ids=None
) -> list[Finding]:
    """Therapist-initiated incidents in a high-risk category, or classified as violations: at once."""
    rows = (
        _incidents(practice, client_ids, therapist_ids)
        .filter(Q(category__in=HIGH_RISK_CATEGORIES) | Q(classification=Classification.VIOLATION))
        .filter(initiated_by=Initiator.THERAPIST)
        .order_by("client_id", "occurred_at", "pk")
        .values_list("client_id", "client__therapist_id", "pk", "category", "classification", "occurred_at")
    )
    by_client = defaultdict(list)
    for client_id, therapist_id, pk, category, classification, occurred_at in rows:
        by_client[(client_id, therapist_id)].append((pk, category, classification, occurred_at))
    findings = []
    for (client_id, therapist_id), incidents in by_client.items():
        described = [
            f"{_category(category)}{' (violation)' if cls == Classification.VIOLATION else ''} "
            f"on {_day(practice, occurred_at)}"
            for _, category, cls, occurred_at in incidents
        ]
        findings.append(
            Finding(
                rule=RuleCode.THERAPIST_HIGH_RISK,
                practice_id=practice.pk,
                therapist_id=therapist_id,
                client_id=client_id,
                incident_ids=tuple(pk for pk, *_ in incidents),
                summary=f"{_plural(len(incidents), 'therapist-initiated high-risk incident')}: "
                + "; ".join(described)
                + ".",
            )
        )
    return findings


def find_slippery_slope(
    *, practice, thresholds: dict, now: datetime.datetime, client_ids=None, therapist_ids=None
) -> list[Finding]:
    """A client's incidents in the window: enough of them with harm never decreasing, or spread wide."""
    days, min_incidents, min_categories = (
        thresholds["window_days"],
        thresholds["min_incidents"],
        thresholds["min_categories"],
    )
    in_order = ("occurred_at", "pk")
    rows = (
        _incidents(practice, client_ids, therapist_ids)
        .filter(_within("occurred_at", now, days))
        .values("client_id", "client__therapist_id")
        .annotate(
            number=Count("pk"),
            spread=Count("category", distinct=True),
            ids=ArrayAgg("pk", order_by=in_order),
            harms=ArrayAgg("harm", order_by=in_order),
            categories=ArrayAgg("category", distinct=True),
        )
        .filter(Q(number__gte=min_incidents) | Q(spread__gte=min_categories))
        .order_by("client_id")
    )
    findings = []
    for row in rows:
        harms = row["harms"]
        reasons = []
        if row["number"] >= min_incidents and all(a <= b for a, b in zip(harms, harms[1:], strict=False)):
            reasons.append(
                f"{row['number']} incidents within {days} days with harm never decreasing "
                f"(from {_harm(harms[0])} to {_harm(harms[-1])})"
            )
        if row["spread"] >= min_categories:
            categories = sorted(row["categories"], key=Category.values.index)
            reasons.append(
                f"incidents in {row['spread']} categories within {days} days "
                f"({'; '.join(_category(c) for c in categories)})"
            )
        if not reasons:
            continue
        findings.append(
            Finding(
                rule=RuleCode.SLIPPERY_SLOPE,
                practice_id=practice.pk,
                therapist_id=row["client__therapist_id"],
                client_id=row["client_id"],
                incident_ids=tuple(row["ids"]),
                summary=_sentence(reasons),
            )
        )
    return findings


def find_time_overruns(
    *, practice, thresholds: dict, now: datetime.datetime, client_ids=None, therapist_ids=None
) -> list[Finding]:
    """A client's sessions that ended in the window at least so many minutes past their scheduled end."""
    days, min_sessions, minutes = (
        thresholds["window_days"],
        thresholds["min_sessions"],
        thresholds["overrun_minutes"],
    )
    rows = (
        _sessions(practice, client_ids, therapist_ids)
        .filter(_within("actual_end", now, days), overrun__gte=datetime.timedelta(minutes=minutes))
        .values("client_id", "client__therapist_id")
        .annotate(number=Count("pk"), ids=ArrayAgg("pk", order_by="pk"), longest=Max("overrun"))
        .filter(number__gte=min_sessions)
        .order_by("client_id")
    )
    return [
        Finding(
            rule=RuleCode.TIME_OVERRUNS,
            practice_id=practice.pk,
            therapist_id=row["client__therapist_id"],
            client_id=row["client_id"],
            session_ids=tuple(row["ids"]),
            summary=f"{row['number']} sessions within {days} days ended {minutes} or more minutes late "
            f"(the longest by {int(row['longest'].total_seconds() // 60)} minutes).",
        )
        for row in rows
    ]


def _counted_incidents(rule, practice, rows, describe: Callable[[list[dict]], str]) -> list[Finding]:
    """One finding per client from rows grouped by client (and maybe category) with ``ids``."""
    by_client = defaultdict(list)
    for row in rows:
        by_client[(row["client_id"], row["client__therapist_id"])].append(row)
    return [
        Finding(
            rule=rule,
            practice_id=practice.pk,
            therapist_id=therapist_id,
            client_id=client_id,
            incident_ids=tuple(sorted(pk for row in groups for pk in row["ids"])),
            summary=describe(groups),
        )
        for (client_id, therapist_id), groups in by_client.items()
    ]


def find_repeated_category(
    *, practice, thresholds: dict, now: datetime.datetime, client_ids=None, therapist_ids=None
) -> list[Finding]:
    """A client's incidents in one category within the window, whoever initiated them."""
    days, min_incidents = thresholds["window_days"], thresholds["min_incidents"]
    rows = (
        _incidents(practice, client_ids, therapist_ids)
        .filter(_within("occurred_at", now, days))
        .values("client_id", "client__therapist_id", "category")
        .annotate(number=Count("pk"), ids=ArrayAgg("pk"))
        .filter(number__gte=min_incidents)
        .order_by("client_id", "category")
    )

    def describe(groups):
        in_order = sorted(groups, key=lambda row: Category.values.index(row["category"]))
        counts = "; ".join(f"{_category(row['category'])} ({row['number']})" for row in in_order)
        return f"Incidents repeated in one category within {days} days: {counts}."

    return _counted_incidents(RuleCode.REPEATED_CATEGORY, practice, rows, describe)


def find_disclosure_pattern(
    *, practice, thresholds: dict, now: datetime.datetime, client_ids=None, therapist_ids=None
) -> list[Finding]:
    """A client's self-disclosure incidents initiated by the therapist within the window."""
    days, min_incidents = thresholds["window_days"], thresholds["min_incidents"]
    rows = (
        _incidents(practice, client_ids, therapist_ids)
        .filter(_within("occurred_at", now, days))
        .filter(category=Category.DISCLOSURE, initiated_by=Initiator.THERAPIST)
        .values("client_id", "client__therapist_id")
        .annotate(number=Count("pk"), ids=ArrayAgg("pk"))
        .filter(number__gte=min_incidents)
        .order_by("client_id")
    )

    def describe(groups):
        return f"{groups[0]['number']} self-disclosures by the therapist within {days} days."

    return _counted_incidents(RuleCode.DISCLOSURE_PATTERN, practice, rows, describe)


def find_missing_precautions(
    *, practice, thresholds: dict, now: datetime.datetime, client_ids=None, therapist_ids=None
) -> list[Finding]:
    """Incidents of at least the given harm still lacking rationale, consent or consultation."""
    hours, min_harm = thresholds["grace_hours"], thresholds["min_harm"]
    lacking = {
        "rationale": Q(rationale__regex=BLANK),
        "client consent": Q(client_consent__regex=BLANK),
        "consultation": Q(consulted_with__regex=BLANK),
    }
    rows = (
        _incidents(practice, client_ids, therapist_ids)
        .filter(harm__gte=min_harm, documented_at__lte=now - datetime.timedelta(hours=hours))
        .filter(lacking["rationale"] | lacking["client consent"] | lacking["consultation"])
        .annotate(
            **{
                f"no_{index}": ExpressionWrapper(q, output_field=BooleanField())
                for index, q in enumerate(lacking.values())
            }
        )
        .order_by("client_id", "occurred_at", "pk")
        .values_list("client_id", "client__therapist_id", "pk", "harm", "occurred_at", "no_0", "no_1", "no_2")
    )
    by_client = defaultdict(list)
    for client_id, therapist_id, pk, harm, occurred_at, *missing in rows:
        gaps = [name for name, absent in zip(lacking, missing, strict=True) if absent]
        by_client[(client_id, therapist_id)].append(
            (pk, f"{_harm(harm)}-harm incident of {_day(practice, occurred_at)} lacks {_and(gaps)}")
        )
    return [
        Finding(
            rule=RuleCode.MISSING_PRECAUTIONS,
            practice_id=practice.pk,
            therapist_id=therapist_id,
            client_id=client_id,
            incident_ids=tuple(pk for pk, _ in incidents),
            summary=_sentence([text for _, text in incidents])[:-1]
            + f", {hours} hours or more after documenting.",
        )
        for (client_id, therapist_id), incidents in by_client.items()
    ]


def find_follow_up_overdue(
    *, practice, thresholds: dict, now: datetime.datetime, client_ids=None, therapist_ids=None
) -> list[Finding]:
    """Follow-ups whose due date has passed (in the practice's time zone) and that are not done.

    The subject is the client: a follow-up with no client (a therapist-level flag's plan) is
    chased by the owner's daily digest and the supervisee page instead.
    """
    rows = (
        _scoped(FollowUp.objects.order_by(), practice, client_ids, therapist_ids)
        .unarchived()
        .filter(client__isnull=False)
        .overdue(_today(practice, now))
        .order_by("client_id", "due_on", "pk")
        .values_list("client_id", "client__therapist_id", "pk", "due_on")
    )
    by_client = defaultdict(list)
    for client_id, therapist_id, pk, due in rows:
        by_client[(client_id, therapist_id)].append((pk, due))
    return [
        Finding(
            rule=RuleCode.FOLLOW_UP_OVERDUE,
            practice_id=practice.pk,
            therapist_id=therapist_id,
            client_id=client_id,
            follow_up_ids=tuple(pk for pk, _ in follow_ups),
            summary=f"{_plural(len(follow_ups), 'follow-up')} not done, due on "
            f"{_and([date_text(due) for _, due in follow_ups])}.",
        )
        for (client_id, therapist_id), follow_ups in by_client.items()
    ]


def find_unsigned_entry(
    *, practice, thresholds: dict, now: datetime.datetime, client_ids=None, therapist_ids=None
) -> list[Finding]:
    """Sessions and incidents still drafts the given number of hours after they were documented."""
    hours = thresholds["grace_hours"]
    old_drafts = {"status": EntryStatus.DRAFT, "documented_at__lte": now - datetime.timedelta(hours=hours)}
    columns = ("client_id", "client__therapist_id", "pk", "documented_at")
    entries = defaultdict(lambda: {"session": [], "incident": []})
    for kind, queryset in (
        ("session", _sessions(practice, client_ids, therapist_ids)),
        ("incident", _incidents(practice, client_ids, therapist_ids)),
    ):
        for client_id, therapist_id, pk, documented_at in (
            queryset.filter(**old_drafts).order_by("client_id", "pk").values_list(*columns)
        ):
            entries[(client_id, therapist_id)][kind].append((pk, documented_at))
    findings = []
    for (client_id, therapist_id), kinds in entries.items():
        oldest = min(documented_at for rows in kinds.values() for _, documented_at in rows)
        counted = [_plural(len(kinds[kind]), kind) for kind in ("session", "incident") if kinds[kind]]
        findings.append(
            Finding(
                rule=RuleCode.UNSIGNED_ENTRY,
                practice_id=practice.pk,
                therapist_id=therapist_id,
                client_id=client_id,
                session_ids=tuple(pk for pk, _ in kinds["session"]),
                incident_ids=tuple(pk for pk, _ in kinds["incident"]),
                summary=f"{_and(counted)} unsigned {hours} hours or more after documenting "
                f"(the oldest documented on {_day(practice, oldest)}).",
            )
        )
    return findings


def find_agreement_review_due(
    *, practice, thresholds: dict, now: datetime.datetime, client_ids=None, therapist_ids=None
) -> list[Finding]:
    """Active agreements of clients in therapy whose next review date has passed."""
    rows = (
        _scoped(BoundaryAgreement.objects.order_by(), practice, client_ids, therapist_ids)
        .filter(status=AgreementStatus.ACTIVE, client__status=ClientStatus.ACTIVE)
        .filter(next_review_on__lt=_today(practice, now))
        .order_by("client_id", "next_review_on", "pk")
        .values_list("client_id", "client__therapist_id", "pk", "category", "next_review_on")
    )
    by_client = defaultdict(list)
    for client_id, therapist_id, pk, category, review_on in rows:
        by_client[(client_id, therapist_id)].append(
            (pk, f"{_category(category)} agreement, due {date_text(review_on)}")
        )
    return [
        Finding(
            rule=RuleCode.AGREEMENT_REVIEW_DUE,
            practice_id=practice.pk,
            therapist_id=therapist_id,
            client_id=client_id,
            agreement_ids=tuple(pk for pk, _ in agreements),
            summary=f"Review overdue: {'; '.join(text for _, text in agreements)}.",
        )
        for (client_id, therapist_id), agreements in by_client.items()
    ]


def find_intake_incomplete(
    *, practice, thresholds: dict, now: datetime.datetime, client_ids=None, therapist_ids=None
) -> list[Finding]:
    """Active clients past the grace days since intake without an active agreement in a core category."""
    days = thresholds["grace_days"]
    core_active = Q(agreements__status=AgreementStatus.ACTIVE, agreements__category__in=CORE_CATEGORIES)
    rows = (
        _scoped(Client.objects.order_by(), practice, client_ids, therapist_ids, client="")
        .filter(status=ClientStatus.ACTIVE, intake_date__lte=_today(practice, now) - datetime.timedelta(days))
        .annotate(
            agreed=Count("agreements__category", filter=core_active, distinct=True),
            categories=ArrayAgg("agreements__category", filter=core_active, distinct=True),
        )
        .filter(agreed__lt=len(CORE_CATEGORIES))
        .order_by("pk")
        .values_list("pk", "therapist_id", "intake_date", "categories")
    )
    findings = []
    for client_id, therapist_id, intake_date, categories in rows:
        missing = [category for category in CORE_CATEGORIES if category not in (categories or ())]
        findings.append(
            Finding(
                rule=RuleCode.INTAKE_INCOMPLETE,
                practice_id=practice.pk,
                therapist_id=therapist_id,
                client_id=client_id,
                conditions=tuple(f"missing:{category}" for category in missing),
                summary=f"Intake on {date_text(intake_date)}; no active agreement on "
                f"{'; '.join(_category(c) for c in missing)}.",
            )
        )
    return findings


def find_therapist_pattern(
    *, practice, thresholds: dict, now: datetime.datetime, client_ids=None, therapist_ids=None
) -> list[Finding]:
    """A therapist's own crossings within the window: with many clients, or concentrated on one."""
    days, min_clients, min_incidents = (
        thresholds["window_days"],
        thresholds["min_clients"],
        thresholds["min_incidents"],
    )
    incidents = Incident.objects.order_by().filter(
        client__practice_id=practice.pk, client__archived_at__isnull=True, archived_at__isnull=True
    )
    if client_ids is not None:
        # Their therapists as plain ids, so that the planner sees how few clients that means.
        therapists = (
            Client.objects.order_by().filter(pk__in=client_ids).values_list("therapist_id", flat=True)
        )
        incidents = incidents.filter(client__therapist_id__in=sorted(set(therapists)))
    if therapist_ids is not None:
        incidents = incidents.filter(client__therapist_id__in=therapist_ids)
    rows = (
        incidents.filter(_within("occurred_at", now, days), initiated_by=Initiator.THERAPIST)
        .values("client__therapist_id", "client_id", "client__code")
        .annotate(number=Count("pk"), ids=ArrayAgg("pk"))
        .order_by("client__therapist_id", "client_id")
    )
    by_therapist = defaultdict(list)
    for row in rows:
        by_therapist[row["client__therapist_id"]].append(row)
    findings = []
    for therapist_id, clients in by_therapist.items():
        total = sum(row["number"] for row in clients)
        top = max(clients, key=lambda row: row["number"])
        reasons = []
        if len(clients) >= min_clients:
            reasons.append(
                f"therapist-initiated incidents with {len(clients)} different clients within {days} days"
            )
        if total >= min_incidents and 2 * top["number"] > total:
            reasons.append(
                f"{top['client__code']} accounts for {top['number']} of {total} therapist-initiated "
                f"incidents within {days} days"
            )
        if not reasons:
            continue
        findings.append(
            Finding(
                rule=RuleCode.THERAPIST_PATTERN,
                practice_id=practice.pk,
                therapist_id=therapist_id,
                client_id=None,
                incident_ids=tuple(sorted(pk for row in clients for pk in row["ids"])),
                summary=_sentence(reasons),
            )
        )
    return findings


FINDERS: dict[str, Callable[..., list[Finding]]] = {
    RuleCode.THERAPIST_HIGH_RISK: find_therapist_high_risk,
    RuleCode.SLIPPERY_SLOPE: find_slippery_slope,
    RuleCode.TIME_OVERRUNS: find_time_overruns,
    RuleCode.REPEATED_CATEGORY: find_repeated_category,
    RuleCode.DISCLOSURE_PATTERN: find_disclosure_pattern,
    RuleCode.MISSING_PRECAUTIONS: find_missing_precautions,
    RuleCode.FOLLOW_UP_OVERDUE: find_follow_up_overdue,
    RuleCode.UNSIGNED_ENTRY: find_unsigned_entry,
    RuleCode.AGREEMENT_REVIEW_DUE: find_agreement_review_due,
    RuleCode.INTAKE_INCOMPLETE: find_intake_incomplete,
    RuleCode.THERAPIST_PATTERN: find_therapist_pattern,
}
