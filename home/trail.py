"""The audit trail: what happened in the practice, who did it and to which client, as sentences.

It stands on the top floor because it reads every app's records: the access records (audit/),
the signatures (the change history of sessions and incidents), the flag decisions (flag events)
and the change history of rule settings, the practice's settings and supervision assignments.
Only a practice admin reads it, and only their own practice's; anyone else gets a 403 (the page
is about the role, not about an object whose existence could leak). The URL names stay
``audit:trail`` and ``audit:trail_csv`` (config/urls.py).

The kinds are one UNION of one query each, ordered by time and paginated in the database; a
page then costs one query per kind of label it shows (users, sessions, incidents, flags,
assignment, rule and practice changes), whatever its length.
"""

import datetime
from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import (
    BigIntegerField,
    CharField,
    Exists,
    F,
    Func,
    OuterRef,
    Q,
    TextField,
    Value,
    Window,
)
from django.db.models.fields.json import KeyTextTransform
from django.db.models.functions import Cast, JSONObject, Lag
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET

from accounts.decorators import require_recent_password
from accounts.models import Practice, SupervisionAssignment, User, Weekday
from accounts.security_log import log_event
from audit.forms import TrailFilterForm, TrailKind
from audit.models import AccessRecord
from common.csv_export import csv_response
from common.dates import date_text, time_text
from sessions_log.models import EntryStatus, Incident, Session
from supervision.models import Flag, FlagEvent, FlagEventKind, RuleCode, RuleSetting

PAGE_SIZE = 50
CSV_COLUMNS = ["at", "who", "user id", "what", "sentence", "client code", "link", "ip", "request id"]

# The columns every kind's query selects, in this order (a UNION matches them by position).
COLUMNS = (
    "t_at",
    "t_kind",
    "t_actor",
    "t_client",
    "t_code",
    "t_object",
    "t_detail",
    "t_ref",
    "t_ip",
    "t_request",
)

# What the actors did to a flag; the system's own events (opened, evidence, auto-closed) are not
# decisions and stay out of the trail.
DECISIONS = {
    FlagEventKind.ACKNOWLEDGED: "acknowledged",
    FlagEventKind.COMMENTED: "commented on",
    FlagEventKind.RETURNED: "returned an entry of",
    FlagEventKind.CLASSIFIED: "set the final classification on",
    FlagEventKind.RESOLVED: "resolved",
    FlagEventKind.DISMISSED: "dismissed",
    FlagEventKind.ESCALATED: "escalated",
    FlagEventKind.REPLIED: "replied on",
}

PRACTICE_FIELDS = {
    "time_zone": "time zone",
    "usual_session_minutes": "usual session length",
    "working_days": "working days",
    "work_starts": "start of working hours",
    "work_ends": "end of working hours",
    "require_two_factor_for_all": "two-factor for all",
    "client_code_pattern": "client-code pattern",
    "client_code_help": "client-code description",
    "name": "name",
}

# Access records: how each kind of page is named in a sentence.
PAGES = {
    "client": "the client page of",
    "client_edit": "the edit page of",
    "timeline": "the timeline of",
    "agreement": "an agreement of",
    "agreement_print": "the agreement sheet of",
    "agreement_pdf": "the agreement sheet (PDF) of",
    "follow_up": "a follow-up of",
    "export_flags": "the flags (CSV)",
    "export_incidents": "the incidents (CSV)",
    "flags_csv": "the flags (CSV)",
    "incidents_csv": "the incidents (CSV)",
    "home": "the home page",
    "client_list": "the client list",
    "client_code_review": "the client codes to correct",
    "flag_queue": "the flag queue",
    "practice_dashboard": "the practice dashboard",
    "my_flags": "their flags",
    "my_follow_ups": "their follow-ups",
    "audit_trail": "the audit trail",
    "audit_trail_csv": "the audit trail (CSV)",
}


def _row(queryset, **columns):
    """``queryset`` selecting exactly ``COLUMNS``; ``columns`` gives each its expression."""
    missing = {
        "t_client": Value(None, output_field=BigIntegerField()),
        "t_code": Value(None, output_field=CharField()),
        "t_object": Value(None, output_field=BigIntegerField()),
        "t_detail": Value("", output_field=CharField()),
        "t_ref": Value(None, output_field=BigIntegerField()),
        "t_ip": Value(None, output_field=TextField()),
        "t_request": Value("", output_field=CharField()),
    }
    expressions = {name: columns.get(name, missing.get(name)) for name in COLUMNS}
    return queryset.order_by().annotate(**expressions).values(*COLUMNS)


def _context_user():
    return Cast(KeyTextTransform("user", "pgh_context__metadata"), BigIntegerField())


def _context_request():
    return Cast(KeyTextTransform("request_id", "pgh_context__metadata"), CharField())


def _access(practice_id, kinds):
    actions = [kind for kind in (TrailKind.VIEWED, TrailKind.PRINTED, TrailKind.EXPORTED) if kind in kinds]
    return _row(
        AccessRecord.objects.filter(practice_id=practice_id, action__in=actions),
        t_at=F("at"),
        t_kind=Cast("action", CharField()),
        t_actor=Cast("user_id", BigIntegerField()),
        t_client=Cast("client_id", BigIntegerField()),
        t_code=F("client__code"),
        t_object=F("object_id"),
        t_detail=F("object_type"),
        t_ref=Cast("pk", BigIntegerField()),
        t_ip=Func(F("ip"), function="host", output_field=TextField()),
        t_request=F("request_id"),
    )


def _signatures(practice_id, model, detail):
    """The change-history events in which an entry became signed: one per entry."""
    history = model.pgh_event_model.objects
    earlier = history.filter(
        pgh_obj_id=OuterRef("pgh_obj_id"), status=EntryStatus.SIGNED, pgh_id__lt=OuterRef("pgh_id")
    )
    return _row(
        history.filter(client__practice_id=practice_id, status=EntryStatus.SIGNED).filter(~Exists(earlier)),
        t_at=F("signed_at"),
        t_kind=Value(TrailKind.SIGNED, output_field=CharField()),
        t_actor=Cast("signed_by_id", BigIntegerField()),
        t_client=Cast("client_id", BigIntegerField()),
        t_code=F("client__code"),
        t_object=Cast("pgh_obj_id", BigIntegerField()),
        t_detail=Value(detail, output_field=CharField()),
        t_ref=Cast("pgh_id", BigIntegerField()),
        t_request=_context_request(),
    )


def _decisions(practice_id):
    return _row(
        FlagEvent.objects.filter(flag__practice_id=practice_id, kind__in=DECISIONS, actor__isnull=False),
        t_at=F("created_at"),
        t_kind=Value(TrailKind.FLAG, output_field=CharField()),
        t_actor=Cast("actor_id", BigIntegerField()),
        t_client=Cast("flag__client_id", BigIntegerField()),
        t_code=F("flag__client__code"),
        t_object=Cast("flag_id", BigIntegerField()),
        t_detail=Cast("kind", CharField()),
        t_ref=Cast("pk", BigIntegerField()),
    )


def _changes(history, kind, scope: Q):
    return _row(
        history.objects.filter(scope),
        t_at=F("pgh_created_at"),
        t_kind=Value(kind, output_field=CharField()),
        t_actor=_context_user(),
        t_object=Cast("pgh_obj_id", BigIntegerField()),
        t_detail=Cast("pgh_label", CharField()),
        t_ref=Cast("pgh_id", BigIntegerField()),
        t_request=_context_request(),
    )


def trail_rows(*, practice_id: int, data: dict):
    """The practice's trail, newest first, narrowed by the filter form's cleaned ``data``."""
    kinds = {data["kind"]} if data.get("kind") else set(TrailKind.values)
    client_code = data.get("client")
    parts = []
    if kinds & {TrailKind.VIEWED, TrailKind.PRINTED, TrailKind.EXPORTED}:
        parts.append(_access(practice_id, kinds))
    if TrailKind.SIGNED in kinds:
        parts += [
            _signatures(practice_id, Session, "session"),
            _signatures(practice_id, Incident, "incident"),
        ]
    if TrailKind.FLAG in kinds:
        parts.append(_decisions(practice_id))
    # Changes to settings are about no one client: a client filter leaves them out.
    if not client_code:
        if TrailKind.RULE in kinds:
            parts.append(_changes(RuleSetting.pgh_event_model, TrailKind.RULE, Q(practice_id=practice_id)))
        if TrailKind.PRACTICE in kinds:
            # The practice's creation is no one's change of its settings.
            scope = Q(pgh_obj_id=practice_id, pgh_label="update")
            parts.append(_changes(Practice.pgh_event_model, TrailKind.PRACTICE, scope))
        if TrailKind.ASSIGNMENT in kinds:
            parts.append(
                _changes(
                    SupervisionAssignment.pgh_event_model, TrailKind.ASSIGNMENT, Q(practice_id=practice_id)
                )
            )
    filters = Q()
    if data.get("user"):
        filters &= Q(t_actor=data["user"].pk)
    if client_code:
        filters &= Q(t_code=client_code)
    if data.get("start"):
        filters &= Q(t_at__gte=_midnight(data["start"]))
    if data.get("end"):
        filters &= Q(t_at__lt=_midnight(data["end"] + datetime.timedelta(days=1)))
    parts = [part.filter(filters) for part in parts]
    if not parts:
        return AccessRecord.objects.none().values(*COLUMNS)
    first, *others = parts
    return first.union(*others, all=True).order_by("-t_at", "-t_ref")


def _midnight(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


@dataclass
class Entry:
    """One line of the trail: ``actor verb`` then ``target`` (a link where there is a page)."""

    at: datetime.datetime
    kind: str
    actor: User | None
    actor_id: int | None
    verb: str
    target: str
    url: str = ""
    client_code: str = ""
    ip: str = ""
    request_id: str = ""
    detail: list[str] = field(default_factory=list)

    @property
    def actor_name(self) -> str:
        if self.actor is not None:
            return str(self.actor)
        return f"user {self.actor_id}" if self.actor_id else "The system"

    @property
    def sentence(self) -> str:
        return f"{self.actor_name} {self.verb} {self.target}".strip()


def _day(moment) -> str:
    return date_text(moment) if moment else ""


def _diffs(history, refs, fields, scope: Q) -> dict[int, tuple[dict, dict | None]]:
    """Each event in ``refs`` with the row before it: one query over the scope's history."""
    if not refs:
        return {}
    rows = (
        history.objects.filter(scope, pgh_id__lte=max(refs))
        .annotate(
            previous=Window(
                Lag(JSONObject(**{name: name for name in fields})),
                partition_by=[F("pgh_obj_id")],
                order_by=F("pgh_id").asc(),
            )
        )
        .values("pgh_id", "previous", *fields)
    )
    return {row["pgh_id"]: row for row in rows if row["pgh_id"] in refs}


def _changed(row, fields) -> list[str]:
    previous = row["previous"]
    if previous is None:
        return []
    changed = []
    for name in fields:
        before, after = previous.get(name), row[name]
        if isinstance(after, datetime.time):
            after = after.isoformat()
        if before != after and not (isinstance(after, str) and str(before) == after):
            changed.append(name)
    return changed


def _weekdays(days) -> str:
    return ", ".join(Weekday(day).label[:3] for day in days or [])


def build_entries(rows, *, practice_id: int) -> list[Entry]:
    """The page's rows as sentences: one query per kind of label the page needs."""
    rows = list(rows)

    def ids(kind, *, detail=None, column="t_object"):
        return {
            row[column]
            for row in rows
            if row["t_kind"] == kind
            and row[column] is not None
            and (detail is None or row["t_detail"] in detail)
        }

    access_kinds = {TrailKind.VIEWED, TrailKind.PRINTED, TrailKind.EXPORTED}
    session_ids = {
        r["t_object"]
        for r in rows
        if r["t_detail"] == "session" and r["t_kind"] in (*access_kinds, TrailKind.SIGNED)
    }
    incident_ids = {
        r["t_object"]
        for r in rows
        if r["t_detail"] == "incident" and r["t_kind"] in (*access_kinds, TrailKind.SIGNED)
    }
    flag_ids = ids(TrailKind.FLAG) | {
        r["t_object"] for r in rows if r["t_kind"] in access_kinds and r["t_detail"] == "flag"
    }
    sessions = (
        dict(Session.objects.filter(pk__in=session_ids).values_list("pk", "scheduled_start"))
        if session_ids
        else {}
    )
    incidents = (
        dict(Incident.objects.filter(pk__in=incident_ids).values_list("pk", "occurred_at"))
        if incident_ids
        else {}
    )
    flags = (
        dict(Flag.objects.filter(pk__in=flag_ids, practice_id=practice_id).values_list("pk", "rule"))
        if flag_ids
        else {}
    )
    assignment_refs = ids(TrailKind.ASSIGNMENT, column="t_ref")
    assignments = (
        {
            row["pgh_id"]: row
            for row in SupervisionAssignment.pgh_event_model.objects.filter(
                pgh_id__in=assignment_refs
            ).values("pgh_id", "therapist_id", "supervisor_id", "starts_on", "ends_on")
        }
        if assignment_refs
        else {}
    )
    rule_changes = _diffs(
        RuleSetting.pgh_event_model,
        ids(TrailKind.RULE, column="t_ref"),
        ["rule", "enabled", "thresholds"],
        Q(practice_id=practice_id),
    )
    practice_changes = _diffs(
        Practice.pgh_event_model,
        ids(TrailKind.PRACTICE, column="t_ref"),
        list(PRACTICE_FIELDS),
        Q(pgh_obj_id=practice_id),
    )
    user_ids = {row["t_actor"] for row in rows if row["t_actor"]}
    user_ids |= {r["t_object"] for r in rows if r["t_kind"] in access_kinds and r["t_detail"] == "supervisee"}
    for assignment in assignments.values():
        user_ids |= {assignment["therapist_id"], assignment["supervisor_id"]}
    users = (
        {user.pk: user for user in User.objects.filter(pk__in=user_ids, practice_id=practice_id)}
        if user_ids
        else {}
    )

    entries = []
    for row in rows:
        entry = Entry(
            at=row["t_at"],
            kind=row["t_kind"],
            actor=users.get(row["t_actor"]),
            actor_id=row["t_actor"],
            verb="",
            target="",
            client_code=row["t_code"] or "",
            ip=row["t_ip"] or "",
            request_id=row["t_request"] or "",
        )
        code, pk, detail = row["t_code"], row["t_object"], row["t_detail"]
        kind = row["t_kind"]
        if kind in access_kinds:
            entry.verb = TrailKind(kind).label.lower()
            entry.target, entry.url = _access_target(
                detail, pk, code, row["t_client"], sessions, incidents, flags, users
            )
        elif kind == TrailKind.SIGNED:
            when = _day((sessions if detail == "session" else incidents).get(pk))
            entry.verb = "signed"
            entry.target = f"the {detail} of {code}" + (f" of {when}" if when else "")
            entry.url = reverse(f"sessions_log:{detail}_detail", args=[pk])
        elif kind == TrailKind.FLAG:
            rule = flags.get(pk)
            entry.verb = DECISIONS.get(detail, detail)
            entry.target = f"the flag “{RuleCode(rule).label if rule else 'flag'}”" + (
                f" on {code}" if code else ""
            )
            entry.url = reverse("supervision:flag_detail", args=[pk])
        elif kind == TrailKind.RULE:
            change = rule_changes.get(row["t_ref"])
            rule = RuleCode(change["rule"]).label if change else "a rule"
            entry.verb = "changed"
            entry.target = f"the rule {rule}"
            entry.url = reverse("supervision:rule_setting_edit", args=[change["rule"]]) if change else ""
            if change:
                if change["previous"] is None:
                    entry.detail.append("first saved")
                if "enabled" in _changed(change, ["enabled"]) or change["previous"] is None:
                    entry.detail.append("switched on" if change["enabled"] else "switched off")
                if "thresholds" in _changed(change, ["thresholds"]):
                    entry.detail.append(
                        "thresholds " + ", ".join(f"{k} {v}" for k, v in sorted(change["thresholds"].items()))
                    )
        elif kind == TrailKind.PRACTICE:
            change = practice_changes.get(row["t_ref"])
            entry.verb = "changed"
            entry.target = "the practice settings"
            entry.url = reverse("practice:settings")
            if change:
                for name in _changed(change, PRACTICE_FIELDS):
                    value = change[name]
                    if name == "working_days":
                        value = _weekdays(value)
                    elif name == "require_two_factor_for_all":
                        value = "on" if value else "off"
                    elif isinstance(value, datetime.time):
                        value = time_text(value)
                    entry.detail.append(f"{PRACTICE_FIELDS[name]} {value}")
        elif kind == TrailKind.ASSIGNMENT:
            assignment = assignments.get(row["t_ref"])
            entry.verb = {"insert": "added", "delete": "removed"}.get(detail, "changed")
            if assignment:
                supervisor = users.get(assignment["supervisor_id"], "a supervisor")
                therapist = users.get(assignment["therapist_id"], "a therapist")
                entry.target = f"the supervision of {therapist} by {supervisor}"
                ends = f" to {date_text(assignment['ends_on'])}" if assignment["ends_on"] else ""
                entry.detail.append(f"from {date_text(assignment['starts_on'])}{ends}")
            else:
                entry.target = "a supervision assignment"
        entries.append(entry)
    return entries


def _access_target(object_type, pk, code, client_id, sessions, incidents, flags, users) -> tuple[str, str]:
    if object_type == "session":
        when = _day(sessions.get(pk))
        return f"the session of {code}" + (f" of {when}" if when else ""), reverse(
            "sessions_log:session_detail", args=[pk]
        )
    if object_type == "incident":
        when = _day(incidents.get(pk))
        return f"the incident of {code}" + (f" of {when}" if when else ""), reverse(
            "sessions_log:incident_detail", args=[pk]
        )
    if object_type == "flag":
        rule = flags.get(pk)
        label = f"the flag “{RuleCode(rule).label}”" if rule else "a flag"
        return label + (f" on {code}" if code else ""), reverse(
            "supervision:flag_detail", args=[pk]
        ) if pk else ""
    if object_type == "supervisee":
        return f"the supervision page of {users.get(pk, 'a therapist')}", (
            reverse("supervision:supervisee", args=[pk]) if pk else ""
        )
    url = AccessRecord(object_type=object_type, object_id=pk, client_id=client_id).object_url()
    page = PAGES.get(object_type)
    if page is None:
        page = f"the {object_type.replace('_', ' ')} of" if code else object_type.replace("_", " ")
    return f"{page} {code}" if code and page.endswith(" of") else page, url


def _refuse_non_admins(request) -> None:
    if not request.user.is_practice_admin or request.user.practice_id is None:
        raise PermissionDenied("The audit trail is for practice admins.")


def _filtered(request):
    user = request.user
    _refuse_non_admins(request)
    form = TrailFilterForm(request.GET or None, practice=user.practice_id)
    if form.is_bound and not form.is_valid():
        return form, None
    data = form.cleaned_data if form.is_bound else {}
    return form, trail_rows(practice_id=user.practice_id, data=data)


@require_GET
def trail(request):
    form, rows = _filtered(request)
    if rows is None:
        return render(request, "audit/trail.html", {"form": form, "page": None, "entries": []})
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    entries = build_entries(page.object_list, practice_id=request.user.practice_id)
    return render(request, "audit/trail.html", {"form": form, "page": page, "entries": entries})


@require_GET
@require_recent_password(guard=_refuse_non_admins)
def trail_csv(request):
    """The filtered trail as CSV, newest first; times in the practice's time zone, to the second."""
    form, rows = _filtered(request)
    if rows is None:
        return render(request, "audit/trail.html", {"form": form, "page": None, "entries": []}, status=400)
    log_event("export", request=request, what="audit_trail")
    zone = timezone.get_current_timezone()
    practice_id = request.user.practice_id
    base = request.build_absolute_uri("/").rstrip("/")

    def lines():
        # The sentences are built a chunk at a time, so their label queries stay a few per chunk.
        chunk = []
        for row in rows.iterator(chunk_size=2000):
            chunk.append(row)
            if len(chunk) == 500:
                yield from _csv_lines(chunk, practice_id, zone, base)
                chunk = []
        yield from _csv_lines(chunk, practice_id, zone, base)

    return csv_response(
        f"alliance-audit-{timezone.localdate():%Y-%m-%d}.csv", CSV_COLUMNS, lines(), stream=True
    )


def _csv_lines(rows, practice_id, zone, base):
    with timezone.override(zone):
        entries = build_entries(rows, practice_id=practice_id) if rows else []
    for entry in entries:
        sentence = entry.sentence + (f" ({'; '.join(entry.detail)})" if entry.detail else "")
        yield [
            timezone.localtime(entry.at, zone).isoformat(timespec="seconds"),
            entry.actor_name,
            entry.actor_id or "",
            TrailKind(entry.kind).label,
            sentence,
            entry.client_code,
            f"{base}{entry.url}" if entry.url else "",
            entry.ip,
            entry.request_id,
        ]
