"""Client codes that identify the client (issue #17): refused at intake and on correction, and
listed for the practice admin when they are already stored."""

import datetime
import html

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import DEFAULT_CLIENT_CODE_HELP, DEFAULT_CLIENT_CODE_PATTERN
from boundaries.tests.test_intake import intake_data
from clients import codes
from clients.codes import identifying_reason, reasons_against
from clients.forms import ClientForm
from clients.models import Client
from clients.tests.factories import ClientFactory

TODAY = datetime.date(2026, 12, 3)
FORM_DATA = {"intake_date": "2026-01-01", "setting": "in_person"}


def reason_for(code: str, **kwargs):
    return identifying_reason(code, pattern=DEFAULT_CLIENT_CODE_PATTERN, today=TODAY, **kwargs)


class TestIdentifyingReason:
    @pytest.mark.parametrize(
        ("code", "kind", "text"),
        [
            # The codes the browser walk of issue #17 found accepted.
            ("JOHN-SMITH", "looks_like_name", "looks like a name (JOHN, SMITH)"),
            ("MARIA", "looks_like_name", "looks like a given name (MARIA)"),
            ("LOPEZ-M", "looks_like_name", "looks like a family name (LOPEZ)"),
            ("RS-19850312", "looks_like_date", "looks like a date of birth (12 March 1985)"),
            ("RS-1985-03-12", "looks_like_date", "looks like a date of birth (12 March 1985)"),
        ],
    )
    def test_the_codes_of_the_issue_are_refused_with_their_reason(self, code, kind, text):
        reason = reason_for(code)

        assert (reason.code, reason.text) == (kind, text)

    @pytest.mark.parametrize(
        ("code", "day"),
        [
            ("RS-12311985", "31 December 1985"),  # MMDDYYYY
            ("RS-31121985", "31 December 1985"),  # DDMMYYYY
            ("RS-850312", "12 March 1985"),  # YYMMDD
            ("RS-120385", "12 March 1985"),  # DDMMYY (as YYMMDD: month 03, day 85)
            ("RS-123185", "31 December 1985"),  # MMDDYY (as DDMMYY: month 31)
            ("RS-010203", "3 February 2001"),  # YYMMDD, a two-digit year in this century
            ("RS-12.03.85", "12 March 1985"),
            ("RS-12/03/1985", "12 March 1985"),
            ("RS-03/31/1985", "31 March 1985"),  # month first, as the day cannot be 31 as a month
            ("RS-01-02-03", "3 February 2001"),
            ("0142-19850312", "12 March 1985"),  # any run, not only the last
            ("RS-19000101", "1 January 1900"),  # the earliest day read
            ("RS-20261203", "3 December 2026"),  # today
        ],
    )
    def test_dates_in_every_order_are_refused(self, code, day):
        reason = reason_for(code)

        assert reason.code == "looks_like_date"
        assert reason.text == f"looks like a date of birth ({day})"

    @pytest.mark.parametrize(
        "code",
        [
            "RS-0142",
            "CL-0001",
            "KB-0001",
            "AB-1234",
            "ZZ-9999",
            "XYZ-0142",  # three letters that are no name
            "CLI-0042",
            "PAT-0001",
            # Zero padding: as YYMMDD 23 January 2000, read as a number instead; DDMMYY and MMDDYY
            # would need a day or a month 00.
            "RS-000123",
            "RS-001231",
            "RS-123456",  # month 34 or day 34 in every order
            "RS-1985",  # a year alone is no date
            "RS-12-0142",  # two runs, not three
            "RS-2024-0112",  # a year and a number, apart
            "RS-2024012",  # seven digits: a year and a three-digit number, never read as a date
            "RS-0123456789",  # more than eight digits: a number
            "RS-99999999",
            "RS-18991231",  # before 1900
            "RS-20261204",  # tomorrow: nobody is born then
            "RS-1-2-3",  # a one-digit year is no year
        ],
    )
    def test_ordinary_codes_pass(self, code):
        assert reason_for(code) is None

    @pytest.mark.parametrize("code", ["RS-0142", "ZZ-9999", "LK-0101", "RS-0612", "RS-9920", "CL-9999"])
    def test_codes_of_the_demo_and_the_factories_pass(self, code):
        assert reason_for(code) is None

    def test_four_digits_are_never_a_date(self):
        # The demo's codes (demo/seed.py, demo/bulk.py: a two-digit therapist and slot number
        # side by side, RS-0101, LK-0112, RS-0405) and the factories' (CL-0001) have four.
        assert [number for number in range(10_000) if reason_for(f"RS-{number:04d}")] == []

    def test_accents_are_stripped_and_case_ignored(self):
        assert reason_for("LÓPEZ-0142").text == "looks like a family name (LOPEZ)"
        assert reason_for("lopez-0142").text == "looks like a family name (LOPEZ)"
        assert reason_for("ŁUKASZ-0142").text.endswith("(LUKASZ)")  # Ł has no accent to strip

    def test_a_code_without_a_digit_reads_as_a_name(self):
        reason = reason_for("ABC-XYZ")

        assert reason.code == "looks_like_name"
        assert reason.text == "has no number, so it reads as a name or initials"

    def test_initials_are_never_compared(self):
        # Two-letter parts: every pair of letters is somebody's initials, and none is refused.
        assert reason_for("JO-0142") is None
        assert reason_for("AL-0142") is None

    def test_a_name_the_practices_pattern_requires_is_the_practices(self):
        # WEST is in the name lists; a practice whose codes all begin WEST- could record nobody.
        assert identifying_reason("WEST-0142", pattern=r"^WEST-[0-9]{4}$", today=TODAY) is None
        assert reason_for("WEST-0142").text == "looks like a family name (WEST)"
        # A name where the pattern takes any letters is still the client's.
        assert identifying_reason("ANNA-0142", pattern=r"^[A-P]{4}-[0-9]{4}$", today=TODAY) is not None

    def test_a_date_is_read_before_a_name(self):
        assert reason_for("SMITH-19850312").code == "looks_like_date"

    def test_today_defaults_to_the_local_date(self):
        today = timezone.localdate()

        assert identifying_reason(f"RS-{today + datetime.timedelta(days=1):%Y%m%d}") is None
        assert identifying_reason(f"RS-{today:%Y%m%d}").code == "looks_like_date"

    def test_the_name_lists_come_from_every_kind_of_faker_list(self):
        given, family = codes._names()

        assert "JOHN" in given  # en_US: a weighted dict
        assert "SMITH" in family  # en_US: a weighted dict
        assert "MARIA" in given  # es_ES: a tuple
        assert "KOWALSKI" in family  # pl_PL: male_last_names, not last_names
        assert "WISNIEWSKI" in family  # Wiśniewski, the accent stripped
        assert "MULLER" in family  # Müller (de_DE)
        assert "OCONNOR" in family and "CONNOR" in family  # O'Connor, whole and in parts
        assert all(len(name) >= 3 and name.isascii() and name.isalpha() for name in given | family)

    def test_reasons_against_an_existing_code_name_the_pattern_too(self, practice):
        assert reasons_against("RS-0142", practice=practice, today=TODAY) == []
        assert reasons_against("RS-01", practice=practice, today=TODAY) == [
            f"does not follow the practice's pattern ({DEFAULT_CLIENT_CODE_HELP})"
        ]
        assert reasons_against("RS-12.03.85", practice=practice, today=TODAY) == [
            "looks like a date of birth (12 March 1985)",
            f"does not follow the practice's pattern ({DEFAULT_CLIENT_CODE_HELP})",
        ]


@pytest.mark.django_db
class TestClientForm:
    @pytest.mark.parametrize(
        ("code", "error"),
        [
            ("JOHN-SMITH", "looks_like_name"),
            ("MARIA", "looks_like_name"),
            ("LOPEZ-M", "looks_like_name"),
            ("RS-19850312", "looks_like_date"),
            ("RS-1985-03-12", "looks_like_date"),
            ("rs-12.03.85", "looks_like_date"),  # also off the pattern: the more specific message wins
            ("RS-01", "pattern"),
        ],
    )
    def test_intake_refuses_identifying_codes_first(self, practice, code, error):
        form = ClientForm({**FORM_DATA, "code": code}, practice=practice)

        assert not form.is_valid()
        assert [e.code for e in form.errors.as_data()["code"]] == [error]

    def test_the_message_says_why_and_how_to_choose(self, practice):
        date = ClientForm({**FORM_DATA, "code": "RS-19850312"}, practice=practice)
        name = ClientForm({**FORM_DATA, "code": "SMITH"}, practice=practice)

        assert date.errors["code"] == [
            "RS-19850312 looks like a date of birth (12 March 1985). A client code must not identify the "
            "client: use the practice's pattern — letters, a hyphen and at least three digits, such as "
            "RS-0142 — and a number that is not a date."
        ]
        assert name.errors["code"] == [
            "SMITH looks like a family name (SMITH). A client code must not identify the client: use the "
            "practice's pattern — letters, a hyphen and at least three digits, such as RS-0142 — and "
            "letters that are not a name."
        ]

    def test_an_identifying_code_is_refused_before_a_taken_one(self, practice, owner):
        ClientFactory(therapist=owner, code="RS-19850312")  # stored before the check

        form = ClientForm({**FORM_DATA, "code": "RS-19850312"}, practice=practice)

        assert [e.code for e in form.errors.as_data()["code"]] == ["looks_like_date"]

    def test_an_ordinary_code_passes(self, practice):
        assert ClientForm({**FORM_DATA, "code": "rs-0142"}, practice=practice).is_valid()


@pytest.mark.django_db
class TestIntakeView:
    def test_an_identifying_code_rerenders_with_the_reason_and_keeps_the_typing(self, client, owner):
        client.force_login(owner)
        data = intake_data(code="RS-19850312", **{"time-terms": "Fifty minutes, ending on the hour."})

        response = client.post(reverse("clients:intake"), data)

        assert response.status_code == 200
        page = html.unescape(response.content.decode())
        assert "RS-19850312 looks like a date of birth (12 March 1985)" in page
        assert "and a number that is not a date" in page
        assert 'value="RS-19850312"' in page
        assert "Fifty minutes, ending on the hour." in page
        assert not Client.objects.exists()

    def test_a_name_is_refused_and_nothing_is_saved(self, client, owner):
        client.force_login(owner)

        response = client.post(reverse("clients:intake"), intake_data(code="LOPEZ-M"))

        assert response.status_code == 200
        assert "LOPEZ-M looks like a family name (LOPEZ)" in html.unescape(response.content.decode())
        assert not Client.objects.exists()


@pytest.mark.django_db
class TestCorrectingACode:
    def edit(self, client, record, code, setting="telehealth"):
        return client.post(
            reverse("clients:edit", args=[record.pk]),
            {"code": code, "intake_date": record.intake_date.isoformat(), "setting": setting},
        )

    def test_a_new_code_is_checked_as_at_intake(self, client, owner, client_record):
        client.force_login(owner)

        response = self.edit(client, client_record, "MARIA-0142")

        assert response.status_code == 200
        assert b"looks like a given name (MARIA)" in response.content
        client_record.refresh_from_db()
        assert client_record.code == "RS-0001"

    def test_an_old_code_left_unchanged_is_kept(self, client, owner):
        legacy = ClientFactory(therapist=owner, code="JOHN-19850312")
        client.force_login(owner)

        response = self.edit(client, legacy, "JOHN-19850312")

        assert response.status_code == 302
        legacy.refresh_from_db()
        assert (legacy.code, legacy.setting) == ("JOHN-19850312", "telehealth")

    def test_an_old_code_is_corrected(self, client, owner):
        legacy = ClientFactory(therapist=owner, code="JOHN-19850312")
        client.force_login(owner)

        assert self.edit(client, legacy, "RS-0777").status_code == 302
        legacy.refresh_from_db()
        assert legacy.code == "RS-0777"


@pytest.mark.django_db
class TestCodesToCorrect:
    URL = reverse("practice:client_codes")

    def test_the_admin_sees_the_practices_failing_codes_with_reasons_and_therapists(
        self, client, admin, owner, colleague, other_therapist
    ):
        dated = ClientFactory(therapist=owner, code="RS-19850312")
        ClientFactory(therapist=colleague, code="ANNA-0142")
        ClientFactory(therapist=colleague, code="RS-01")
        ClientFactory(therapist=owner, code="RS-0142")
        ClientFactory(therapist=other_therapist, code="SMITH-0001")
        client.force_login(admin)

        response = client.get(self.URL)

        assert response.status_code == 200
        listed = {record.code: reasons for record, reasons in response.context["to_correct"]}
        assert listed == {
            "ANNA-0142": ["looks like a given name (ANNA)"],
            "RS-01": [f"does not follow the practice's pattern ({DEFAULT_CLIENT_CODE_HELP})"],
            "RS-19850312": ["looks like a date of birth (12 March 1985)"],
        }
        page = html.unescape(response.content.decode())
        assert f'href="{dated.get_absolute_url()}"' in page
        assert str(owner) in page and str(colleague) in page
        assert "SMITH-0001" not in page

    def test_an_archived_client_is_listed_and_marked(self, client, admin, owner):
        record = ClientFactory(therapist=owner, code="LOPEZ-0142")
        record.archive(reason="Moved away", by=owner)
        record.save()
        client.force_login(admin)

        response = client.get(self.URL)

        assert b"LOPEZ-0142" in response.content
        assert b"Restore the client first" in response.content

    def test_with_nothing_to_correct_it_says_so(self, client, admin, client_record):
        client.force_login(admin)

        response = client.get(self.URL)

        assert response.context["to_correct"] == []
        assert b"looks like neither a name nor a date" in response.content

    @pytest.mark.parametrize("visitor", ["owner", "supervisor", "colleague"])
    def test_it_is_for_the_practice_admin_only(self, request, client, visitor, client_record):
        ClientFactory(therapist=request.getfixturevalue("owner"), code="MARIA-0142")
        client.force_login(request.getfixturevalue(visitor))

        response = client.get(self.URL)

        assert response.status_code == 403
        assert b"MARIA-0142" not in response.content

    def test_the_settings_page_links_to_it(self, client, admin):
        client.force_login(admin)

        assert self.URL.encode() in client.get(reverse("practice:settings")).content

    def test_query_count(self, client, admin, owner, colleague, django_assert_num_queries):
        for number in range(5):
            ClientFactory(therapist=owner, code=f"RS-1985031{number}")
            ClientFactory(therapist=colleague, code=f"AB-{number}")
        client.force_login(admin)
        # session, user, practice, every client of the practice with its therapist, and the
        # access record of a page listing client data (audit.middleware): whatever the number
        with django_assert_num_queries(5):
            response = client.get(self.URL)
        assert len(response.context["to_correct"]) == 10
