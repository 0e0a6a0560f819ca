"""Journey 2, after a session: log it with incidents, sign it with the attestation, fail to edit it,
add an addendum; on a desk's screen and on a phone's."""

import re

import pytest
from playwright.sync_api import Page, expect

from sessions_log.models import ATTESTATION, EntryStatus, Session

SIGNED_REFUSAL = "This session is signed and locked: it cannot be edited."
VIEWPORTS = {"desktop": {"width": 1280, "height": 900}, "phone": {"width": 390, "height": 844}}
NO_OVERFLOW = "() => document.documentElement.scrollWidth <= document.documentElement.clientWidth"


def test_log_sign_refuse_edit_and_add_addendum(signed_in_page, chen_clients, audit):
    client = chen_clients[0]
    page = signed_in_page("dr.chen")
    page.goto(client.get_absolute_url())
    page.get_by_role("link", name="Log session").click()
    expect(page.get_by_role("heading", name=f"Log a session with {client.code}")).to_be_visible()
    audit(page)

    # Submitted without a description: the incident's error shows and nothing is saved.
    page.locator("#id_incidents-0-category").select_option(label="Physical contact and space")
    page.get_by_role("button", name="Save draft").click()
    expect(page.get_by_role("alert").first).to_contain_text("nothing has been saved yet")
    expect(page.locator("#id_incidents-0-description")).to_have_class(re.compile(r"\bis-invalid\b"))
    audit(page)

    page.locator("#id_incidents-0-initiated_by").select_option(label="Client")
    page.locator("#id_incidents-0-provisional_classification").select_option(label="Crossing")
    page.locator("#id_incidents-0-description").fill("The client hugged the therapist on leaving.")
    page.get_by_role("button", name="Save draft").click()
    expect(page.get_by_role("status").first).to_contain_text("Session saved as a draft with 1 incident.")
    expect(page.get_by_role("heading", name="Incidents in this session")).to_be_visible()
    expect(page.get_by_text("The client hugged the therapist on leaving.")).to_be_visible()
    audit(page)
    session_url = page.url

    page.get_by_label(ATTESTATION).check()
    page.get_by_role("button", name="Sign and lock").click()
    expect(page.get_by_role("status").first).to_contain_text("Session signed and locked with 1 incident.")
    expect(page.get_by_role("link", name="Edit", exact=True)).to_have_count(0)
    audit(page)

    # The edit address of a signed session refuses and sends the therapist back.
    page.goto(session_url + "edit/")
    expect(page).to_have_url(session_url)
    expect(page.get_by_role("alert")).to_contain_text(SIGNED_REFUSAL)
    audit(page)

    page.get_by_role("link", name="Add addendum").click()
    expect(page.get_by_role("heading", name="Add an addendum")).to_be_visible()
    audit(page)
    page.get_by_role("button", name="Add addendum").click()  # empty: both fields are required
    expect(page.locator("#id_text")).to_have_class(re.compile(r"\bis-invalid\b"))
    audit(page)
    page.locator("#id_text").fill("The hug was brief and the client initiated it at the door.")
    page.locator("#id_reason").fill("A detail remembered later.")
    page.get_by_role("button", name="Add addendum").click()
    expect(page.get_by_role("status").first).to_contain_text("Addendum added.")
    addenda = page.locator("section", has=page.get_by_role("heading", name="Addenda", exact=True))
    expect(addenda).to_contain_text("The hug was brief and the client initiated it at the door.")
    expect(addenda).to_contain_text("reason: A detail remembered later.")
    audit(page)


def fill_incident(page: Page, index: int, *, category: str, description: str) -> None:
    page.locator(f"#id_incidents-{index}-category").select_option(label=category)
    page.locator(f"#id_incidents-{index}-initiated_by").select_option(label="Client")
    page.locator(f"#id_incidents-{index}-provisional_classification").select_option(label="Crossing")
    page.locator(f"#id_incidents-{index}-description").fill(description)


def assert_fits(page: Page, width: int) -> None:
    """No sideways scrolling, and the form's buttons inside the screen."""
    assert page.evaluate(NO_OVERFLOW), page.evaluate("() => document.documentElement.scrollWidth")
    for name in ("Save draft", "Add another incident"):
        box = page.get_by_role("button", name=name).bounding_box()
        assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= width, (name, box)


@pytest.mark.parametrize("viewport", VIEWPORTS.values(), ids=VIEWPORTS)
def test_two_incidents_added_in_the_page_then_saved_and_signed_with_the_attestation(
    signed_in_page, chen_clients, audit, viewport
):
    client = chen_clients[2]
    page = signed_in_page("dr.chen")
    # Sized once signed in: below 768 px the navigation, and the sign-in check's "Sign out", fold away.
    page.set_viewport_size(viewport)
    page.goto(client.get_absolute_url())
    page.get_by_role("link", name="Log session").click()
    expect(page.get_by_role("heading", name=f"Log a session with {client.code}")).to_be_visible()
    assert_fits(page, viewport["width"])
    audit(page)

    # Adding an incident is the page's own: no request, no reload (the marker survives), no error.
    requests = []
    page.on("request", lambda request: requests.append(request.url))
    page.evaluate("window.__marker = 1")
    add = page.get_by_role("button", name="Add another incident")
    add.click()
    expect(page.locator("#id_incidents-1-category")).to_be_focused()
    add.click()
    expect(page.locator("#id_incidents-2-category")).to_be_focused()
    assert page.evaluate("window.__marker") == 1
    assert requests == []
    expect(page.get_by_role("alert")).to_have_count(0)
    expect(page.locator(".is-invalid, .invalid-feedback")).to_have_count(0)
    expect(page.locator("#id_incidents-TOTAL_FORMS")).to_have_value("3")
    expect(page.get_by_text("Incident 3", exact=True)).to_be_visible()
    # The owner offered on the new incidents is the session's therapist, as on the first.
    owner = page.locator("#id_incidents-0-follow_up_owner").input_value()
    expect(page.locator("#id_incidents-2-follow_up_owner")).to_have_value(owner)
    assert_fits(page, viewport["width"])
    audit(page)

    # The first incident is left as offered: ignored on saving, with no error.
    fill_incident(page, 1, category="Gifts, fees and money", description="The client offered a small gift.")
    fill_incident(page, 2, category="Online and social media", description="A friend request, declined.")
    page.get_by_role("button", name="Save draft").click()
    expect(page.get_by_role("status").first).to_contain_text("Session saved as a draft with 2 incidents.")
    assert page.evaluate(NO_OVERFLOW)
    audit(page)
    session = Session.objects.get(pk=int(re.search(r"/sessions/(\d+)/$", page.url).group(1)))

    # Signing asks for the attestation: without it, refused and nothing signed.
    page.get_by_role("button", name="Sign and lock").click()
    expect(page.get_by_role("alert").first).to_contain_text("nothing was signed")
    session.refresh_from_db()
    assert session.status == EntryStatus.DRAFT
    page.get_by_label(ATTESTATION).check()
    page.get_by_role("button", name="Sign and lock").click()
    expect(page.get_by_role("status").first).to_contain_text("Session signed and locked with 2 incidents.")
    expect(page.get_by_text(f"Attested at signing: “{ATTESTATION}”")).to_be_visible()
    assert page.evaluate(NO_OVERFLOW)
    audit(page)

    session.refresh_from_db()
    incidents = list(session.incidents.order_by("pk"))
    assert [incident.description for incident in incidents] == [
        "The client offered a small gift.",
        "A friend request, declined.",
    ]
    assert session.status == EntryStatus.SIGNED
    assert session.signature_attestation == ATTESTATION
    assert {(incident.status, incident.signature_attestation) for incident in incidents} == {
        (EntryStatus.SIGNED, ATTESTATION)
    }
