"""Script payloads typed into every free-text field come back escaped on every page that shows them.

Each field gets its own payload (``payload(marker)``), submitted through the test client by the
user who may submit it, so a page is checked for the very fields it shows. An HTML page must never
hold a payload's raw markup (``RAW``); where it shows a field, it holds the escaped payload. The
downloads are checked for what they are: CSV and JSON carry the raw text under their own content
type (never HTML), and the PDFs show the payload as text and hold no script.

Not covered: the client code, which only takes capitals, digits and hyphens (the refused payload is
echoed escaped: ``test_a_refused_form_echoes_the_payload_escaped``); the rule settings (numbers) and
the password forms (never shown back).
"""

import datetime
import io
import json
import zoneinfo

import pytest
from django.db import transaction
from django.test import Client as Browser
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape
from pypdf import PdfReader

from accounts.tests.factories import (
    PASSWORD,
    PracticeAdminFactory,
    PracticeFactory,
    SupervisionAssignmentFactory,
    TherapistFactory,
)
from accounts.tests.reauth import confirm_password
from boundaries.models import Acknowledgement, AgreementStatus, BoundaryAgreement, Category
from clients.models import Client
from sessions_log.models import Incident, Session
from supervision.models import Flag, FlagEvent, RuleCode
from supervision.tests.factories import FlagFactory

pytestmark = pytest.mark.django_db

LONDON = zoneinfo.ZoneInfo("Europe/London")  # the practice's time zone (PracticeFactory)
RAW = ("<script>alert(", "<img src=x onerror")
CORE = ("time", "physical", "disclosure", "dual_relationship")
OTHER = ("communication", "gifts_money", "online")
INCIDENT_TEXT = (
    "description",
    "rationale",
    "client_consent",
    "consulted_with",
    "consultation_advice",
    "immediate_action",
    "follow_up",
)


def payload(marker: str) -> str:
    return f'<script>alert("{marker}")</script><img src=x onerror=alert(1)>"\''


def escaped(marker: str) -> str:
    return escape(payload(marker))


def local(value: datetime.datetime) -> str:
    return value.astimezone(LONDON).strftime("%Y-%m-%dT%H:%M")


def assert_safe(response, *, shows=()) -> str:
    """An HTML page with no raw payload, and the escaped payload of every field in ``shows``."""
    assert response.status_code == 200, response.status_code
    assert response["Content-Type"].startswith("text/html")
    html = response.content.decode()
    for raw in RAW:
        assert raw not in html, f"unescaped {raw!r} in {response.wsgi_request.path}"
    missing = [marker for marker in shows if escaped(marker) not in html]
    assert not missing, f"not shown escaped on {response.wsgi_request.path}: {missing}"
    return html


def posted(response):
    """A form accepted: a redirect. Otherwise the form's errors, to say why."""
    if response.status_code != 302:
        context = response.context or {}
        errors = [
            form.errors
            for key in ("form", "category_form", "refused")
            if (form := context.get(key)) is not None and hasattr(form, "errors")
        ]
        formset = context.get("formset")
        pytest.fail(f"refused ({response.status_code}): {errors} {formset.errors if formset else ''}")
    return response


def pdf_text(response) -> str:
    """The PDF's text without whitespace (lines wrap anywhere), after checking it holds no script."""
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert b"/JavaScript" not in response.content and b"/JS " not in response.content
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(response.content)).pages)
    return "".join(text.split())


def in_pdf(marker: str, text: str) -> bool:
    return "".join(payload(marker).split()) in text


def incident_fields(prefix: str, owner, **overrides) -> dict:
    return {
        "category": Category.TIME,
        "agreement": "",
        "initiated_by": "client",
        "provisional_classification": "crossing",
        "harm": "0",
        "location": "office",
        "occurred_at": "",
        "consulted_on": "",
        "follow_up_owner": str(owner.pk),
        # The follow-up (a text of INCIDENT_TEXT) becomes a task, which needs a due date.
        "follow_up_due": timezone.localdate().isoformat(),
        **{name: payload(f"{prefix}-{name}") for name in INCIDENT_TEXT},
    } | overrides


def intake_data() -> dict:
    today = timezone.localdate().isoformat()
    data = {"code": "XS-0001", "intake_date": today, "setting": "in_person"}
    for category in (*CORE, *OTHER):
        core = category in CORE
        data |= {
            f"{category}-terms": payload(f"{category}-terms") if core else "",
            f"{category}-proposed_by": "jointly",
            f"{category}-rationale": payload(f"{category}-rationale") if core else "",
            # Left empty as offered: the intake date.
            f"{category}-effective_date": "",
            f"{category}-review_interval_days": "90",
            f"{category}-next_review_on": "",
        }
    return data


def seen(flag) -> int:
    return max(FlagEvent.objects.filter(flag=flag).values_list("pk", flat=True), default=0)


def people() -> dict:
    """The root conftest.py's ``owner``, ``supervisor`` and ``admin``: same usernames and relations.

    Built here with what they type, once for the module: conftest.py's are per test (and a second
    "owner" beside these would not be allowed).
    """
    practice = PracticeFactory(name="Riverside Practice")
    owner = TherapistFactory(practice=practice, username="owner")
    return {
        "owner": owner,
        "supervisor": SupervisionAssignmentFactory(
            therapist=owner, supervisor__username="supervisor"
        ).supervisor,
        "admin": PracticeAdminFactory(practice=practice, username="practiceadmin"),
    }


@pytest.fixture(scope="module")
def written(django_db_setup, django_db_blocker):
    """A client whose every free-text field was typed as a payload, through the forms.

    Typed once for the module, in a transaction rolled back after its last test; each test runs
    in a savepoint of it (pytest-django's ``db``), rolled back after the test, so what a test adds
    (another flag, a sign-in) is gone for the next.
    """
    with django_db_blocker.unblock(), transaction.atomic():
        yield write_everything(Browser(), **people())
        transaction.set_rollback(True)


@pytest.fixture
def client(client, written):
    """The test client, signed in as the owner who typed it all (as ``written`` used to leave it)."""
    client.force_login(written["owner"])
    return client


def write_everything(client, owner, supervisor, admin) -> dict:
    client.force_login(owner)
    # Intake: the client and the four core agreements.
    posted(client.post(reverse("clients:intake"), intake_data()))
    record = Client.objects.get(code="XS-0001")
    # One more agreement, then a revision of the time agreement.
    today = timezone.localdate().isoformat()
    agreement_form = {
        "proposed_by": "jointly",
        "effective_date": today,
        "review_interval_days": "90",
        "next_review_on": "",
    }
    posted(
        client.post(
            reverse("boundaries:add", args=[record.pk]),
            {
                "category": "online",
                "terms": payload("add-terms"),
                "rationale": payload("add-rationale"),
                **agreement_form,
            },
        )
    )
    time_v1 = BoundaryAgreement.objects.get(client=record, category=Category.TIME)
    posted(
        client.post(
            reverse("boundaries:revise", args=[time_v1.pk]),
            {
                "terms": payload("revise-terms"),
                "rationale": payload("revise-rationale"),
                "revision_reason": payload("revise-reason"),
                **agreement_form,
            },
        )
    )
    # A session with an incident, and an incident on its own, both signed, each with an addendum.
    start = timezone.localtime(timezone.now(), LONDON).replace(minute=0, second=0, microsecond=0)
    start -= datetime.timedelta(days=1)
    session_form = {
        "scheduled_start": local(start),
        "scheduled_end": local(start + datetime.timedelta(minutes=50)),
        "actual_start": local(start),
        "actual_end": local(start + datetime.timedelta(minutes=50)),
        "setting": "in_person",
        "attendance": "attended",
        "incidents-TOTAL_FORMS": "1",
        "incidents-INITIAL_FORMS": "0",
        "incidents-MIN_NUM_FORMS": "0",
        "incidents-MAX_NUM_FORMS": "20",
        **{f"incidents-0-{k}": v for k, v in incident_fields("session-incident", owner).items()},
    }
    posted(client.post(reverse("sessions_log:session_new", args=[record.pk]), session_form))
    session = Session.objects.get(client=record)
    draft_pages = [client.get(reverse("sessions_log:session_edit", args=[session.pk]))]
    posted(client.post(reverse("sessions_log:session_sign", args=[session.pk]), {"attest": "on"}))
    posted(
        client.post(
            reverse("sessions_log:incident_new", args=[record.pk]),
            incident_fields(
                "incident",
                owner,
                occurred_at=local(timezone.now() - datetime.timedelta(hours=2)),
            ),
        )
    )
    incident = Incident.objects.get(client=record, session__isnull=True)
    draft_pages.append(client.get(reverse("sessions_log:incident_edit", args=[incident.pk])))
    posted(client.post(reverse("sessions_log:incident_sign", args=[incident.pk]), {"attest": "on"}))
    for name, entry in (("session", session), ("incident", incident)):
        posted(
            client.post(
                reverse(f"sessions_log:{name}_addendum", args=[entry.pk]),
                {"text": payload(f"{name}-addendum-text"), "reason": payload(f"{name}-addendum-reason")},
            )
        )
    # Two flags on the client: the supervisor decides every step of one, the admin closes both.
    flag = FlagFactory(client=record, rule=RuleCode.SLIPPERY_SLOPE)
    flag.incidents.add(incident)
    other_flag = FlagFactory(client=record, rule=RuleCode.REPEATED_CATEGORY)
    client.force_login(supervisor)
    steps = [
        ("acknowledge", {}),
        ("comment", {}),
        ("return", {"entry": f"incident:{incident.pk}"}),
        ("escalate", {}),
    ]
    for action, extra in steps:
        data = {"comment": payload(f"flag-{action}"), "seen_event": seen(flag), **extra}
        posted(client.post(reverse(f"supervision:flag_{action}", args=[flag.pk]), data))
    client.force_login(admin)
    posted(
        client.post(
            reverse("supervision:flag_resolve", args=[flag.pk]),
            {"comment": payload("flag-resolve"), "outcome": "discussed", "seen_event": seen(flag)},
        )
    )
    posted(
        client.post(
            reverse("supervision:flag_dismiss", args=[other_flag.pk]),
            {"comment": payload("flag-dismiss"), "seen_event": seen(other_flag)},
        )
    )
    # A standard wording of the practice, which the agreement forms offer.
    posted(
        client.post(
            reverse("practice:wording_new"),
            {"category": "time", "title": payload("wording-title"), "terms": payload("wording-terms")},
        )
    )
    return {
        "owner": owner,
        "supervisor": supervisor,
        "admin": admin,
        "client": record,
        "time_v1": time_v1,
        "time_v2": BoundaryAgreement.objects.get(client=record, category=Category.TIME, version=2),
        "session": session,
        "session_incident": Incident.objects.get(session=session),
        "incident": incident,
        "flag": flag,
        "other_flag": other_flag,
        "draft_pages": draft_pages,
    }


SESSION_INCIDENT = [f"session-incident-{name}" for name in INCIDENT_TEXT]
INCIDENT = [f"incident-{name}" for name in INCIDENT_TEXT]
ACTIVE_TERMS = ["revise-terms", "physical-terms", "disclosure-terms", "dual_relationship-terms", "add-terms"]
FLAG_COMMENTS = [f"flag-{action}" for action in ("acknowledge", "comment", "return", "escalate", "resolve")]


def test_everything_was_stored_as_typed(written):
    assert written["incident"].description == payload("incident-description")
    assert written["incident"].follow_ups.get().action == payload("incident-follow_up")
    assert written["time_v2"].terms == payload("revise-terms")
    assert BoundaryAgreement.objects.get(pk=written["time_v1"].pk).status == AgreementStatus.SUPERSEDED
    assert Flag.objects.get(pk=written["other_flag"].pk).events.get().comment == payload("flag-dismiss")


def test_client_pages(client, written):
    record = written["client"]

    assert_safe(client.get(record.get_absolute_url()), shows=ACTIVE_TERMS)
    assert_safe(
        client.get(reverse("clients:timeline", args=[record.pk])),
        shows=[
            "revise-terms",
            "session-incident-description",
            "incident-description",
            "session-addendum-text",
            "session-addendum-reason",
            "incident-addendum-text",
            "incident-addendum-reason",
        ],
    )
    assert_safe(client.get(reverse("clients:list")))
    assert_safe(client.get(reverse("clients:edit", args=[record.pk])))


def test_agreement_pages(client, written):
    record = written["client"]

    assert_safe(
        client.get(written["time_v2"].get_absolute_url()),
        shows=["revise-terms", "revise-rationale", "revise-reason", "time-rationale"],
    )
    assert_safe(client.get(written["time_v1"].get_absolute_url()), shows=["time-terms"])
    assert_safe(
        client.get(reverse("boundaries:revise", args=[written["time_v2"].pk])),
        shows=["revise-terms", "wording-title", "wording-terms"],
    )
    assert_safe(client.get(reverse("clients:intake")), shows=["wording-title", "wording-terms"])
    assert_safe(client.get(reverse("boundaries:acknowledge", args=[record.pk])))
    # The signing mode shows the client every term in force, as text.
    client.post(reverse("boundaries:signing_start", args=[record.pk]))
    assert_safe(client.get(reverse("boundaries:signing", args=[record.pk])), shows=ACTIVE_TERMS)
    client.post(reverse("boundaries:signing_leave", args=[record.pk]), {"password": PASSWORD})
    # A verbal acknowledgement's note, as typed, on its page and on the printed sheet.
    note = {"method": "verbal", "acknowledged_on": timezone.localdate().isoformat()}
    posted(
        client.post(
            reverse("boundaries:acknowledge", args=[record.pk]), {**note, "note": payload("ack-note")}
        )
    )
    acknowledgement = Acknowledgement.objects.get(client=record)
    assert_safe(client.get(acknowledgement.get_absolute_url()), shows=["ack-note"])
    assert_safe(client.get(reverse("boundaries:print", args=[record.pk])), shows=["ack-note"])
    assert_safe(client.get(reverse("boundaries:print", args=[record.pk])), shows=ACTIVE_TERMS)
    text = pdf_text(client.get(reverse("boundaries:pdf", args=[record.pk])))
    # Shown as text: had it been markup, the script and the image would not be in the text.
    assert in_pdf("revise-terms", text)
    client.force_login(written["admin"])
    assert_safe(client.get(reverse("practice:wordings")), shows=["wording-title", "wording-terms"])


def test_session_and_incident_pages(client, written):
    record = written["client"]

    assert_safe(
        client.get(written["session"].get_absolute_url()),
        shows=[*SESSION_INCIDENT, "session-addendum-text", "session-addendum-reason"],
    )
    assert_safe(client.get(written["session_incident"].get_absolute_url()), shows=SESSION_INCIDENT)
    assert_safe(
        client.get(written["incident"].get_absolute_url()),
        shows=[*INCIDENT, "incident-addendum-text", "incident-addendum-reason"],
    )
    # The forms, filled with what was typed, while the entries were drafts; the follow-up typed
    # with an incident is a task of its own by then (listed on the page, not in the form).
    session_form, incident_form = written["draft_pages"]
    assert_safe(
        session_form, shows=[marker for marker in SESSION_INCIDENT if not marker.endswith("-follow_up")]
    )
    assert_safe(incident_form, shows=[marker for marker in INCIDENT if not marker.endswith("-follow_up")])
    # The new-entry forms list the agreements by their terms.
    assert_safe(client.get(reverse("sessions_log:session_new", args=[record.pk])))
    assert_safe(client.get(reverse("sessions_log:incident_new", args=[record.pk])))
    assert_safe(client.get(reverse("sessions_log:session_addendum", args=[written["session"].pk])))


@pytest.mark.parametrize("reader", ["owner", "supervisor", "admin"])
def test_flag_pages(client, written, reader):
    client.force_login(written[reader])

    assert_safe(client.get(written["flag"].get_absolute_url()), shows=FLAG_COMMENTS)
    assert_safe(client.get(written["other_flag"].get_absolute_url()), shows=["flag-dismiss"])


def test_the_flag_page_echoes_a_refused_decision_escaped(client, written):
    flag = FlagFactory(client=written["client"], rule=RuleCode.DISCLOSURE_PATTERN)
    client.force_login(written["supervisor"])

    # A stale form: refused, and the page shows it again with what was typed.
    response = client.post(
        reverse("supervision:flag_dismiss", args=[flag.pk]),
        {"comment": payload("refused"), "seen_event": "x"},
    )

    assert_safe(response, shows=["refused"])


def test_home_pages_and_dashboards(client, written):
    assert_safe(client.get(reverse("home")), shows=["incident-follow_up"])
    for reader in ("supervisor", "admin"):
        client.force_login(written[reader])
        assert_safe(client.get(reverse("home")))
        assert_safe(client.get(reverse("supervision:dashboard")))
        assert_safe(client.get(reverse("clients:list")))
    assert_safe(client.get(reverse("supervision:admin_dashboard")))


@pytest.mark.parametrize("name", ["supervision:export_flags", "supervision:export_incidents"])
def test_csv_exports_are_csv(client, written, name):
    client.force_login(written["admin"])
    confirm_password(client)

    response = client.get(reverse(name), {"status": ""})  # any status: the flags are closed

    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith("attachment;")
    body = response.content.decode()
    # These CSVs carry no free text by design; what they do carry is never HTML-escaped.
    assert "&lt;" not in body and "&quot;" not in body
    assert "XS-0001" in body


def test_client_export_carries_the_raw_text_as_json_and_pdf(client, written):
    record = written["client"]
    confirm_password(client)

    response = client.get(reverse("clients:export_json", args=[record.pk]))

    assert response["Content-Type"] == "application/json"
    assert response["Content-Disposition"].startswith("attachment;")
    data = json.loads(response.content)
    assert {row["description"] for row in data["incidents"]} == {
        payload("session-incident-description"),
        payload("incident-description"),
    }
    assert payload("flag-dismiss") in [event["comment"] for flag in data["flags"] for event in flag["events"]]
    text = pdf_text(client.get(reverse("clients:export_pdf", args=[record.pk])))
    for marker in ("incident-description", "incident-follow_up", "session-addendum-text", "flag-escalate"):
        assert in_pdf(marker, text), marker


def test_a_refused_form_echoes_the_payload_escaped(client):
    # Beside the module's client (``written``): the refused form adds none.
    clients = list(Client.objects.values())
    data = intake_data() | {"code": payload("code"), "communication-terms": payload("communication-terms")}

    response = client.post(reverse("clients:intake"), data | {"communication-review_interval_days": "x"})

    assert list(Client.objects.values()) == clients
    assert_safe(response, shows=["code", "time-terms", "time-rationale", "communication-terms"])
