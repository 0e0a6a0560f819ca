"""Layout: the session-log form fits a tablet held upright (768 px) without scrolling sideways."""

from playwright.sync_api import expect


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
