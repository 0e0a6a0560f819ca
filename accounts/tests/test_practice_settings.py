"""The practice admin edits the practice's own settings on /practice/settings/."""

import datetime
import logging

import pytest
from django.urls import reverse

from accounts.models import Practice
from clients.forms import ClientForm

pytestmark = pytest.mark.django_db

URL = "/practice/settings/"


def settings_of(practice, **changes) -> dict:
    data = {
        "time_zone": practice.time_zone,
        "usual_session_minutes": practice.usual_session_minutes,
        "working_days": practice.working_days,
        "work_starts": f"{practice.work_starts:%H:%M}",
        "work_ends": f"{practice.work_ends:%H:%M}",
        "client_code_pattern": practice.client_code_pattern,
        "client_code_help": practice.client_code_help,
    }
    return {**data, **changes}


def test_the_url_is_the_practice_settings_page():
    assert reverse("practice:settings") == URL


def test_the_admin_saves_the_settings_with_history(client, admin, practice):
    client.force_login(admin)

    response = client.post(
        URL,
        settings_of(
            practice,
            time_zone="Europe/Berlin",
            usual_session_minutes="45",
            working_days=["0", "1", "3"],
            work_starts="09:00",
            work_ends="17:30",
            client_code_pattern="^RS-[0-9]{4}$",
            client_code_help="RS, a hyphen and four digits, such as RS-0142",
        ),
    )

    assert response.status_code == 302
    practice.refresh_from_db()
    assert practice.time_zone == "Europe/Berlin"
    assert practice.usual_session_minutes == 45
    assert practice.working_days == [0, 1, 3]
    assert (practice.work_starts, practice.work_ends) == (datetime.time(9), datetime.time(17, 30))
    assert practice.client_code_pattern == "^RS-[0-9]{4}$"
    event = Practice.pgh_event_model.objects.filter(pgh_obj=practice, pgh_label="update").get()
    assert event.time_zone == "Europe/Berlin"
    assert event.pgh_context.metadata["user"] == admin.pk


def test_a_bad_pattern_is_refused(client, admin, practice):
    client.force_login(admin)

    response = client.post(URL, settings_of(practice, client_code_pattern="^[A-Z{2,4}$"))

    assert response.status_code == 200
    assert "not a valid regular expression" in str(response.context["form"].errors["client_code_pattern"])
    practice.refresh_from_db()
    assert practice.client_code_pattern == r"^[A-Z]{2,4}-[0-9]{3,}$"


def test_working_hours_that_end_before_they_start_are_refused(client, admin, practice):
    client.force_login(admin)

    response = client.post(URL, settings_of(practice, work_starts="18:00", work_ends="08:00"))

    assert response.status_code == 200
    assert response.context["form"].errors["work_ends"] == [
        "Working hours must end after they start (18:00)."
    ]
    practice.refresh_from_db()
    assert practice.work_starts == datetime.time(8)
    assert not Practice.pgh_event_model.objects.filter(pgh_label="update").exists()


def test_an_unknown_time_zone_and_no_working_day_are_refused(client, admin, practice):
    client.force_login(admin)

    response = client.post(URL, {**settings_of(practice, time_zone="Mars/Olympus"), "working_days": []})

    errors = response.context["form"].errors
    assert errors["time_zone"] == ["Choose a time zone from the list."]
    assert errors["working_days"] == ["Choose at least one working day."]


def test_switching_two_factor_on_for_all_is_a_security_log_event(
    client, admin, practice, caplog, django_capture_on_commit_callbacks
):
    client.force_login(admin)

    with (
        caplog.at_level(logging.INFO, logger="alliance.security"),
        django_capture_on_commit_callbacks(execute=True),
    ):
        client.post(URL, settings_of(practice, require_two_factor_for_all="on"))

    practice.refresh_from_db()
    assert practice.require_two_factor_for_all is True
    [line] = [r for r in caplog.records if r.getMessage() == "two_factor_required_for_all"]
    assert (line.user, line.practice) == (admin.pk, practice.pk)


@pytest.mark.parametrize("person", ["owner", "supervisor", "colleague"])
def test_only_practice_admins_reach_the_page(request, client, practice, person):
    client.force_login(request.getfixturevalue(person))

    assert client.get(URL).status_code == 403
    assert client.post(URL, settings_of(practice, usual_session_minutes="30")).status_code == 403
    practice.refresh_from_db()
    assert practice.usual_session_minutes == 50


def test_another_practices_admin_edits_only_their_own(client, other_admin, practice, other_practice):
    client.force_login(other_admin)

    client.post(URL, settings_of(other_practice, usual_session_minutes="30"))

    practice.refresh_from_db()
    other_practice.refresh_from_db()
    assert (practice.usual_session_minutes, other_practice.usual_session_minutes) == (50, 30)


def test_the_admin_sees_the_nav_link(client, admin, owner):
    client.force_login(admin)
    assert URL.encode() in client.get(reverse("home")).content
    client.force_login(owner)
    assert URL.encode() not in client.get(reverse("home")).content


def test_intake_checks_the_practices_code_pattern(practice, owner):
    practice.client_code_pattern, practice.client_code_help = r"^RS-[0-9]{4}$", "RS and four digits"
    practice.save()
    data = {"code": "AB-1234", "intake_date": "2026-01-01", "setting": "in_person"}

    form = ClientForm(data, practice=practice)

    assert not form.is_valid()
    assert form.errors["code"] == ["Use this practice's client codes: RS and four digits."]
    assert "code" not in ClientForm({**data, "code": "rs-1234"}, practice=practice).errors
