"""The helpers that make the demo's rows from the cast and cases of ``demo.cases``.

``DemoBuilder`` creates the practices, accounts, supervision assignments and agreements, and
plans clients with their weekly sessions, incidents, follow-ups and addenda in memory
(``ClientPlan``) for the caller to write in bulk. ``demo.seed`` calls it in order; ``demo.bulk``
reuses it to fill a practice up to a ``PracticeSize``. Every random draw comes from
``DemoBuilder.rng`` in the order the helpers are called, so the same calls give the same rows.
Also here: turning a wall-clock time into UTC, reserving primary keys, signing entries once their
ids are known, and the loop played through the services once the first sweep has opened the
flags (``close_the_loop``).
"""

import datetime
import hashlib
import random
import zoneinfo
from dataclasses import dataclass, field

from django.db import connection
from django.utils import timezone

from accounts.models import Practice, Role, SupervisionAssignment, User
from boundaries.models import (
    CORE_CATEGORIES,
    AcknowledgedVersion,
    Acknowledgement,
    AcknowledgementDocument,
    AcknowledgementMethod,
    AgreementStatus,
    AgreementWording,
    BoundaryAgreement,
    Category,
    DocumentKind,
    ProposedBy,
)
from clients.models import Client, ClientSetting, ClientStatus
from demo.cases import (
    AGREEMENT_TEXTS,
    COSIGN_FROM_DAYS_AGO,
    COSIGN_THERAPIST,
    COSIGNED_UNTIL_DAYS_AGO,
    DEFAULT_FOLLOW_UP_NOTE,
    DRAFT_DUAL_TERMS,
    EXTRA_FIRST_NAMES,
    EXTRA_LAST_NAMES,
    INCIDENT_ADDENDA,
    INCOMPLETE_INTAKE_DAYS_AGO,
    INTAKE_DAYS_AGO,
    LAKESIDE,
    LOOP_CLIENT_FOLLOW_UP,
    LOOP_PLAN,
    LOOP_REPLY,
    LOOP_RESOLUTION,
    LOOP_RESOLVED,
    LOOP_RETURNED,
    LOOP_RETURNED_FLAG,
    LOOP_SUPERVISOR,
    LOOP_THERAPIST,
    OPTIONAL_CATEGORIES,
    PAST_MEETINGS,
    RIVERSIDE,
    RIVERSIDE_ASSIGNMENTS,
    ROUTINE_INCIDENTS,
    SESSION_ADDENDA,
    STANDARD_WORDINGS,
    THERAPISTS_PER_EXTRA_SUPERVISOR,
    UPCOMING_MEETING,
    IncidentText,
    Person,
    PracticeCast,
    Profile,
)
from demo.documents import VERBAL_NOTE, documents
from sessions_log.models import (
    ATTESTATION,
    LOGGED,
    Addendum,
    Attendance,
    FollowUp,
    FollowUpOrigin,
    HarmLevel,
    Incident,
    Initiator,
    Location,
    Session,
    SessionSetting,
)
from sessions_log.services import addendum_add, follow_up_complete, follow_up_create
from supervision import cosign, meetings
from supervision.models import Flag, MeetingMedium, Outcome
from supervision.services import PlanStep, flag_reply, flag_resolve, flag_return_entry

SEED = 1993  # Gutheil & Gabbard
DAY = datetime.timedelta(days=1)
MINUTE = datetime.timedelta(minutes=1)
# Scripted clients keep their recent weeks regular, and random incidents out of the windows the
# rules look at (at most 90 days), so that each rule fires where it is meant to and nowhere else.
QUIET_DAYS = 100
SESSION_TIMES = ((8, 0), (9, 0), (10, 0), (11, 0), (12, 30), (14, 0), (15, 0), (16, 0), (17, 0), (18, 0))
ADDENDA_PER_THERAPIST = 3
COUNTED = (
    "practices",
    "users",
    "supervision_assignments",
    "clients",
    "agreements",
    "acknowledgements",
    "sessions",
    "incidents",
    "addenda",
    "follow_ups",
    "flags",
    "meetings",
    "cosigned",
)


@dataclass
class ClientPlan:
    """A client with its generated records, before they are written."""

    client: Client
    practice: Practice
    zone: zoneinfo.ZoneInfo
    supervisor_name: str
    profile: Profile
    slot: int
    sessions: list[Session] = field(default_factory=list)
    agreements: dict[str, list[BoundaryAgreement]] = field(default_factory=dict)
    incidents: list[Incident] = field(default_factory=list)
    # The incidents' follow-ups: written once the incidents are.
    follow_ups: list[FollowUp] = field(default_factory=list)
    # Sessions a scripted incident already happened in: the next one is placed in another.
    used_sessions: set[int] = field(default_factory=set)
    # The client's acknowledgements of their sheet: (day, method, the versions in force then).
    acknowledgements: list[tuple[datetime.date, str, list[BoundaryAgreement]]] = field(default_factory=list)

    @property
    def scripted(self) -> bool:
        return self.slot in self.profile.scripted_slots

    @property
    def therapist(self) -> User:
        return self.client.therapist


@dataclass(frozen=True)
class PracticeSize:
    """The size of Riverside Practice that ``seed_demo(size=...)`` fills up to (scripted cast included)."""

    name: str
    therapists: int
    supervisors: int
    clients: int
    sessions: int
    incidents: int
    years: int = 3  # how far back the oldest intake goes


def utc(day: datetime.date, hour: int, minute: int, zone: zoneinfo.ZoneInfo) -> datetime.datetime:
    """A wall-clock time in ``zone`` as the UTC value the database hands back, which signatures hash."""
    return datetime.datetime.combine(day, datetime.time(hour, minute), tzinfo=zone).astimezone(datetime.UTC)


def reserve_ids(model, objects: list) -> None:
    """Draw primary keys from the table's sequence: a signature hashes the id, so it must come first."""
    if not objects:
        return
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
            [model._meta.db_table, model._meta.pk.column, len(objects)],
        )
        for obj, (pk,) in zip(objects, cursor.fetchall(), strict=True):
            obj.pk = pk


def sign_entries(entries) -> None:
    """Sign the entries ``document`` planned a signature for, once their ids are reserved."""
    for entry in entries:
        if entry.signed_at:
            entry.mark_signed(by=entry.client.therapist, at=entry.signed_at, attestation=ATTESTATION)


class DemoBuilder:
    """Builds the demo rows in memory; ``demo.seed`` then writes each table in bulk.

    Dates are drawn relative to ``today``; nothing is documented or signed after the start of
    ``today`` in the practice's zone, so the data is in the past whenever it is loaded that day.
    """

    def __init__(self, *, scale: int, today: datetime.date, size: PracticeSize | None = None):
        self.scale = scale
        self.size = size
        self.today = today
        self.rng = random.Random(SEED)  # noqa: S311 - a repeatable demo, not a secret
        self.users: dict[str, User] = {}
        self.plans: list[ClientPlan] = []
        self.addenda: list[Addendum] = []
        self.counts = dict.fromkeys(COUNTED, 0)

    # The cast -----------------------------------------------------------------------------------

    def extra_people(self) -> tuple[list[Person], list[tuple[str, str]]]:
        """Therapists added by ``scale`` (three per step) and a supervisor for every three of them.

        With a ``size``, the therapists and supervisors that bring Riverside up to it instead, each
        new therapist supervised by whichever supervisor has the fewest supervisees so far.
        """
        if self.size is not None:
            return self.sized_people()
        people, pairs = [], []
        for number in range(1, 3 * (self.scale - 1) + 1):
            group = (number - 1) // THERAPISTS_PER_EXTRA_SUPERVISOR
            supervisor = f"sup.extra{group + 1}"
            if (number - 1) % THERAPISTS_PER_EXTRA_SUPERVISOR == 0:
                first = EXTRA_FIRST_NAMES[(group + 5) % len(EXTRA_FIRST_NAMES)]
                last = EXTRA_LAST_NAMES[(group + 3) % len(EXTRA_LAST_NAMES)]
                people.append(Person(supervisor, first, last, Role.SUPERVISOR))
            username = f"dr.extra{number}"
            first = EXTRA_FIRST_NAMES[number % len(EXTRA_FIRST_NAMES)]
            last = EXTRA_LAST_NAMES[(number * 7) % len(EXTRA_LAST_NAMES)]
            people.append(Person(username, first, last, Role.THERAPIST))
            pairs.append((supervisor, username))
        return people, pairs

    def sized_people(self) -> tuple[list[Person], list[tuple[str, str]]]:
        size = self.size
        base = [p for p in RIVERSIDE.people if p.role in (Role.SUPERVISOR, Role.THERAPIST)]
        supervisors = [p.username for p in base if p.role == Role.SUPERVISOR]
        people = []
        for number in range(1, size.supervisors - len(supervisors) + 1):
            first = EXTRA_FIRST_NAMES[(number + 5) % len(EXTRA_FIRST_NAMES)]
            last = EXTRA_LAST_NAMES[(number + 3) % len(EXTRA_LAST_NAMES)]
            people.append(Person(f"sup.extra{number}", first, last, Role.SUPERVISOR))
            supervisors.append(f"sup.extra{number}")
        load = dict.fromkeys(supervisors, 0)
        for supervisor, _therapist, _starts, ends in RIVERSIDE_ASSIGNMENTS:
            load[supervisor] += ends is None
        pairs = []
        scripted = sum(p.role == Role.THERAPIST for p in base)
        for number in range(1, size.therapists - scripted + 1):
            username = f"dr.extra{number}"
            first = EXTRA_FIRST_NAMES[number % len(EXTRA_FIRST_NAMES)]
            last = EXTRA_LAST_NAMES[(number * 7) % len(EXTRA_LAST_NAMES)]
            people.append(Person(username, first, last, Role.THERAPIST))
            supervisor = min(supervisors, key=lambda name: (load[name], supervisors.index(name)))
            load[supervisor] += 1
            pairs.append((supervisor, username))
        return people, pairs

    def usernames(self) -> list[str]:
        extra, _ = self.extra_people()
        return [person.username for person in (*RIVERSIDE.people, *LAKESIDE.people, *extra)]

    def create_practice(self, cast: PracticeCast) -> Practice:
        self.counts["practices"] += 1
        practice = Practice.objects.create(
            name=cast.name, time_zone=cast.time_zone, usual_session_minutes=cast.usual_session_minutes
        )
        # The library of standard wordings its therapists start their agreements from.
        AgreementWording.objects.bulk_create(
            AgreementWording(practice=practice, category=category, title=title, terms=terms, position=place)
            for category, wordings in STANDARD_WORDINGS.items()
            for place, (title, terms) in enumerate(wordings)
        )
        return practice

    def create_users(self, practice: Practice, people: list[Person], password: str) -> None:
        users = [
            User(
                username=person.username,
                first_name=person.first_name,
                last_name=person.last_name,
                email=f"{person.username}@example.org",
                role=person.role,
                practice=practice,
                password=password,
            )
            for person in people
        ]
        User.objects.bulk_create(users)
        self.users.update((user.username, user) for user in users)
        self.counts["users"] += len(users)

    def create_assignments(self, practice: Practice, rows) -> None:
        assignments = [
            SupervisionAssignment(
                practice=practice,
                supervisor=self.users[supervisor],
                therapist=self.users[therapist],
                starts_on=self.today - starts * DAY,
                ends_on=None if ends is None else self.today - ends * DAY,
            )
            for supervisor, therapist, starts, ends in rows
        ]
        SupervisionAssignment.objects.bulk_create(assignments)
        self.counts["supervision_assignments"] += len(assignments)

    # Clients and agreements ---------------------------------------------------------------------

    def plan_clients(self, practice, therapist, supervisor_name, profile, *, code_stem, slots) -> None:
        rng = self.rng
        zone = zoneinfo.ZoneInfo(practice.time_zone)
        for slot in slots:
            days_ago = INTAKE_DAYS_AGO[slot] + rng.randint(-6, 6)
            if slot == profile.incomplete_slot:
                days_ago = INCOMPLETE_INTAKE_DAYS_AGO
            intake = self.today - days_ago * DAY
            if intake.weekday() >= 5:  # the intake session is on a weekday; the next ones follow weekly
                intake += (7 - intake.weekday()) * DAY
            discharged = None
            if slot in profile.discharged_slots:
                discharged = min(intake + rng.randint(28, 200) * DAY, self.today - rng.randint(10, 40) * DAY)
            setting = rng.choices(ClientSetting.values, weights=(55, 25, 20))[0]
            plan = ClientPlan(
                Client(
                    practice=practice,
                    therapist=therapist,
                    code=f"{code_stem}{slot + 1:02d}",
                    intake_date=intake,
                    setting=setting,
                    status=ClientStatus.DISCHARGED if discharged else ClientStatus.ACTIVE,
                    discharged_on=discharged,
                ),
                practice,
                zone,
                supervisor_name,
                profile,
                slot,
            )
            if plan.scripted:  # their incidents include touch and gifts, so they come in person
                plan.client.setting = ClientSetting.IN_PERSON
            self.plans.append(plan)

    def plan_agreements(self, plan: ClientPlan) -> None:
        rng = self.rng
        client = plan.client
        incomplete = plan.slot == plan.profile.incomplete_slot
        review_due = (
            plan.profile.review_due
            if plan.profile.review_due and plan.profile.review_due[0] == plan.slot
            else None
        )
        categories = [c for c in CORE_CATEGORIES if not (incomplete and c == Category.DUAL_RELATIONSHIP)]
        categories += [c for c in OPTIONAL_CATEGORIES if rng.random() < 0.45]
        for category in categories:
            versions = self.agreement_versions(plan, category, intervals=(90, 90, 180, 365), revision=0.18)
            if review_due and category == Category.TIME and not client.discharged_on:
                versions[-1].next_review_on = self.today - review_due[1] * DAY
            plan.agreements[category] = versions
        if incomplete:
            draft = self.agreement(
                plan, Category.DUAL_RELATIONSHIP, DRAFT_DUAL_TERMS, "", self.today - 3 * DAY, 90, self.today
            )
            draft.status = AgreementStatus.DRAFT
            plan.agreements[Category.DUAL_RELATIONSHIP] = [draft]
        self.plan_acknowledgements(plan)

    def plan_acknowledgements(self, plan: ClientPlan) -> None:
        """The sheet acknowledged (mostly) within ten days of the intake and of each revision."""
        rng = self.rng
        last_day = plan.client.discharged_on or self.today
        versions = [
            v for chain in plan.agreements.values() for v in chain if v.status != AgreementStatus.DRAFT
        ]
        for start in sorted({version.effective_date for version in versions}):
            if rng.random() >= 0.85:
                continue
            day = min(start + rng.randint(0, 10) * DAY, last_day)
            sheet = [
                v for v in versions if v.effective_date <= day and not self.superseded_by(versions, v, day)
            ]
            method = rng.choices(AcknowledgementMethod.values, weights=(40, 45, 15))[0]
            plan.acknowledgements.append((day, method, sheet))

    @staticmethod
    def superseded_by(versions, version, day) -> bool:
        return any(
            v.chain == version.chain and version.version < v.version and v.effective_date <= day
            for v in versions
        )

    def agreement_versions(
        self, plan: ClientPlan, category: str, *, intervals: tuple[int, ...], revision: float
    ) -> list[BoundaryAgreement]:
        """The client's agreement in ``category`` from intake, ended at discharge.

        The review interval is drawn from ``intervals``; a client of two months or more has the
        agreement revised once (version 2) with the chance ``revision``.
        """
        rng = self.rng
        client = plan.client
        last_day = client.discharged_on or self.today
        age = (last_day - client.intake_date).days
        (terms, rationale), (revised_terms, revised_rationale) = AGREEMENT_TEXTS[category]
        interval = rng.choice(intervals)
        first = self.agreement(plan, category, terms, rationale, client.intake_date, interval, last_day)
        versions = [first]
        if age >= 60 and rng.random() < revision:
            effective = client.intake_date + rng.randint(30, age - 14) * DAY
            second = self.agreement(
                plan, category, revised_terms, revised_rationale, effective, interval, last_day
            )
            second.chain, second.version, second.supersedes = first.chain, 2, first
            second.revision_reason = revised_rationale
            first.status = AgreementStatus.SUPERSEDED
            versions.append(second)
        current = versions[-1]
        if client.discharged_on:
            current.status, current.ended_on = AgreementStatus.ENDED, client.discharged_on
        return versions

    def agreement(self, plan, category, terms, rationale, effective, interval, last_day) -> BoundaryAgreement:
        """One version, acknowledged (mostly) within ten days and before ``last_day``."""
        rng = self.rng
        reviews = (self.today - effective).days // interval + 1  # the first review date after today
        return BoundaryAgreement(
            client=plan.client,
            category=category,
            terms=terms.format(minutes=plan.practice.usual_session_minutes),
            proposed_by=rng.choices(ProposedBy.values, weights=(35, 15, 50))[0],
            rationale=rationale,
            effective_date=effective,
            review_interval_days=interval,
            next_review_on=effective + reviews * interval * DAY,
            status=AgreementStatus.ACTIVE,
            recorded_by=plan.therapist,
            created_at=min(utc(effective, 17, 0, plan.zone), self.now(plan)),
        )

    def write_agreements(self, plans: list[ClientPlan]) -> None:
        versions = [version for plan in plans for chain in plan.agreements.values() for version in chain]
        # A revision points at the version before it, which must be saved first.
        BoundaryAgreement.objects.bulk_create([v for v in versions if v.version == 1], batch_size=2000)
        BoundaryAgreement.objects.bulk_create([v for v in versions if v.version > 1], batch_size=2000)
        self.counts["agreements"] += len(versions)
        planned = [(plan, *acknowledgement) for plan in plans for acknowledgement in plan.acknowledgements]
        acknowledgements = Acknowledgement.objects.bulk_create(
            [
                Acknowledgement(
                    client=plan.client,
                    method=method,
                    acknowledged_on=day,
                    initials=plan.client.code[:2] if method == AcknowledgementMethod.ON_SCREEN else "",
                    note=VERBAL_NOTE if method == AcknowledgementMethod.VERBAL else "",
                    recorded_by=plan.therapist,
                    recorded_at=min(utc(day, 17, 30, plan.zone), self.now(plan)),
                )
                for plan, day, method, _ in planned
            ],
            batch_size=2000,
        )
        AcknowledgedVersion.objects.bulk_create(
            [
                AcknowledgedVersion(
                    acknowledgement=acknowledgement, agreement=v, content_hash=v.compute_content_hash()
                )
                for acknowledgement, (_, _, _, sheet) in zip(acknowledgements, planned, strict=True)
                for v in sheet
            ],
            batch_size=2000,
        )
        AcknowledgementDocument.objects.bulk_create(
            [
                AcknowledgementDocument(
                    acknowledgement=acknowledgement,
                    kind=DocumentKind.SIGNATURE
                    if acknowledgement.method == AcknowledgementMethod.ON_SCREEN
                    else DocumentKind.SCAN,
                    content_type=content_type,
                    filename="" if content_type == "image/png" else "signed-sheet.pdf",
                    size=len(data),
                    sha256=hashlib.sha256(data).hexdigest(),
                    data=data,
                )
                for acknowledgement in acknowledgements
                if acknowledgement.method != AcknowledgementMethod.VERBAL
                for content_type, data in [documents()[acknowledgement.method]]
            ],
            batch_size=500,
        )
        self.counts["acknowledgements"] += len(acknowledgements)

    def agreement_on(self, plan: ClientPlan, category: str, day: datetime.date) -> BoundaryAgreement | None:
        """The version of the client's agreement in ``category`` that was in force on ``day``."""
        in_force = None
        for version in plan.agreements.get(category, ()):
            if version.status != AgreementStatus.DRAFT and version.effective_date <= day:
                in_force = version
        return in_force

    # Sessions -----------------------------------------------------------------------------------

    def plan_sessions(self, plan: ClientPlan) -> None:
        """Weekly sessions at the client's usual time, from the intake session to yesterday or discharge."""
        rng = self.rng
        client = plan.client
        length = plan.practice.usual_session_minutes * MINUTE
        hour, minute = rng.choice(SESSION_TIMES)
        day = client.intake_date
        last = client.discharged_on or self.today - DAY
        while day <= last:
            days_ago = (self.today - day).days
            steady = plan.scripted and days_ago <= QUIET_DAYS
            if plan.sessions and not steady and rng.random() < 0.07:  # a holiday or a missed week
                day += 7 * DAY
                continue
            start = utc(day, hour, minute, plan.zone)
            attendance = Attendance.ATTENDED
            if plan.sessions and not steady:
                attendance = rng.choices(LOGGED, weights=(87, 6, 4, 3))[0]
            actual_start = actual_end = None
            if attendance == Attendance.ATTENDED:
                actual_start = start + rng.randint(-2, 3) * MINUTE
                overrun = rng.randint(-4, 5)
                # Long overruns stay out of the last month unless scripted (time_overruns looks at 30 days).
                if not steady and days_ago > 35 and rng.random() < 0.06:
                    overrun = rng.randint(8, 22)
                actual_end = start + length + overrun * MINUTE
            elif attendance == Attendance.LATE:
                actual_start = start + rng.randint(7, 25) * MINUTE
                actual_end = start + length + rng.randint(-2, 3) * MINUTE
            if client.setting == ClientSetting.MIXED:
                setting = rng.choice((SessionSetting.IN_PERSON, SessionSetting.TELEHEALTH))
            else:
                setting = SessionSetting(client.setting)
            if rng.random() < 0.03:
                setting = SessionSetting.PHONE
            session = Session(
                client=client,
                therapist=plan.therapist,
                scheduled_start=start,
                scheduled_end=start + length,
                actual_start=actual_start,
                actual_end=actual_end,
                setting=setting,
                attendance=attendance,
            )
            self.document(plan, session, after=actual_end or start + length)
            plan.sessions.append(session)
            day += 7 * DAY
        if plan.slot == plan.profile.overrun_slot:
            month_ago = self.now(plan) - 28 * DAY
            recent = [s for s in plan.sessions if s.actual_end and s.scheduled_start >= month_ago]
            for session, overrun in zip(recent[-4:], (12, 18, 25, 14), strict=False):
                self.retime(session, overrun=overrun)
        if plan.profile.draft_session and plan.profile.draft_session[0] == plan.slot:
            self.session_near(plan, plan.profile.draft_session[1], unsigned=True).signed_at = None

    def retime(self, session: Session, *, late: int = 0, overrun: int | None = None) -> None:
        """Make an attended session start ``late`` and end ``overrun`` minutes after its schedule."""
        if late:
            session.actual_start = session.scheduled_start + late * MINUTE
        if overrun is not None:
            session.actual_end = session.scheduled_end + overrun * MINUTE
        session.documented_at = max(session.documented_at, session.actual_end + 10 * MINUTE)
        if session.signed_at:
            session.signed_at = max(session.signed_at, session.documented_at)

    def now(self, plan: ClientPlan) -> datetime.datetime:
        """The start of ``today`` in the client's practice: nothing is documented or signed later."""
        return utc(self.today, 0, 0, plan.zone)

    def document(self, plan: ClientPlan, entry, *, after: datetime.datetime, delay=(8, 200)) -> None:
        """Set when ``entry`` was documented and, unless that was in the last two days, when signed.

        The signature itself, which hashes the id, is applied once the ids are reserved.
        """
        rng = self.rng
        latest = self.now(plan) - MINUTE
        entry.documented_at = min(after + rng.randint(*delay) * MINUTE, latest)
        entry.signed_at = None
        if entry.documented_at < self.now(plan) - 2 * DAY:
            minutes = rng.randint(1, 25) if rng.random() < 0.75 else rng.randint(60, 2880)
            entry.signed_at = min(entry.documented_at + minutes * MINUTE, latest)

    def local_day(self, plan: ClientPlan, moment: datetime.datetime) -> datetime.date:
        return moment.astimezone(plan.zone).date()

    def days_ago(self, plan: ClientPlan, moment: datetime.datetime) -> int:
        return (self.today - self.local_day(plan, moment)).days

    def session_near(self, plan: ClientPlan, days_ago: int, *, unsigned=False, in_person=False) -> Session:
        """The client's attended session closest to ``days_ago`` that is old enough to have been signed.

        One meant to stay unsigned is at least five days old, so that 72 hours have surely passed.
        """
        youngest = 5 if unsigned else 3
        candidates = [
            s
            for s in plan.sessions
            if s.actual_start
            and self.days_ago(plan, s.scheduled_start) >= youngest
            and (s.setting == SessionSetting.IN_PERSON or not in_person)
            and s.pk not in plan.used_sessions
        ]
        return min(candidates, key=lambda s: abs(self.days_ago(plan, s.scheduled_start) - days_ago))

    # Incidents and addenda ----------------------------------------------------------------------

    def add_incident(
        self,
        plan: ClientPlan,
        text: IncidentText,
        days_ago: int,
        consulted: bool,
        follow_up: str,
        draft: bool = False,
        session: Session | None = None,
    ) -> None:
        rng = self.rng
        incident = Incident(
            client=plan.client,
            category=text.category,
            initiated_by=text.initiated_by,
            planned=text.planned,
            provisional_classification=text.classification,
            harm=int(text.harm),
            description=text.description,
            rationale=text.rationale,
            client_consent=text.client_consent,
            immediate_action=text.immediate_action,
        )
        if text.in_session:
            session = session or self.session_near(plan, days_ago, unsigned=draft, in_person=text.in_person)
            plan.used_sessions.add(session.pk)
            self.retime(session, late=text.late_minutes, overrun=text.overrun_minutes)
            if text.late_minutes and text.initiated_by == Initiator.CLIENT:
                session.attendance = Attendance.LATE
            span = int((session.actual_end - session.actual_start).total_seconds() // 60)
            incident.session = session
            in_room = session.setting == SessionSetting.IN_PERSON
            incident.location = Location.OFFICE if in_room else Location.ONLINE
            incident.occurred_at = session.actual_start + rng.randint(2, max(3, span - 2)) * MINUTE
            # Logged and signed in the same form as the session.
            incident.documented_at, incident.signed_at = session.documented_at, session.signed_at
            if draft:
                session.signed_at = incident.signed_at = None
        else:
            hour, minute = text.at or (rng.randint(8, 20), rng.choice((0, 15, 30, 45)))
            incident.location = text.location
            incident.occurred_at = utc(self.today - days_ago * DAY, hour, minute, plan.zone)
            self.document(plan, incident, after=incident.occurred_at, delay=(20, 720))
            if draft:
                incident.signed_at = None
        day = self.local_day(plan, incident.occurred_at)
        documented_day = self.local_day(plan, incident.documented_at)
        incident.agreement = self.agreement_on(plan, text.category, day)
        if consulted:
            incident.consulted_with = plan.supervisor_name
            incident.consulted_on = documented_day
            incident.consultation_advice = text.advice
        if text.follow_up:
            self.plan_follow_up(plan, incident, text, follow_up, day)
        plan.incidents.append(incident)

    def plan_follow_up(
        self, plan: ClientPlan, incident: Incident, text: IncidentText, state: str, day: datetime.date
    ) -> None:
        """The incident's follow-up, a task owned and set by the therapist when they documented it.

        ``state`` is "open" (due in the coming days), "overdue" (due at least five days ago, not
        done) or anything else: due one to three weeks after ``day``, the day it happened, and
        done on or before that date if it has passed (open while it has not). The incident's own
        follow-up columns, kept only for entries signed before follow-ups were tasks, stay blank.
        """
        rng = self.rng
        done_on = None
        if state == "open":
            due = self.today + rng.randint(5, 12) * DAY
        elif state == "overdue":
            due = min(day + 11 * DAY, self.today - 5 * DAY)
        else:
            due = day + rng.randint(7, 21) * DAY
            if due < self.today:
                earliest = max(day, due - 5 * DAY)
                done_on = min(earliest + rng.randint(0, 5) * DAY, due, self.today - DAY)
        follow_up = FollowUp(
            practice=plan.practice,
            therapist=plan.therapist,
            client=plan.client,
            origin=FollowUpOrigin.INCIDENT,
            incident=incident,
            action=text.follow_up,
            owner=plan.therapist,
            due_on=due,
            created_by=plan.therapist,
            created_at=incident.documented_at,
        )
        if done_on is not None:
            # At the end of that working day, after it was set; never later than the start of today.
            done_at = max(utc(done_on, 17, 30, plan.zone), incident.documented_at + 30 * MINUTE)
            follow_up.done_at = max(min(done_at, self.now(plan) - MINUTE), incident.documented_at)
            follow_up.done_by = plan.therapist
            follow_up.done_note = text.follow_up_note or DEFAULT_FOLLOW_UP_NOTE
        plan.follow_ups.append(follow_up)

    def plan_routine_incidents(self, plan: ClientPlan) -> None:
        """A few ordinary incidents over the client's history.

        At most two fall within the rules' windows, none of them therapist-initiated, and none at
        all for a scripted client, so that nothing but the scripted cases sets a rule off.
        """
        rng = self.rng
        last_day = plan.client.discharged_on or self.today - DAY
        recent = 0
        for _ in range(rng.choice((0, 1, 2, 2, 3, 3, 4, 5))):
            text = rng.choice(ROUTINE_INCIDENTS)
            youngest = max((self.today - last_day).days, 1)
            if not (text.may_be_recent and not plan.scripted and recent < 2):
                youngest = max(youngest, QUIET_DAYS + 1)
            session = None
            if text.in_session:
                candidates = [
                    s
                    for s in plan.sessions
                    if s.actual_start
                    and self.days_ago(plan, s.scheduled_start) >= youngest
                    and (s.setting == SessionSetting.IN_PERSON or not text.in_person)
                ]
                if not candidates:
                    continue
                session = rng.choice(candidates)
                days_ago = self.days_ago(plan, session.scheduled_start)
            else:
                oldest = (self.today - plan.client.intake_date).days
                if oldest < youngest:
                    continue
                days_ago = rng.randint(youngest, oldest)
            recent += days_ago <= QUIET_DAYS
            self.add_incident(plan, text, days_ago, self.consults(text), follow_up="", session=session)

    def consults(self, text: IncidentText) -> bool:
        """Whether the therapist consulted about an ordinary incident: always if it did moderate harm."""
        return text.harm >= HarmLevel.MODERATE or self.rng.random() < (0.5 if text.harm else 0.15)

    def plan_addenda(self, plans: list[ClientPlan]) -> None:
        """A few dated corrections to a therapist's signed entries."""
        rng = self.rng

        def settled(plan, entry) -> bool:
            return entry.signed_at is not None and entry.signed_at < self.now(plan) - 10 * DAY

        sessions = [
            (plan, s)
            for plan in plans
            for s in plan.sessions
            if settled(plan, s) and s.setting == SessionSetting.IN_PERSON
        ]
        incidents = [(plan, i) for plan in plans for i in plan.incidents if settled(plan, i)]
        picks = [(pair, SESSION_ADDENDA) for pair in rng.sample(sessions, min(2, len(sessions)))]
        picks += [(pair, INCIDENT_ADDENDA) for pair in rng.sample(incidents, min(1, len(incidents)))]
        for (plan, entry), texts in picks[:ADDENDA_PER_THERAPIST]:
            text, reason = rng.choice(texts)
            created = entry.signed_at + rng.randint(1, 6) * DAY + rng.randint(0, 480) * MINUTE
            self.addenda.append(
                Addendum(
                    client=plan.client,
                    session=entry if isinstance(entry, Session) else None,
                    incident=entry if isinstance(entry, Incident) else None,
                    text=text,
                    reason=reason,
                    author=plan.therapist,
                    created_at=min(created, self.now(plan) - 60 * MINUTE),
                )
            )


# The first sweep and the loop --------------------------------------------------------------------


def sweep_moment(today: datetime.date) -> datetime.datetime:
    """When the demo's first sweep judges: now, or the end of ``today`` if the demo is dated another day."""
    zone = zoneinfo.ZoneInfo(RIVERSIDE.time_zone)
    now = timezone.now()
    if timezone.localdate(now, timezone=zone) == today:
        return now
    return utc(today, 23, 59, zone)


def close_the_loop(builder: DemoBuilder, practice: Practice) -> None:
    """Play DESIGN §2 journey 4 on dr.chen's flags through the real services, after the first sweep.

    sup.rivera resolves one flag with a corrective plan, whose first follow-up dr.chen has done,
    and dr.chen replies on it; sup.rivera returns two signed incidents of another flag, and dr.chen
    answers one by an addendum; dr.chen adds a follow-up on a client by hand. The services stamp
    the present time; the plan's due dates follow ``builder.today``.
    """
    supervisor, therapist = builder.users[LOOP_SUPERVISOR], builder.users[LOOP_THERAPIST]
    today = builder.today

    def open_flag(rule: str, code: str) -> Flag:
        flag = Flag.objects.open().filter(practice=practice, rule=rule, client__code=code).first()
        if flag is None:
            raise RuntimeError(f"The demo's first sweep opened no {rule} flag for {code}: check demo.cases.")
        return flag

    resolved = open_flag(*LOOP_RESOLVED)
    flag_resolve(
        flag=resolved,
        by=supervisor,
        outcome=Outcome.CORRECTIVE_PLAN,
        comment=LOOP_RESOLUTION,
        plan=[PlanStep(step.action, therapist, today + step.due_in_days * DAY) for step in LOOP_PLAN],
    )
    items = resolved.plan_items.select_related("follow_up").order_by("pk")
    for item, step in zip(items, LOOP_PLAN, strict=True):
        if step.done_note:
            follow_up_complete(follow_up=item.follow_up, by=therapist, note=step.done_note)
    flag_reply(flag=resolved, by=therapist, comment=LOOP_REPLY)

    returned_on = open_flag(*LOOP_RETURNED_FLAG)
    entries = [returned_on.incidents.get(description=item.text.description) for item in LOOP_RETURNED]
    for entry, item in zip(entries, LOOP_RETURNED, strict=True):
        flag_return_entry(flag=returned_on, by=supervisor, entry=entry, comment=item.request)
    for entry, item in zip(entries, LOOP_RETURNED, strict=True):
        if item.addendum:
            addendum_add(entry=entry, by=therapist, text=item.addendum, reason=item.reason)
            builder.counts["addenda"] += 1

    code, action, due_in_days = LOOP_CLIENT_FOLLOW_UP
    follow_up_create(
        by=therapist,
        origin=FollowUpOrigin.CLIENT,
        client=Client.objects.get(practice=practice, code=code),
        action=action,
        owner=therapist,
        due_on=today + due_in_days * DAY,
    )
    builder.counts["follow_ups"] += len(LOOP_PLAN) + 1


def hold_meetings(builder: DemoBuilder, practice: Practice) -> None:
    """sup.rivera's supervision meetings through the real services: three held, their minutes
    signed (the newest not yet acknowledged by dr.chen), and one coming up with its agenda
    proposed from dr.chen's open work."""
    supervisor = builder.users[LOOP_SUPERVISOR]
    zone = zoneinfo.ZoneInfo(practice.time_zone)
    for text in PAST_MEETINGS:
        people = [builder.users[name] for name in text.supervisees]
        meeting = meetings.meeting_schedule(
            by=supervisor,
            supervisees=people,
            format=text.format,
            medium=MeetingMedium.IN_PERSON,
            starts_at=utc(builder.today - text.days_ago * DAY, 14, 0, zone),
            duration_minutes=text.minutes,
            propose_agenda=False,
        )
        for title, _minutes in text.items:
            meetings.agenda_add(meeting=meeting, by=supervisor, title=title)
        minutes = dict(
            zip(
                meeting.items.order_by("position").values_list("pk", flat=True),
                [m for _t, m in text.items],
                strict=True,
            )
        )
        meetings.minutes_save(meeting=meeting, by=supervisor, minutes=minutes)
        meetings.meeting_sign(meeting=meeting, by=supervisor)
        if text.acknowledged:
            for person in people:
                meetings.minutes_acknowledge(meeting=meeting, by=person)
    in_days, hour, names, format, minutes = UPCOMING_MEETING
    meetings.meeting_schedule(
        by=supervisor,
        supervisees=[builder.users[name] for name in names],
        format=format,
        medium=MeetingMedium.VIDEO,
        starts_at=utc(builder.today + in_days * DAY, hour, 0, zone),
        duration_minutes=minutes,
    )
    builder.counts["meetings"] = len(PAST_MEETINGS) + 1


def require_cosignature(builder: DemoBuilder) -> None:
    """dr.patel needs co-signature: sup.rivera has co-signed his older entries, the newer wait."""
    therapist, supervisor = builder.users[COSIGN_THERAPIST], builder.users[LOOP_SUPERVISOR]
    therapist.cosign_required_from = builder.today - COSIGN_FROM_DAYS_AGO * DAY
    therapist.save(update_fields=["cosign_required_from"])
    until = timezone.now() - COSIGNED_UNTIL_DAYS_AGO * DAY
    for model in (Session, Incident):
        for entry in cosign.awaiting(model, supervisor).filter(signed_at__lt=until):
            cosign.entry_cosign(entry=entry, by=supervisor)
            builder.counts["cosigned"] += 1
