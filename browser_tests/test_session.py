"""Journey 2, after a session: log it with an incident, sign it, fail to edit it, add an addendum."""

import re

from playwright.sync_api import expect

SIGNED_REFUSAL = "This session is signed and locked: it cannot be edited."


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
