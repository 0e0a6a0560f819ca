"""``seed_demo``: the demo contract of DESIGN §6, and something for every rule of §4 to fire on.

The rule checks are small ORM restatements of DESIGN §4 with the default thresholds; at scale 1
they also pin where each rule fires, so ordinary demo data does not drown the scripted cases.
"""

import base64
import datetime
import io
import re
import zoneinfo
from collections import defaultdict

import pytest
from django.contrib.auth import authenticate
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone

from accounts.models import Practice, Role, SupervisionAssignment, User
from boundaries.documents import read_scan, read_signature
from boundaries.models import (
    CORE_CATEGORIES,
    Acknowledgement,
    AcknowledgementDocument,
    AcknowledgementMethod,
    AgreementStatus,
    BoundaryAgreement,
    Category,
    DocumentKind,
)
from clients.models import CLIENT_CODE_PATTERN, Client, ClientStatus
from demo import seed as demo
from demo.seed import DEMO_PASSWORD, PracticeSize, seed_demo
from sessions_log.models import (
    Addendum,
    Attendance,
    Classification,
    EntryStatus,
    FollowUp,
    FollowUpOrigin,
    HarmLevel,
    Incident,
    Initiator,
    Location,
    RevisionRequest,
    Session,
)
from supervision.engine import evaluate_all
from supervision.models import Flag, FlagEvent, FlagEventKind, FlagStatus, Outcome, PlanItem, RuleSetting

MODELS = (
    Practice,
    User,
    SupervisionAssignment,
    Client,
    BoundaryAgreement,
    Session,
    Incident,
    Addendum,
    FollowUp,
    RevisionRequest,
    Flag,
    FlagEvent,
    PlanItem,
    RuleSetting,
)
ACCOUNTS = {
    "admin": (Role.PRACTICE_ADMIN, "Riverside Practice"),
    "sup.rivera": (Role.SUPERVISOR, "Riverside Practice"),
    "sup.okafor": (Role.SUPERVISOR, "Riverside Practice"),
    "dr.chen": (Role.THERAPIST, "Riverside Practice"),
    "dr.patel": (Role.THERAPIST, "Riverside Practice"),
    "dr.nowak": (Role.THERAPIST, "Riverside Practice"),
    "other.admin": (Role.PRACTICE_ADMIN, "Lakeside Practice"),
    "other.therapist": (Role.THERAPIST, "Lakeside Practice"),
}
HIGH_RISK_CATEGORIES = (Category.PHYSICAL, Category.DUAL_RELATIONSHIP, Category.GIFTS_MONEY)


def row_counts() -> dict[str, int]:
    return {model._meta.label: model.objects.count() for model in MODELS}


def today() -> datetime.date:
    return timezone.localdate(timezone=zoneinfo.ZoneInfo("Europe/London"))


def since(days: int) -> datetime.datetime:
    return timezone.now() - datetime.timedelta(days=days)


@pytest.fixture(scope="class")
def demo_output(django_db_setup, django_db_blocker):
    """The demo loaded once for the class, and rolled back after it so other tests start empty."""
    with django_db_blocker.unblock(), transaction.atomic():
        out = io.StringIO()
        call_command("seed_demo", stdout=out)
        yield out.getvalue()
        transaction.set_rollback(True)


# Who each rule would fire on: client codes, or usernames for the therapist-level rule.


def therapist_high_risk() -> set[str]:
    incidents = Incident.objects.filter(
        Q(category__in=HIGH_RISK_CATEGORIES) | Q(classification=Classification.VIOLATION),
        initiated_by=Initiator.THERAPIST,
    )
    return set(incidents.values_list("client__code", flat=True))


def slippery_slope() -> set[str]:
    harms, categories = defaultdict(list), defaultdict(set)
    for code, harm, category in (
        Incident.objects.filter(occurred_at__gt=since(90))
        .order_by("occurred_at")
        .values_list("client__code", "harm", "category")
    ):
        harms[code].append(harm)
        categories[code].add(category)
    never_decreasing = {
        code for code, levels in harms.items() if len(levels) >= 3 and levels == sorted(levels)
    }
    return never_decreasing | {code for code, seen in categories.items() if len(seen) >= 3}


def time_overruns() -> set[str]:
    overruns = Session.objects.filter(actual_end__gt=since(30), overrun__gte=datetime.timedelta(minutes=10))
    counts = overruns.values("client__code").annotate(n=Count("pk")).filter(n__gte=3)
    return {row["client__code"] for row in counts}


def repeated_category() -> set[str]:
    counts = (
        Incident.objects.filter(occurred_at__gt=since(60))
        .values("client__code", "category")
        .annotate(n=Count("pk"))
        .filter(n__gte=3)
    )
    return {row["client__code"] for row in counts}


def disclosure_pattern() -> set[str]:
    counts = (
        Incident.objects.filter(
            occurred_at__gt=since(30), category=Category.DISCLOSURE, initiated_by=Initiator.THERAPIST
        )
        .values("client__code")
        .annotate(n=Count("pk"))
        .filter(n__gte=3)
    )
    return {row["client__code"] for row in counts}


def missing_precautions() -> set[str]:
    incidents = Incident.objects.filter(
        Q(rationale="") | Q(client_consent="") | Q(consulted_with=""),
        harm__gte=HarmLevel.MODERATE,
        documented_at__lte=timezone.now() - datetime.timedelta(hours=72),
    )
    return set(incidents.values_list("client__code", flat=True))


def follow_up_overdue() -> set[str]:
    follow_ups = FollowUp.objects.filter(due_on__lt=today(), done_at__isnull=True, client__isnull=False)
    return set(follow_ups.values_list("client__code", flat=True))


def unsigned_entry() -> set[str]:
    old_drafts = {
        "status": EntryStatus.DRAFT,
        "documented_at__lte": timezone.now() - datetime.timedelta(hours=72),
    }
    sessions = Session.objects.filter(**old_drafts).values_list("client__code", flat=True)
    incidents = Incident.objects.filter(**old_drafts).values_list("client__code", flat=True)
    return set(sessions) | set(incidents)


def agreement_review_due() -> set[str]:
    agreements = BoundaryAgreement.objects.active().filter(next_review_on__lt=today())
    return set(agreements.values_list("client__code", flat=True))


def intake_incomplete() -> set[str]:
    clients = Client.objects.active().filter(intake_date__lte=today() - datetime.timedelta(days=14))
    incomplete = set()
    for client in clients.prefetch_related("agreements"):
        agreed = {a.category for a in client.agreements.all() if a.status == AgreementStatus.ACTIVE}
        if not set(CORE_CATEGORIES) <= agreed:
            incomplete.add(client.code)
    return incomplete


def therapist_pattern() -> set[str]:
    clients_by_therapist = defaultdict(list)
    for username, code in Incident.objects.filter(
        occurred_at__gt=since(90), initiated_by=Initiator.THERAPIST
    ).values_list("client__therapist__username", "client__code"):
        clients_by_therapist[username].append(code)
    return {
        username
        for username, codes in clients_by_therapist.items()
        if len(set(codes)) >= 3
        or (len(codes) >= 4 and max(codes.count(code) for code in codes) > len(codes) / 2)
    }


# Where each rule fires at scale 1: RS-TTCC is therapist TT's client CC (01 dr.chen, 02 dr.patel,
# 03 dr.nowak); LK- clients belong to Lakeside's therapist.
RULES = {
    "therapist_high_risk": (therapist_high_risk, {"RS-0202", "RS-0204", "RS-0305", "LK-0102"}),
    "slippery_slope": (slippery_slope, {"RS-0103", "RS-0302"}),
    "time_overruns": (time_overruns, {"RS-0205"}),
    "repeated_category": (repeated_category, {"RS-0102", "RS-0303"}),
    "disclosure_pattern": (disclosure_pattern, {"RS-0102"}),
    "missing_precautions": (missing_precautions, {"RS-0304"}),
    "follow_up_overdue": (follow_up_overdue, {"RS-0204"}),
    "unsigned_entry": (unsigned_entry, {"RS-0105", "RS-0308"}),
    "agreement_review_due": (agreement_review_due, {"RS-0104", "RS-0307"}),
    "intake_incomplete": (intake_incomplete, {"RS-0306"}),
    "therapist_pattern": (therapist_pattern, {"dr.patel"}),
}


@pytest.mark.django_db
@pytest.mark.usefixtures("demo_output")
class TestDemoData:
    def test_demo_accounts_have_their_roles_and_practices(self):
        users = User.objects.filter(username__in=ACCOUNTS).select_related("practice")
        assert {u.username: (u.role, u.practice.name) for u in users} == ACCOUNTS
        for user in users:
            assert user.first_name and user.last_name
            assert user.email == f"{user.username}@example.org"

    def test_demo_accounts_sign_in_with_the_demo_password(self):
        for username in ACCOUNTS:
            assert authenticate(username=username, password=DEMO_PASSWORD) is not None, username

    def test_supervisors_supervise_the_therapists_of_the_contract(self):
        def supervisees(username):
            supervisor = User.objects.get(username=username)
            return set(supervisor.supervisees().values_list("username", flat=True))

        assert supervisees("sup.rivera") == {"dr.chen", "dr.patel"}
        assert supervisees("sup.okafor") == {"dr.nowak"}

    def test_an_ended_assignment_is_kept(self):
        ended = SupervisionAssignment.objects.get(
            supervisor__username="sup.okafor", therapist__username="dr.patel"
        )
        assert ended.ends_on is not None
        assert not ended.is_current(today())

    def test_each_therapist_has_a_dozen_pseudonymous_clients(self):
        per_therapist = dict(
            Client.objects.filter(practice__name="Riverside Practice")
            .values_list("therapist__username")
            .annotate(n=Count("pk"))
        )
        assert per_therapist == {"dr.chen": 12, "dr.patel": 12, "dr.nowak": 12}
        assert Client.objects.filter(therapist__username="other.therapist").count() >= 3
        assert all(
            re.fullmatch(CLIENT_CODE_PATTERN, code) for code in Client.objects.values_list("code", flat=True)
        )
        assert Client.objects.filter(status=ClientStatus.DISCHARGED).exists()
        assert {c.setting for c in Client.objects.all()} == {"in_person", "telehealth", "mixed"}
        assert Client.objects.filter(intake_date__lt=today() - datetime.timedelta(days=240)).exists()

    def test_agreements_have_revisions_and_acknowledgements(self):
        revisions = BoundaryAgreement.objects.filter(version=2).select_related("supersedes")
        assert revisions.exists()
        for revision in revisions:
            assert revision.supersedes.status == AgreementStatus.SUPERSEDED
            assert revision.supersedes.chain == revision.chain
        assert all(revision.revision_reason for revision in revisions)
        current = BoundaryAgreement.objects.active().with_acknowledgement()
        assert current.filter(acknowledged_on__isnull=False).exists()
        assert current.filter(acknowledged_on__isnull=True).exists()
        assert set(BoundaryAgreement.objects.values_list("category", flat=True)) == set(Category.values)

    def test_acknowledgements_cover_the_sheet_with_real_files(self):
        acknowledgements = Acknowledgement.objects.prefetch_related("items__agreement")
        assert {a.method for a in acknowledgements} == set(AcknowledgementMethod.values)
        for acknowledgement in acknowledgements:
            assert acknowledgement.items.exists()
            for item in acknowledgement.items.all():
                assert item.content_hash == item.agreement.compute_content_hash()
        for document in AcknowledgementDocument.objects.all()[:5]:
            if document.kind == DocumentKind.SIGNATURE:
                read_signature("data:image/png;base64," + base64.b64encode(bytes(document.data)).decode())
            else:
                upload = SimpleUploadedFile(
                    "scan.pdf", bytes(document.data), content_type=document.content_type
                )
                read_scan(upload)

    def test_sessions_are_mostly_attended_and_signed_with_recent_drafts(self):
        sessions = Session.objects.all()
        attended = sessions.filter(attendance__in=(Attendance.ATTENDED, Attendance.LATE)).count()
        assert attended > 0.85 * sessions.count()
        assert sessions.filter(attendance=Attendance.NO_SHOW).exists()
        assert sessions.filter(attendance=Attendance.LATE_CANCELLATION).exists()
        assert sessions.filter(status=EntryStatus.SIGNED).count() > 0.9 * sessions.count()
        assert sessions.filter(status=EntryStatus.DRAFT, documented_at__gt=since(2)).exists()
        assert sessions.filter(overrun__gte=datetime.timedelta(minutes=10)).count() >= 10

    def test_session_times_are_working_hours_in_the_practice_zone(self):
        london = zoneinfo.ZoneInfo("Europe/London")
        for start in Session.objects.filter(client__practice__name="Riverside Practice").values_list(
            "scheduled_start", flat=True
        ):
            local = start.astimezone(london)
            assert 8 <= local.hour <= 18 and local.weekday() < 5

    def test_ordinary_incidents_vary(self):
        incidents = Incident.objects.all()
        assert incidents.count() >= 60
        assert incidents.filter(session__isnull=True, location=Location.OUTSIDE_OFFICE).exists()
        assert incidents.filter(session__isnull=True, location=Location.ONLINE).exists()
        assert set(incidents.values_list("initiated_by", flat=True)) == set(Initiator.values)
        assert incidents.values("description").distinct().count() >= 30
        assert incidents.exclude(consulted_with="").exists()
        assert FollowUp.objects.filter(incident__isnull=False, done_at__isnull=False).exists()

    def test_follow_ups_are_tasks_open_overdue_and_done(self):
        from_incidents = FollowUp.objects.filter(origin=FollowUpOrigin.INCIDENT).select_related(
            "incident__client", "client"
        )
        assert from_incidents.filter(done_at__isnull=True, due_on__gte=today()).exists()
        assert from_incidents.filter(done_at__isnull=True, due_on__lt=today()).exists()
        assert from_incidents.filter(done_at__isnull=False).count() >= 5
        start_of_today = datetime.datetime.combine(
            today(), datetime.time(), tzinfo=zoneinfo.ZoneInfo("Europe/London")
        )
        for follow_up in from_incidents:
            therapist_id = follow_up.incident.client.therapist_id
            assert follow_up.client_id == follow_up.incident.client_id
            assert follow_up.owner_id == follow_up.created_by_id == follow_up.therapist_id == therapist_id
            assert follow_up.created_at == follow_up.incident.documented_at
            if follow_up.is_done:
                assert follow_up.done_by_id == therapist_id and follow_up.done_note
                assert follow_up.created_at <= follow_up.done_at < start_of_today
                assert follow_up.done_at.astimezone(start_of_today.tzinfo).date() <= follow_up.due_on
        assert from_incidents.values("incident").distinct().count() == from_incidents.count()

    def test_incidents_leave_the_legacy_follow_up_columns_blank(self):
        legacy = Q(follow_up_owner__isnull=False) | Q(follow_up_due__isnull=False)
        assert not Incident.objects.filter(legacy | Q(follow_up_done_on__isnull=False)).exists()
        assert not Incident.objects.exclude(follow_up="").exists()

    def test_addenda_follow_signed_entries(self):
        addenda = Addendum.objects.select_related("session", "incident")
        assert addenda.filter(session__isnull=False).exists()
        assert addenda.filter(incident__isnull=False).exists()
        for addendum in addenda:
            assert addendum.entry.is_signed
            assert addendum.created_at > addendum.entry.signed_at

    def test_signatures_hash_the_stored_content(self):
        for model in (Session, Incident):
            for entry in model.objects.filter(status=EntryStatus.SIGNED):
                assert entry.content_hash == entry.compute_content_hash(), entry

    def test_sample_rows_pass_full_clean(self):
        samples = [
            *Practice.objects.all(),
            *User.objects.all(),
            *SupervisionAssignment.objects.all(),
            *Client.objects.all(),
            *list(BoundaryAgreement.objects.order_by("pk"))[::5],
            *list(Session.objects.order_by("pk"))[::20],
            *list(Incident.objects.order_by("pk"))[::3],
            *Addendum.objects.all(),
            *list(FollowUp.objects.order_by("pk"))[::3],
            *RevisionRequest.objects.all(),
        ]
        for obj in samples:
            obj.full_clean()

    @pytest.mark.parametrize("rule", RULES)
    def test_every_rule_has_something_to_fire_on_where_the_demo_means_it(self, rule):
        finds, expected = RULES[rule]
        assert finds() == expected

    @pytest.mark.parametrize("rule", RULES)
    def test_the_first_sweep_flagged_every_rule_where_the_demo_means_it(self, rule):
        _finds, expected = RULES[rule]
        flags = Flag.objects.filter(rule=rule).select_related("client", "therapist")
        subjects = {flag.client.code if flag.client_id else flag.therapist.username for flag in flags}
        assert subjects == expected

    def test_the_first_sweep_left_nothing_for_the_next_one_to_open(self):
        assert evaluate_all().opened == []

    def test_the_loop_closes_on_dr_chens_flags(self):
        chen, rivera = User.objects.get(username="dr.chen"), User.objects.get(username="sup.rivera")
        # A flag resolved with a corrective plan: one follow-up done, one still to do; chen replied.
        resolved = Flag.objects.get(rule="disclosure_pattern", client__code="RS-0102")
        assert (resolved.status, resolved.outcome) == (FlagStatus.RESOLVED, Outcome.CORRECTIVE_PLAN)
        assert resolved.events.get(kind=FlagEventKind.RESOLVED).actor == rivera
        plan = [item.follow_up for item in resolved.plan_items.select_related("follow_up")]
        assert len(plan) >= 2
        assert {f.origin for f in plan} == {FollowUpOrigin.CORRECTIVE_PLAN}
        assert {f.owner for f in plan} == {chen}
        done = [f for f in plan if f.is_done]
        assert len(done) == 1 and done[0].done_by == chen and done[0].done_note
        assert today() - datetime.timedelta(days=7) <= done[0].due_on < today()
        (still_to_do,) = [f for f in plan if not f.is_done]
        assert today() < still_to_do.due_on <= today() + datetime.timedelta(days=7)
        reply = resolved.events.get(kind=FlagEventKind.REPLIED)
        assert reply.actor == chen and reply.comment
        # Two signed incidents of another flag returned: one answered by chen's addendum, one not yet
        # (on her "returned to me" list), so the flag still waits as "returned for revision".
        returned_flag = Flag.objects.get(rule="slippery_slope", client__code="RS-0103")
        assert returned_flag.status == FlagStatus.RETURNED
        requests = RevisionRequest.objects.filter(incident__in=returned_flag.incidents.all())
        assert requests.count() == RevisionRequest.objects.count() == 2
        answered = requests.get(addendum__isnull=False)
        assert answered.requested_by == rivera and answered.request
        assert answered.addendum.author == chen and answered.addendum.created_at > answered.requested_at
        assert returned_flag.events.filter(kind=FlagEventKind.REVISED, addendum=answered.addendum).exists()
        (waiting,) = RevisionRequest.objects.unanswered().for_user(chen)
        assert waiting.incident.is_signed and waiting.requested_by == rivera
        assert returned_flag.events.filter(kind=FlagEventKind.RETURNED, revision_request=waiting).exists()
        # Chen's other open flags are left to work, one of them with signed incidents to return.
        untouched = Flag.objects.filter(therapist=chen, status=FlagStatus.OPEN, client__isnull=False)
        assert untouched.filter(incidents__status=EntryStatus.SIGNED).exists()
        assert untouched.values("client").distinct().count() >= 2
        # A follow-up chen added by hand on a client's record.
        (by_hand,) = FollowUp.objects.filter(origin=FollowUpOrigin.CLIENT)
        assert (by_hand.client.code, by_hand.created_by, by_hand.owner) == ("RS-0104", chen, chen)
        assert not by_hand.is_done and by_hand.due_on > today()
        # Nobody else's records were touched.
        assert set(
            FlagEvent.objects.exclude(kind=FlagEventKind.OPENED).values_list("flag__therapist", flat=True)
        ) == {chen.pk}

    def test_summary_lists_the_demo_accounts(self, demo_output):
        for username in ACCOUNTS:
            assert username in demo_output
        assert DEMO_PASSWORD in demo_output

    def test_a_second_run_changes_nothing(self):
        before = row_counts()
        out = io.StringIO()
        call_command("seed_demo", stdout=out)
        assert row_counts() == before
        assert "nothing changed" in out.getvalue()


def test_the_same_day_gives_the_same_data(db):
    def load(day):
        with transaction.atomic():
            counts = seed_demo(today=day)
            shape = list(Client.objects.order_by("code").values_list("code", "intake_date", "status"))
            shape += list(
                Session.objects.order_by("scheduled_start", "client__code").values_list("scheduled_start")
            )
            shape += list(
                FollowUp.objects.order_by("client__code", "due_on", "action").values_list(
                    "client__code", "origin", "action", "due_on", "owner__username", "done_by__username"
                )
            )
            shape += list(
                Flag.objects.order_by("rule", "client__code", "therapist__username").values_list(
                    "rule", "client__code", "therapist__username", "status", "outcome"
                )
            )
            shape += list(
                RevisionRequest.objects.order_by("request").values_list(
                    "incident__description", "request", "addendum__text"
                )
            )
            transaction.set_rollback(True)
        return counts, shape

    day = datetime.date(2025, 3, 14)
    assert load(day) == load(day)


def test_dates_follow_the_given_day(db):
    day = datetime.date(2025, 3, 14)
    seed_demo(today=day)
    assert Session.objects.latest("scheduled_start").scheduled_start.date() < day
    assert Client.objects.earliest("intake_date").intake_date > day - datetime.timedelta(days=300)


def test_scale_multiplies_therapists_and_clients(db):
    counts = seed_demo(scale=2)
    riverside = Practice.objects.get(name="Riverside Practice")
    therapists = User.objects.therapists().filter(practice=riverside)
    assert therapists.count() == 6
    assert Client.objects.filter(practice=riverside).count() == 72
    assert counts["clients"] == 72 + Client.objects.filter(practice__name="Lakeside Practice").count()
    current = SupervisionAssignment.objects.current(today())
    assert set(current.values_list("therapist", flat=True)) == set(therapists.values_list("pk", flat=True))
    assert authenticate(username="dr.extra3", password=DEMO_PASSWORD) is not None


def test_scale_below_one_is_refused():
    with pytest.raises(CommandError, match="at least 1"):
        call_command("seed_demo", "--scale", "0")


def test_taken_demo_username_is_reported(db):
    User.objects.create_superuser("admin", "ops@example.org", "not-the-demo-one")
    with pytest.raises(CommandError, match="already taken: admin"):
        call_command("seed_demo", stdout=io.StringIO())
    assert not Practice.objects.exists()


def test_if_empty_leaves_a_database_with_data_alone(practice):
    out = io.StringIO()

    call_command("seed_demo", "--if-empty", stdout=out)

    assert "already holds data" in out.getvalue()
    assert list(Practice.objects.all()) == [practice]
    assert not User.objects.exists()


# --size: Riverside filled up to a named size (practice-large for the benchmark), here a small one.

TINY = PracticeSize("tiny", therapists=7, supervisors=3, clients=60, sessions=2_500, incidents=400, years=2)


@pytest.fixture
def tiny_size(monkeypatch):
    monkeypatch.setitem(demo.SIZES, "tiny", TINY)
    return "tiny"


def riverside_shape() -> list:
    """The scripted clients (the scale-1 cast's) with their sessions and incidents."""
    scripted = Client.objects.filter(therapist__username__in=["dr.chen", "dr.patel", "dr.nowak"])
    return [
        *scripted.order_by("code").values_list("code", "intake_date", "status"),
        *Session.objects.filter(client__in=scripted)
        .order_by("client__code", "scheduled_start")
        .values_list("client__code", "scheduled_start", "actual_end", "signed_at"),
        *Incident.objects.filter(client__in=scripted)
        .order_by("client__code", "occurred_at")
        .values_list("client__code", "occurred_at", "category", "harm"),
    ]


def test_size_fills_riverside_to_exact_numbers(db, tiny_size):
    counts = seed_demo(size=tiny_size)

    riverside = Practice.objects.get(name="Riverside Practice")
    assert User.objects.therapists().filter(practice=riverside).count() == TINY.therapists
    assert User.objects.filter(practice=riverside, role=Role.SUPERVISOR).count() == TINY.supervisors
    assert Client.objects.filter(practice=riverside).count() == TINY.clients
    assert Session.objects.filter(client__practice=riverside).count() == TINY.sessions
    assert Incident.objects.filter(client__practice=riverside).count() == TINY.incidents
    assert counts["sessions"] == Session.objects.count()
    # Every therapist has a current supervisor; the supervisors share them out evenly.
    current = SupervisionAssignment.objects.current(today()).filter(practice=riverside)
    assert current.count() == TINY.therapists
    per_supervisor = current.values("supervisor").annotate(n=Count("pk")).values_list("n", flat=True)
    assert max(per_supervisor) - min(per_supervisor) <= 1
    # Rows written with COPY keep every constraint and hash their signed content.
    assert Session.objects.filter(status=EntryStatus.SIGNED).count() > 0.9 * TINY.sessions
    for model in (Session, Incident):
        for entry in model.objects.filter(status=EntryStatus.SIGNED, client__therapist__username="dr.extra1"):
            assert entry.content_hash == entry.compute_content_hash(), entry
    assert Client.objects.filter(therapist__username="dr.extra1", status=ClientStatus.DISCHARGED).exists()
    assert Client.objects.earliest("intake_date").intake_date >= today() - datetime.timedelta(
        days=2 * 365 + 7
    )
    assert authenticate(username="dr.extra4", password=DEMO_PASSWORD) is not None


def test_size_leaves_the_scripted_cases_as_they_are(db, tiny_size):
    day = datetime.date(2025, 3, 14)
    with transaction.atomic():
        seed_demo(today=day)
        plain = riverside_shape()
        transaction.set_rollback(True)
    seed_demo(size=tiny_size, today=day)

    assert riverside_shape() == plain


def test_size_runs_once(db, tiny_size):
    seed_demo(size=tiny_size)
    before = row_counts()

    assert seed_demo(size=tiny_size)["sessions"] == 0
    assert row_counts() == before


def test_size_and_scale_together_are_refused():
    with pytest.raises(CommandError, match="not both"):
        call_command("seed_demo", "--scale", "2", "--size", "practice-large")


def test_the_demo_load_writes_no_history_but_leaves_history_on(db):
    from clients.models import Client

    seed_demo(stdout=io.StringIO())

    client = Client.objects.first()
    assert not client.history.exists()
    client.setting = "mixed"
    client.save()
    assert client.history.count() == 1
