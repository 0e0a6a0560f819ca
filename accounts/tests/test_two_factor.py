"""Two-factor sign-in: enrolment, the verification step, backup codes, throttling, who must use it."""

import datetime
import json
import logging
import re
from base64 import b32decode
from urllib.parse import urlparse

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone
from django_otp.oath import totp
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.tests.factories import PASSWORD, UserFactory
from accounts.two_factor import PENDING
from common.tests.logs import security_events

pytestmark = pytest.mark.django_db

LOGIN = reverse("accounts:login")
SETUP = reverse("accounts:two_factor_setup")
VERIFY = reverse("accounts:two_factor_verify")
BACKUP_CODES = reverse("accounts:two_factor_backup_codes")
DISABLE = reverse("accounts:two_factor_disable")
HOME = reverse("home")


@pytest.fixture(autouse=True)
def two_factor_on(settings):
    settings.TWO_FACTOR_REQUIRED = True


@pytest.fixture
def security_log(caplog):
    caplog.set_level(logging.INFO, logger="alliance.security")
    return caplog


def events(caplog) -> list[str]:
    return [event["event"] for event in security_events(caplog)]


def code_for(key: bytes) -> str:
    """The code an authenticator app shows for ``key`` now (the test's clock, when it moves it)."""
    return f"{totp(key):06d}"


def sign_in(client, username: str) -> str:
    response = client.post(LOGIN, {"username": username, "password": PASSWORD})
    assert response.status_code == 302
    return response["Location"]


def enrolled(user) -> tuple[TOTPDevice, list[str]]:
    device = TOTPDevice.objects.create(user=user, name="Authenticator app", confirmed=True)
    backup = StaticDevice.objects.create(user=user, name="Backup codes", confirmed=True)
    codes = [f"code{n:04d}" for n in range(10)]
    for code in codes:
        StaticToken.objects.create(device=backup, token=code)
    return device, codes


def path_of(response) -> str:
    return urlparse(response["Location"]).path


class TestEnrolment:
    def test_a_therapist_enrols_with_the_code_of_the_secret_shown(self, client, owner, security_log):
        client.force_login(owner)
        page = client.get(SETUP)
        assert page.status_code == 200
        assert b'src="data:image/svg+xml' in page.content
        secret = re.search(r'id="two-factor-secret">([A-Z2-7 ]+)<', page.content.decode()).group(1)
        key = b32decode(secret.replace(" ", ""))
        # Looking at the page stores nothing.
        assert not TOTPDevice.objects.filter(user=owner).exists()

        response = client.post(SETUP, {"code": code_for(key)})

        assert path_of(response) == BACKUP_CODES
        device = TOTPDevice.objects.get(user=owner)
        assert device.confirmed and device.bin_key == key
        codes_page = client.get(response["Location"])
        codes = re.findall(r"<li><code>([a-z2-7]{8})</code></li>", codes_page.content.decode())
        assert len(codes) == 10
        assert sorted(codes) == sorted(
            StaticToken.objects.filter(device__user=owner).values_list("token", flat=True)
        )
        # Shown once: the page does not show them again.
        assert path_of(client.get(BACKUP_CODES)) == SETUP
        # Enrolling verified this session.
        assert client.get(HOME).status_code == 200
        assert "two_factor_enrolled" in events(security_log)

    def test_a_wrong_enrolment_code_stores_nothing(self, client, owner):
        client.force_login(owner)
        client.get(SETUP)

        response = client.post(SETUP, {"code": "000000"})

        assert response.status_code == 200
        assert b"That code is not right" in response.content
        assert not TOTPDevice.objects.filter(user=owner).exists()

    def test_the_enrolled_user_sees_the_manage_page(self, client, owner):
        enrolled(owner)
        client.force_login(owner)
        # force_login does not pass the second step: verify first.
        assert path_of(client.get(HOME)) == VERIFY
        device = TOTPDevice.objects.get(user=owner)
        client.post(VERIFY, {"code": code_for(device.bin_key)})

        page = client.get(SETUP)

        assert b"Two-factor sign-in is on" in page.content
        assert b"10 unused backup codes" in page.content

    def test_regenerating_backup_codes_replaces_them(self, client, owner):
        device, old_codes = enrolled(owner)
        client.force_login(owner)
        client.post(VERIFY, {"code": old_codes[0]})

        with time_machine.travel(timezone.now() + datetime.timedelta(seconds=31)):
            response = client.post(BACKUP_CODES, {"regenerate-code": code_for(device.bin_key)})
            assert path_of(response) == BACKUP_CODES
        tokens = set(StaticToken.objects.filter(device__user=owner).values_list("token", flat=True))
        assert len(tokens) == 10 and not tokens & set(old_codes)

    def test_disabling_needs_a_current_code(self, client, owner):
        device, codes = enrolled(owner)
        client.force_login(owner)
        client.post(VERIFY, {"code": codes[0]})

        client.post(DISABLE, {"disable-code": "123456" if code_for(device.bin_key) != "123456" else "654321"})
        assert TOTPDevice.objects.filter(user=owner).exists()

        with time_machine.travel(timezone.now() + datetime.timedelta(seconds=31)):
            client.post(DISABLE, {"disable-code": code_for(device.bin_key)})
        assert not TOTPDevice.objects.filter(user=owner).exists()
        assert not StaticDevice.objects.filter(user=owner).exists()


class TestVerification:
    def test_after_the_password_a_user_with_a_device_must_verify(self, client, owner, security_log):
        device, _ = enrolled(owner)

        assert path_of_location(sign_in(client, "owner")) == HOME
        blocked = client.get(reverse("clients:list"))
        assert path_of(blocked) == VERIFY
        assert "next=%2Fclients%2F" in blocked["Location"]

        response = client.post(f"{VERIFY}?next=/clients/", {"code": code_for(device.bin_key)})

        assert response["Location"] == "/clients/"
        assert client.get(reverse("clients:list")).status_code == 200
        assert events(security_log)[-1] == "two_factor_verified"

    def test_sign_out_is_allowed_before_verifying(self, client, owner):
        enrolled(owner)
        sign_in(client, "owner")

        client.post(reverse("accounts:logout"))

        assert path_of(client.get(HOME)) == LOGIN

    def test_a_backup_code_works_once(self, client, owner):
        _, codes = enrolled(owner)
        sign_in(client, "owner")
        assert path_of(client.post(VERIFY, {"code": codes[0].upper()})) == HOME
        client.post(reverse("accounts:logout"))

        sign_in(client, "owner")
        again = client.post(VERIFY, {"code": codes[0]})

        assert again.status_code == 200
        assert b"That code is not right" in again.content
        assert StaticToken.objects.filter(device__user=owner).count() == 9

    def test_a_wrong_code_is_refused_logged_and_throttled(self, client, owner, security_log):
        device, _ = enrolled(owner)
        sign_in(client, "owner")
        with time_machine.travel(timezone.now(), tick=False) as clock:
            right = code_for(device.bin_key)
            wrong = "000000" if right != "000000" else "111111"

            refused = client.post(VERIFY, {"code": wrong})
            assert refused.status_code == 200
            assert b"That code is not right" in refused.content
            # Straight after a failure even the right code waits (1 s, then 2, 4, 8...).
            throttled = client.post(VERIFY, {"code": right})
            assert throttled.status_code == 200
            assert b"Too many wrong codes in a row" in throttled.content
            assert path_of(client.get(HOME)) == VERIFY

            clock.shift(2)
            assert path_of(client.post(VERIFY, {"code": code_for(device.bin_key)})) == HOME

        failures = [line for line in events(security_log) if line == "two_factor_failed"]
        assert len(failures) == 2
        failed = [event for event in security_events(security_log) if event["event"] == "two_factor_failed"]
        assert [event["reason"] for event in failed] == ["wrong_code", "throttled"]
        assert all(right not in json.dumps(event) for event in failed)

    def test_a_used_code_cannot_verify_again(self, client, owner):
        device, _ = enrolled(owner)
        with time_machine.travel(timezone.now(), tick=False):
            code = code_for(device.bin_key)
            sign_in(client, "owner")
            client.post(VERIFY, {"code": code})
            client.post(reverse("accounts:logout"))
            sign_in(client, "owner")

            assert client.post(VERIFY, {"code": code}).status_code == 200


def path_of_location(location: str) -> str:
    return urlparse(location).path


class TestWhoMustUseIt:
    @pytest.mark.parametrize("role", ["supervisor", "admin"])
    def test_supervisors_and_admins_are_sent_to_enrol(self, request, client, role):
        user = request.getfixturevalue(role)
        sign_in(client, user.username)

        response = client.get(HOME)

        assert path_of(response) == SETUP
        assert path_of(client.get(reverse("clients:list"))) == SETUP
        page = client.get(SETUP)
        assert b"Your role requires two-factor sign-in" in page.content

    def test_a_therapist_may_skip_it(self, client, owner):
        sign_in(client, "owner")

        assert client.get(HOME).status_code == 200

    def test_a_practice_may_require_it_of_everyone(self, client, owner, practice):
        practice.require_two_factor_for_all = True
        practice.save()
        sign_in(client, "owner")

        assert path_of(client.get(HOME)) == SETUP

    def test_after_enrolling_the_supervisor_goes_on(self, client, supervisor):
        sign_in(client, "supervisor")
        page = client.get(SETUP)
        secret = re.search(r'id="two-factor-secret">([A-Z2-7 ]+)<', page.content.decode()).group(1)

        client.post(SETUP, {"code": code_for(b32decode(secret.replace(" ", "")))})

        assert client.get(HOME).status_code == 200

    def test_the_demo_switch_lifts_the_requirement_and_says_so(self, client, supervisor, settings):
        settings.TWO_FACTOR_REQUIRED = False

        assert b"Two-factor sign-in is switched off in this demo" in client.get(LOGIN).content
        sign_in(client, "supervisor")
        assert client.get(HOME).status_code == 200

    def test_the_sign_in_page_says_nothing_when_it_is_on(self, client):
        assert b"switched off" not in client.get(LOGIN).content


class TestAdminSite:
    def test_the_admin_site_needs_a_verified_device(self, client, admin):
        device, _ = enrolled(admin)
        client.force_login(admin)
        # Even a session that somehow owes nothing (signed in before two-factor was switched on)
        # does not get in: it is asked for the code at its next request.
        session = client.session
        del session[PENDING]
        session.save()

        response = client.get(reverse("admin:accounts_user_changelist"))
        assert path_of(response) == VERIFY

        client.post(VERIFY, {"code": code_for(device.bin_key)})

        assert client.get(reverse("admin:accounts_user_changelist")).status_code == 200

    def test_a_superuser_always_needs_it(self, client):
        root = UserFactory(username="root", practice=None, is_superuser=True, is_staff=True)
        client.force_login(root)

        assert path_of(client.get(reverse("admin:index"))) == SETUP
