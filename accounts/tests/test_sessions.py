"""Sessions follow the account: a change of role or of password ends the user's other sessions,
and a practice that starts requiring two-factor sign-in reaches the sessions already open."""

from urllib.parse import urlparse

import pytest
from django.test import Client
from django.urls import reverse

from accounts.models import Role
from accounts.tests.factories import PASSWORD

pytestmark = pytest.mark.django_db

HOME = reverse("home")
LOGIN = reverse("accounts:login")


def path_of(response) -> str:
    return urlparse(response["Location"]).path


@pytest.fixture
def browsers(owner):
    """Two sessions of ``owner``'s, open at once (two browsers)."""
    first, second = Client(), Client()
    for browser in (first, second):
        assert browser.post(LOGIN, {"username": "owner", "password": PASSWORD}).status_code == 302
    return first, second


@pytest.mark.parametrize(
    "change",
    [
        {"role": Role.SUPERVISOR},
        {"role": Role.PRACTICE_ADMIN},
        {"is_staff": True},
    ],
)
def test_a_change_of_role_ends_the_open_sessions(owner, browsers, change):
    for field, value in change.items():
        setattr(owner, field, value)
    owner.save()

    for browser in browsers:
        response = browser.get(HOME)
        assert response.status_code == 302
        assert path_of(response) == LOGIN


def test_other_changes_keep_the_sessions(owner, browsers):
    owner.first_name = "Renamed"
    owner.save()

    assert all(browser.get(HOME).status_code == 200 for browser in browsers)


def test_a_password_change_ends_the_other_sessions_and_keeps_this_one(owner, browsers):
    this, other = browsers

    changed = this.post(
        reverse("accounts:password_change"),
        {
            "old_password": PASSWORD,
            "new_password1": "a long new passphrase",
            "new_password2": "a long new passphrase",
        },
    )

    assert changed.status_code == 302
    assert this.get(HOME).status_code == 200
    assert path_of(other.get(HOME)) == LOGIN


class TestPracticeRequiresTwoFactor:
    @pytest.fixture(autouse=True)
    def two_factor_on(self, settings):
        settings.TWO_FACTOR_REQUIRED = True

    def test_an_open_session_without_a_device_is_sent_to_set_one_up(self, owner, practice, browsers):
        first, _ = browsers
        assert first.get(HOME).status_code == 200

        practice.require_two_factor_for_all = True
        practice.save()

        response = first.get(HOME)
        assert path_of(response) == reverse("accounts:two_factor_setup")
        assert path_of(first.get(reverse("clients:list"))) == reverse("accounts:two_factor_setup")
        assert first.get(reverse("accounts:two_factor_setup")).status_code == 200

    def test_without_the_requirement_the_session_goes_on(self, owner, browsers):
        first, _ = browsers

        assert first.get(HOME).status_code == 200
        assert first.get(reverse("clients:list")).status_code == 200
