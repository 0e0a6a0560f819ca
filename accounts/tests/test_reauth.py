"""The password asked again (``require_recent_password``): on every bulk export, within the
sign-in lockout, and the password change's old password counted the same way."""

import datetime
from urllib.parse import parse_qs, urlparse

import pytest
import time_machine
from axes.models import AccessAttempt
from django.urls import reverse
from django.utils import timezone

from accounts.tests.factories import PASSWORD
from accounts.tests.reauth import confirm_password

pytestmark = pytest.mark.django_db

LOGIN = reverse("accounts:login")
CONFIRM = reverse("accounts:confirm_password")
PASSWORD_CHANGE = reverse("accounts:password_change")
# Every bulk export, with who may download it and a query it takes.
BULK_EXPORTS = [
    ("supervision:export_flags", "supervisor", ""),
    ("supervision:export_incidents", "supervisor", "?start=2026-01-01&end=2026-01-31"),
    ("audit:trail_csv", "admin", ""),
]


@pytest.fixture
def lockout(settings):
    settings.AXES_ENABLED = True


def wrong_old_password(client, n: int):
    return client.post(
        PASSWORD_CHANGE,
        {
            "old_password": f"guess {n}",
            "new_password1": "a long new passphrase",
            "new_password2": "a long new passphrase",
        },
    )


@pytest.mark.parametrize(("name", "who", "query"), BULK_EXPORTS)
def test_a_bulk_export_asks_for_the_password_then_downloads(request, client, name, who, query):
    client.force_login(request.getfixturevalue(who))
    url = reverse(name) + query

    asked = client.get(url)
    confirmed = client.post(asked["Location"], {"password": PASSWORD})
    downloaded = client.get(url)

    location = urlparse(asked["Location"])
    assert asked.status_code == 302
    assert (location.path, parse_qs(location.query)["next"]) == (CONFIRM, [url])
    assert confirmed.status_code == 302 and confirmed["Location"] == url
    assert downloaded.status_code == 200
    assert downloaded["Content-Type"].startswith("text/csv")


@pytest.mark.parametrize(("name", "who", "query"), BULK_EXPORTS)
def test_a_therapist_is_refused_a_bulk_export_before_any_password(client, owner, name, who, query):
    client.force_login(owner)

    assert client.get(reverse(name) + query).status_code == 403


def test_the_password_counts_for_five_minutes_in_this_session_only(client, supervisor):
    url = reverse("supervision:export_flags")
    other_browser = type(client)()
    with time_machine.travel(timezone.now(), tick=False) as clock:
        client.force_login(supervisor)
        other_browser.force_login(supervisor)
        confirm_password(client)
        clock.shift(datetime.timedelta(minutes=4, seconds=59))
        assert client.get(url).status_code == 200
        assert other_browser.get(url).status_code == 302
        clock.shift(datetime.timedelta(seconds=2))
        assert client.get(url).status_code == 302


def test_a_wrong_password_is_refused(client, supervisor):
    client.force_login(supervisor)

    response = confirm_password(client, password="not my password")

    assert response.status_code == 200
    assert "That is not your password" in response.text
    assert client.get(reverse("supervision:export_flags")).status_code == 302


def test_the_page_goes_back_only_to_this_site(client, supervisor):
    client.force_login(supervisor)

    response = client.post(f"{CONFIRM}?next=https://evil.example/", {"password": PASSWORD})

    assert response["Location"] == reverse("home")


@pytest.mark.usefixtures("lockout")
class TestLockout:
    def test_wrong_passwords_count_as_failed_sign_ins_and_lock_out(self, client, supervisor):
        client.force_login(supervisor)

        refused = [confirm_password(client, password=f"guess {n}") for n in range(12)]
        right = confirm_password(client)

        assert [response.status_code for response in refused[:4]] == [200] * 4
        assert refused[4].status_code == 429
        assert b"Sign-in paused for 15 minutes" in refused[4].content
        # The lockout ended the session: the right password is not even asked for now.
        assert urlparse(right["Location"]).path == LOGIN
        assert urlparse(client.get(reverse("supervision:export_flags"))["Location"]).path == LOGIN
        assert AccessAttempt.objects.get(username="supervisor").failures_since_start == 5
        assert client.post(LOGIN, {"username": "supervisor", "password": PASSWORD}).status_code == 429

    def test_failures_at_sign_in_and_here_add_up(self, client, supervisor):
        for n in range(3):
            client.post(LOGIN, {"username": "supervisor", "password": f"guess {n}"})
        client.force_login(supervisor)

        assert confirm_password(client, password="guess 3").status_code == 200
        assert confirm_password(client, password="guess 4").status_code == 429

    def test_the_right_password_clears_the_count_as_a_sign_in_does(self, client, supervisor):
        client.force_login(supervisor)
        for n in range(4):
            confirm_password(client, password=f"guess {n}")

        assert confirm_password(client).status_code == 302
        assert confirm_password(client, password="guess 5").status_code == 200

    def test_wrong_old_passwords_on_the_password_change_lock_out(self, client, owner):
        client.force_login(owner)

        refused = [wrong_old_password(client, n) for n in range(12)]
        right = client.post(
            PASSWORD_CHANGE,
            {
                "old_password": PASSWORD,
                "new_password1": "a long new passphrase",
                "new_password2": "a long new passphrase",
            },
        )

        assert [response.status_code for response in refused[:4]] == [200] * 4
        assert b"Your old password was entered incorrectly" in refused[0].content
        assert refused[4].status_code == 429
        assert urlparse(right["Location"]).path == LOGIN
        owner.refresh_from_db()
        assert owner.check_password(PASSWORD)
        assert client.post(LOGIN, {"username": "owner", "password": PASSWORD}).status_code == 429
