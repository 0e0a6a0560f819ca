"""The access matrix: every URL the resolver knows × every kind of visitor × GET and POST.

Each URL name has an entry in ``SPEC`` saying what it is about; a URL without one fails
``test_every_url_has_an_entry``, so a new view cannot ship without its access being tested.

- Strangers to the owner's client (a colleague, a supervisor with no assignment, a supervisor
  whose assignment ended, an admin of another practice) get 404 on every URL about it, for GET
  and POST, and nothing in the database changes.
- Anonymous visitors are sent to sign in, except on the few public pages.
- The owner, the current supervisor and the practice admin are not refused what they may read.
"""

import datetime
import hashlib
import json
from dataclasses import dataclass
from urllib.parse import urlparse

import pytest
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.contrib import admin as django_admin
from django.contrib.auth.models import Group
from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.urls import NoReverseMatch, URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice
from procrastinate.contrib.django.models import ProcrastinateJob

from accounts.models import Practice, SupervisionAssignment, User
from accounts.tests.factories import (
    PracticeAdminFactory,
    PracticeFactory,
    SupervisionAssignmentFactory,
    SupervisorFactory,
    TherapistFactory,
)
from audit.middleware import LIST_PAGES
from audit.models import AccessRecord
from boundaries.documents import Document
from boundaries.models import Acknowledgement, AgreementWording, BoundaryAgreement
from boundaries.services import acknowledgement_record
from boundaries.tests.factories import BoundaryAgreementFactory
from calendar_sync.models import CalendarFeed, CalendarImport, EventDecision, FeedToken, UnmatchedEvent
from clients.models import Client, EmergencyAccess
from clients.tests.factories import ClientFactory
from common.tests.queue import failed_mail
from sessions_log.models import Addendum, FollowUp, Incident, RevisionRequest, Session
from sessions_log.tests.factories import AddendumFactory, IncidentFactory, SessionFactory
from supervision import meetings
from supervision.models import (
    AgendaItem,
    Flag,
    FlagEvent,
    ItemFollowUp,
    Meeting,
    MeetingAddendum,
    MeetingAttendee,
    RuleSetting,
)
from supervision.tests.factories import FlagFactory

pytestmark = pytest.mark.django_db

STRANGERS = ("colleague", "unassigned_supervisor", "ended_supervisor", "other_admin")
READERS = ("owner", "supervisor", "admin")
VISITORS = (*READERS, *STRANGERS, "anonymous")


@dataclass(frozen=True)
class Entry:
    """What a URL is about: ``about`` names the owner's object its arguments point at (None: no
    object); ``public`` pages are open to anonymous visitors; ``readers`` may GET it with success;
    ``client_data``: the object holds client data, so that reading it leaves an access record."""

    about: str | None = None
    public: bool = False
    readers: tuple[str, ...] = READERS
    client_data: bool = True


ANY_SIGNED_IN = (*READERS, *STRANGERS)
SUPERVISORS = ("supervisor", "unassigned_supervisor", "ended_supervisor")
SPEC: dict[str, Entry] = {
    "home": Entry(readers=ANY_SIGNED_IN),
    # Each user's own follow-ups; a follow-up's page is read like its client's record.
    "follow_ups": Entry(readers=ANY_SIGNED_IN),
    "follow_up_detail": Entry(about="follow_up"),
    "follow_up_done": Entry(about="follow_up", readers=()),
    "clients:follow_up_new": Entry(about="client", readers=("owner",)),
    "accounts:login": Entry(public=True, readers=()),
    "accounts:logout": Entry(public=True, readers=()),
    "accounts:password_change": Entry(readers=ANY_SIGNED_IN),
    "accounts:password_change_done": Entry(readers=ANY_SIGNED_IN),
    # Each user's own password again (require_recent_password): nothing there is about anyone else.
    "accounts:confirm_password": Entry(readers=ANY_SIGNED_IN),
    "accounts:password_reset": Entry(public=True, readers=ANY_SIGNED_IN),
    "accounts:password_reset_done": Entry(public=True, readers=ANY_SIGNED_IN),
    "accounts:password_reset_confirm": Entry(public=True, readers=ANY_SIGNED_IN),
    "accounts:password_reset_complete": Entry(public=True, readers=ANY_SIGNED_IN),
    # Each user's own second factor: nothing there is about anyone else.
    "accounts:two_factor_setup": Entry(readers=ANY_SIGNED_IN),
    "accounts:two_factor_verify": Entry(readers=ANY_SIGNED_IN),
    "accounts:two_factor_backup_codes": Entry(readers=ANY_SIGNED_IN),
    "accounts:two_factor_disable": Entry(readers=()),
    # A practice admin's page about their own practice's grants; revoking is POST-only.
    "accounts:emergency_access": Entry(readers=("admin", "other_admin")),
    "accounts:emergency_access_revoke": Entry(readers=()),
    "clients:list": Entry(readers=ANY_SIGNED_IN),
    "clients:intake": Entry(readers=("owner", "colleague")),
    "clients:detail": Entry(about="client"),
    "clients:edit": Entry(about="client", readers=("owner",)),
    "clients:discharge": Entry(about="client", readers=()),
    "clients:archive": Entry(about="client", readers=()),
    "clients:restore": Entry(about="client", readers=()),
    "clients:timeline": Entry(about="client"),
    # Reading everything at once is for the client's therapist and the practice admin only.
    "clients:export": Entry(about="client", readers=("owner", "admin")),
    "clients:export_json": Entry(about="client", readers=("owner", "admin")),
    "clients:export_pdf": Entry(about="client", readers=("owner", "admin")),
    "boundaries:detail": Entry(about="agreement"),
    "boundaries:revise": Entry(about="agreement", readers=("owner",)),
    "boundaries:end": Entry(about="agreement", readers=()),
    # The client's acknowledgement of the sheet: recorded by their therapist, read like the client.
    "boundaries:acknowledge": Entry(about="client", readers=("owner",)),
    "boundaries:signing_start": Entry(about="client", readers=()),
    # Outside the signing mode the owner is sent to the acknowledgement page.
    "boundaries:signing": Entry(about="client", readers=("owner",)),
    "boundaries:signing_leave": Entry(about="client", readers=()),
    "boundaries:acknowledgement": Entry(about="acknowledgement"),
    "boundaries:acknowledgement_file": Entry(about="acknowledgement"),
    "boundaries:acknowledgement_withdraw": Entry(about="acknowledgement", readers=()),
    "boundaries:add": Entry(about="client", readers=("owner",)),
    "boundaries:print": Entry(about="client"),
    "boundaries:pdf": Entry(about="client"),
    "sessions_log:session_new": Entry(about="client", readers=("owner",)),
    "sessions_log:session_detail": Entry(about="session"),
    "sessions_log:session_edit": Entry(about="draft_session", readers=("owner",)),
    "sessions_log:session_sign": Entry(about="draft_session", readers=()),
    "sessions_log:session_addendum": Entry(about="session", readers=("owner",)),
    "sessions_log:incident_new": Entry(about="client", readers=("owner",)),
    "sessions_log:incident_detail": Entry(about="incident"),
    "sessions_log:incident_edit": Entry(about="draft_incident", readers=("owner",)),
    "sessions_log:incident_sign": Entry(about="draft_incident", readers=()),
    "sessions_log:incident_addendum": Entry(about="incident", readers=("owner",)),
    "supervision:dashboard": Entry(
        readers=("supervisor", "admin", "unassigned_supervisor", "ended_supervisor", "other_admin")
    ),
    "supervision:admin_dashboard": Entry(readers=("admin", "other_admin")),
    "supervision:flags_acknowledge": Entry(readers=()),
    # A therapist's own list: nothing in it is about anyone else.
    "supervision:my_flags": Entry(readers=("owner", "colleague")),
    "supervision:supervisee": Entry(about="owner", readers=("supervisor", "admin")),
    "supervision:flag_reply": Entry(about="flag", readers=()),
    "supervision:mail_requeue": Entry(about="failed_mail", readers=()),
    "supervision:flag_detail": Entry(about="flag"),
    "supervision:flag_acknowledge": Entry(about="flag", readers=()),
    "supervision:flag_comment": Entry(about="flag", readers=()),
    "supervision:flag_return": Entry(about="flag", readers=()),
    "supervision:flag_classify": Entry(about="flag", readers=()),
    "supervision:flag_resolve": Entry(about="flag", readers=()),
    "supervision:flag_dismiss": Entry(about="flag", readers=()),
    "supervision:flag_escalate": Entry(about="flag", readers=()),
    "supervision:rule_settings": Entry(readers=("admin", "other_admin")),
    "supervision:rule_setting_edit": Entry(readers=("admin", "other_admin")),
    "supervision:export_flags": Entry(
        readers=("supervisor", "admin", "unassigned_supervisor", "ended_supervisor", "other_admin")
    ),
    "supervision:export_incidents": Entry(
        readers=("supervisor", "admin", "unassigned_supervisor", "ended_supervisor", "other_admin")
    ),
    # Supervision meetings: read by their supervisor, supervisees and practice admin; changed by
    # their supervisor only (POST). The list and the log show each user their own scope.
    "supervision:meeting_list": Entry(readers=ANY_SIGNED_IN),
    "supervision:meeting_new": Entry(readers=SUPERVISORS),
    "supervision:meeting_detail": Entry(about="meeting"),
    "supervision:meeting_edit": Entry(about="meeting", readers=()),
    "supervision:meeting_cancel": Entry(about="meeting", readers=()),
    "supervision:agenda_add": Entry(about="meeting", readers=()),
    "supervision:agenda_remove": Entry(about="meeting", readers=()),
    "supervision:agenda_move": Entry(about="meeting", readers=()),
    "supervision:item_follow_up": Entry(about="meeting", readers=()),
    "supervision:minutes_save": Entry(about="meeting", readers=()),
    "supervision:meeting_sign": Entry(about="meeting", readers=()),
    "supervision:minutes_acknowledge": Entry(about="signed_meeting", readers=()),
    "supervision:meeting_addendum": Entry(about="signed_meeting", readers=()),
    "supervision:supervision_log": Entry(readers=ANY_SIGNED_IN),
    "supervision:supervision_log_csv": Entry(readers=ANY_SIGNED_IN),
    "supervision:supervision_log_pdf": Entry(readers=ANY_SIGNED_IN),
    # Co-signature: the queue is each supervisor's own; an entry is co-signed by its therapist's
    # current supervisor only.
    "supervision:cosign_queue": Entry(readers=SUPERVISORS),
    "supervision:entry_cosign": Entry(about="session", readers=("supervisor",)),
    "supervision:entry_cosign_return": Entry(about="session", readers=()),
    # Calendar sync: each therapist's own imports and unmatched events; the private feed is read
    # with its token and no sign-in (a wrong token is a 404 to everyone); the feed addresses are
    # the practice admin's.
    "calendar_sync:calendar": Entry(readers=("owner", "colleague")),
    "calendar_sync:event_match": Entry(about="unmatched_event", readers=()),
    "calendar_sync:event_ignore": Entry(about="unmatched_event", readers=()),
    "calendar_sync:feed_token_issue": Entry(readers=()),
    "calendar_sync:feed_token_revoke": Entry(readers=()),
    "calendar_sync:feed": Entry(public=True, readers=()),
    "calendar_sync:feeds": Entry(readers=("admin", "other_admin")),
    "calendar_sync:feed_set": Entry(about="owner", readers=()),
    "calendar_sync:feed_pull": Entry(about="owner", readers=()),
    "demo:sample_calendar": Entry(readers=("owner", "colleague")),
    "audit:trail": Entry(readers=("admin", "other_admin")),
    "audit:trail_csv": Entry(readers=("admin", "other_admin")),
    # Each admin edits their own practice's settings; the page names no object.
    "practice:settings": Entry(readers=("admin", "other_admin")),
    # Each admin's list of their own practice's client codes to correct.
    "practice:client_codes": Entry(readers=("admin", "other_admin")),
    # The practice's standard agreement wordings: its admin's alone; no client data in them.
    "practice:wordings": Entry(readers=("admin", "other_admin")),
    "practice:wording_new": Entry(readers=("admin", "other_admin")),
    "practice:wording_edit": Entry(about="wording", readers=("admin",), client_data=False),
    "practice:wording_delete": Entry(about="wording", readers=(), client_data=False),
    "livez": Entry(public=True, readers=ANY_SIGNED_IN),
    "readyz": Entry(public=True, readers=ANY_SIGNED_IN),
    "favicon": Entry(public=True, readers=ANY_SIGNED_IN),
}

# A POST body with something for every form, so that a view that wrongly accepted a stranger
# would have something to write.
PAYLOAD = {
    "code": "ZZ-9999",
    "intake_date": "2026-01-01",
    "setting": "in_person",
    "discharged_on": "2026-01-02",
    "terms": "Changed by a stranger",
    "proposed_by": "jointly",
    "effective_date": "2026-01-01",
    "review_interval_days": "90",
    "ended_on": "2026-01-02",
    "acknowledged_on": "2026-01-02",
    "method": "verbal",
    "initials": "ZZ",
    "password": "not-the-password",
    "category": "time",
    "text": "Written by a stranger",
    "reason": "A stranger's reason",
    "comment": "A stranger's comment",
    "outcome": "no_action",
    "classification": "violation",
    "seen_event": "999999",
    "note": "Done by a stranger",
    "action": "A stranger's follow-up",
    "due_on": "2030-01-01",
    "flags": "1",
    "enabled": "",
    "attest": "on",
}


def url_names(patterns=None, namespace=None):
    for pattern in patterns if patterns is not None else get_resolver().url_patterns:
        if isinstance(pattern, URLResolver):
            inner = pattern.namespace or namespace
            if inner == "admin":
                continue  # the admin site: see test_admin_site_is_for_practice_admins_only
            yield from url_names(pattern.url_patterns, inner)
        elif isinstance(pattern, URLPattern) and pattern.name:
            yield f"{namespace}:{pattern.name}" if namespace else pattern.name


def cast() -> dict:
    """The people of the root conftest.py, with the same names, usernames and relations.

    Built here rather than taken from its fixtures: those are per test, and the world is built
    once for the module (a second "owner" beside the module's would not even be allowed).
    """
    practice = PracticeFactory(name="Riverside Practice")
    other_practice = PracticeFactory(name="Lakeside Practice")
    owner = TherapistFactory(practice=practice, username="owner")
    today = timezone.localdate()
    return {
        "owner": owner,
        "supervisor": SupervisionAssignmentFactory(
            therapist=owner, supervisor__username="supervisor"
        ).supervisor,
        "admin": PracticeAdminFactory(practice=practice, username="practiceadmin"),
        "colleague": TherapistFactory(practice=practice, username="colleague"),
        "unassigned_supervisor": SupervisorFactory(practice=practice, username="unassigned"),
        # Their assignment has ended (the dates of conftest.py's ``ended_supervisor``).
        "ended_supervisor": SupervisionAssignmentFactory(
            therapist=owner,
            supervisor__username="ended",
            starts_on=today - datetime.timedelta(days=365),
            ends_on=today,
        ).supervisor,
        "other_admin": PracticeAdminFactory(practice=other_practice, username="otheradmin"),
    }


def build_world() -> dict:
    people = cast()
    owner, admin, colleague = people["owner"], people["admin"], people["colleague"]
    client_record = ClientFactory(therapist=owner, code="RS-0001")
    signed_session = SessionFactory(client=client_record)
    IncidentFactory(client=client_record, session=signed_session, occurred_at=signed_session.actual_start)
    signed_session.mark_signed(by=owner)
    signed_session.save()
    incident = IncidentFactory(client=client_record)
    incident.mark_signed(by=owner)
    incident.save()
    AddendumFactory(session=signed_session, client=client_record, author=owner)
    flag = FlagFactory(client=client_record)
    flag.incidents.add(incident)
    # Ended already, so that the colleague it was for is a stranger again.
    grant = EmergencyAccess.objects.create(
        practice=client_record.practice,
        therapist=colleague,
        client=client_record,
        granted_by=admin,
        reason="Cover while the owner is away",
        starts_at=timezone.now() - datetime.timedelta(hours=3),
        ends_at=timezone.now() - datetime.timedelta(hours=1),
    )
    supervisor = people["supervisor"]

    def meeting(starts_at):
        return meetings.meeting_schedule(
            by=supervisor,
            supervisees=[owner],
            format="individual",
            medium="video",
            starts_at=starts_at,
            duration_minutes=60,
        )

    # A meeting with the flag on its agenda; another held, with its minutes signed.
    draft_meeting = meeting(timezone.now() + datetime.timedelta(days=1))
    signed_meeting = meeting(timezone.now() - datetime.timedelta(days=1))
    item = signed_meeting.items.get()
    meetings.minutes_save(meeting=signed_meeting, by=supervisor, minutes={item.pk: "Discussed the flag."})
    meetings.meeting_sign(meeting=signed_meeting, by=supervisor)
    # An event of the owner's calendar that matched no client, and the owner's feed address.
    calendar_import = CalendarImport.objects.create(
        practice=owner.practice, therapist=owner, source="file", status="done"
    )
    unmatched = UnmatchedEvent.objects.create(
        therapist=owner,
        calendar_import=calendar_import,
        uid="enquiry@calendar",
        summary="New enquiry",
        starts_at=timezone.now(),
        ends_at=timezone.now() + datetime.timedelta(hours=1),
        reason="No client code in its title or description.",
    )
    CalendarFeed.objects.create(therapist=owner, url="https://calendar.example.com/owner.ics", set_by=admin)
    agreement = BoundaryAgreementFactory(client=client_record)
    return {
        **people,
        "unmatched_event": unmatched,
        "meeting": draft_meeting,
        "signed_meeting": signed_meeting,
        "failed_mail": ProcrastinateJob.objects.get(pk=failed_mail(client_record.practice_id)),
        "grant": grant,
        "client": client_record,
        "agreement": agreement,
        "wording": AgreementWording.objects.create(
            practice=client_record.practice,
            category="time",
            title="Fifty minutes",
            terms="Sessions last 50 minutes and start on time.",
        ),
        "acknowledgement": acknowledgement_record(
            client=client_record,
            method="paper",
            acknowledged_on=timezone.localdate(),
            recorded_by=owner,
            document=Document(content_type="application/pdf", data=b"%PDF-1.4\n%%EOF\n", filename="s.pdf"),
        ),
        "session": signed_session,
        "draft_session": SessionFactory(client=client_record),
        "incident": incident,
        "draft_incident": IncidentFactory(client=client_record),
        "flag": flag,
        "follow_up": FollowUp.objects.create(
            practice=client_record.practice,
            therapist=owner,
            client=client_record,
            origin="incident",
            incident=incident,
            action="Review the agreement with the client",
            owner=owner,
            due_on=timezone.localdate(),
            created_by=owner,
        ),
    }


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):
    """The people and records every URL is tried against, built once for the module.

    They are written in a transaction that is rolled back after the module's last test. Each test
    runs inside it in a savepoint of its own (pytest-django's ``db``), rolled back after the test:
    what one test writes (a reader's accepted POST, a sign-in's ``last_login``) never reaches the
    next. Checked once at the end, where the database must still be as built.
    """
    with django_db_blocker.unblock(), transaction.atomic():
        data = build_world()
        built = database_state()
        yield data
        assert database_state() == built, "a test's writes outlived it: they may have reached later tests"
        transaction.set_rollback(True)


def url_for(name: str, world) -> str:
    entry = SPEC[name]
    if name == "accounts:password_reset_confirm":
        return reverse(name, kwargs={"uidb64": "MQ", "token": "set-password"})
    if name == "accounts:emergency_access_revoke":
        return reverse(name, kwargs={"pk": world["grant"].pk})
    if name == "supervision:rule_setting_edit":
        return reverse(name, kwargs={"code": "time_overruns"})
    if name == "calendar_sync:feed":
        return reverse(name, kwargs={"token": "not-a-token"})
    if entry.about is None:
        return reverse(name)
    target = world[entry.about]
    if name in ("supervision:agenda_remove", "supervision:agenda_move", "supervision:item_follow_up"):
        return reverse(name, kwargs={"pk": target.pk, "item": target.items.first().pk})
    if name in ("supervision:entry_cosign", "supervision:entry_cosign_return"):
        return reverse(name, kwargs={"kind": "session", "pk": target.pk})
    try:
        return reverse(name, kwargs={"pk": target.pk})
    except NoReverseMatch:
        return reverse(name, kwargs={"client_pk": target.pk})


def database_state() -> str:
    """A digest of every row a visitor could change."""
    models = (
        User,
        SupervisionAssignment,
        Client,
        BoundaryAgreement,
        Acknowledgement,
        AgreementWording,
        Session,
        Incident,
        Addendum,
        Flag,
        FlagEvent,
        FollowUp,
        RevisionRequest,
        EmergencyAccess,
        ProcrastinateJob,
        Meeting,
        MeetingAttendee,
        AgendaItem,
        ItemFollowUp,
        MeetingAddendum,
        UnmatchedEvent,
        EventDecision,
        CalendarFeed,
        FeedToken,
    )
    rows = {model.__name__: list(model.objects.order_by("pk").values()) for model in (*models, RuleSetting)}
    return hashlib.sha256(json.dumps(rows, default=str, sort_keys=True).encode()).hexdigest()


def test_every_url_has_an_entry():
    assert set(url_names()) == set(SPEC)


@pytest.mark.parametrize("visitor", VISITORS)
@pytest.mark.parametrize("name", sorted(SPEC))
def test_access(client, world, name, visitor):
    entry = SPEC[name]
    url = url_for(name, world)
    if visitor != "anonymous":
        client.force_login(world[visitor])
    before = database_state()
    records_before = AccessRecord.objects.count()

    got = client.get(url)
    recorded = AccessRecord.objects.count() - records_before
    posted = client.post(url, PAYLOAD)

    statuses = (got.status_code, posted.status_code)
    assert 500 not in statuses and 503 not in statuses, statuses
    if visitor == "anonymous":
        if entry.public:
            return
        for response in (got, posted):
            assert response.status_code == 302, (name, response.status_code)
            assert urlparse(response["Location"]).path == reverse("accounts:login")
        assert database_state() == before
    elif visitor in STRANGERS and entry.about is not None:
        # 404 for the method the view serves; the other method may be refused first (405),
        # which says nothing about the object either.
        assert set(statuses) <= {404, 405} and 404 in statuses, (name, visitor, statuses)
        assert database_state() == before
    elif visitor in entry.readers:
        assert got.status_code in (200, 301, 302), (name, visitor, got.status_code)
        if got.status_code == 200 and (entry.about is not None and entry.client_data or name in LIST_PAGES):
            # Whatever shows client data leaves one access record, however the view is written.
            assert recorded == 1, (name, visitor, recorded)
    else:
        # Refused or redirected away, never shown: and a refused POST changes nothing.
        assert got.status_code in (302, 403, 404, 405), (name, visitor, got.status_code)
        if posted.status_code in (403, 404, 405):
            assert database_state() == before


@pytest.mark.parametrize("visitor", ["owner", "supervisor", *STRANGERS[:-1]])
def test_admin_site_is_for_practice_admins_only(client, world, visitor):
    client.force_login(world[visitor])

    response = client.get(reverse("admin:accounts_user_changelist"))

    assert response.status_code == 302
    assert urlparse(response["Location"]).path == reverse("admin:login")


def test_admin_site_for_the_practice_admin(client, world):
    client.force_login(world["admin"])

    assert client.get(reverse("admin:accounts_user_changelist")).status_code == 200


# The admin site, which the matrix above leaves out: every admin URL pattern, per registered
# model, for the practice's admin, another practice's admin and a therapist. Another practice's
# object (and, on the superuser's models, any object) must be answered exactly as a missing id is.
ADMIN_VISITORS = ("admin", "other_admin", "owner")
ADMIN_MODEL_VIEWS = ("changelist", "add", "change", "history", "delete")
ADMIN_SITE_URLS = {
    "admin:index": lambda world: reverse("admin:index"),
    "admin:login": lambda world: reverse("admin:login"),
    "admin:logout": lambda world: reverse("admin:logout"),
    "admin:password_change": lambda world: reverse("admin:password_change"),
    "admin:password_change_done": lambda world: reverse("admin:password_change_done"),
    "admin:jsi18n": lambda world: reverse("admin:jsi18n"),
    "admin:app_list": lambda world: reverse("admin:app_list", kwargs={"app_label": "accounts"}),
    "admin:autocomplete": lambda world: (
        reverse("admin:autocomplete")
        + "?app_label=accounts&model_name=supervisionassignment&field_name=supervisor"
    ),
    # The client's page: no practice admin is sent there through the admin site (accounts/admin_site.py).
    "admin:view_on_site": lambda world: reverse(
        "admin:view_on_site", args=[ContentType.objects.get_for_model(Client).pk, world["client"].pk]
    ),
}
# Views that some ModelAdmins add about one object.
ADMIN_EXTRA_OBJECT_VIEWS = {
    "admin:auth_user_password_change": (User, "password"),
    "admin:otp_totp_totpdevice_config": (TOTPDevice, "config"),
    "admin:otp_totp_totpdevice_qrcode": (TOTPDevice, "qrcode"),
}
ADMIN_LIST_VIEWS = ("changelist", "add")
MISSING_PK = 987_654_321


def admin_model_urls() -> dict[str, tuple[type, str]]:
    return {
        **{
            f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}": (model, view)
            for model in django_admin.site._registry
            for view in ADMIN_MODEL_VIEWS
        },
        **ADMIN_EXTRA_OBJECT_VIEWS,
    }


def admin_url_names():
    for pattern in get_resolver().url_patterns:
        if isinstance(pattern, URLResolver) and pattern.namespace == "admin":
            yield from (f"admin:{name}" for name in url_names(pattern.url_patterns))


@pytest.fixture(scope="module")
def admin_objects(world, django_db_blocker):
    """One object of each registered model, of the owner's practice where it has one; written in
    the world's transaction and rolled back with it."""
    owner = world["owner"]
    axes = {"username": owner.username, "user_agent": "x", "ip_address": "192.0.2.7", "path_info": "/"}
    with django_db_blocker.unblock():
        return {
            User: owner,
            SupervisionAssignment: SupervisionAssignment.objects.get(supervisor=world["supervisor"]),
            Practice: owner.practice,
            AccessRecord: AccessRecord.objects.create(
                practice=owner.practice, user=owner, client=world["client"], object_type="client"
            ),
            ProcrastinateJob: world["failed_mail"],
            Group: Group.objects.create(name="Riverside clinicians"),
            TOTPDevice: TOTPDevice.objects.create(user=owner, name="phone", confirmed=False),
            StaticDevice: StaticDevice.objects.create(user=owner, name="backup", confirmed=False),
            AccessAttempt: AccessAttempt.objects.create(
                **axes, http_accept="*/*", get_data="", post_data="", failures_since_start=1
            ),
            AccessLog: AccessLog.objects.create(**axes, http_accept="*/*"),
            AccessFailureLog: AccessFailureLog.objects.create(**axes, http_accept="*/*", locked_out=False),
        }


def test_every_admin_url_has_an_entry(admin_objects):
    assert set(admin_url_names()) == set(ADMIN_SITE_URLS) | set(admin_model_urls())
    assert set(admin_objects) == set(django_admin.site._registry)


def admin_get_and_post(client, url):
    got, posted = client.get(url), client.post(url, PAYLOAD)
    statuses = (got.status_code, posted.status_code)
    assert 500 not in statuses and 503 not in statuses, (url, statuses)
    return got, posted


def answer(response) -> tuple[int, str | None]:
    return response.status_code, response.get("Location")


@pytest.mark.parametrize("visitor", ADMIN_VISITORS)
@pytest.mark.parametrize("name", sorted({*ADMIN_SITE_URLS, *admin_model_urls()}))
def test_admin_access(client, world, admin_objects, name, visitor):
    model, view = admin_model_urls().get(name, (None, None))
    takes_object = model is not None and view not in ADMIN_LIST_VIEWS
    url = reverse(name, args=[admin_objects[model].pk]) if takes_object else None
    url = url or (reverse(name) if model else ADMIN_SITE_URLS[name](world))
    client.force_login(world[visitor])
    before = database_state()

    got, posted = admin_get_and_post(client, url)

    # Whatever the visitor, a stranger's POST body writes nothing through the admin site.
    assert database_state() == before, (name, visitor)
    if visitor == "owner":
        if name == "admin:login":  # the sign-in form, saying this account may not administer
            assert got.status_code == 200
            return
        for response in (got, posted):
            assert response.status_code == 302, (name, response.status_code)
            assert urlparse(response["Location"]).path in (reverse("admin:login"), reverse("admin:index"))
        return
    scoped = getattr(django_admin.site._registry.get(model), "practice_scoped", False)
    if takes_object:
        missing = admin_get_and_post(client, reverse(name, args=[MISSING_PK]))
        if visitor == "admin" and scoped and view != "delete":
            assert got.status_code == 200, (name, got.status_code)
        else:
            # Another practice's object, or a superuser's: not told apart from an id that is not there.
            assert (answer(got), answer(posted)) == tuple(answer(response) for response in missing), name
    elif name == "admin:view_on_site":
        missing = client.get(reverse(name, args=[ContentType.objects.get_for_model(Client).pk, MISSING_PK]))
        assert got.status_code == missing.status_code == 404
    elif model is not None:
        assert got.status_code == (200 if scoped else 403), (name, visitor, got.status_code)
    elif name == "admin:autocomplete":
        supervisors = {result["text"] for result in got.json()["results"]}
        own = {str(world[name]) for name in ("supervisor", "ended_supervisor", "unassigned_supervisor")}
        assert supervisors == (own if visitor == "admin" else set()), visitor
    else:
        expected = {"admin:logout": 405, "admin:login": 302}.get(name, 200)  # signed in: sent to the index
        assert got.status_code == expected, (name, visitor, got.status_code)
