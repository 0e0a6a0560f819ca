"""Pages outside the three journeys, each loaded once: no accessibility violation, no console error."""

from django.urls import reverse
from playwright.sync_api import Page, expect

from accounts.models import User
from boundaries.models import AgreementStatus
from supervision.models import Flag


def audit_each(page: Page, paths: list[str], audit) -> None:
    for path in paths:
        response = page.goto(path)
        assert response.status == 200, path
        expect(page.locator("h1")).to_have_count(1)
        audit(page)


def test_more_therapist_pages(signed_in_page, chen_clients, audit):
    client = chen_clients[0]
    agreement = client.agreements.filter(status=AgreementStatus.ACTIVE).order_by("pk")[0]
    paths = [
        reverse("clients:list"),
        reverse("clients:edit", args=[client.pk]),
        reverse("sessions_log:incident_new", args=[client.pk]),
        reverse("boundaries:revise", args=[agreement.pk]),
        reverse("accounts:password_change"),
        reverse("supervision:my_flags"),
        reverse("follow_ups"),
        reverse("clients:follow_up_new", args=[client.pk]),
    ]
    audit_each(signed_in_page("dr.chen"), paths, audit)


def test_supervisor_pages_of_the_loop(signed_in_page, audit):
    chen = User.objects.get(username="dr.chen")
    paths = [reverse("home"), reverse("supervision:supervisee", args=[chen.pk])]
    audit_each(signed_in_page("sup.rivera"), paths, audit)


def test_the_loop_pages_fit_a_phone(signed_in_page, audit):
    """At 390 px the new lists and the flag page with its plan scroll down, never sideways."""
    resolved = Flag.objects.filter(therapist__username="dr.chen", plan_items__isnull=False).first()
    page = signed_in_page("dr.chen")
    page.set_viewport_size({"width": 390, "height": 844})
    for path in (reverse("supervision:my_flags"), reverse("follow_ups"), resolved.get_absolute_url()):
        page.goto(path)
        assert page.evaluate("document.documentElement.scrollWidth") <= 390, path
        audit(page)


def test_practice_admin_pages(signed_in_page, audit):
    paths = [reverse("home"), reverse("supervision:admin_dashboard"), reverse("supervision:rule_settings")]
    audit_each(signed_in_page("admin"), paths, audit)
