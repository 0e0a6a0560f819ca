"""The bulk filler: Riverside filled up to a ``PracticeSize`` (``seed_demo(size=...)``), fast.

``PracticeFiller`` adds years of ordinary practice for the therapists that ``size`` adds, from a
random generator of its own (``SEED + 1``), once the scripted cast and cases are written, so
those stay exactly as at scale 1. It plans through ``DemoBuilder``'s helpers and writes sessions
and incidents with PostgreSQL's COPY (``_copy``) rather than one INSERT per row, and the
incidents' follow-ups with batched INSERTs (``bulk_create``), never a service call per row.
"""

import random
import zoneinfo

from django.db import connection
from django.utils import timezone

from accounts.models import Practice, User
from boundaries.models import CORE_CATEGORIES
from clients.models import Client, ClientSetting, ClientStatus
from demo.builder import (
    DAY,
    MINUTE,
    SEED,
    SESSION_TIMES,
    ClientPlan,
    DemoBuilder,
    reserve_ids,
    sign_entries,
    utc,
)
from demo.cases import OPTIONAL_CATEGORIES, RIVERSIDE, ROUTINE_INCIDENTS, Profile
from sessions_log.models import LOGGED, Addendum, Attendance, FollowUp, Incident, Session, SessionSetting


def _copy(model, objects: list) -> None:
    """Write ``objects`` (primary keys already drawn) with one COPY: far faster than INSERTs."""
    if not objects:
        return
    fields = [f for f in model._meta.concrete_fields if not f.generated]
    columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
    table = connection.ops.quote_name(model._meta.db_table)
    now = timezone.now()
    auto_now = {f.attname for f in fields if getattr(f, "auto_now", False)}
    with connection.cursor() as cursor, cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
        for obj in objects:
            copy.write_row([now if f.attname in auto_now else getattr(obj, f.attname) for f in fields])


class PracticeFiller:
    """Fills Riverside up to ``builder.size`` with ordinary practice over the last few years.

    The new therapists' clients come in weekly, some for a few weeks, some for years; about
    half have been discharged. Incidents are the ordinary kinds of ``ROUTINE_INCIDENTS``, spread
    over each client's sessions, so the rules fire wherever the random history says they should,
    as they would in a real practice of that size. Sessions and incidents are written with COPY.
    """

    ACTIVE_SHARE = 0.55

    def __init__(self, builder: DemoBuilder, practice: Practice, therapists: list[User], supervisor_of):
        self.builder = builder
        self.practice = practice
        self.therapists = therapists
        self.supervisor_of = supervisor_of
        self.size = builder.size
        self.today = builder.today
        self.rng = random.Random(SEED + 1)  # noqa: S311 - its own stream: the scripted cases stay as they are
        self.zone = zoneinfo.ZoneInfo(practice.time_zone)

    def fill(self, *, clients: int, sessions: int, incidents: int) -> None:
        builder, rng, size = self.builder, self.rng, self.size
        # The builder's helpers draw from this stream from now on; the scripted cases are done.
        builder.rng = rng
        new_clients = size.clients - clients
        # Weekly sessions since intake: a few weeks for some clients, years for others.
        most = size.years * 52 - 2
        weeks = self.split(
            size.sessions - sessions, [rng.randint(2, most) for _ in range(new_clients)], cap=most
        )
        plans = self.plan_clients(weeks)
        Client.objects.bulk_create([plan.client for plan in plans], batch_size=2000)
        for plan in plans:
            self.plan_agreements(plan)
        builder.write_agreements(plans)

        for plan, count in zip(plans, weeks, strict=True):
            self.plan_sessions(plan, count)
        all_sessions = [s for plan in plans for s in plan.sessions]
        reserve_ids(Session, all_sessions)
        attended = [[s for s in plan.sessions if s.actual_start] for plan in plans]
        per_client = self.split(size.incidents - incidents, [len(a) for a in attended])
        for plan, sessions_attended, count in zip(plans, attended, per_client, strict=True):
            for _ in range(count):
                self.add_incident(plan, sessions_attended)
        all_incidents = [i for plan in plans for i in plan.incidents]
        reserve_ids(Incident, all_incidents)
        builder.addenda = []
        for therapist in self.therapists:
            builder.plan_addenda([plan for plan in plans if plan.therapist == therapist])
        sign_entries((*all_sessions, *all_incidents))
        _copy(Session, all_sessions)
        _copy(Incident, all_incidents)
        Addendum.objects.bulk_create(builder.addenda)
        # Thousands of follow-ups, written like the addenda: in batches, with no service per row.
        follow_ups = [follow_up for plan in plans for follow_up in plan.follow_ups]
        FollowUp.objects.bulk_create(follow_ups, batch_size=5000)
        builder.counts["addenda"] += len(builder.addenda)
        builder.counts["follow_ups"] += len(follow_ups)
        builder.counts["clients"] += len(plans)
        builder.counts["sessions"] += len(all_sessions)
        builder.counts["incidents"] += len(all_incidents)

    def split(self, total: int, weights: list[int], cap: int | None = None) -> list[int]:
        """``total`` shared out in proportion to ``weights``: each share at least 1, at most ``cap``."""
        cap = cap or total
        if not weights or not len(weights) <= total <= cap * len(weights):
            raise ValueError(f"{total} cannot be shared out {len(weights)} ways of 1 to {cap}")
        whole = sum(weights) or 1
        shares = [min(cap, max(1, total * w // whole)) for w in weights]
        i = 0
        while (missing := total - sum(shares)) != 0:
            share = shares[i % len(shares)]
            if (missing > 0 and share < cap) or (missing < 0 and share > 1):
                shares[i % len(shares)] += 1 if missing > 0 else -1
            i += 1
        return shares

    def plan_clients(self, weeks: list[int]) -> list[ClientPlan]:
        rng, today = self.rng, self.today
        oldest = today - self.size.years * 365 * DAY
        plans = []
        for number, count in enumerate(weeks):
            therapist_number = number % len(self.therapists)
            therapist = self.therapists[therapist_number]
            slot = number // len(self.therapists)
            span = (count - 1) * 7 * DAY
            latest_end = today - DAY
            discharged = None
            if rng.random() > self.ACTIVE_SHARE and oldest + span < today - 14 * DAY:
                room = (today - 14 * DAY - (oldest + span)).days
                latest_end = oldest + span + rng.randint(0, room) * DAY
                discharged = latest_end + rng.randint(1, 10) * DAY
            intake = latest_end - span
            while intake.weekday() >= 5:
                intake -= DAY
            code = f"{RIVERSIDE.code_prefix}-{therapist_number + 4:02d}{slot + 1:02d}"
            client = Client(
                practice=self.practice,
                therapist=therapist,
                code=code,
                intake_date=intake,
                setting=rng.choices(ClientSetting.values, weights=(55, 25, 20))[0],
                status=ClientStatus.DISCHARGED if discharged else ClientStatus.ACTIVE,
                discharged_on=discharged,
            )
            supervisor = self.builder.users[self.supervisor_of[therapist.username]]
            plans.append(
                ClientPlan(
                    client,
                    self.practice,
                    self.zone,
                    f"{supervisor.get_full_name()}, clinical supervisor",
                    Profile(discharged_slots=()),
                    slot,
                )
            )
        return plans

    def plan_agreements(self, plan: ClientPlan) -> None:
        """The four core agreements; now and then one revised (version 2) or an optional one."""
        rng, builder = self.rng, self.builder  # one stream: ``fill`` gave the builder this one
        categories = list(CORE_CATEGORIES)
        if rng.random() < 0.05:
            categories.append(rng.choice(OPTIONAL_CATEGORIES))
        for category in categories:
            plan.agreements[category] = builder.agreement_versions(
                plan, category, intervals=(90, 180, 365, 365), revision=0.02
            )
        builder.plan_acknowledgements(plan)

    def plan_sessions(self, plan: ClientPlan, count: int) -> None:
        rng, builder = self.rng, self.builder
        client = plan.client
        length = self.practice.usual_session_minutes * MINUTE
        hour, minute = rng.choice(SESSION_TIMES)
        for week in range(count):
            day = client.intake_date + 7 * week * DAY
            start = utc(day, hour, minute, self.zone)
            attendance = rng.choices(LOGGED, weights=(87, 6, 4, 3))[0]
            actual_start = actual_end = None
            if attendance == Attendance.ATTENDED:
                actual_start = start + rng.randint(-2, 3) * MINUTE
                overrun = rng.randint(8, 22) if rng.random() < 0.03 else rng.randint(-4, 5)
                actual_end = start + length + overrun * MINUTE
            elif attendance == Attendance.LATE:
                actual_start = start + rng.randint(7, 25) * MINUTE
                actual_end = start + length + rng.randint(-2, 3) * MINUTE
            if client.setting == ClientSetting.MIXED:
                setting = rng.choice((SessionSetting.IN_PERSON, SessionSetting.TELEHEALTH))
            else:
                setting = SessionSetting(client.setting)
            session = Session(
                client=client,
                therapist=client.therapist,
                scheduled_start=start,
                scheduled_end=start + length,
                actual_start=actual_start,
                actual_end=actual_end,
                setting=setting,
                attendance=attendance,
            )
            builder.document(plan, session, after=actual_end or start + length)
            plan.sessions.append(session)

    def add_incident(self, plan: ClientPlan, attended: list[Session]) -> None:
        rng, builder = self.rng, self.builder
        text = rng.choice(ROUTINE_INCIDENTS)
        session = None
        if text.in_session and attended:
            session = rng.choice(attended)
            if text.in_person and session.setting != SessionSetting.IN_PERSON:
                text = rng.choice([t for t in ROUTINE_INCIDENTS if t.in_session and not t.in_person])
        elif text.in_session:
            text = rng.choice([t for t in ROUTINE_INCIDENTS if not t.in_session])
        if session is not None:
            days_ago = builder.days_ago(plan, session.scheduled_start)
        else:
            last = plan.client.discharged_on or self.today - DAY
            tenure = max(0, (last - plan.client.intake_date).days)
            days_ago = (self.today - last).days + rng.randint(0, tenure)
            days_ago = max(days_ago, 1)
        consulted = builder.consults(text)
        follow_up = "open" if days_ago < 14 else "overdue" if rng.random() < 0.01 else "done"
        builder.add_incident(plan, text, days_ago, consulted, follow_up, session=session)
