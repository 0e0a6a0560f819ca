"""Sign-in hardening: lockout, automatic logoff, headers on signed-in pages, password hashing."""

import datetime
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import time_machine
from django.contrib.auth.hashers import identify_hasher
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from accounts.tests.factories import PASSWORD

pytestmark = pytest.mark.django_db

BASE_DIR = Path(__file__).resolve().parents[2]
LOGIN = reverse("accounts:login")


def fail_sign_in(client, username="owner", times=1, **headers):
    for _ in range(times):
        response = client.post(LOGIN, {"username": username, "password": "wrong guess"}, **headers)
    return response


@pytest.fixture
def lockout(settings):
    settings.AXES_ENABLED = True


@pytest.mark.usefixtures("lockout")
class TestLockout:
    def test_five_failures_lock_the_account_from_that_address(self, client, owner):
        fail_sign_in(client, times=4)
        locked = fail_sign_in(client)

        assert locked.status_code == 429
        assert b"Sign-in paused for 15 minutes" in locked.content
        # Even the right password is refused while locked.
        right = client.post(LOGIN, {"username": "owner", "password": PASSWORD})
        assert right.status_code == 429

    def test_four_failures_do_not_lock(self, client, owner):
        fail_sign_in(client, times=4)

        assert client.post(LOGIN, {"username": "owner", "password": PASSWORD}).status_code == 302

    def test_the_lock_lifts_after_15_minutes(self, client, owner):
        fail_sign_in(client, times=5)

        with time_machine.travel(timezone.now() + datetime.timedelta(minutes=15, seconds=1)):
            assert client.post(LOGIN, {"username": "owner", "password": PASSWORD}).status_code == 302

    def test_a_username_longer_than_any_account_is_refused_by_the_form(self, client, owner):
        response = fail_sign_in(client, username="u" * 300)  # axes stores usernames in varchar(255)

        assert response.status_code == 200
        assert b"at most 150 characters" in response.content

    def test_another_address_is_not_locked(self, client, owner):
        fail_sign_in(client, times=5, REMOTE_ADDR="203.0.113.7")

        response = client.post(LOGIN, {"username": "owner", "password": PASSWORD}, REMOTE_ADDR="203.0.113.8")

        assert response.status_code == 302

    def test_a_forged_forwarded_for_header_does_not_reset_the_count(self, client, owner):
        for n in range(5):
            fail_sign_in(client, REMOTE_ADDR="203.0.113.7", HTTP_X_FORWARDED_FOR=f"198.51.100.{n}")

        response = client.post(
            LOGIN,
            {"username": "owner", "password": PASSWORD},
            REMOTE_ADDR="203.0.113.7",
            HTTP_X_FORWARDED_FOR="1.2.3.4",
        )

        assert response.status_code == 429

    def test_behind_one_trusted_proxy_the_address_it_saw_counts(self, client, owner, settings):
        settings.TRUSTED_PROXY_COUNT = 1
        # The proxy appends the address it saw; anything the client put before it is ignored.
        for n in range(5):
            fail_sign_in(client, REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR=f"198.51.100.{n}, 203.0.113.7")

        same_client = client.post(
            LOGIN,
            {"username": "owner", "password": PASSWORD},
            REMOTE_ADDR="10.0.0.2",
            HTTP_X_FORWARDED_FOR="9.9.9.9, 203.0.113.7",
        )
        other_client = client.post(
            LOGIN,
            {"username": "owner", "password": PASSWORD},
            REMOTE_ADDR="10.0.0.2",
            HTTP_X_FORWARDED_FOR="203.0.113.9",
        )

        assert same_client.status_code == 429
        assert other_client.status_code == 302


class TestAutomaticLogoff:
    def test_signed_out_after_15_idle_minutes(self, client, owner):
        client.post(LOGIN, {"username": "owner", "password": PASSWORD})

        with time_machine.travel(timezone.now() + datetime.timedelta(minutes=15, seconds=61)):
            response = client.get(reverse("home"), follow=True)

        assert response.redirect_chain[-1][0].startswith(LOGIN)
        assert b"signed out after 15 minutes without activity" in response.content

    def test_activity_keeps_the_session(self, client, owner):
        client.post(LOGIN, {"username": "owner", "password": PASSWORD})
        start = timezone.now()
        for minutes in (10, 20, 30):
            with time_machine.travel(start + datetime.timedelta(minutes=minutes)):
                assert client.get(reverse("home")).status_code == 200

    def test_signed_out_after_12_hours_even_when_active(self, client, owner):
        client.post(LOGIN, {"username": "owner", "password": PASSWORD})
        start = timezone.now()
        for minutes in range(10, 12 * 60, 10):
            with time_machine.travel(start + datetime.timedelta(minutes=minutes)):
                assert client.get(reverse("clients:list")).status_code == 200
        with time_machine.travel(start + datetime.timedelta(hours=12, minutes=1)):
            response = client.get(reverse("home"))

        assert response.status_code == 302
        assert response["Location"].startswith(LOGIN)

    def test_sign_in_gives_a_new_session_key(self, client, owner):
        client.get(LOGIN)
        client.session.save()
        before = client.session.session_key

        client.post(LOGIN, {"username": "owner", "password": PASSWORD})

        assert client.session.session_key != before


class TestHeaders:
    def test_signed_in_pages_are_never_stored(self, client, owner):
        client.force_login(owner)

        response = client.get(reverse("home"))

        assert "no-store" in response["Cache-Control"]
        assert "private" in response["Cache-Control"]

    def test_every_page_has_a_strict_content_security_policy(self, client):
        policy = client.get(LOGIN)["Content-Security-Policy"]

        assert "default-src 'self'" in policy
        assert "frame-ancestors 'none'" in policy
        assert "unsafe-inline" not in policy
        assert "unsafe-eval" not in policy

    def test_framing_sniffing_and_referrer_are_locked_down(self, client):
        response = client.get(LOGIN)

        assert response["X-Frame-Options"] == "DENY"
        assert response["X-Content-Type-Options"] == "nosniff"
        assert response["Referrer-Policy"] == "same-origin"


def production_password_hashers() -> list[str]:
    """PASSWORD_HASHERS as config/settings.py sets it outside the test suite.

    Under pytest the settings swap in a fast MD5 hasher (their TESTING block), so the value is
    read from a fresh interpreter that imports the settings without pytest loaded, with the
    production environment: DEBUG off, a secret key, and a DATABASE_URL that is parsed but never
    connected to (so no embedded server is started for it).
    """
    env = {key: value for key, value in os.environ.items() if key not in {"DJANGO_SETTINGS_MODULE"}}
    env |= {
        "DEBUG": "false",
        "SECRET_KEY": "a-production-like-secret-key-for-this-test-only",
        "DATABASE_URL": "postgres://alliance:secret@db.invalid:5432/alliance",
    }
    code = (
        "import json, sys; import config.settings as s; "
        "assert 'pytest' not in sys.modules and not s.TESTING; print(json.dumps(s.PASSWORD_HASHERS))"
    )
    result = subprocess.run(  # noqa: S603 - this interpreter, with a fixed program
        [sys.executable, "-c", code],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_new_passwords_are_hashed_with_argon2(owner):
    hashers = production_password_hashers()

    assert hashers[0] == "django.contrib.auth.hashers.Argon2PasswordHasher"
    # The production list, as loaded outside the tests, really hashes with Argon2.
    with override_settings(PASSWORD_HASHERS=hashers):
        owner.set_password("a long new passphrase")

        assert identify_hasher(owner.password).algorithm == "argon2"
        assert owner.check_password("a long new passphrase")
