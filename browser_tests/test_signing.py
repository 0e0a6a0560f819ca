"""The client acknowledges the whole sheet on the therapist's screen, which the signing mode holds.

dr.chen opens a client whose sheet needs an acknowledgement and hands the screen over. The page
shows the agreements, a signature pad and the initials box, nothing else: the home page sends
back to it. The client signs with the mouse (a finger on a phone), types initials and signs; the
screen stays locked until dr.chen's password, a wrong one refused. One acknowledgement is
recorded, covering every active agreement. At 1280 px and at 390 px.
"""

import pytest
from playwright.sync_api import expect

from boundaries.models import Acknowledgement, AcknowledgementMethod, BoundaryAgreement
from browser_tests.conftest import DEMO_PASSWORD

WIDTHS = [1280, 390]


def _needing_acknowledgement(clients):
    for client in clients:
        sheet = BoundaryAgreement.objects.filter(client=client).active().with_acknowledgement()
        if sheet and any(agreement.acknowledged_on is None for agreement in sheet):
            return client, list(sheet)
    raise AssertionError("the demo has no client of dr.chen whose sheet needs an acknowledgement")


def _sign(page):
    pad = page.locator("#signature-pad")
    pad.scroll_into_view_if_needed()
    box = pad.bounding_box()
    page.mouse.move(box["x"] + 20, box["y"] + box["height"] * 0.7)
    page.mouse.down()
    for step in range(1, 9):
        page.mouse.move(
            box["x"] + 20 + step * box["width"] / 12, box["y"] + box["height"] * (0.3 + 0.4 * (step % 2))
        )
    page.mouse.up()


@pytest.mark.parametrize("width", WIDTHS)
def test_the_signing_mode_records_one_acknowledgement_and_needs_the_password_to_leave(
    signed_in_page, chen_clients, audit, width
):
    client, sheet = _needing_acknowledgement(chen_clients)
    before = Acknowledgement.objects.filter(client=client).count()
    page = signed_in_page("dr.chen")
    page.set_viewport_size({"width": width, "height": 900})
    page.goto(client.get_absolute_url())
    page.get_by_role("link", name="Record the client's acknowledgement").click()
    expect(page.get_by_role("heading", name="The client's acknowledgement of the sheet")).to_be_visible()
    audit(page)
    page.get_by_role("button", name="Hand the screen to the client").click()

    expect(page.get_by_role("heading", name="Your boundary agreement")).to_be_visible()
    expect(page.get_by_role("navigation", name="Main")).to_have_count(0)
    for agreement in sheet:
        expect(page.get_by_text(agreement.terms.split(".")[0], exact=False).first).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    audit(page)
    # Nothing else opens while the client holds the screen.
    page.goto("/")
    expect(page.get_by_role("heading", name="Your boundary agreement")).to_be_visible()

    # Signing without drawing is refused; then drawn, with initials.
    page.get_by_label("Your initials").fill("J.D.")
    page.get_by_role("button", name="Sign the agreement").click()
    expect(page.get_by_text("The client has not signed")).to_be_visible()
    _sign(page)
    page.get_by_label("Your initials").fill("J.D.")
    page.get_by_role("button", name="Sign the agreement").click()
    expect(page.get_by_role("heading", name="Thank you")).to_be_visible()
    audit(page)

    # Still held: a wrong password keeps the mode on, the right one ends it.
    page.get_by_label("Therapist's password").fill("not-the-password")
    page.get_by_role("button", name="Leave the signing mode").click()
    expect(page.get_by_text("The signing mode stays on")).to_be_visible()
    page.goto("/")
    expect(page.get_by_role("heading", name="Thank you")).to_be_visible()
    page.get_by_label("Therapist's password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Leave the signing mode").click()
    expect(page.get_by_role("heading", name="The client's acknowledgement")).to_be_visible()
    expect(page.get_by_role("img", name="The client's signature")).to_be_visible()
    audit(page)

    acknowledgements = Acknowledgement.objects.filter(client=client)
    assert acknowledgements.count() == before + 1
    latest = acknowledgements.latest("recorded_at")
    assert latest.method == AcknowledgementMethod.ON_SCREEN
    assert latest.initials == "J.D."
    assert set(latest.versions.values_list("pk", flat=True)) == {agreement.pk for agreement in sheet}
    page.goto("/")
    expect(page.get_by_role("heading", name="Good to see you, Mei")).to_be_visible()
