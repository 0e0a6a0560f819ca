"""Each view or export of a page about a client writes one access record, and nothing else does."""

import pytest
from django.urls import reverse

from accounts.tests.reauth import confirm_password
from audit.models import AccessAction, AccessRecord
from boundaries.tests.factories import BoundaryAgreementFactory
from sessions_log.tests.factories import IncidentFactory, SessionFactory
from supervision.models import RuleCode
from supervision.tests.factories import FlagFactory

pytestmark = pytest.mark.django_db

ADDRESS = "203.0.113.7"


@pytest.fixture
def world(client_record):
    return {
        "client": client_record,
        "agreement": BoundaryAgreementFactory(client=client_record, terms="Sessions end on the hour."),
        "session": SessionFactory(client=client_record),
        "incident": IncidentFactory(client=client_record, description="Asked to stay twenty minutes."),
        "flag": FlagFactory(client=client_record),
    }


# URL name, what its argument is, and the record it writes: object type, whether the object id
# is recorded, action.
PAGES = [
    ("clients:detail", "client", "client", True, AccessAction.VIEW),
    ("clients:edit", "client", "client_edit", True, AccessAction.VIEW),
    ("clients:timeline", "client", "timeline", False, AccessAction.VIEW),
    ("boundaries:detail", "agreement", "agreement", True, AccessAction.VIEW),
    ("boundaries:print", "client", "agreement_print", False, AccessAction.PRINT),
    ("boundaries:pdf", "client", "agreement_pdf", False, AccessAction.EXPORT),
    ("sessions_log:session_detail", "session", "session", True, AccessAction.VIEW),
    ("sessions_log:incident_detail", "incident", "incident", True, AccessAction.VIEW),
    ("supervision:flag_detail", "flag", "flag", True, AccessAction.VIEW),
]


def url_for(name, target):
    try:
        return reverse(name, kwargs={"pk": target.pk})
    except Exception:  # noqa: BLE001 - the client-level pages name their argument client_pk
        return reverse(name, kwargs={"client_pk": target.pk})


@pytest.mark.parametrize(("name", "about", "object_type", "with_id", "action"), PAGES)
def test_a_page_about_a_client_writes_one_record(
    client, owner, world, name, about, object_type, with_id, action
):
    client.force_login(owner)
    target = world[about]

    response = client.get(url_for(name, target), REMOTE_ADDR=ADDRESS)

    assert response.status_code == 200
    record = AccessRecord.objects.get()
    assert record.user == owner
    assert record.practice == owner.practice
    assert record.client == world["client"]
    assert record.object_type == object_type
    assert record.object_id == (target.pk if with_id else None)
    assert record.action == action
    assert record.ip == ADDRESS
    assert record.request_id == response["X-Request-ID"]


def test_the_reader_is_recorded_not_the_owner(client, supervisor, admin, world):
    url = world["incident"].get_absolute_url()
    for reader in (supervisor, admin):
        client.force_login(reader)
        client.get(url)

    assert list(AccessRecord.objects.order_by("pk").values_list("user", flat=True)) == [
        supervisor.pk,
        admin.pk,
    ]


def test_a_record_holds_no_content(client, owner, world):
    client.force_login(owner)
    client.get(world["incident"].get_absolute_url())
    client.get(world["agreement"].get_absolute_url())

    fields = {field.attname for field in AccessRecord._meta.concrete_fields}
    assert fields == {
        "id",
        "practice_id",
        "user_id",
        "client_id",
        "object_type",
        "object_id",
        "action",
        "at",
        "ip",
        "request_id",
    }
    stored = str(list(AccessRecord.objects.values()))
    assert world["incident"].description not in stored
    assert world["agreement"].terms not in stored


@pytest.mark.parametrize(
    "stranger", ["colleague", "unassigned_supervisor", "ended_supervisor", "other_admin"]
)
@pytest.mark.parametrize(("name", "about"), [(name, about) for name, about, *_ in PAGES])
def test_a_strangers_404_writes_no_record(request, client, world, stranger, name, about):
    client.force_login(request.getfixturevalue(stranger))

    response = client.get(url_for(name, world[about]))

    assert response.status_code == 404
    assert not AccessRecord.objects.exists()


def test_a_refused_edit_re_rendered_with_the_client_is_recorded_once(client, owner, client_record):
    client.force_login(owner)

    client.post(reverse("clients:edit", args=[client_record.pk]), {"code": ""})

    # The page shown again holds the client's record: audit.middleware records it.
    assert AccessRecord.objects.get().client == client_record


def test_a_flag_about_a_therapist_is_recorded_without_a_client(client, supervisor, owner):
    flag = FlagFactory(client=None, therapist=owner, practice=owner.practice, rule=RuleCode.THERAPIST_PATTERN)
    client.force_login(supervisor)

    response = client.get(flag.get_absolute_url())

    assert response.status_code == 200
    record = AccessRecord.objects.get()
    assert (record.client, record.practice, record.object_type, record.object_id) == (
        None,
        owner.practice,
        "flag",
        flag.pk,
    )


@pytest.mark.parametrize(
    ("name", "params"),
    [
        ("supervision:export_flags", {}),
        ("supervision:export_incidents", {"start": "2026-01-01", "end": "2026-01-31"}),
    ],
)
def test_an_export_writes_an_export_record(client, supervisor, world, name, params):
    client.force_login(supervisor)
    confirm_password(client)

    response = client.get(reverse(name), params, REMOTE_ADDR=ADDRESS)

    assert response.status_code == 200
    record = AccessRecord.objects.get()
    assert record.user == supervisor
    assert record.practice == supervisor.practice
    assert record.client is None
    assert record.object_type == name.split(":")[1]
    assert record.object_id is None
    assert record.action == AccessAction.EXPORT
    assert record.ip == ADDRESS
    assert record.request_id == response["X-Request-ID"]


def test_a_refused_export_writes_no_record(client, owner, supervisor, world):
    client.force_login(owner)
    assert client.get(reverse("supervision:export_flags")).status_code == 403
    client.force_login(supervisor)
    confirm_password(client)
    invalid = client.get(
        reverse("supervision:export_incidents"), {"start": "2026-02-01", "end": "2026-01-01"}
    )

    assert invalid.status_code == 400
    assert not AccessRecord.objects.exists()
