"""Pages outside the three journeys, each loaded once: no accessibility violation, no console error."""

from django.urls import reverse
from playwright.sync_api import Page, expect

from boundaries.models import AgreementStatus


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
    ]
    audit_each(signed_in_page("dr.chen"), paths, audit)


def test_practice_admin_pages(signed_in_page, audit):
    paths = [reverse("home"), reverse("supervision:admin_dashboard"), reverse("supervision:rule_settings")]
    audit_each(signed_in_page("admin"), paths, audit)
