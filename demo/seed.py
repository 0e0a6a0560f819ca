"""Demo data (DESIGN §6): two practices, their cast, and months of records to review.

``seed_demo`` loads Riverside Practice (an admin, two supervisors, three therapists with a dozen
clients each) and Lakeside Practice (a second tenant), then fills nine months of agreements,
weekly sessions, incidents with their follow-ups (tasks: open, overdue and done) and addenda,
relative to ``today``. The scripted cases give every rule of DESIGN §4 something to fire on;
everything else is ordinary, varied practice. Flags are the rule engine's: the load ends with its
first sweep, and then plays the closing loop of DESIGN §2 journey 4 on some of dr.chen's flags
through the real services (``demo.builder.close_the_loop``): a flag resolved with a corrective
plan and replied on, a flag's returned entry answered by an addendum and another still waiting,
and a follow-up added by hand on a client.

The same seed gives the same shape on any day; the dates move with ``today``. A second run finds
the demo practices and writes nothing. ``scale`` multiplies Riverside's therapists (and so its
clients and records) for performance work; the extra therapists repeat the scripted cases.

``size`` names a practice of a given size instead (``SIZES``; "practice-large" is 60 therapists,
6 supervisors, 3,000 clients, 150,000 sessions and 30,000 incidents in Riverside): the scripted
cast and cases of scale 1 are loaded as ever, then Riverside is filled up to the size with ordinary
practice, years of it, drawn from a random generator of its own (so the scripted cases do not
change) and written with PostgreSQL's COPY, not one INSERT per row.

This module is the entry point: it checks the database, then calls the parts in order and writes
what they plan, with the change-history triggers off. ``demo.cases`` holds the cast and the
scripted cases, ``demo.builder`` the helpers that build rows from them, ``demo.bulk`` the filler
for ``size``.
"""

import contextlib
import datetime
import zoneinfo

from django.contrib.auth.hashers import make_password
from django.db import connection, transaction
from django.utils import timezone

from accounts.models import Practice, Role, User
from clients.models import Client
from demo.builder import (
    DemoBuilder,
    PracticeSize,
    close_the_loop,
    hold_meetings,
    require_cosignature,
    reserve_ids,
    sign_entries,
    sweep_moment,
)
from demo.bulk import PracticeFiller
from demo.cases import (
    CLIENTS_PER_THERAPIST,
    LAKESIDE,
    LAKESIDE_PROFILE,
    PROFILES,
    RIVERSIDE,
    RIVERSIDE_ASSIGNMENTS,
)
from sessions_log.models import Addendum, FollowUp, Incident, Session
from supervision.engine import evaluate

DEMO_PASSWORD = "alliance-demo"  # noqa: S105 - published in the README; demo data only


class DemoDataConflict(Exception):
    """The database holds accounts with demo usernames but no demo practices."""


SIZES = {
    "practice-large": PracticeSize(
        "practice-large", therapists=60, supervisors=6, clients=3000, sessions=150_000, incidents=30_000
    ),
}


def seed_demo(
    *, scale: int = 1, size: str | None = None, today: datetime.date | None = None, stdout=None
) -> dict[str, int]:
    """Load the demo practices and their records; return how many rows of each kind were written.

    Writes nothing (and returns zero counts) when a demo practice already exists. Raises
    ``DemoDataConflict`` when demo usernames are taken outside the demo practices.
    """
    if scale < 1:
        raise ValueError("scale must be at least 1")
    if size is not None and (size not in SIZES or scale != 1):
        raise ValueError(f"size must be one of {', '.join(SIZES)}, and scale 1 with it")
    today = today or timezone.localdate(timezone=zoneinfo.ZoneInfo(RIVERSIDE.time_zone))
    builder = DemoBuilder(scale=scale, today=today, size=SIZES[size] if size else None)
    if Practice.objects.filter(name__in=[RIVERSIDE.name, LAKESIDE.name]).exists():
        _write(stdout, "The demo practices already exist: nothing changed.")
        return dict.fromkeys(builder.counts, 0)
    taken = sorted(User.objects.filter(username__in=builder.usernames()).values_list("username", flat=True))
    if taken:
        raise DemoDataConflict(
            f"These demo usernames are already taken: {', '.join(taken)}. "
            "Load the demo into an empty database."
        )
    with transaction.atomic():
        # A bulk load, not a request: the per-statement timeout that protects requests
        # (DATABASE_STATEMENT_TIMEOUT) would cut the COPY of a large practice short.
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL statement_timeout = 0")
        with _without_change_history():
            counts = _build(builder)
    _write(stdout, _summary(builder))
    return counts


def _build(builder: DemoBuilder) -> dict[str, int]:
    """Write the cast, the clients with their scripted cases and ordinary records, then any bulk fill."""
    password = make_password(DEMO_PASSWORD)  # once: hashing is deliberately slow
    riverside = builder.create_practice(RIVERSIDE)
    lakeside = builder.create_practice(LAKESIDE)
    extra, extra_pairs = builder.extra_people()
    builder.create_users(riverside, [*RIVERSIDE.people, *extra], password)
    builder.create_users(lakeside, list(LAKESIDE.people), password)
    starts = 200 if builder.size is None else builder.size.years * 365 + 30
    extra_assignments = [(supervisor, therapist, starts, None) for supervisor, therapist in extra_pairs]
    assignments = [*RIVERSIDE_ASSIGNMENTS, *extra_assignments]
    builder.create_assignments(riverside, assignments)

    supervisor_of = {therapist: sup for sup, therapist, _, ends in assignments if ends is None}
    # With a size, only the scripted cast repeats the scripted cases; ``fill`` does the rest.
    scripted_cast = RIVERSIDE.people if builder.size else (*RIVERSIDE.people, *extra)
    therapists = [p.username for p in scripted_cast if p.role == Role.THERAPIST]
    for number, username in enumerate(therapists):
        builder.plan_clients(
            riverside,
            builder.users[username],
            f"{builder.users[supervisor_of[username]].get_full_name()}, clinical supervisor",
            PROFILES[number % len(PROFILES)],
            code_stem=f"{RIVERSIDE.code_prefix}-{number + 1:02d}",
            slots=range(CLIENTS_PER_THERAPIST),
        )
    builder.plan_clients(
        lakeside,
        builder.users["other.therapist"],
        "Peer consultation group",
        LAKESIDE_PROFILE,
        code_stem=f"{LAKESIDE.code_prefix}-01",
        slots=(0, 1, 2, 6, 11),
    )
    Client.objects.bulk_create([plan.client for plan in builder.plans])
    builder.counts["clients"] = len(builder.plans)

    for plan in builder.plans:
        builder.plan_agreements(plan)
    builder.write_agreements(builder.plans)
    for plan in builder.plans:
        builder.plan_sessions(plan)
    sessions = [session for plan in builder.plans for session in plan.sessions]
    reserve_ids(Session, sessions)
    for plan in builder.plans:
        for item in plan.profile.incidents:
            if item.slot == plan.slot:
                builder.add_incident(
                    plan, item.text, item.days_ago, item.consulted, item.follow_up, draft=item.draft
                )
        builder.plan_routine_incidents(plan)
    incidents = [incident for plan in builder.plans for incident in plan.incidents]
    reserve_ids(Incident, incidents)
    for username in [*therapists, "other.therapist"]:
        builder.plan_addenda([plan for plan in builder.plans if plan.therapist.username == username])

    sign_entries((*sessions, *incidents))
    Session.objects.bulk_create(sessions, batch_size=2000)
    Incident.objects.bulk_create(incidents, batch_size=2000)
    Addendum.objects.bulk_create(builder.addenda)
    follow_ups = [follow_up for plan in builder.plans for follow_up in plan.follow_ups]
    FollowUp.objects.bulk_create(follow_ups, batch_size=2000)
    builder.counts.update(
        sessions=len(sessions),
        incidents=len(incidents),
        addenda=len(builder.addenda),
        follow_ups=len(follow_ups),
    )
    if builder.size is not None:
        riverside_plans = [plan for plan in builder.plans if plan.practice == riverside]
        PracticeFiller(builder, riverside, [builder.users[t] for _s, t in extra_pairs], supervisor_of).fill(
            clients=len(riverside_plans),
            sessions=sum(len(plan.sessions) for plan in riverside_plans),
            incidents=sum(len(plan.incidents) for plan in riverside_plans),
        )
    # The first sweep of the rules opens the demo's flags; then the loop is played on some of them.
    moment = sweep_moment(builder.today)
    for practice in (riverside, lakeside):
        builder.counts["flags"] += len(evaluate(practice=practice, now=moment).opened)
    close_the_loop(builder, riverside)
    hold_meetings(builder, riverside)
    require_cosignature(builder)
    return dict(builder.counts)


def _summary(builder: DemoBuilder) -> str:
    """What was loaded, and the demo accounts to sign in with."""
    counts = ", ".join(f"{number} {name.replace('_', ' ')}" for name, number in builder.counts.items())
    supervisees: dict[str, list[str]] = {}
    for supervisor, therapist, _, ends in RIVERSIDE_ASSIGNMENTS:
        if ends is None:
            supervisees.setdefault(supervisor, []).append(therapist)
    how = f"size {builder.size.name}" if builder.size else f"scale {builder.scale}"
    lines = [
        f"Loaded the demo data ({how}, dated up to {builder.today:%Y-%m-%d}):",
        f"  {counts}.",
        f"Demo accounts, all with the password {DEMO_PASSWORD}:",
    ]
    for cast in (RIVERSIDE, LAKESIDE):
        for person in cast.people:
            role = Role(person.role).label
            note = ""
            if person.username in supervisees:
                note = f"supervises {', '.join(supervisees[person.username])}"
            lines.append(f"  {person.username:<16} {role:<15} {cast.name:<19} {note}".rstrip())
    extra, pairs = builder.extra_people()
    if extra:
        lines.append(
            f"  and {len(pairs)} extra therapists (dr.extra1 to dr.extra{len(pairs)}) with "
            f"{len(extra) - len(pairs)} supervisors (sup.extra1 ...), in {RIVERSIDE.name}."
        )
    return "\n".join(lines)


@contextlib.contextmanager
def _without_change_history():
    """Load the demo without a history row per demo row (synthetic data has no history worth
    keeping, and the per-row triggers make a practice-large load many times slower). The
    triggers are switched off inside this transaction, whose table locks make any other
    writer wait for it, and are on again before it commits."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT tgrelid::regclass::text, tgname FROM pg_trigger"
            " WHERE tgname LIKE 'pgtrigger_insert_insert_%%' AND NOT tgisinternal"
        )
        triggers = cursor.fetchall()
        for table, name in triggers:
            cursor.execute(f'ALTER TABLE {table} DISABLE TRIGGER "{name}"')
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            # Deferred foreign-key checks still pending would block ALTER TABLE: run them now.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            for table, name in triggers:
                cursor.execute(f'ALTER TABLE {table} ENABLE TRIGGER "{name}"')


def _write(stdout, text: str) -> None:
    if stdout is not None:
        stdout.write(text if text.endswith("\n") else f"{text}\n")
