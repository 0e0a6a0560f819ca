import json
import logging

import pytest
from django.urls import reverse

from accounts.tests.factories import PASSWORD
from common.tests.logs import json_line, security_events

pytestmark = pytest.mark.django_db

# What a failed sign-in line holds, and nothing more: the formatter's keys, then the event's.
SIGN_IN_FAILED_KEYS = {"time", "level", "logger", "request_id", "message", "event", "user", "ip", "username"}


@pytest.fixture
def security_log(caplog):
    caplog.set_level(logging.INFO, logger="alliance.security")
    return caplog


def test_sign_in_failure_and_sign_out_are_logged(client, owner, security_log):
    client.post(reverse("accounts:login"), {"username": "owner", "password": "wrong"})
    client.post(reverse("accounts:login"), {"username": "owner", "password": PASSWORD})
    client.post(reverse("accounts:logout"))

    events = security_events(security_log)
    assert [event["event"] for event in events] == ["sign_in_failed", "sign_in", "sign_out"]
    assert events[1]["user"] == owner.pk
    assert events[1]["ip"] == "127.0.0.1"
    assert len(events[1]["request_id"]) == 16


def test_a_forged_username_stays_one_field_of_one_line(client, security_log):
    forged = 'eve" user=1 \r\nevent=sign_in ip=10.0.0.1 "'

    client.post(reverse("accounts:login"), {"username": forged, "password": "wrong"}, REMOTE_ADDR="192.0.2.7")

    (record,) = [r for r in security_log.records if r.name == "alliance.security"]
    line = json_line(record)
    assert "\n" not in line and "\r" not in line
    event = json.loads(line)
    assert set(event) == SIGN_IN_FAILED_KEYS
    assert event["event"] == "sign_in_failed"
    assert event["username"] == forged
    assert (event["user"], event["ip"]) == (None, "192.0.2.7")


def test_role_changes_are_logged(owner, security_log):
    owner.role = "supervisor"
    owner.save()

    (event,) = [event for event in security_events(security_log) if event["event"] == "account_changed"]
    assert (event["subject"], event["changes"]) == (owner.pk, "role:therapist->supervisor")
    assert event["ip"] is None  # no request: nowhere it came from


def test_error_pages_carry_the_request_id(client, owner):
    client.force_login(owner)

    response = client.get("/no/such/page/")

    assert response.status_code == 404
    assert response["X-Request-ID"].encode() in response.content


def test_csv_exports_are_logged(client, supervisor, security_log):
    client.force_login(supervisor)
    client.post(reverse("accounts:confirm_password"), {"password": PASSWORD})  # bulk exports re-ask it

    client.get(reverse("supervision:export_flags"))
    client.get(reverse("supervision:export_incidents"), {"start": "2026-01-01", "end": "2026-01-31"})

    exports = [event for event in security_events(security_log) if event["event"] == "export"]
    assert [event["kind"] for event in exports] == ["flags_csv", "incidents_csv"]
    assert exports[1]["start"] == "2026-01-01"
