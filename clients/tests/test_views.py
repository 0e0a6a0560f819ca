import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from boundaries.models import AgreementStatus, BoundaryAgreement, Category
from boundaries.tests.factories import BoundaryAgreementFactory
from clients.models import Client, ClientStatus
from clients.tests.factories import ClientFactory
from sessions_log.models import EntryStatus
from sessions_log.tests.factories import AddendumFactory, IncidentFactory, SessionFactory
from supervision.tests.factories import FlagFactory

pytestmark = pytest.mark.django_db

STRANGERS = ["colleague", "unassigned_supervisor", "ended_supervisor", "other_admin", "other_therapist"]
READERS = ["owner", "supervisor", "admin"]


def intake_data(**overrides):
    today = timezone.localdate().isoformat()
    data = {"code": "rs-0142", "intake_date": today, "setting": "in_person"}
    for category in ("time", "physical", "disclosure", "dual_relationship"):
        data |= {
            f"{category}-terms": f"Agreed {category} terms.",
            f"{category}-proposed_by": "jointly",
            f"{category}-rationale": "Discussed at intake.",
            f"{category}-effective_date": today,
            f"{category}-review_interval_days": "90",
            f"{category}-next_review_on": "",
        }
    for category in ("communication", "gifts_money", "online"):
        data |= {
            f"{category}-terms": "",
            f"{category}-proposed_by": "jointly",
            f"{category}-rationale": "",
            f"{category}-effective_date": today,
            f"{category}-review_interval_days": "90",
            f"{category}-next_review_on": "",
        }
    return data | overrides


class TestIntake:
    def test_one_post_creates_client_with_four_agreements(self, client, owner):
        client.force_login(owner)

        response = client.post(reverse("clients:intake"), intake_data())

        created = Client.objects.get()
        assert response.status_code == 302
        assert response["Location"] == created.get_absolute_url()
        assert created.code == "RS-0142"
        assert created.therapist == owner
        assert created.practice == owner.practice
        agreements = created.agreements.all()
        assert {a.category for a in agreements} == {"time", "physical", "disclosure", "dual_relationship"}
        assert all(a.status == AgreementStatus.ACTIVE and a.recorded_by == owner for a in agreements)
        assert all(a.next_review_on == a.effective_date + datetime.timedelta(days=90) for a in agreements)

    def test_an_optional_category_is_added_when_filled(self, client, owner):
        client.force_login(owner)

        client.post(reverse("clients:intake"), intake_data(**{"online-terms": "No social media contact."}))

        assert BoundaryAgreement.objects.filter(category=Category.ONLINE).count() == 1
        assert BoundaryAgreement.objects.count() == 5

    def test_invalid_section_keeps_everything_typed_and_saves_nothing(self, client, owner):
        client.force_login(owner)
        data = intake_data(**{"physical-terms": "", "physical-rationale": "Changed but no terms"})

        response = client.post(reverse("clients:intake"), data)

        assert response.status_code == 200
        assert b"Write down the agreed terms." in response.content
        assert b"Agreed time terms." in response.content
        assert b"Changed but no terms" in response.content
        assert not Client.objects.exists()
        assert not BoundaryAgreement.objects.exists()

    @pytest.mark.parametrize(
        ("overrides", "message"),
        [
            ({"code": "Jane Doe"}, b"capital letters, digits or hyphens"),
            ({"code": ""}, b"Give the client a pseudonymous code."),
            ({"intake_date": "2999-01-01"}, b"cannot be in the future"),
            ({"intake_date": "not a date"}, b"Enter the intake date as a date."),
            ({"setting": "moon"}, b"Select a valid choice"),
            ({"time-effective_date": "2026-02-30"}, b"Enter a valid date"),
            ({"time-review_interval_days": "3"}, b"greater than or equal to 7"),
            ({"time-next_review_on": "2000-01-01"}, b"review date cannot come before"),
        ],
    )
    def test_bad_input_rerenders_with_a_message(self, client, owner, overrides, message):
        client.force_login(owner)

        response = client.post(reverse("clients:intake"), intake_data(**overrides))

        assert response.status_code == 200
        assert message in response.content
        assert not Client.objects.exists()

    def test_duplicate_code_in_the_practice_is_a_form_error(self, client, owner, colleague):
        ClientFactory(therapist=colleague, code="RS-0142")
        client.force_login(owner)

        response = client.post(reverse("clients:intake"), intake_data())

        assert response.status_code == 200
        assert b"already has the code RS-0142" in response.content
        assert Client.objects.count() == 1

    def test_same_code_in_another_practice_is_fine(self, client, owner, other_therapist):
        ClientFactory(therapist=other_therapist, code="RS-0142")
        client.force_login(owner)

        assert client.post(reverse("clients:intake"), intake_data()).status_code == 302

    @pytest.mark.parametrize("role", ["supervisor", "admin"])
    def test_only_therapists_record_intakes(self, request, client, role):
        client.force_login(request.getfixturevalue(role))

        assert client.get(reverse("clients:intake")).status_code == 403
        assert client.post(reverse("clients:intake"), intake_data()).status_code == 403
        assert not Client.objects.exists()

    def test_empty_post_does_not_fail(self, client, owner):
        client.force_login(owner)

        response = client.post(reverse("clients:intake"), {})

        assert response.status_code == 200
        assert not Client.objects.exists()


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
        # active agreements, recent sessions with incident counts, recent incidents, open flags
        with django_assert_num_queries(9):
            response = client.get(reverse("clients:detail", args=[client_record.pk]))
        assert response.status_code == 200

    def test_client_list_query_count(self, client, admin, owner, colleague, django_assert_num_queries):
        ClientFactory.create_batch(3, therapist=owner)
        ClientFactory.create_batch(3, therapist=colleague)
        client.force_login(admin)
        # session, user, practice, count, page of clients with therapists
        with django_assert_num_queries(5):
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
        assert b"BAD CODE!" in response.content
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


class TestTimeline:
    def test_shows_every_kind_in_time_order(self, client, owner, client_record):
        now = timezone.now()
        agreement = BoundaryAgreementFactory(client=client_record, effective_date=client_record.intake_date)
        session = SessionFactory(
            client=client_record,
            scheduled_start=now - datetime.timedelta(days=3),
            scheduled_end=now - datetime.timedelta(days=3) + datetime.timedelta(minutes=50),
            actual_start=now - datetime.timedelta(days=3),
            actual_end=now - datetime.timedelta(days=3) + datetime.timedelta(minutes=65),
        )
        session.mark_signed(by=owner)
        session.save()
        incident = IncidentFactory(client=client_record, occurred_at=now - datetime.timedelta(days=2))
        addendum = AddendumFactory(session=session, created_at=now - datetime.timedelta(days=1))
        flag = FlagFactory(client=client_record, opened_at=now - datetime.timedelta(hours=1))
        client.force_login(owner)

        response = client.get(reverse("clients:timeline", args=[client_record.pk]))

        objects = [item.obj for item in response.context["page"].object_list]
        assert objects == [flag, addendum, incident, session, agreement]
        assert b"ran 15 min over" in response.content

    def test_filters_by_category(self, client, owner, client_record):
        time_incident = IncidentFactory(client=client_record, category=Category.TIME)
        IncidentFactory(client=client_record, category=Category.ONLINE)
        BoundaryAgreementFactory(client=client_record, category=Category.ONLINE)
        client.force_login(owner)

        response = client.get(reverse("clients:timeline", args=[client_record.pk]), {"category": "time"})

        assert [item.obj for item in response.context["page"].object_list] == [time_incident]

    def test_is_paginated_with_a_constant_query_count(
        self, client, owner, client_record, django_assert_num_queries
    ):
        IncidentFactory.create_batch(30, client=client_record)  # two hours ago: all of page 1
        SessionFactory.create_batch(5, client=client_record)  # yesterday: on page 2
        client.force_login(owner)
        url = reverse("clients:timeline", args=[client_record.pk])
        # session, user, practice, client, the access record insert, union count, union page,
        # the page's incidents
        with django_assert_num_queries(8):
            first = client.get(url)
        # ... and on page 2 the page's sessions too
        with django_assert_num_queries(9):
            second = client.get(url, {"page": 2})
        assert [item.kind for item in first.context["page"].object_list] == ["incident"] * 25
        assert [item.kind for item in second.context["page"].object_list] == ["incident"] * 5 + [
            "session"
        ] * 5

    def test_garbage_filter_and_page_do_not_fail(self, client, owner, client_record):
        client.force_login(owner)

        response = client.get(
            reverse("clients:timeline", args=[client_record.pk]), {"category": "x", "page": "zz"}
        )

        assert response.status_code == 200


def test_drafts_are_shown_as_drafts_on_the_detail_page(client, owner, client_record):
    SessionFactory(client=client_record)
    client.force_login(owner)

    response = client.get(reverse("clients:detail", args=[client_record.pk]))

    assert [s.status for s in response.context["sessions"]] == [EntryStatus.DRAFT]


def test_detail_lists_recent_sessions_newest_first(client, owner, client_record):
    now = timezone.now().replace(microsecond=0)
    for days in (5, 1, 9, 3):
        start = now - datetime.timedelta(days=days)
        SessionFactory(
            client=client_record,
            scheduled_start=start,
            scheduled_end=start + datetime.timedelta(minutes=50),
        )
    client.force_login(owner)

    response = client.get(reverse("clients:detail", args=[client_record.pk]))

    starts = [s.scheduled_start for s in response.context["sessions"]]
    assert starts == sorted(starts, reverse=True)


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
    with django_assert_num_queries(5):
        response = client.get(reverse("clients:list"))
    assert len(response.context["clients"]) == min(scale * 12, 25)


@pytest.mark.parametrize("scale", SCALES)
def test_client_detail_query_count_does_not_grow(
    client, owner, client_record, django_assert_num_queries, scale
):
    history(client_record, scale)
    client.force_login(owner)
    # session, user, practice, client with therapist and practice, the access record insert,
    # active agreements, recent sessions with incident counts, recent incidents, open flags
    with django_assert_num_queries(9):
        response = client.get(reverse("clients:detail", args=[client_record.pk]))
    assert len(response.context["flags"]) == scale


@pytest.mark.parametrize("scale", SCALES)
def test_client_timeline_query_count_does_not_grow(
    client, supervisor, client_record, django_assert_num_queries, scale
):
    history(client_record, scale)
    client.force_login(supervisor)
    # session, user, practice, client, the access record insert, union count, union page, and the
    # page's agreements, sessions, incidents, addenda and flags (one query per kind on the page)
    with django_assert_num_queries(12):
        response = client.get(reverse("clients:timeline", args=[client_record.pk]))
    kinds = {item.kind for item in response.context["page"].object_list}
    assert kinds == {"agreement", "session", "incident", "addendum", "flag"}
    assert len(response.context["page"].object_list) == 5 * scale
