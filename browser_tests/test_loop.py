"""Journey 4, the loop closes: a return answered by an addendum, a corrective plan carried out, a reply.

The supervisor returns an entry of one flag and resolves another with a two-item plan; the
therapist finds the request on the entry, answers it with an addendum, finds the resolved flag
and its plan from the client's page, marks one item done and replies; the supervisor sees the
answer, the reply and the done item.
"""

import datetime

from django.utils import timezone
from playwright.sync_api import expect

from sessions_log.models import Incident
from supervision.models import Flag, FlagStatus

REQUEST = "Say what the client was told about the contact agreement afterwards."
ANSWER = "Afterwards I restated the agreement: no touch, and a spoken pause signal instead."
PLAN = (
    "Restate the physical-contact agreement with the client",
    "Bring the case to the next supervision meeting",
)
RETURNED_TO_ME = "Returned to me for revision"
DONE_NOTE = "Restated at the session on Tuesday; the client agreed."
REPLY = "Thank you. The agreement is restated; I will bring the case on Thursday."


def _two_open_flags_of_chen() -> tuple[Flag, Flag]:
    """An open flag of dr.chen with a signed incident to return, and another on another client."""
    open_flags = Flag.objects.filter(
        therapist__username="dr.chen",
        status__in=[FlagStatus.OPEN, FlagStatus.ACKNOWLEDGED],
        client__isnull=False,
    ).order_by("pk")
    to_return = next(flag for flag in open_flags if flag.incidents.filter(status="signed").exists())
    to_resolve = open_flags.exclude(client=to_return.client).first()
    return to_return, to_resolve


def _section(page, heading: str):
    return page.locator("section", has=page.get_by_role("heading", name=heading))


def _decide(page, action: str):
    section = page.locator(f"#action-{action}")
    if section.get_attribute("open") is None:
        section.locator("summary").click()
    return section


def test_the_loop_closes(signed_in_page, audit):
    to_return, to_resolve = _two_open_flags_of_chen()
    incident = to_return.incidents.filter(status="signed").order_by("occurred_at").first()
    week = timezone.localdate() + datetime.timedelta(days=7)

    # The supervisor returns a signed incident of one flag for revision...
    supervisor = signed_in_page("sup.rivera")
    supervisor.goto(to_return.get_absolute_url())
    returning = _decide(supervisor, "return")
    returning.get_by_label("Entry to revise").select_option(value=f"incident:{incident.pk}")
    returning.get_by_label("What should be revised").fill(REQUEST)
    returning.get_by_role("button", name="Return to the therapist").click()
    expect(supervisor.get_by_text("Status: Returned for revision")).to_be_visible()
    audit(supervisor)

    # ... and resolves another with a corrective plan of two follow-ups.
    supervisor.goto(to_resolve.get_absolute_url())
    resolving = _decide(supervisor, "resolve")
    resolving.get_by_label("Outcome").select_option(label="Corrective plan")
    resolving.get_by_label("Plan item 1: what is to be done").fill(PLAN[0])
    resolving.locator("#id_resolve_plan_1_due").fill(f"{week:%Y-%m-%d}")
    resolving.get_by_label("Plan item 2: what is to be done").fill(PLAN[1])
    resolving.locator("#id_resolve_plan_2_due").fill(f"{week + datetime.timedelta(days=7):%Y-%m-%d}")
    audit(supervisor)
    resolving.get_by_role("button", name="Resolve").click()
    expect(supervisor.get_by_text("Status: Resolved")).to_be_visible()
    plan = _section(supervisor, "Corrective plan")
    expect(plan.locator("li")).to_have_count(2)
    audit(supervisor)

    # The therapist finds the returned entry from her home page and sees what is asked, by whom.
    therapist = signed_in_page("dr.chen")
    returned = therapist.locator(
        ".card", has=therapist.get_by_role("heading", name="Returned to me for revision")
    )
    returned.locator(f'a[href="{to_return.get_absolute_url()}"]').click()
    therapist.get_by_role("link", name=str(incident)).first.click()
    requests = therapist.locator(
        "section", has=therapist.get_by_role("heading", name="Returned for revision")
    )
    expect(requests).to_contain_text(REQUEST)
    expect(requests).to_contain_text("Rivera")
    audit(therapist)
    requests.get_by_role("link", name="Answer with an addendum").click()
    expect(therapist.get_by_role("heading", name="Add an addendum")).to_be_visible()
    expect(therapist.get_by_text(REQUEST)).to_be_visible()
    audit(therapist)
    therapist.locator("#id_text").fill(ANSWER)
    therapist.get_by_label("Reason for the addendum").fill("Asked by my supervisor")
    therapist.get_by_role("button", name="Add addendum").click()
    expect(therapist.get_by_text("Answered by")).to_be_visible()

    # The resolved flag and its plan, from the client's page.
    therapist.goto(to_resolve.client.get_absolute_url())
    flags = _section(therapist, "Flags")
    expect(flags).to_contain_text("resolved")
    audit(therapist)
    flags.locator(f'a[href="{to_resolve.get_absolute_url()}"]').click()
    plan = _section(therapist, "Corrective plan")
    expect(plan).to_contain_text(PLAN[0])
    expect(plan).to_contain_text(PLAN[1])
    audit(therapist)
    plan.get_by_role("link", name=PLAN[0]).click()
    therapist.get_by_label("Note").fill(DONE_NOTE)
    audit(therapist)
    therapist.get_by_role("button", name="Mark done").click()
    expect(therapist.get_by_role("status").first).to_contain_text("Follow-up marked done.")
    therapist.get_by_role("link", name=to_resolve.get_rule_display()).click()
    therapist.get_by_label("Your reply").fill(REPLY)
    therapist.get_by_role("button", name="Send reply").click()
    expect(therapist.get_by_role("status").first).to_contain_text("Reply added")
    audit(therapist)

    # The supervisor sees the reply and the done item, and the answer in full on the other flag.
    supervisor.goto(to_resolve.get_absolute_url())
    history = supervisor.locator(
        "section", has=supervisor.get_by_role("heading", name="Decisions and history")
    )
    expect(history).to_contain_text(REPLY)
    plan = _section(supervisor, "Corrective plan")
    expect(plan.locator("li", has_text=PLAN[0])).to_contain_text("done")
    expect(plan.locator("li", has_text=PLAN[0])).to_contain_text(DONE_NOTE)
    expect(plan.locator("li", has_text=PLAN[1])).to_contain_text("open")
    audit(supervisor)
    supervisor.goto(to_return.get_absolute_url())
    history = supervisor.locator(
        "section", has=supervisor.get_by_role("heading", name="Decisions and history")
    )
    expect(history).to_contain_text(ANSWER)
    audit(supervisor)
    assert Incident.objects.get(pk=incident.pk).signature_intact
