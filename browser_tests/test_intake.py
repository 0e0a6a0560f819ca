"""Journey 1, intake: a client with an agreement in each core category, the printable agreement and
its PDF, then the client's acknowledgement recorded."""

import re
from pathlib import Path

from playwright.sync_api import expect

CORE_TERMS = {
    "time": "Sessions last 50 minutes and end on time.",
    "physical": "A handshake at the first and last session only.",
    "disclosure": "The therapist shares personal details only when it serves the work.",
    "dual_relationship": "No contact at the shared gym beyond a greeting.",
}


def test_intake_with_four_agreements_then_printable_agreement_and_pdf(signed_in_page, audit):
    page = signed_in_page("dr.chen")
    audit(page)  # the therapist's home
    page.get_by_role("link", name="New client").first.click()
    expect(page.get_by_role("heading", name="New client")).to_be_visible()
    audit(page)

    # A bad code first: the page comes back with the error marked and the typing kept.
    page.get_by_label("Client code").fill("Jane Doe")
    page.locator("#id_time-terms").fill(CORE_TERMS["time"])
    page.get_by_role("button", name="Add client and agreements").click()
    expect(page.get_by_role("alert")).to_contain_text("nothing has been saved yet")
    expect(page.locator("#id_code")).to_have_class(re.compile(r"\bis-invalid\b"))
    expect(page.locator("#id_time-terms")).to_have_value(CORE_TERMS["time"])
    audit(page)

    page.get_by_label("Client code").fill("BT-0001")
    for category, terms in CORE_TERMS.items():
        page.locator(f"#id_{category}-terms").fill(terms)
    page.get_by_role("button", name="Add client and agreements").click()
    expect(page.get_by_role("status").first).to_contain_text("Client BT-0001 added with 4 agreements.")
    expect(page.get_by_role("heading", name="Client BT-0001")).to_be_visible()
    audit(page)

    page.get_by_role("link", name="Printable agreement").click()
    expect(page.get_by_role("heading", name="Boundary agreement")).to_be_visible()
    for terms in CORE_TERMS.values():
        expect(page.get_by_text(terms)).to_be_visible()
    audit(page)

    with page.expect_download() as download_info:
        page.get_by_role("link", name="Download PDF").click()
    download = download_info.value
    assert download.suggested_filename == "agreement-BT-0001.pdf"
    assert Path(download.path()).read_bytes().startswith(b"%PDF")

    pdf_url = page.get_by_role("link", name="Download PDF").get_attribute("href")
    response = page.request.get(pdf_url)
    assert response.status == 200
    assert response.headers["content-type"] == "application/pdf"
    assert response.body()[:4] == b"%PDF"

    # Signed on paper: the therapist records the acknowledgement of one agreement.
    page.get_by_role("link", name="Back to client BT-0001").click()
    page.get_by_role("link", name="Time", exact=True).click()
    expect(page.get_by_role("heading", name="Time agreement")).to_be_visible()
    audit(page)
    page.get_by_role("link", name="Record the client's acknowledgement").click()
    audit(page)
    page.get_by_role("button", name="Record acknowledgement").click()
    expect(page.get_by_role("status").first).to_contain_text("The client's acknowledgement was recorded.")
    expect(page.get_by_role("link", name="Record the client's acknowledgement")).to_have_count(0)
    audit(page)

    page.get_by_role("link", name="Client BT-0001").click()
    page.get_by_role("link", name="Timeline").click()
    expect(page.get_by_role("heading", name="Timeline")).to_be_visible()
    audit(page)


def test_sign_in_with_a_wrong_password_then_the_right_one(open_page, demo, audit):
    page = open_page()
    page.goto("/")
    expect(page).to_have_url(re.compile(r"/accounts/login/"))
    audit(page)
    page.get_by_label("Username").fill("dr.chen")
    page.get_by_label("Password").fill("not-the-password")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_text("do not match an active account")).to_be_visible()
    audit(page)
    page.get_by_label("Password").fill("alliance-demo")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Good to see you, Mei")).to_be_visible()
