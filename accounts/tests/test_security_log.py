import logging

import pytest
from django.urls import reverse

from accounts.tests.factories import PASSWORD

pytestmark = pytest.mark.django_db


@pytest.fixture
def security_log(caplog):
    caplog.set_level(logging.INFO, logger="alliance.security")
    return caplog


def lines(caplog):
    return [record.getMessage() for record in caplog.records if record.name == "alliance.security"]


def test_sign_in_failure_and_sign_out_are_logged(client, owner, security_log):
    client.post(reverse("accounts:login"), {"username": "owner", "password": "wrong"})
    client.post(reverse("accounts:login"), {"username": "owner", "password": PASSWORD})
    client.post(reverse("accounts:logout"))

    events = [line.split()[0] for line in lines(security_log)]
    assert events == ["event=sign_in_failed", "event=sign_in", "event=sign_out"]
    assert f"user={owner.pk}" in lines(security_log)[1]
    assert "request_id=" in lines(security_log)[1]


def test_role_changes_are_logged(owner, security_log):
    owner.role = "supervisor"
    owner.save()

    assert any(
        "event=account_changed" in line and "role:therapist->supervisor" in line
        for line in lines(security_log)
    )


def test_error_pages_carry_the_request_id(client, owner):
    client.force_login(owner)

    response = client.get("/no/such/page/")

    assert response.status_code == 404
    assert response["X-Request-ID"].encode() in response.content


def test_csv_exports_are_logged(client, supervisor, security_log):
    client.force_login(supervisor)

    client.get(reverse("supervision:export_flags"))
    client.get(reverse("supervision:export_incidents"), {"start": "2026-01-01", "end": "2026-01-31"})

    exports = [line for line in lines(security_log) if line.startswith("event=export")]
    assert any("kind=flags_csv" in line for line in exports)
    assert any("kind=incidents_csv" in line for line in exports)
