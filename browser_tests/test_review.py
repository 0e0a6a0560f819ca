"""Journey 3, review: the supervisor opens the queue and a flag, decides; the therapist sees it."""

import re

from playwright.sync_api import expect

from accounts.models import User
from supervision.models import Flag

CHARTS_LOADED = "!document.querySelector('canvas[data-chart]') || Boolean(window.Chart)"
HISTORY = "Decisions and history"
COMMENT = "Seen. Let us talk this through at Thursday's supervision."


def test_supervisor_acknowledges_a_flag_and_the_therapist_sees_it(signed_in_page, audit):
    chen = User.objects.get(username="dr.chen")
    supervisor = signed_in_page("sup.rivera")
    audit(supervisor)  # the supervisor's home
    supervisor.get_by_role("link", name="Flag queue").click()
    expect(supervisor.get_by_role("heading", name="Review queue")).to_be_visible()
    supervisor.wait_for_function(CHARTS_LOADED)
    audit(supervisor)

    supervisor.get_by_label("Therapist", exact=True).select_option(label=str(chen))
    supervisor.get_by_label("Status", exact=True).select_option(label="Open")
    supervisor.get_by_role("button", name="Apply").click()
    flags = supervisor.get_by_role("table").filter(has_text="Acknowledge by")
    expect(flags.locator("tbody tr").first).to_contain_text(str(chen))
    audit(supervisor)
    flags.locator("tbody tr").first.locator("th").get_by_role("link").click()
    expect(supervisor.get_by_role("heading", name="Why this flag")).to_be_visible()
    flag = Flag.objects.get(pk=int(re.search(r"/flags/(\d+)/", supervisor.url)[1]))
    assert flag.therapist == chen
    audit(supervisor)

    # Every decision form of the page, unfolded, passes the audit too.
    for summary in supervisor.locator("#decide details:not([open]) > summary").all():
        summary.click()
    audit(supervisor)

    acknowledge = supervisor.locator("#action-acknowledge")
    acknowledge.get_by_label("Comment").fill(COMMENT)
    acknowledge.get_by_role("button", name="Acknowledge").click()
    expect(supervisor.get_by_text("Status: Acknowledged")).to_be_visible()
    history = supervisor.locator("section", has=supervisor.get_by_role("heading", name=HISTORY))
    expect(history).to_contain_text(COMMENT)
    audit(supervisor)

    therapist = signed_in_page("dr.chen")
    audit(therapist)  # the therapist's home
    flag_link = therapist.locator(f'a[href="{flag.get_absolute_url()}"]')
    expect(flag_link.first).to_be_visible()
    expect(therapist.locator("li", has=flag_link).first).to_contain_text("acknowledged")
    flag_link.first.click()
    expect(therapist.get_by_text("Status: Acknowledged")).to_be_visible()
    history = therapist.locator("section", has=therapist.get_by_role("heading", name=HISTORY))
    expect(history).to_contain_text("Acknowledged")
    expect(history).to_contain_text(COMMENT)
    expect(therapist.get_by_role("heading", name="Decide")).to_have_count(0)
    audit(therapist)
