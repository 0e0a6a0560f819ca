import csv
import datetime
import io

import pytest
from django.urls import reverse
from django.utils import timezone

from audit.models import AccessAction, AccessRecord
from audit.tests.factories import AccessRecordFactory
from clients.tests.factories import ClientFactory

pytestmark = pytest.mark.django_db


def at(day: str) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.fromisoformat(f"{day} 12:00"))


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


def listed(response) -> list[AccessRecord]:
    return list(response.context["records"])


def test_the_admin_reads_the_practices_trail_newest_first(client, admin, trail):
    client.force_login(admin)

    response = client.get(reverse("audit:trail"))

    assert response.status_code == 200
    assert listed(response) == [
        trail["colleague_viewed"],
        trail["export"],
        trail["supervisor_viewed"],
        trail["owner_viewed"],
    ]
    assert trail["elsewhere"] not in listed(response)
    assert b"RS-0001" in response.content


def test_the_trail_page_itself_writes_no_record(client, admin, trail):
    client.force_login(admin)
    before = AccessRecord.objects.count()

    client.get(reverse("audit:trail"))
    b"".join(client.get(reverse("audit:trail_csv")).streaming_content)

    assert AccessRecord.objects.count() == before


def test_another_practices_admin_sees_none_of_it(client, other_admin, trail):
    client.force_login(other_admin)

    response = client.get(reverse("audit:trail"))
    csv_response = client.get(reverse("audit:trail_csv"))

    assert listed(response) == [trail["elsewhere"]]
    rows = list(csv.reader(io.StringIO(b"".join(csv_response.streaming_content).decode())))
    assert [row[7] for row in rows[1:]] == [trail["elsewhere"].client.code]


@pytest.mark.parametrize("person", ["owner", "supervisor", "colleague"])
@pytest.mark.parametrize("name", ["audit:trail", "audit:trail_csv"])
def test_only_practice_admins_read_the_trail(request, client, trail, person, name):
    client.force_login(request.getfixturevalue(person))

    assert client.get(reverse(name)).status_code == 403


def test_the_trail_filters_by_user(client, admin, supervisor, trail):
    client.force_login(admin)

    response = client.get(reverse("audit:trail"), {"user": supervisor.pk})

    assert listed(response) == [trail["export"], trail["supervisor_viewed"]]


def test_a_user_of_another_practice_is_not_a_choice(client, admin, other_therapist, trail):
    client.force_login(admin)

    response = client.get(reverse("audit:trail"), {"user": other_therapist.pk})

    assert "user" in response.context["form"].errors
    assert listed(response) == []


def test_the_trail_filters_by_client_code_in_any_case(client, admin, trail):
    client.force_login(admin)

    response = client.get(reverse("audit:trail"), {"client": "rs-0001"})

    assert listed(response) == [trail["supervisor_viewed"], trail["owner_viewed"]]


def test_the_trail_filters_by_dates_inclusive(client, admin, trail):
    client.force_login(admin)

    response = client.get(reverse("audit:trail"), {"start": "2026-03-10", "end": "2026-03-15"})

    assert listed(response) == [trail["export"], trail["supervisor_viewed"]]


def test_a_reversed_date_range_is_explained(client, admin, trail):
    client.force_login(admin)

    response = client.get(reverse("audit:trail"), {"start": "2026-03-15", "end": "2026-03-10"})
    csv_response = client.get(reverse("audit:trail_csv"), {"start": "2026-03-15", "end": "2026-03-10"})

    assert listed(response) == []
    assert b"The start date must not come after the end date." in response.content
    assert csv_response.status_code == 400


def test_the_trail_is_paginated(client, admin, owner, client_record):
    AccessRecordFactory.create_batch(51, client=client_record, user=owner)
    client.force_login(admin)

    first = client.get(reverse("audit:trail"))
    second = client.get(reverse("audit:trail"), {"page": 2})

    assert len(listed(first)) == 50
    assert len(listed(second)) == 1


def test_the_csv_holds_the_filtered_rows(client, admin, supervisor, trail):
    client.force_login(admin)

    response = client.get(reverse("audit:trail_csv"), {"user": supervisor.pk})

    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith('attachment; filename="alliance-access-')
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert rows[0] == [
        "at",
        "user id",
        "username",
        "user",
        "action",
        "object type",
        "object id",
        "client code",
        "ip",
        "request id",
    ]
    export, viewed = trail["export"], trail["supervisor_viewed"]
    assert rows[1] == [
        timezone.localtime(export.at).isoformat(timespec="seconds"),
        str(supervisor.pk),
        supervisor.username,
        str(supervisor),
        "export",
        "export_flags",
        "",
        "",
        export.ip,
        export.request_id,
    ]
    assert rows[2][4:8] == ["view", "client", str(viewed.client_id), "RS-0001"]
    assert len(rows) == 3


def test_the_csv_times_are_in_the_practices_time_zone(client, admin, client_record):
    AccessRecordFactory(
        client=client_record, at=datetime.datetime(2026, 7, 1, 12, 0, tzinfo=datetime.UTC)
    )  # London is on summer time
    client.force_login(admin)

    response = client.get(reverse("audit:trail_csv"))

    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert rows[1][0] == "2026-07-01T13:00:00+01:00"


def test_the_csv_defuses_spreadsheet_formulas(client, admin, practice, client_record):
    AccessRecordFactory(client=client_record, user=admin, object_type="=HYPERLINK()")
    client.force_login(admin)

    response = client.get(reverse("audit:trail_csv"))

    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert rows[1][5] == "'=HYPERLINK()"


def test_the_trail_query_count(client, admin, owner, client_record, django_assert_num_queries):
    AccessRecordFactory.create_batch(5, client=client_record, user=owner)
    client.force_login(admin)
    # session, user, practice (time zone), count, page of records with users and clients,
    # the practice's users for the filter
    with django_assert_num_queries(6):
        response = client.get(reverse("audit:trail"))
    assert len(listed(response)) == 5


def test_the_admin_sees_the_nav_link(client, admin, owner):
    client.force_login(admin)
    assert reverse("audit:trail").encode() in client.get(reverse("clients:list")).content
    client.force_login(owner)
    assert reverse("audit:trail").encode() not in client.get(reverse("clients:list")).content
