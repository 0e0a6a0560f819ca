"""Journey 1, intake: a client with an agreement in each core category, the printable agreement and
its PDF, then the client's acknowledgement recorded; an intake started from the practice's standard
wordings, which its admin keeps; Enter that sends nothing, and a page sent empty that asks first."""

import re
from pathlib import Path

import pytest
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

    # Signed on paper: the therapist attaches the scan, one acknowledgement for the whole sheet.
    page.get_by_role("link", name="Back to client BT-0001").click()
    page.get_by_role("link", name="Time", exact=True).click()
    expect(page.get_by_role("heading", name="Time agreement")).to_be_visible()
    expect(page.get_by_text("needs an acknowledgement")).to_be_visible()
    audit(page)
    page.get_by_role("link", name="Record the client's acknowledgement of the sheet").click()
    expect(page.get_by_role("heading", name="The client's acknowledgement of the sheet")).to_be_visible()
    audit(page)
    page.get_by_label("Scan of the signed sheet").set_input_files(
        {
            "name": "signed-sheet.pdf",
            "mimeType": "application/pdf",
            "buffer": Path(download.path()).read_bytes(),
        }
    )
    page.get_by_role("button", name="Record the acknowledgement").click()
    expect(page.get_by_role("status").first).to_contain_text(
        "The acknowledgement of 4 agreements was recorded."
    )
    expect(page.get_by_role("heading", name="The client's acknowledgement")).to_be_visible()
    expect(page.get_by_role("link", name="Download the scan")).to_be_visible()
    audit(page)
    scan = page.request.get(page.get_by_role("link", name="Download the scan").get_attribute("href"))
    assert scan.body() == Path(download.path()).read_bytes()

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


# The demo practice's standard wordings (demo/cases.py STANDARD_WORDINGS).
LATE_START = "Sessions last 50 minutes and start on time; a late start is not made up at the end."
HANDSHAKE = "A handshake at the first and last session only; otherwise no physical contact."


@pytest.mark.parametrize("width", [1280, 390], ids=["desktop", "phone"])
def test_intake_with_a_library_wording(signed_in_page, audit, width):
    from clients.models import Client

    code = f"WD-{width:04d}"
    page = signed_in_page("dr.chen")
    page.set_viewport_size({"width": width, "height": 900})
    page.goto("/clients/new/")
    expect(page.locator("#id_code")).to_be_focused()
    audit(page)

    # The time section starts from a standard wording, then adapted.
    page.locator("#id_time-wording").select_option(label="50 minutes, a late start is not made up")
    expect(page.locator("#id_time-terms")).to_have_value(LATE_START)
    expect(page.get_by_role("status").filter(has_text="standard wording")).to_contain_text(
        "The agreed terms now read as the standard wording"
    )
    page.locator("#id_time-terms").press("End")
    page.keyboard.type(" The last ten minutes are for planning the week.")
    # Terms typed by hand are replaced only once the therapist says so.
    page.locator("#id_physical-terms").fill("Typed before choosing.")
    page.once("dialog", lambda dialog: dialog.accept())
    page.locator("#id_physical-wording").select_option(label="Handshake only")
    expect(page.locator("#id_physical-terms")).to_have_value(HANDSHAKE)

    # A bad code first: the error summary takes the focus and links to the field; nothing is lost.
    page.get_by_label("Client code").fill("Jane Doe")
    page.get_by_role("button", name="Add client and agreements").click()
    summary = page.locator("#error-summary")
    expect(summary).to_be_focused()
    expect(summary).to_contain_text("nothing has been saved yet")
    expect(page.locator("#id_time-terms")).to_have_value(
        LATE_START + " The last ten minutes are for planning the week."
    )
    expect(page.locator("#id_physical-terms")).to_have_value(HANDSHAKE)
    expect(page.locator("#id_time-wording option:checked")).to_have_text(
        "50 minutes, a late start is not made up"
    )
    audit(page)  # with the errors shown
    summary.get_by_role("link", name=re.compile(r"^Client code:")).click()
    expect(page.locator("#id_code")).to_be_focused()

    page.keyboard.press("ControlOrMeta+a")
    page.keyboard.type(code)
    page.get_by_role("button", name="Add client and agreements").click()
    expect(page.get_by_role("status").first).to_contain_text(f"Client {code} added with 2 agreements.")
    created = Client.objects.get(code=code)
    assert created.agreements.get(category="time").terms == (
        LATE_START + " The last ten minutes are for planning the week."
    )
    assert created.agreements.get(category="physical").terms == HANDSHAKE


def test_enter_in_the_code_field_sends_nothing_and_an_empty_page_asks_first(signed_in_page, audit):
    from clients.models import Client

    before = Client.objects.count()
    page = signed_in_page("dr.chen")
    page.goto("/clients/new/")
    posts = []
    page.on("request", lambda request: posts.append(request.url) if request.method == "POST" else None)

    page.get_by_label("Client code").fill("EN-0001")
    page.get_by_label("Client code").press("Enter")
    page.wait_for_timeout(500)  # long enough for a form to be sent, had it been
    assert posts == []
    expect(page).to_have_url(re.compile(r"/clients/new/$"))

    # Sent with no section filled in: a question, not an error.
    page.get_by_role("button", name="Add client and agreements").click()
    notice = page.locator("#no-agreements")
    expect(notice).to_be_focused()
    expect(notice).to_contain_text("No boundary section is filled in.")
    expect(page.get_by_role("alert")).to_have_count(0)
    expect(page.locator("#id_code")).to_have_value("EN-0001")
    audit(page)
    assert Client.objects.count() == before
    notice.get_by_role("button", name="Add the client without agreements").click()
    expect(page.get_by_role("status").first).to_contain_text("Client EN-0001 added without agreements")
    assert not Client.objects.get(code="EN-0001").agreements.exists()


def test_the_practice_admin_keeps_the_wording_library(signed_in_page, audit):
    page = signed_in_page("admin")
    page.get_by_role("link", name="Practice settings").click()
    page.get_by_role("link", name="standard agreement wordings").click()
    expect(page.get_by_role("heading", name="Standard agreement wordings")).to_be_visible()
    expect(page.get_by_role("link", name="Handshake only")).to_be_visible()
    audit(page)

    page.get_by_role("link", name="Add a wording for contact outside sessions").click()
    expect(page.locator("#id_category")).to_have_value("communication")
    page.get_by_role("button", name="Save wording").click()
    expect(page.get_by_text("Give the wording a short title.")).to_be_visible()
    audit(page)  # with the errors shown
    page.get_by_label("Title").fill("Messages after hours")
    page.get_by_label("Standard terms").fill("Messages sent after 18:00 are read the next working day.")
    page.get_by_role("button", name="Save wording").click()
    expect(page.get_by_role("status").first).to_contain_text("“Messages after hours” added")

    page.get_by_role("link", name="Messages after hours").click()
    audit(page)
    page.get_by_role("button", name="Remove from the library").click()
    expect(page.get_by_role("status").first).to_contain_text(
        "“Messages after hours” removed from the library"
    )
    expect(page.get_by_role("link", name="Messages after hours")).to_have_count(0)
