import re

import pytest
from django.core import mail
from django.urls import reverse

from accounts.tests.factories import PASSWORD

pytestmark = pytest.mark.django_db


def test_password_change_requires_the_old_password_and_a_strong_new_one(client, owner):
    client.force_login(owner)
    url = reverse("accounts:password_change")

    weak = client.post(url, {"old_password": PASSWORD, "new_password1": "short", "new_password2": "short"})
    wrong_old = client.post(
        url,
        {
            "old_password": "nope",
            "new_password1": "a long new passphrase",
            "new_password2": "a long new passphrase",
        },
    )
    good = client.post(
        url,
        {
            "old_password": PASSWORD,
            "new_password1": "a long new passphrase",
            "new_password2": "a long new passphrase",
        },
    )

    assert weak.status_code == 200
    assert b"at least 12 characters" in weak.content
    assert wrong_old.status_code == 200
    assert good.status_code == 302
    assert good["Location"] == reverse("accounts:password_change_done")
    owner.refresh_from_db()
    assert owner.check_password("a long new passphrase")


def test_password_reset_by_email_end_to_end(client, owner, deliver_mail):
    response = client.post(reverse("accounts:password_reset"), {"email": owner.email})

    assert response.status_code == 302
    assert len(deliver_mail()) == 1
    link = re.search(r"http://testserver(/accounts/password/reset/\S+/)", mail.outbox[0].body).group(1)
    form_page = client.get(link, follow=True)
    assert form_page.status_code == 200
    done = client.post(
        form_page.redirect_chain[-1][0],
        {"new_password1": "another long passphrase", "new_password2": "another long passphrase"},
    )
    assert done.status_code == 302
    owner.refresh_from_db()
    assert owner.check_password("another long passphrase")


def test_password_reset_for_an_unknown_address_says_the_same(client, deliver_mail):
    response = client.post(reverse("accounts:password_reset"), {"email": "nobody@example.org"})

    assert response.status_code == 302
    assert not deliver_mail()


def test_password_reset_pages_are_public(client):
    assert client.get(reverse("accounts:password_reset")).status_code == 200
    assert client.get(reverse("accounts:password_reset_done")).status_code == 200
