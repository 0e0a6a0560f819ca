"""CSV exports of the flag queue and of incidents: who gets them, which rows, which columns."""

import csv
import datetime
import io

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.tests.factories import SupervisionAssignmentFactory, TherapistFactory
from accounts.tests.reauth import confirm_password
from clients.tests.factories import ClientFactory
from sessions_log.models import Classification
from sessions_log.tests.factories import IncidentFactory, SessionFactory
from supervision.models import FlagStatus, RuleCode
from supervision.tests.factories import FlagFactory

pytestmark = pytest.mark.django_db

SECRET = "The client disclosed a private matter about their family."
# The header rows, spelled out: a column renamed, dropped or moved in the view fails here.
FLAG_HEADER = [
    "flag",
    "rule",
    "rule title",
    "severity",
    "status",
    "therapist",
    "client code",
    "opened at",
    "acknowledge by",
    "overdue",
    "acknowledged at",
    "escalated at",
    "closed at",
    "outcome",
    "evidence incidents",
    "evidence sessions",
    "link",
]
INCIDENT_HEADER = [
    "incident",
    "occurred at",
    "documented at",
    "client code",
    "therapist",
    "category",
    "initiated by",
    "planned",
    "provisional classification",
    "final classification",
    "harm",
    "location",
    "in a session",
    "status",
    "signed at",
    "rationale recorded",
    "client consent recorded",
    "consultation recorded",
    "follow-up due",
    "follow-up done on",
    "link",
]


def sign_in(client, user) -> None:
    """Signed in, with the password just re-entered as every export asks."""
    client.force_login(user)
    confirm_password(client)


def rows_of(response) -> list[dict]:
    return list(csv.DictReader(io.StringIO(response.content.decode())))


@pytest.fixture
def flag(client_record):
    flag = FlagFactory(client=client_record, rule=RuleCode.TIME_OVERRUNS, summary=SECRET)
    flag.incidents.add(IncidentFactory(client=client_record))
    flag.sessions.add(SessionFactory(client=client_record), SessionFactory(client=client_record))
    return flag


# The flag queue


def test_the_flag_export_is_a_csv_download_of_the_queue(client, supervisor, flag, client_record, owner):
    sign_in(client, supervisor)

    response = client.get(reverse("supervision:export_flags"))

    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith('attachment; filename="alliance-flags-')
    assert next(csv.reader(io.StringIO(response.content.decode()))) == FLAG_HEADER
    (row,) = rows_of(response)
    assert row["flag"] == str(flag.pk)
    assert row["rule"] == RuleCode.TIME_OVERRUNS
    assert row["client code"] == "RS-0001"
    assert row["therapist"] == str(owner)
    assert row["status"] == "Open"
    assert row["overdue"] == "no"
    assert (row["evidence incidents"], row["evidence sessions"]) == ("1", "2")
    assert row["link"] == f"http://testserver{flag.get_absolute_url()}"
    assert SECRET not in response.content.decode()


def test_the_flag_export_takes_the_dashboards_filters(client, supervisor, flag, client_record):
    FlagFactory(client=client_record, rule=RuleCode.UNSIGNED_ENTRY)
    FlagFactory(client=client_record, rule=RuleCode.SLIPPERY_SLOPE, status=FlagStatus.DISMISSED)
    sign_in(client, supervisor)

    def exported(**params):
        return {row["rule"] for row in rows_of(client.get(reverse("supervision:export_flags"), params))}

    assert exported() == {RuleCode.TIME_OVERRUNS, RuleCode.UNSIGNED_ENTRY}
    assert exported(rule=RuleCode.UNSIGNED_ENTRY) == {RuleCode.UNSIGNED_ENTRY}
    assert exported(status=FlagStatus.DISMISSED) == {RuleCode.SLIPPERY_SLOPE}
    assert exported(status="") == {RuleCode.TIME_OVERRUNS, RuleCode.UNSIGNED_ENTRY, RuleCode.SLIPPERY_SLOPE}


def test_the_flag_export_marks_overdue_acknowledgements(client, supervisor, client_record):
    now = timezone.now()
    FlagFactory(
        client=client_record,
        opened_at=now - datetime.timedelta(days=5),
        acknowledge_by=now - datetime.timedelta(days=1),
    )
    sign_in(client, supervisor)

    (row,) = rows_of(client.get(reverse("supervision:export_flags")))

    assert row["overdue"] == "yes"


@pytest.mark.parametrize("person", ["ended_supervisor", "unassigned_supervisor", "other_admin"])
def test_the_flag_export_holds_only_the_readers_scope(request, client, flag, person):
    sign_in(client, request.getfixturevalue(person))

    response = client.get(reverse("supervision:export_flags"))

    assert response.status_code == 200
    assert rows_of(response) == []


def test_the_admin_exports_the_practices_flags(client, admin, flag, colleague):
    FlagFactory(client=ClientFactory(therapist=colleague))
    sign_in(client, admin)

    assert len(rows_of(client.get(reverse("supervision:export_flags")))) == 2


@pytest.mark.parametrize("person", ["owner", "colleague"])
@pytest.mark.parametrize("name", ["supervision:export_flags", "supervision:export_incidents"])
def test_therapists_get_no_export(request, client, flag, person, name):
    sign_in(client, request.getfixturevalue(person))

    assert client.get(reverse(name)).status_code == 403


def test_a_cell_that_a_spreadsheet_would_run_is_defused(client, supervisor, practice):
    therapist = TherapistFactory(practice=practice, first_name="=HYPERLINK(1)", last_name="")
    SupervisionAssignmentFactory(therapist=therapist, supervisor=supervisor)
    FlagFactory(client=ClientFactory(therapist=therapist))
    sign_in(client, supervisor)

    (row,) = rows_of(client.get(reverse("supervision:export_flags")))

    assert row["therapist"] == "'=HYPERLINK(1)"


# Incidents


def test_the_incident_export_lists_incidents_in_range_without_free_text(
    client, supervisor, client_record, owner
):
    now = timezone.now()
    recent = IncidentFactory(
        client=client_record,
        description=SECRET,
        rationale="A private rationale.",
        client_consent="",
        final_classification=Classification.VIOLATION,
        occurred_at=now - datetime.timedelta(days=2),
    )
    IncidentFactory(client=client_record, occurred_at=now - datetime.timedelta(days=200))
    sign_in(client, supervisor)

    response = client.get(reverse("supervision:export_incidents"))

    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert next(csv.reader(io.StringIO(response.content.decode()))) == INCIDENT_HEADER
    (row,) = rows_of(response)
    assert row["incident"] == str(recent.pk)
    assert row["client code"] == "RS-0001"
    assert row["therapist"] == str(owner)
    assert row["final classification"] == "Violation"
    assert (row["rationale recorded"], row["client consent recorded"]) == ("yes", "no")
    content = response.content.decode()
    assert SECRET not in content
    assert "A private rationale." not in content


def test_the_incident_export_takes_a_date_range(client, supervisor, client_record):
    today = timezone.localdate()
    now = timezone.now()
    for days in (1, 10, 20, 30):
        IncidentFactory(client=client_record, occurred_at=now - datetime.timedelta(days=days))
    sign_in(client, supervisor)

    response = client.get(
        reverse("supervision:export_incidents"),
        {"start": today - datetime.timedelta(days=25), "end": today - datetime.timedelta(days=5)},
    )

    assert len(rows_of(response)) == 2
    assert "filename=" in response["Content-Disposition"]


@pytest.mark.parametrize(
    ("params", "error"),
    [
        ({"start": "2026-03-01", "end": "2026-02-01"}, "must not come after"),
        ({"start": "yesterday"}, "Enter a valid date"),
    ],
)
def test_an_invalid_date_range_is_explained_not_exported(client, supervisor, params, error):
    sign_in(client, supervisor)

    response = client.get(reverse("supervision:export_incidents"), params)

    assert response.status_code == 400
    assert response["Content-Type"].startswith("text/html")
    assert error in response.content.decode()


@pytest.mark.parametrize("person", ["ended_supervisor", "unassigned_supervisor", "other_admin"])
def test_the_incident_export_holds_only_the_readers_scope(request, client, client_record, person):
    IncidentFactory(client=client_record)
    sign_in(client, request.getfixturevalue(person))

    assert rows_of(client.get(reverse("supervision:export_incidents"))) == []


def test_the_admin_exports_the_practices_incidents(client, admin, client_record, colleague):
    IncidentFactory(client=client_record)
    IncidentFactory(client=ClientFactory(therapist=colleague))
    sign_in(client, admin)

    assert len(rows_of(client.get(reverse("supervision:export_incidents")))) == 2
