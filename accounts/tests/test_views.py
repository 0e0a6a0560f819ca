import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.middleware import PracticeTimezoneMiddleware
from accounts.models import Role, SupervisionAssignment, User
from accounts.tests.factories import PASSWORD, SupervisorFactory, TherapistFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_sign_in_page_is_public(client):
    response = client.get(reverse("accounts:login"))

    assert response.status_code == 200
    assert b"Sign in to Alliance" in response.content


def test_anonymous_home_redirects_to_sign_in(client):
    response = client.get(reverse("home"))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


def test_sign_in_with_demo_password_lands_on_home(client, owner):
    response = client.post(reverse("accounts:login"), {"username": "owner", "password": PASSWORD})

    assert response.status_code == 302
    assert response["Location"] == reverse("home")


def test_wrong_password_keeps_username_and_explains(client, owner):
    response = client.post(reverse("accounts:login"), {"username": "owner", "password": "wrong"})

    assert response.status_code == 200
    assert b"do not match an active account" in response.content
    assert b'value="owner"' in response.content


def test_sign_out_is_post_only(client, owner):
    client.force_login(owner)

    assert client.get(reverse("accounts:logout")).status_code == 405
    assert client.post(reverse("accounts:logout")).status_code == 302
    assert client.get(reverse("home")).status_code == 302


def test_requests_run_in_the_practice_time_zone(rf, owner):
    owner.practice.time_zone = "America/New_York"
    seen = []
    middleware = PracticeTimezoneMiddleware(lambda request: seen.append(timezone.get_current_timezone_name()))
    request = rf.get("/")
    request.user = owner

    middleware(request)

    assert seen == ["America/New_York"]
    assert timezone.get_current_timezone_name() == "UTC"


class TestAdminSite:
    def test_practice_admin_sees_only_own_practice_users(self, client, admin, owner, other_therapist):
        client.force_login(admin)

        response = client.get(reverse("admin:accounts_user_changelist"))

        assert response.status_code == 200
        usernames = {user.username for user in response.context["cl"].result_list}
        assert "owner" in usernames
        assert "othertherapist" not in usernames

    def test_practice_admin_cannot_open_another_practices_user(self, client, admin, other_therapist):
        client.force_login(admin)

        response = client.get(reverse("admin:accounts_user_change", args=[other_therapist.pk]))

        assert response.status_code == 302  # the admin redirects a missing object to its index
        assert response["Location"] == reverse("admin:index")

    def test_therapist_cannot_open_admin(self, client, owner):
        client.force_login(owner)

        response = client.get(reverse("admin:index"))

        assert response.status_code == 302
        assert "login" in response["Location"]

    def test_practice_admin_creates_user_in_own_practice(self, client, admin):
        client.force_login(admin)

        response = client.post(
            reverse("admin:accounts_user_add"),
            {
                "username": "dr.new",
                "first_name": "New",
                "last_name": "Therapist",
                "email": "new@example.org",
                "role": Role.THERAPIST,
                "password1": "a long enough passphrase",
                "password2": "a long enough passphrase",
                "usable_password": "true",
            },
        )

        assert response.status_code == 302, response.context["adminform"].form.errors
        created = User.objects.get(username="dr.new")
        assert created.practice == admin.practice
        assert not created.is_superuser

    def test_practice_admin_adds_assignment_in_own_practice(
        self, client, admin, owner, unassigned_supervisor
    ):
        client.force_login(admin)

        response = client.post(
            reverse("admin:accounts_supervisionassignment_add"),
            {"therapist": owner.pk, "supervisor": unassigned_supervisor.pk, "starts_on": "2026-01-01"},
        )

        assert response.status_code == 302
        assignment = SupervisionAssignment.objects.get(supervisor=unassigned_supervisor)
        assert assignment.practice == admin.practice

    def test_assignment_with_other_practice_therapist_is_refused(self, client, admin, other_therapist):
        supervisor = SupervisorFactory(practice=admin.practice)
        client.force_login(admin)

        response = client.post(
            reverse("admin:accounts_supervisionassignment_add"),
            {"therapist": other_therapist.pk, "supervisor": supervisor.pk, "starts_on": "2026-01-01"},
        )

        assert response.status_code == 200
        assert "therapist" in response.context["adminform"].form.errors
        assert not SupervisionAssignment.objects.exists()

    def test_overlapping_assignment_is_a_form_error(self, client, admin, owner, supervisor):
        client.force_login(admin)
        start = (timezone.localdate() - datetime.timedelta(days=10)).isoformat()

        response = client.post(
            reverse("admin:accounts_supervisionassignment_add"),
            {"therapist": owner.pk, "supervisor": supervisor.pk, "starts_on": start},
        )

        assert response.status_code == 200
        assert response.context["adminform"].form.errors
        assert SupervisionAssignment.objects.count() == 1

    def test_superuser_sees_every_practice(self, client, owner, other_therapist):
        root = UserFactory(username="root", practice=None, is_superuser=True, is_staff=True)
        client.force_login(root)

        response = client.get(reverse("admin:accounts_user_changelist"))

        usernames = {user.username for user in response.context["cl"].result_list}
        assert {"owner", "othertherapist", "root"} <= usernames


def test_inactive_therapist_cannot_sign_in(client):
    TherapistFactory(username="gone", is_active=False)

    response = client.post(reverse("accounts:login"), {"username": "gone", "password": PASSWORD})

    assert response.status_code == 200
