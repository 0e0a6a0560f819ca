"""The audit trail (home/trail.py): access records, signatures, flag decisions and changes of
settings, as sentences, filtered, paginated and exported."""

import csv
import datetime
import io

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.decorators import CONFIRMED_AT_KEY
from audit.models import AccessAction
from audit.tests.factories import AccessRecordFactory
from clients.tests.factories import ClientFactory
from sessions_log import services as session_log
from sessions_log.models import ATTESTATION
from sessions_log.tests.factories import IncidentFactory, SessionFactory
from supervision import services as supervision
from supervision.models import Outcome, RuleCode
from supervision.tests.factories import FlagFactory

pytestmark = pytest.mark.django_db


def at(day: str) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.fromisoformat(f"{day} 12:00"))


def sentences(response) -> list[str]:
    return [entry.sentence for entry in response.context["entries"]]


def confirm_password(client) -> None:
    """The CSV asks for the password again (accounts/decorators.py): as if just re-entered."""
    session = client.session
    session[CONFIRMED_AT_KEY] = timezone.now().timestamp()
    session.save()


def csv_rows(response) -> list[list[str]]:
    return list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))


@pytest.fixture
def trail(owner, colleague, supervisor, client_record, other_therapist):
    other_client = ClientFactory(therapist=colleague, code="RS-0002")
    return {
        "owner_viewed": AccessRecordFactory(client=client_record, user=owner, at=at("2026-03-01")),
        "supervisor_viewed": AccessRecordFactory(client=client_record, user=supervisor, at=at("2026-03-10")),
        "colleague_viewed": AccessRecordFactory(client=other_client, user=colleague, at=at("2026-03-20")),
        "export": AccessRecordFactory(
            client=None,
            user=supervisor,
            practice=owner.practice,
            object_type="export_flags",
            object_id=None,
            action=AccessAction.EXPORT,
            at=at("2026-03-15"),
        ),
        "elsewhere": AccessRecordFactory(
            client=ClientFactory(therapist=other_therapist), at=at("2026-03-12")
        ),
    }


@pytest.fixture
def signed_session(owner, client_record):
    session = on_3_november(client_record)
    return session_log.session_sign(session=session, by=owner, attestation=ATTESTATION)


@pytest.fixture
def resolved_flag(supervisor, client_record):
    flag = FlagFactory(client=client_record, rule=RuleCode.SLIPPERY_SLOPE)
    supervision.flag_resolve(flag=flag, by=supervisor, outcome=Outcome.NO_ACTION, comment="Reviewed.")
    return flag


def on_3_november(client_record):
    start = at("2026-11-03")
    end = start + datetime.timedelta(minutes=50)
    return SessionFactory(
        client=client_record, scheduled_start=start, scheduled_end=end, actual_start=start, actual_end=end
    )


def test_the_admin_reads_the_practices_views_newest_first(client, admin, trail):
    client.force_login(admin)

    response = client.get(reverse("audit:trail"), {"kind": ""})

    assert response.status_code == 200
    assert sentences(response) == [
        # the fixture's assignment, made today outside a request
        f"The system added the supervision of {trail['owner_viewed'].user} by {trail['export'].user}",
        f"{trail['colleague_viewed'].user} viewed the client page of RS-0002",
        f"{trail['export'].user} exported the flags (CSV)",
        f"{trail['supervisor_viewed'].user} viewed the client page of RS-0001",
        f"{trail['owner_viewed'].user} viewed the client page of RS-0001",
    ]
    assert reverse("clients:detail", args=[trail["owner_viewed"].client_id]).encode() in response.content


def test_a_view_of_a_session_names_the_client_and_the_day(client, admin, owner, client_record):
    session = on_3_november(client_record)
    AccessRecordFactory(client=client_record, user=owner, object_type="session", object_id=session.pk)
    client.force_login(admin)

    response = client.get(reverse("audit:trail"), {"kind": "view"})

    assert sentences(response) == [f"{owner} viewed the session of RS-0001 of 3 Nov 2026"]
    assert reverse("sessions_log:session_detail", args=[session.pk]).encode() in response.content
    assert b"session 812" not in response.content


def test_a_signature_reads_as_a_sentence_with_a_link(client, admin, owner, signed_session):
    client.force_login(admin)

    response = client.get(reverse("audit:trail"), {"kind": "signed"})

    assert sentences(response) == [f"{owner} signed the session of RS-0001 of 3 Nov 2026"]
    assert reverse("sessions_log:session_detail", args=[signed_session.pk]).encode() in response.content


def test_a_signed_incident_is_listed_once(client, admin, owner, client_record):
    incident = session_log.incident_sign(
        incident=IncidentFactory(client=client_record), by=owner, attestation=ATTESTATION
    )
    client.force_login(admin)

    response = client.get(reverse("audit:trail"), {"kind": "signed"})

    assert len(sentences(response)) == 1
    assert sentences(response)[0].startswith(f"{owner} signed the incident of RS-0001 of ")
    assert reverse("sessions_log:incident_detail", args=[incident.pk]).encode() in response.content


def test_a_flag_decision_reads_as_a_sentence_with_a_link(client, admin, supervisor, resolved_flag):
    client.force_login(admin)

    response = client.get(reverse("audit:trail"), {"kind": "flag"})

    assert sentences(response) == [f"{supervisor} resolved the flag “Slippery slope” on RS-0001"]
    assert reverse("supervision:flag_detail", args=[resolved_flag.pk]).encode() in response.content


def test_a_rule_setting_change_names_the_admin_and_the_rule(client, admin):
    client.force_login(admin)
    client.post(
        reverse("supervision:rule_setting_edit", args=[RuleCode.THERAPIST_HIGH_RISK]), {"enabled": ""}
    )

    response = client.get(reverse("audit:trail"), {"kind": "rule"})

    assert [(entry.sentence, entry.detail) for entry in response.context["entries"]] == [
        (f"{admin} changed the rule Therapist-initiated high-risk incident", ["first saved", "switched off"])
    ]


def test_a_practice_settings_change_names_what_changed(client, admin, practice):
    client.force_login(admin)
    client.post(reverse("practice:settings"), {**_settings_of(practice), "usual_session_minutes": "45"})

    response = client.get(reverse("audit:trail"), {"kind": "practice"})

    assert [(entry.sentence, entry.detail) for entry in response.context["entries"]] == [
        (f"{admin} changed the practice settings", ["usual session length 45"])
    ]


def test_an_assignment_change_is_listed(client, admin, owner, supervisor):
    client.force_login(admin)

    response = client.get(reverse("audit:trail"), {"kind": "assignment"})

    # Made by the factory, outside a request: no one is named.
    assert sentences(response) == [f"The system added the supervision of {owner} by {supervisor}"]


def _settings_of(practice) -> dict:
    return {
        "time_zone": practice.time_zone,
        "usual_session_minutes": practice.usual_session_minutes,
        "working_days": practice.working_days,
        "work_starts": f"{practice.work_starts:%H:%M}",
        "work_ends": f"{practice.work_ends:%H:%M}",
        "client_code_pattern": practice.client_code_pattern,
        "client_code_help": practice.client_code_help,
    }


def test_another_practices_admin_sees_none_of_it(client, other_admin, trail, signed_session, resolved_flag):
    client.force_login(other_admin)
    confirm_password(client)

    response = client.get(reverse("audit:trail"))
    rows = csv_rows(client.get(reverse("audit:trail_csv")))

    codes = {entry.client_code for entry in response.context["entries"]}
    assert codes == {trail["elsewhere"].client.code}
    # and the record of the trail page itself, about no client
    assert {row[5] for row in rows[1:]} == {trail["elsewhere"].client.code, ""}


@pytest.mark.parametrize("person", ["owner", "supervisor", "colleague"])
@pytest.mark.parametrize("name", ["audit:trail", "audit:trail_csv"])
def test_only_practice_admins_read_the_trail(request, client, trail, person, name):
    client.force_login(request.getfixturevalue(person))

    assert client.get(reverse(name)).status_code == 403


def test_the_trail_filters_by_who(client, admin, supervisor, trail, signed_session, resolved_flag):
    client.force_login(admin)

    response = client.get(reverse("audit:trail"), {"user": supervisor.pk})

    assert {entry.actor for entry in response.context["entries"]} == {supervisor}
    assert f"{supervisor} resolved the flag “Slippery slope” on RS-0001" in sentences(response)
    assert f"{supervisor} exported the flags (CSV)" in sentences(response)


def test_the_trail_filters_by_what(client, admin, trail, signed_session, resolved_flag):
    client.force_login(admin)

    response = client.get(reverse("audit:trail"), {"kind": "export"})

    assert sentences(response) == [f"{trail['export'].user} exported the flags (CSV)"]


def test_the_trail_filters_by_client_code_in_any_case(
    client, admin, owner, trail, signed_session, resolved_flag
):
    client.force_login(admin)

    response = client.get(reverse("audit:trail"), {"client": "rs-0001"})

    assert {entry.client_code for entry in response.context["entries"]} == {"RS-0001"}
    kinds = [entry.kind for entry in response.context["entries"]]
    assert sorted(kinds) == ["flag", "signed", "view", "view"]


def test_a_user_of_another_practice_is_not_a_choice(client, admin, other_therapist, trail):
    client.force_login(admin)

    response = client.get(reverse("audit:trail"), {"user": other_therapist.pk})

    assert "user" in response.context["form"].errors
    assert sentences(response) == []


def test_the_trail_filters_by_dates_inclusive(client, admin, trail):
    client.force_login(admin)

    response = client.get(reverse("audit:trail"), {"start": "2026-03-10", "end": "2026-03-15", "kind": ""})

    assert [entry.at for entry in response.context["entries"]] == [
        trail["export"].at,
        trail["supervisor_viewed"].at,
    ]


def test_a_reversed_date_range_is_explained(client, admin, trail):
    client.force_login(admin)
    confirm_password(client)

    response = client.get(reverse("audit:trail"), {"start": "2026-03-15", "end": "2026-03-10"})
    csv_response = client.get(reverse("audit:trail_csv"), {"start": "2026-03-15", "end": "2026-03-10"})

    assert sentences(response) == []
    assert b"The start date must not come after the end date." in response.content
    assert csv_response.status_code == 400


def test_the_trail_is_paginated(client, admin, owner, client_record):
    AccessRecordFactory.create_batch(51, client=client_record, user=owner)
    client.force_login(admin)

    first = client.get(reverse("audit:trail"), {"user": owner.pk})
    second = client.get(reverse("audit:trail"), {"user": owner.pk, "page": 2})

    assert len(sentences(first)) == 50
    assert len(sentences(second)) == 1


def test_the_csv_carries_the_sentences(client, admin, supervisor, trail, resolved_flag):
    client.force_login(admin)
    confirm_password(client)

    response = client.get(reverse("audit:trail_csv"), {"user": supervisor.pk, "kind": ""})

    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith('attachment; filename="alliance-audit-')
    rows = csv_rows(response)
    assert rows[0] == ["at", "who", "user id", "what", "sentence", "client code", "link", "ip", "request id"]
    decision = rows[1]
    assert decision[1:6] == [
        str(supervisor),
        str(supervisor.pk),
        "Flag decision",
        f"{supervisor} resolved the flag “Slippery slope” on RS-0001",
        "RS-0001",
    ]
    assert decision[6].endswith(reverse("supervision:flag_detail", args=[resolved_flag.pk]))
    export = trail["export"]
    assert [timezone.localtime(export.at).isoformat(timespec="seconds"), "Exported"] == [
        rows[2][0],
        rows[2][3],
    ]
    assert rows[2][7:] == [export.ip, export.request_id]
    assert len(rows) == 4


def test_the_csv_times_are_in_the_practices_time_zone(client, admin, client_record):
    AccessRecordFactory(client=client_record, at=datetime.datetime(2026, 7, 1, 12, 0, tzinfo=datetime.UTC))
    client.force_login(admin)
    confirm_password(client)

    response = client.get(reverse("audit:trail_csv"), {"user": client_record.therapist.pk})

    assert csv_rows(response)[1][0] == "2026-07-01T13:00:00+01:00"  # London is on summer time


def test_the_csv_defuses_spreadsheet_formulas(client, admin, owner, client_record):
    owner.first_name, owner.last_name = "=HYPERLINK()", ""
    owner.save()
    AccessRecordFactory(client=client_record, user=owner)
    client.force_login(admin)
    confirm_password(client)

    response = client.get(reverse("audit:trail_csv"), {"user": owner.pk})

    assert csv_rows(response)[1][1] == "'=HYPERLINK()"


def test_the_trail_query_count(
    client, admin, owner, supervisor, client_record, signed_session, resolved_flag, django_assert_num_queries
):
    AccessRecordFactory.create_batch(5, client=client_record, user=owner)
    AccessRecordFactory(client=client_record, user=owner, object_type="session", object_id=signed_session.pk)
    supervision.rule_setting_update(
        practice=owner.practice, rule=RuleCode.TIME_OVERRUNS, enabled=False, thresholds={}
    )
    client.force_login(admin)
    # session, user, practice (time zone), the practice's users for the filter, the count and the
    # page of the union (access records, session and incident signatures, flag decisions, rule,
    # practice and assignment changes), then one query per kind of label: sessions, flags,
    # assignments, rule changes, users; and the access record of the page itself
    with django_assert_num_queries(12):
        response = client.get(reverse("audit:trail"))
    assert len(sentences(response)) == 10


def test_the_admin_sees_the_nav_link(client, admin, owner):
    client.force_login(admin)
    assert reverse("audit:trail").encode() in client.get(reverse("clients:list")).content
    client.force_login(owner)
    assert reverse("audit:trail").encode() not in client.get(reverse("clients:list")).content
