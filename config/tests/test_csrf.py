"""A POST without a CSRF token is refused (403) on every URL, and changes nothing.

The URLs are the resolver's, as in the access matrix, whose coverage gate keeps ``SPEC`` equal
to them. Each is posted to by a visitor who may act there (the owner of the client, the practice
admin on supervision pages, an anonymous visitor on the public sign-in and password-reset pages)
with a body that fills every form, so that only the missing token stands in the way. A GET-only
view is included too: Django's check runs before the view, so a view that forgot its method
decorator is covered as well.
"""

import pytest
from django.test import Client
from django.urls import NoReverseMatch, reverse

from accounts.tests.factories import PASSWORD
from clients.models import Client as ClientRecord
from clients.models import ClientStatus
from config.tests import test_access_matrix as matrix

pytestmark = pytest.mark.django_db

# Built once for this module too, as in the matrix: its people (``world["owner"]``...) are the
# ones to sign in as, since the root conftest.py's would clash with them.
world = matrix.world

PUBLIC_FORMS = {
    "accounts:login",
    "accounts:password_reset",
    "accounts:password_reset_done",
    "accounts:password_reset_confirm",
    "accounts:password_reset_complete",
}

# The access matrix's body for every form, with what the account forms ask for as well.
BODY = {
    **matrix.PAYLOAD,
    "username": "owner",
    "password": PASSWORD,
    "old_password": PASSWORD,
    "new_password1": "a new and long passphrase",
    "new_password2": "a new and long passphrase",
    "email": "owner@example.org",
}


def actor(name: str) -> str:
    """Who may act on the URL ``name``."""
    if name in PUBLIC_FORMS:
        return "anonymous"
    if name.startswith("supervision:"):
        return "admin"  # decides flags, sets the rules, reads the dashboards and exports
    return "owner"


def csrf_client() -> Client:
    return Client(enforce_csrf_checks=True)


def url_for(name: str, world) -> str:
    if name in matrix.SPEC:
        return matrix.url_for(name, world)
    # Not in the matrix yet (its coverage gate fails for it): still checked here where it takes
    # no arguments.
    try:
        return reverse(name)
    except NoReverseMatch:
        pytest.fail(f"{name} takes arguments: give it an entry in SPEC (config/tests/test_access_matrix.py)")


@pytest.mark.parametrize("name", sorted(set(matrix.url_names())))
def test_post_without_csrf_token_is_refused(world, name):
    client = csrf_client()
    visitor = actor(name)
    if visitor != "anonymous":
        client.force_login(world[visitor])
    before = matrix.database_state()

    response = client.post(url_for(name, world), BODY)

    assert response.status_code == 403, (name, visitor, response.status_code)
    assert matrix.database_state() == before
    if visitor != "anonymous":
        # Still signed in: the refused POST did not sign out (accounts:logout) either.
        assert client.get(reverse("home")).status_code == 200


def test_admin_sign_in_without_csrf_token_is_refused(world):
    admin = world["admin"]
    response = csrf_client().post(reverse("admin:login"), {"username": admin.username, "password": PASSWORD})

    assert response.status_code == 403


def test_the_same_post_with_the_token_goes_through(world):
    """The control: what the tests above refuse is only the missing token."""
    owner, client_record = world["owner"], world["client"]
    client = csrf_client()
    client.force_login(owner)
    client.get(client_record.get_absolute_url())  # the page with the form sets the CSRF cookie
    token = client.cookies["csrftoken"].value

    response = client.post(
        reverse("clients:discharge", args=[client_record.pk]),
        {**BODY, "discharged_on": client_record.intake_date.isoformat(), "csrfmiddlewaretoken": token},
    )

    assert response.status_code == 302
    assert ClientRecord.objects.get(pk=client_record.pk).status == ClientStatus.DISCHARGED
