"""The intake and session forms filled in and sent with the keyboard alone: Tab, typing, Enter."""

from playwright.sync_api import Locator, Page, expect

from clients.models import Client

MAX_TABS = 150
# The presses of Tab the intake journey below took before issue #17 (each date field four stops
# in Chromium, every section's dates in the way): it must now take fewer than half.
INTAKE_TABS_BEFORE = 69


def tab_to(page: Page, target: str | Locator) -> int:
    """Press Tab until ``target`` (a CSS selector or a locator) has the focus, and return how many
    presses it took (none if it has the focus already); fail if it never does."""
    element = page.locator(target) if isinstance(target, str) else target
    for presses in range(MAX_TABS + 1):
        if element.evaluate("(element) => element === document.activeElement"):
            return presses
        page.keyboard.press("Tab")
    raise AssertionError(f"{target} was not reached with {MAX_TABS} presses of Tab")


def test_intake_by_keyboard(signed_in_page):
    page = signed_in_page("dr.chen")
    page.goto("/clients/new/")
    expect(page.locator("#id_code")).to_be_focused()  # a new intake starts there
    tabs = tab_to(page, "#id_code")
    page.keyboard.type("KB-0001")
    tabs += tab_to(page, "#id_setting")
    page.keyboard.type("Telehealth")  # type-ahead in a closed select picks the option
    expect(page.locator("#id_setting")).to_have_value("telehealth")
    for category in ("time", "physical"):
        tabs += tab_to(page, f"#id_{category}-terms")
        page.keyboard.type(f"Agreed {category} terms, typed by keyboard.")
    tabs += tab_to(page, "#id_physical-proposed_by")
    page.keyboard.type("Client")
    expect(page.locator("#id_physical-proposed_by")).to_have_value("client")
    tabs += tab_to(page, page.get_by_role("button", name="Add client and agreements"))
    page.keyboard.press("Enter")

    expect(page.get_by_role("status").first).to_contain_text("Client KB-0001 added with 2 agreements.")
    client = Client.objects.get(code="KB-0001")
    assert client.setting == "telehealth"
    assert client.agreements.get(category="physical").proposed_by == "client"
    assert tabs < INTAKE_TABS_BEFORE / 2, f"{tabs} presses of Tab"


def test_session_log_by_keyboard(signed_in_page, chen_clients):
    client = chen_clients[1]
    page = signed_in_page("dr.chen")
    page.goto(client.get_absolute_url())
    tab_to(page, page.get_by_role("link", name="Log session"))
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name=f"Log a session with {client.code}")).to_be_visible()

    tab_to(page, "#id_incidents-0-category")
    page.keyboard.type("Gifts")
    tab_to(page, "#id_incidents-0-initiated_by")
    page.keyboard.type("Client")
    tab_to(page, "#id_incidents-0-provisional_classification")
    page.keyboard.type("Crossing")
    tab_to(page, "#id_incidents-0-description")
    page.keyboard.type("The client offered a small gift; the therapist thanked them and declined it.")
    tab_to(page, page.get_by_role("button", name="Save draft"))
    page.keyboard.press("Enter")

    expect(page.get_by_role("status").first).to_contain_text("Session saved as a draft with 1 incident.")
    incident = client.incidents.get(description__startswith="The client offered a small gift")
    assert (incident.category, incident.initiated_by, incident.provisional_classification) == (
        "gifts_money",
        "client",
        "crossing",
    )
    assert incident.session is not None
