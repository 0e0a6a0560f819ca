"""The intake: a client and their first agreements in one submit."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from boundaries.models import AgreementStatus, BoundaryAgreement, Category
from clients.models import Client
from clients.tests.factories import ClientFactory

NEXT_MONTH = str(datetime.datetime.now(datetime.UTC).date() + datetime.timedelta(days=30))

pytestmark = pytest.mark.django_db


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
            ({"code": "Jane Doe"}, b"letters, a hyphen and at least three digits"),
            ({"code": ""}, b"Give the client a pseudonymous code."),
            ({"intake_date": NEXT_MONTH}, b"cannot be in the future"),
            ({"intake_date": "2999-01-01"}, b"Enter a date between 1900-01-01 and"),
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
