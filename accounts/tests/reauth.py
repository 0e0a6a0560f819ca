"""For tests of the steps ``require_recent_password`` guards: the password re-entered, as a user
would, on ``accounts:confirm_password``."""

from django.urls import reverse

from accounts.tests.factories import PASSWORD


def confirm_password(client, password: str = PASSWORD):
    return client.post(reverse("accounts:confirm_password"), {"password": password})
