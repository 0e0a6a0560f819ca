"""Every create form sent twice, or five times at once, stores once (accounts.submissions).

Each form is opened as its user opens it, filled as the page offers it plus what the case
types, and sent again with the same one-time token: the repeat lands on the first result with a
word about it, never a second row. Five copies at once wait on the token's primary key and all
land on the one result.
"""

import dataclasses
import datetime
import re
from collections.abc import Callable

import pytest
from django.contrib.messages import get_messages
from django.test import Client as Browser
from django.urls import reverse
from django.utils import timezone

from boundaries.models import Acknowledgement, AgreementWording, BoundaryAgreement, Category
from boundaries.tests.factories import BoundaryAgreementFactory
from clients.models import Client, EmergencyAccess
from config.tests.concurrency import start
from config.tests.test_fuzz import forms_of
from sessions_log.models import Addendum, Incident, Session
from sessions_log.tests.factories import IncidentFactory, SessionFactory
from supervision.models import FlagEvent, FlagEventKind
from supervision.tests.factories import FlagFactory

ALREADY_SENT = "This form had already been sent: it was saved once, and this is the result."


@dataclasses.dataclass
class Case:
    person: str
    page: Callable[[dict], str]  # the page the form is on
    typed: Callable[[dict], dict]  # what the person types beyond the page's own values
    rows: Callable[[], int]  # what one send adds one of
    action: Callable[[dict], str] | None = None  # where the form posts, when not to the page


def signed_incident(people):
    incident = IncidentFactory(client=people["client"])
    incident.mark_signed(by=people["owner"])
    incident.save()
    return incident


def signed_session(people):
    session = SessionFactory(client=people["client"])
    session.mark_signed(by=people["owner"])
    session.save()
    return session


CASES = {
    "intake": Case(
        "owner",
        lambda w: reverse("clients:intake"),
        lambda w: {"code": "RS-0900", "time-terms": "Fifty minutes, ending on the hour."},
        lambda: Client.objects.count(),
    ),
    "agreement": Case(
        "owner",
        lambda w: reverse("boundaries:add", args=[w["client"].pk]) + "?category=" + Category.GIFTS_MONEY,
        lambda w: {"category": Category.GIFTS_MONEY, "terms": "No gifts above a token value."},
        lambda: BoundaryAgreement.objects.count(),
    ),
    "revision": Case(
        "owner",
        lambda w: reverse("boundaries:revise", args=[w["agreement"].pk]),
        lambda w: {"terms": "Forty-five minutes from now on.", "revision_reason": "Asked for by the client."},
        lambda: BoundaryAgreement.objects.count(),
    ),
    "standard wording": Case(
        "admin",
        lambda w: reverse("practice:wording_new"),
        lambda w: {"category": Category.TIME, "title": "Fifty minutes", "terms": "Sessions last 50 minutes."},
        lambda: AgreementWording.objects.count(),
    ),
    "acknowledgement": Case(
        "owner",
        lambda w: reverse("boundaries:acknowledge", args=[w["client"].pk]),
        lambda w: {
            "acknowledged_on": timezone.localdate().isoformat(),
            "method": "verbal",
            "note": "Read aloud.",
        },
        lambda: Acknowledgement.objects.count(),
    ),
    "session": Case(
        "owner",
        lambda w: reverse("sessions_log:session_new", args=[w["client"].pk]),
        lambda w: {},
        lambda: Session.objects.count(),
    ),
    "incident": Case(
        "owner",
        lambda w: reverse("sessions_log:incident_new", args=[w["client"].pk]),
        lambda w: {
            "description": "The client asked to run ten minutes over.",
            "category": Category.TIME,
            "initiated_by": "client",
            "provisional_classification": "crossing",
            # Outside a session, when it happened is always typed (the form offers no time).
            "occurred_at": f"{timezone.localtime() - datetime.timedelta(hours=1):%Y-%m-%dT%H:%M}",
        },
        lambda: Incident.objects.count(),
    ),
    "session addendum": Case(
        "owner",
        lambda w: reverse("sessions_log:session_addendum", args=[signed_session(w).pk]),
        lambda w: {"text": "The session began at 10:05.", "reason": "Wrong start time."},
        lambda: Addendum.objects.count(),
    ),
    "incident addendum": Case(
        "owner",
        lambda w: reverse("sessions_log:incident_addendum", args=[signed_incident(w).pk]),
        lambda w: {"text": "The client's consent was verbal.", "reason": "Detail remembered later."},
        lambda: Addendum.objects.count(),
    ),
    "flag comment": Case(
        "supervisor",
        lambda w: w["flag"].get_absolute_url(),
        lambda w: {"comment": "Let us talk on Monday."},
        lambda: FlagEvent.objects.filter(kind=FlagEventKind.COMMENTED).count(),
        action=lambda w: reverse("supervision:flag_comment", args=[w["flag"].pk]),
    ),
    "flag decision": Case(
        "supervisor",
        lambda w: w["flag"].get_absolute_url(),
        lambda w: {"comment": "Seen."},
        lambda: FlagEvent.objects.filter(kind=FlagEventKind.ACKNOWLEDGED).count(),
        action=lambda w: reverse("supervision:flag_acknowledge", args=[w["flag"].pk]),
    ),
    "emergency access": Case(
        "admin",
        lambda w: reverse("accounts:emergency_access"),
        lambda w: {"therapist": str(w["colleague"].pk), "client_code": w["client"].code, "reason": "Cover."},
        lambda: EmergencyAccess.objects.count(),
    ),
}


@pytest.fixture
def people(owner, supervisor, admin, colleague, client_record):
    return {
        "owner": owner,
        "supervisor": supervisor,
        "admin": admin,
        "colleague": colleague,
        "client": client_record,
        "agreement": BoundaryAgreementFactory(client=client_record, category=Category.TIME),
        "flag": FlagFactory(client=client_record),
    }


def opened_form(browser, case: Case, people) -> tuple[str, dict]:
    """The form as its page offers it, with the case's typing: (where it posts, what it sends)."""
    page_url = case.page(people)
    page = browser.get(page_url)
    assert page.status_code == 200
    action = case.action(people) if case.action else page_url.split("?")[0]
    [form] = [form for form in forms_of(page, page_url.split("?")[0]) if form.action.split("?")[0] == action]
    assert "submission_token" in form.fields, "the form carries no one-time token"
    return action, {**form.data(), **case.typed(people)}


def messages_of(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


@pytest.mark.django_db
@pytest.mark.parametrize("name", CASES)
def test_a_create_form_sent_twice_stores_once(client, people, name):
    case = CASES[name]
    client.force_login(people[case.person])
    action, data = opened_form(client, case, people)
    before = case.rows()

    first = client.post(action, data)
    second = client.post(action, data)

    assert first.status_code == 302, re.findall(
        r"(?:invalid-feedback|alert)[^>]*>(.*?)</", first.content.decode(), re.S
    )
    assert case.rows() == before + 1
    assert second.status_code == 302
    assert second["Location"] == first["Location"]
    assert ALREADY_SENT in messages_of(second)


@pytest.mark.django_db
@pytest.mark.parametrize("name", ["incident", "flag comment"])
def test_two_opened_forms_store_twice(client, people, name):
    """The guard is the form's own token: opening the form again makes a second entry."""
    case = CASES[name]
    client.force_login(people[case.person])
    before = case.rows()

    for _ in range(2):
        action, data = opened_form(client, case, people)
        assert client.post(action, data).status_code == 302

    assert case.rows() == before + 2


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("name", ["incident", "session addendum", "flag comment", "agreement"])
def test_a_create_form_sent_five_times_at_once_stores_once(people, name):
    case = CASES[name]
    opener = Browser()
    opener.force_login(people[case.person])
    action, data = opened_form(opener, case, people)
    before = case.rows()

    def send():
        browser = Browser()
        browser.force_login(people[case.person])
        return browser.post(action, data)

    responses = [racer.outcome() for racer in start([send] * 5)]

    assert case.rows() == before + 1
    assert {response.status_code for response in responses} == {302}
    assert len({response["Location"] for response in responses}) == 1
