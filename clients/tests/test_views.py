import pytest
from django.urls import reverse
from django.utils import timezone

from boundaries.models import Category
from boundaries.tests.factories import BoundaryAgreementFactory
from clients.models import ClientStatus
from clients.tests.factories import ClientFactory
from sessions_log.tests.factories import AddendumFactory, IncidentFactory, SessionFactory
from supervision.tests.factories import FlagFactory

pytestmark = pytest.mark.django_db

STRANGERS = ["colleague", "unassigned_supervisor", "ended_supervisor", "other_admin", "other_therapist"]
READERS = ["owner", "supervisor", "admin"]


class TestDetailAndAccess:
    @pytest.mark.parametrize("reader", READERS)
    @pytest.mark.parametrize("name", ["clients:detail", "clients:timeline"])
    def test_readers_see_the_client(self, request, client, client_record, reader, name):
        client.force_login(request.getfixturevalue(reader))

        response = client.get(reverse(name, args=[client_record.pk]))

        assert response.status_code == 200
        assert b"RS-0001" in response.content

    @pytest.mark.parametrize("stranger", STRANGERS)
    @pytest.mark.parametrize("name", ["clients:detail", "clients:timeline", "clients:edit"])
    def test_strangers_get_404(self, request, client, client_record, stranger, name):
        client.force_login(request.getfixturevalue(stranger))

        assert client.get(reverse(name, args=[client_record.pk])).status_code == 404

    @pytest.mark.parametrize("stranger", [*STRANGERS, "supervisor", "admin"])
    def test_only_the_owner_changes_the_client(self, request, client, client_record, stranger):
        client.force_login(request.getfixturevalue(stranger))

        edit = client.post(
            reverse("clients:edit", args=[client_record.pk]),
            {"code": "XX-1", "intake_date": "2026-01-01", "setting": "mixed"},
        )
        discharge = client.post(
            reverse("clients:discharge", args=[client_record.pk]), {"discharged_on": "2026-11-01"}
        )

        assert edit.status_code == discharge.status_code == 404
        client_record.refresh_from_db()
        assert client_record.code == "RS-0001"
        assert client_record.status == ClientStatus.ACTIVE

    def test_detail_query_count(self, client, owner, client_record, django_assert_num_queries):
        BoundaryAgreementFactory(client=client_record)
        SessionFactory(client=client_record)
        IncidentFactory(client=client_record)
        FlagFactory(client=client_record)
        client.force_login(owner)
        # session, user, practice, client with therapist and practice, the access record insert,
        # active agreements (with their acknowledgement), recent sessions with incident counts,
        # recent incidents, every flag with its plan size, follow-ups with their owners, the latest
        # acknowledgements of the sheet
        with django_assert_num_queries(11):
            response = client.get(reverse("clients:detail", args=[client_record.pk]))
        assert response.status_code == 200

    def test_client_list_query_count(self, client, admin, owner, colleague, django_assert_num_queries):
        ClientFactory.create_batch(3, therapist=owner)
        ClientFactory.create_batch(3, therapist=colleague)
        client.force_login(admin)
        # session, user, practice, count, page of clients with therapists
        # ... and the access record of a page listing client data (audit.middleware)
        with django_assert_num_queries(6):
            response = client.get(reverse("clients:list"))
        assert len(response.context["clients"]) == 6

    def test_client_list_searches_by_code_and_filters_by_status(self, client, owner):
        ClientFactory(therapist=owner, code="AB-0001")
        ClientFactory(
            therapist=owner,
            code="AB-0002",
            status=ClientStatus.DISCHARGED,
            discharged_on=timezone.localdate(),
        )
        ClientFactory(therapist=owner, code="ZZ-0003")
        client.force_login(owner)

        found = client.get(reverse("clients:list"), {"q": "ab-", "status": "active"}).context["clients"]

        assert [c.code for c in found] == ["AB-0001"]

    def test_home_lists_clients_with_filters(self, client, owner, client_record):
        client.force_login(owner)

        response = client.get(reverse("home"), {"q": "nomatch"})

        assert b"No clients match." in response.content


class TestEditAndDischarge:
    def test_owner_edits_the_client(self, client, owner, client_record):
        client.force_login(owner)

        response = client.post(
            reverse("clients:edit", args=[client_record.pk]),
            {
                "code": "rs-0777",
                "intake_date": client_record.intake_date.isoformat(),
                "setting": "telehealth",
            },
        )

        assert response.status_code == 302
        client_record.refresh_from_db()
        assert (client_record.code, client_record.setting) == ("RS-0777", "telehealth")

    def test_edit_with_bad_input_keeps_typed_values(self, client, owner, client_record):
        client.force_login(owner)

        response = client.post(
            reverse("clients:edit", args=[client_record.pk]),
            {"code": "bad code!", "intake_date": "yesterday", "setting": "telehealth"},
        )

        assert response.status_code == 200
        assert b"bad code!" in response.content.lower()  # typed, as typed or upper-cased
        assert b"yesterday" in response.content
        client_record.refresh_from_db()
        assert client_record.code == "RS-0001"

    def test_owner_discharges_the_client(self, client, owner, client_record):
        client.force_login(owner)
        day = timezone.localdate()

        response = client.post(reverse("clients:discharge", args=[client_record.pk]), {"discharged_on": day})

        assert response.status_code == 302
        client_record.refresh_from_db()
        assert client_record.status == ClientStatus.DISCHARGED
        assert client_record.discharged_on == day

    @pytest.mark.parametrize("day", ["2999-01-01", "1990-01-01", "soon", ""])
    def test_discharge_with_a_bad_date_is_refused_with_a_message(self, client, owner, client_record, day):
        client.force_login(owner)

        response = client.post(reverse("clients:discharge", args=[client_record.pk]), {"discharged_on": day})

        assert response.status_code == 200
        assert response.context["form"].errors
        client_record.refresh_from_db()
        assert client_record.status == ClientStatus.ACTIVE

    def test_discharging_twice_explains(self, client, owner, client_record):
        client.force_login(owner)
        url = reverse("clients:discharge", args=[client_record.pk])
        client.post(url, {"discharged_on": timezone.localdate()})

        response = client.post(url, {"discharged_on": timezone.localdate()}, follow=True)

        assert b"already discharged" in response.content

    def test_discharge_is_post_only(self, client, owner, client_record):
        client.force_login(owner)

        assert client.get(reverse("clients:discharge", args=[client_record.pk])).status_code == 405


# Query budgets at two scales (docs/PERFORMANCE.md): the same number of queries with five times the data.

SCALES = [1, 5]
RULES = ("time_overruns", "repeated_category", "slippery_slope", "unsigned_entry", "intake_incomplete")


def history(record, scale):
    """``scale`` agreements, signed sessions with an incident and an addendum each, and open flags."""
    for n in range(scale):
        BoundaryAgreementFactory(client=record, category=list(Category)[n])
        session = SessionFactory(client=record)
        session.mark_signed(by=record.therapist)
        session.save()
        IncidentFactory(client=record, session=session)
        AddendumFactory(session=session)
        FlagFactory(client=record, rule=RULES[n])


@pytest.mark.parametrize("scale", SCALES)
def test_client_list_query_count_does_not_grow(
    client, admin, owner, colleague, django_assert_num_queries, scale
):
    for therapist in (owner, colleague):
        for record in ClientFactory.create_batch(scale * 6, therapist=therapist):
            history(record, 1)
    client.force_login(admin)
    # session, user, practice, count, page of clients with therapists
    # ... and the access record of a page listing client data (audit.middleware)
    with django_assert_num_queries(6):
        response = client.get(reverse("clients:list"))
    assert len(response.context["clients"]) == min(scale * 12, 25)


@pytest.mark.parametrize("scale", SCALES)
def test_client_detail_query_count_does_not_grow(
    client, owner, client_record, django_assert_num_queries, scale
):
    history(client_record, scale)
    client.force_login(owner)
    # session, user, practice, client with therapist and practice, the access record insert,
    # active agreements (with their acknowledgement), recent sessions with incident counts,
    # recent incidents, every flag with its plan size, follow-ups with their owners, the latest
    # acknowledgements of the sheet
    with django_assert_num_queries(11):
        response = client.get(reverse("clients:detail", args=[client_record.pk]))
    assert len(response.context["flags"]) == scale


@pytest.mark.parametrize("scale", SCALES)
def test_client_timeline_query_count_does_not_grow(
    client, supervisor, client_record, django_assert_num_queries, scale
):
    history(client_record, scale)
    client.force_login(supervisor)
    # session, user, practice, client, the access record insert, union count, union page, and the
    # page's agreements, sessions, incidents, addenda and flags (one query per kind, on the page or not)
    with django_assert_num_queries(12):
        response = client.get(reverse("clients:timeline", args=[client_record.pk]))
    kinds = {item.kind for item in response.context["page"].object_list}
    assert kinds == {"agreement", "session", "incident", "addendum", "flag"}
    assert len(response.context["page"].object_list) == 5 * scale
