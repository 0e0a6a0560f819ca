"""Layout: the session-log form fits a tablet held upright (768 px), and each home page a phone
(390 px), without scrolling sideways."""

import pytest
from playwright.sync_api import Page, expect

PHONE = {"width": 390, "height": 844}

# Whether a table's scroller (.table-responsive) has anything out of sight to the side.
SCROLLERS_HIDING = """() => [...document.querySelectorAll(".table-responsive")]
    .filter((scroller) => scroller.scrollWidth > scroller.clientWidth)
    .map((scroller) => scroller.querySelector("table")?.id || scroller.outerHTML.slice(0, 80))"""


def on_phone(page: Page, path: str = "/") -> None:
    # Signed in at the default size first: the sign-in fixture reads the expanded menu.
    page.set_viewport_size(PHONE)
    page.goto(path)
    page.wait_for_load_state("load")
    assert page.evaluate("() => document.documentElement.scrollWidth") <= PHONE["width"]
    assert page.evaluate(SCROLLERS_HIDING) == []


def test_session_form_at_768_px_has_no_horizontal_scroll(signed_in_page, chen_clients, audit):
    client = chen_clients[0]
    page = signed_in_page("dr.chen", viewport={"width": 768, "height": 1024})
    page.goto(f"/clients/{client.pk}/sessions/new/")
    expect(page.get_by_role("heading", name=f"Log a session with {client.code}")).to_be_visible()
    # With errors too: the messages under the fields must not widen the page either.
    page.get_by_role("button", name="Add another incident").click()
    page.locator("#id_incidents-0-category").select_option(label="Online and social media")
    page.get_by_role("button", name="Save draft").click()
    expect(page.get_by_role("alert").first).to_contain_text("nothing has been saved yet")

    widths = page.evaluate(
        "() => ({scroll: document.documentElement.scrollWidth, client: document.documentElement.clientWidth})"
    )
    assert widths["client"] <= 768
    assert widths["scroll"] <= widths["client"], widths
    audit(page)


def test_therapist_home_at_390_px_shows_every_log_session_button_whole(signed_in_page, chen_clients, audit):
    page = signed_in_page("dr.chen")
    on_phone(page)

    buttons = page.get_by_role("link", name="Log session for")
    expect(buttons.first).to_be_visible()
    assert buttons.count() == sum(1 for client in chen_clients if client.archived_at is None)
    for button in buttons.all():
        box = button.bounding_box()
        assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"], box
        assert box["height"] >= 24  # a target a finger can hit (WCAG 2.5.8)
    audit(page)


@pytest.mark.parametrize("username", ["sup.rivera", "admin"])
def test_supervisor_and_admin_homes_fit_390_px(signed_in_page, username, audit):
    page = signed_in_page(username)
    on_phone(page)
    audit(page)
