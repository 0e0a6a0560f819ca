"""Issue #17: the client codes a browser walk found accepted at intake are refused, with the reason,
on a desktop screen and on a phone, and the page with the refusal passes axe."""

import re

import pytest
from playwright.sync_api import expect

TERMS = "Sessions last 50 minutes and end on time."
REFUSED = {
    "JOHN-SMITH": "JOHN-SMITH looks like a name (JOHN, SMITH).",
    "MARIA": "MARIA looks like a given name (MARIA).",
    "LOPEZ-M": "LOPEZ-M looks like a family name (LOPEZ).",
    "RS-19850312": "RS-19850312 looks like a date of birth (12 March 1985).",
    "RS-1985-03-12": "RS-1985-03-12 looks like a date of birth (12 March 1985).",
}


@pytest.mark.parametrize("width", [1280, 390], ids=["desktop", "phone"])
def test_identifying_codes_are_refused_at_intake_with_the_reason(signed_in_page, audit, width):
    from clients.models import Client

    clients_before = Client.objects.count()
    page = signed_in_page("dr.chen")
    # After signing in: below Bootstrap's lg breakpoint the navigation folds away, sign-out too.
    page.set_viewport_size({"width": width, "height": 900})
    page.goto("/clients/new/")
    expect(page.get_by_role("heading", name="New client")).to_be_visible()

    for code, reason in REFUSED.items():
        page.get_by_label("Client code").fill(code)
        page.locator("#id_time-terms").fill(TERMS)
        page.get_by_role("button", name="Add client and agreements").click()

        expect(page.get_by_role("alert").first).to_contain_text("nothing has been saved yet")
        expect(page.locator("#id_code")).to_have_class(re.compile(r"\bis-invalid\b"))
        # Under the field, and as a link to it in the error summary.
        feedback = page.locator("#id_code ~ .invalid-feedback, #error_1_id_code")
        expect(feedback.first).to_contain_text(reason)
        expect(feedback.first).to_contain_text("A client code must not identify the client")
        expect(page.get_by_role("link", name=f"Client code: {reason}", exact=False)).to_be_visible()
        expect(page.locator("#id_code")).to_have_value(code)
        expect(page.locator("#id_time-terms")).to_have_value(TERMS)

    audit(page)
    assert Client.objects.count() == clients_before


def test_the_admin_finds_the_stored_codes_to_correct_from_the_settings(signed_in_page, audit):
    from clients.models import Client

    chen_client = Client.objects.filter(therapist__username="dr.chen").first()
    Client.objects.filter(pk=chen_client.pk).update(code="RS-19850312")  # stored before the check
    page = signed_in_page("admin")
    page.goto("/practice/settings/")
    page.get_by_role("link", name="See the client codes to correct").click()

    expect(page.get_by_role("heading", name="Client codes to correct")).to_be_visible()
    row = page.get_by_role("row", name=re.compile("RS-19850312"))
    expect(row).to_contain_text("looks like a date of birth (12 March 1985)")
    expect(row).to_contain_text(str(chen_client.therapist))
    audit(page)
    row.get_by_role("link", name="RS-19850312").click()
    expect(page.get_by_role("heading", name="Client RS-19850312")).to_be_visible()
