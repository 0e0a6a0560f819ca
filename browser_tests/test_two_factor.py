"""Two-factor sign-in in the browser: a supervisor enrols an authenticator app, then signs in with it.

The authenticator app is played by the test: it reads the key off the enrolment page and computes
the codes with django-otp's TOTP.
"""

import re
from base64 import b32decode

import pytest
from django_otp.oath import totp
from playwright.sync_api import expect

from browser_tests.conftest import DEMO_PASSWORD


@pytest.fixture
def supervisor_account(transactional_db, live_server, settings):
    """A supervisor of a fresh practice, committed so the live server's thread sees it."""
    from accounts.tests.factories import SupervisorFactory

    settings.TWO_FACTOR_REQUIRED = True
    return SupervisorFactory(username="sup.browser", password=DEMO_PASSWORD)


def sign_in_with_password(page, username: str) -> None:
    page.goto("/accounts/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Sign in").click()


def test_enrol_then_sign_in_with_a_code(supervisor_account, open_page, audit):
    page = open_page()
    sign_in_with_password(page, "sup.browser")

    # The role requires two-factor: the password alone leads to enrolment, and nowhere else.
    expect(page.get_by_role("heading", name="Set up two-factor sign-in")).to_be_visible()
    expect(page.get_by_text("Your role requires two-factor sign-in")).to_be_visible()
    expect(page.get_by_role("img", name="QR code that adds Alliance to an authenticator app")).to_be_visible()
    audit(page)
    page.goto("/clients/")
    expect(page.get_by_role("heading", name="Set up two-factor sign-in")).to_be_visible()

    page.get_by_label("Code").fill("12345")
    page.get_by_role("button", name="Turn on two-factor sign-in").click()
    expect(page.locator("#id_code")).to_have_class(re.compile(r"\bis-invalid\b"))
    audit(page)

    key = b32decode(page.locator("#two-factor-secret").inner_text().replace(" ", ""))
    page.get_by_label("Code").fill(f"{totp(key):06d}")
    page.get_by_role("button", name="Turn on two-factor sign-in").click()
    expect(page.get_by_role("heading", name="Your backup codes")).to_be_visible()
    expect(page.locator(".backup-codes li")).to_have_count(10)
    audit(page)
    page.get_by_role("link", name="I have kept them, continue").click()
    expect(page).to_have_url(re.compile(r"/$"))
    audit(page)
    page.get_by_role("button", name="Sign out").click()

    # The next sign-in asks for a code after the password.
    sign_in_with_password(page, "sup.browser")
    expect(page.get_by_role("heading", name="Enter your sign-in code")).to_be_visible()
    audit(page)
    # A wrong backup code is refused (and throttles the backup codes, not the app).
    page.get_by_label("Code").fill("notacode")
    page.get_by_role("button", name="Verify").click()
    expect(page.locator("#id_code")).to_have_class(re.compile(r"\bis-invalid\b"))
    audit(page)
    # The enrolment's code may not be used again: the app's next one, which the server accepts
    # as within one step of clock drift.
    page.get_by_label("Code").fill(f"{totp(key, drift=1):06d}")
    page.get_by_role("button", name="Verify").click()
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()
    expect(page.get_by_role("heading", name="Enter your sign-in code")).to_have_count(0)

    page.goto("/accounts/two-factor/")
    expect(page.get_by_role("heading", name="Two-factor sign-in is on")).to_be_visible()
    audit(page)
