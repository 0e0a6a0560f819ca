"""The intake: a client and their first agreements in one submit."""

import datetime
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from boundaries.models import AgreementStatus, AgreementWording, BoundaryAgreement, Category
from clients.models import Client
from clients.tests.factories import ClientFactory

NEXT_MONTH = str(datetime.datetime.now(datetime.UTC).date() + datetime.timedelta(days=30))

pytestmark = pytest.mark.django_db


def intake_data(**overrides):
    """The page as sent with the core sections filled in and the dates left as offered."""
    today = timezone.localdate().isoformat()
    data = {"code": "rs-0142", "intake_date": today, "setting": "in_person"}
    for category in ("time", "physical", "disclosure", "dual_relationship"):
        data |= {
            f"{category}-terms": f"Agreed {category} terms.",
            f"{category}-proposed_by": "jointly",
            f"{category}-rationale": "Discussed at intake.",
            f"{category}-effective_date": "",
            f"{category}-review_interval_days": "90",
            f"{category}-next_review_on": "",
        }
    for category in ("communication", "gifts_money", "online"):
        data |= {
            f"{category}-terms": "",
            f"{category}-proposed_by": "jointly",
            f"{category}-rationale": "",
            f"{category}-effective_date": "",
            f"{category}-review_interval_days": "90",
            f"{category}-next_review_on": "",
        }
    return data | overrides


class TestIntake:
    def test_one_post_creates_client_with_four_agreements(self, client, owner):
        client.force_login(owner)

        response = client.post(reverse("clients:intake"), intake_data())

        created = Client.objects.get()
        assert response.status_code == 302
        assert response["Location"] == created.get_absolute_url()
        assert created.code == "RS-0142"
        assert created.therapist == owner
        assert created.practice == owner.practice
        agreements = created.agreements.all()
        assert {a.category for a in agreements} == {"time", "physical", "disclosure", "dual_relationship"}
        assert all(a.status == AgreementStatus.ACTIVE and a.recorded_by == owner for a in agreements)
        assert all(a.next_review_on == a.effective_date + datetime.timedelta(days=90) for a in agreements)

    def test_an_optional_category_is_added_when_filled(self, client, owner):
        client.force_login(owner)

        client.post(reverse("clients:intake"), intake_data(**{"online-terms": "No social media contact."}))

        assert BoundaryAgreement.objects.filter(category=Category.ONLINE).count() == 1
        assert BoundaryAgreement.objects.count() == 5

    def test_invalid_section_keeps_everything_typed_and_saves_nothing(self, client, owner):
        client.force_login(owner)
        data = intake_data(**{"physical-terms": "", "physical-rationale": "Changed but no terms"})

        response = client.post(reverse("clients:intake"), data)

        assert response.status_code == 200
        assert b"Write down the agreed terms." in response.content
        assert b"Agreed time terms." in response.content
        assert b"Changed but no terms" in response.content
        assert not Client.objects.exists()
        assert not BoundaryAgreement.objects.exists()

    @pytest.mark.parametrize(
        ("overrides", "message"),
        [
            ({"code": "Jane Doe"}, b"letters, a hyphen and at least three digits"),
            ({"code": ""}, b"Give the client a pseudonymous code."),
            ({"intake_date": NEXT_MONTH}, b"cannot be in the future"),
            ({"intake_date": "2999-01-01"}, b"Enter a date between 1 Jan 1900 and"),
            ({"intake_date": "not a date"}, b"Enter the intake date as a date."),
            ({"setting": "moon"}, b"Select a valid choice"),
            ({"time-effective_date": "2026-02-30"}, b"Enter a valid date"),
            ({"time-review_interval_days": "3"}, b"greater than or equal to 7"),
            ({"time-next_review_on": "2000-01-01"}, b"review date cannot come before"),
        ],
    )
    def test_bad_input_rerenders_with_a_message(self, client, owner, overrides, message):
        client.force_login(owner)

        response = client.post(reverse("clients:intake"), intake_data(**overrides))

        assert response.status_code == 200
        assert message in response.content
        assert not Client.objects.exists()

    def test_duplicate_code_in_the_practice_is_a_form_error(self, client, owner, colleague):
        ClientFactory(therapist=colleague, code="RS-0142")
        client.force_login(owner)

        response = client.post(reverse("clients:intake"), intake_data())

        assert response.status_code == 200
        assert b"already has the code RS-0142" in response.content
        assert Client.objects.count() == 1

    def test_same_code_in_another_practice_is_fine(self, client, owner, other_therapist):
        ClientFactory(therapist=other_therapist, code="RS-0142")
        client.force_login(owner)

        assert client.post(reverse("clients:intake"), intake_data()).status_code == 302

    @pytest.mark.parametrize("role", ["supervisor", "admin"])
    def test_only_therapists_record_intakes(self, request, client, role):
        client.force_login(request.getfixturevalue(role))

        assert client.get(reverse("clients:intake")).status_code == 403
        assert client.post(reverse("clients:intake"), intake_data()).status_code == 403
        assert not Client.objects.exists()

    def test_empty_post_does_not_fail(self, client, owner):
        client.force_login(owner)

        response = client.post(reverse("clients:intake"), {})

        assert response.status_code == 200
        assert not Client.objects.exists()


DAY = datetime.timedelta(days=1)


def empty_sections(**overrides):
    """The page as sent with no section touched."""
    blank = {f"{category}-{field}": "" for category in CORE for field in ("terms", "rationale")}
    return intake_data(**(blank | overrides))


CORE = ("time", "physical", "disclosure", "dual_relationship")


@pytest.fixture
def wordings(practice, other_practice):
    """Two of the practice's standard wordings, and one of another practice."""
    return {
        "time": AgreementWording.objects.create(
            practice=practice,
            category=Category.TIME,
            title="Fifty minutes",
            terms="Sessions last 50 minutes.",
        ),
        "physical": AgreementWording.objects.create(
            practice=practice, category=Category.PHYSICAL, title="Handshake", terms="A handshake only."
        ),
        "elsewhere": AgreementWording.objects.create(
            practice=other_practice, category=Category.TIME, title="Elsewhere", terms="Another practice's."
        ),
    }


class TestNothingFilledIn:
    def test_the_page_asks_before_adding_a_client_without_agreements(self, client, owner):
        client.force_login(owner)

        response = client.post(reverse("clients:intake"), empty_sections())

        assert response.status_code == 200
        assert not Client.objects.exists()
        content = response.content.decode()
        assert "No boundary section is filled in." in content
        assert 'name="without_agreements"' in content
        assert "Add the client without agreements" in content
        # A question, not a refusal: no error banner.
        assert "nothing has been saved yet" not in content
        assert 'role="alert"' not in content
        # What was typed is kept for the second button.
        assert 'value="rs-0142"' in content

    def test_the_second_button_adds_the_client_without_agreements(self, client, owner):
        client.force_login(owner)

        response = client.post(reverse("clients:intake"), empty_sections(without_agreements="1"), follow=True)

        created = Client.objects.get()
        assert response.redirect_chain == [(created.get_absolute_url(), 302)]
        assert not created.agreements.exists()
        assert "Client RS-0142 added without agreements" in response.content.decode()


class TestThePage:
    def test_enter_in_a_field_cannot_send_the_page(self, client, owner):
        """HTML's implicit submission (Enter in a one-line field) presses the form's first submit
        button; a disabled one sends nothing."""
        client.force_login(owner)

        content = client.get(reverse("clients:intake")).content.decode()

        form = content[content.index('<form method="post" novalidate>') :]
        first_button = form[form.index("<button") : form.index(">", form.index("<button")) + 1]
        assert 'type="submit"' in first_button
        assert "disabled" in first_button
        assert form.index("<button") < form.index('name="code"')

    def test_a_new_intake_starts_in_the_code_field(self, client, owner):
        client.force_login(owner)

        response = client.get(reverse("clients:intake"))

        assert response.context["form"]["code"].field.widget.attrs.get("autofocus")
        assert response.content.decode().count("autofocus") == 1

    def test_untouched_sections_are_optional_and_their_fields_carry_no_asterisk(self, client, owner):
        client.force_login(owner)

        response = client.get(reverse("clients:intake"))

        content = response.content.decode()
        sections = content[content.index("Agreed boundaries") :]
        assert sections.count("(optional)") == 7
        assert "asteriskField" not in sections
        assert "asteriskField" in content[: content.index("Agreed boundaries")]  # the client's own

    def test_a_touched_section_is_no_longer_optional(self, client, owner):
        client.force_login(owner)

        response = client.post(reverse("clients:intake"), empty_sections(**{"time-rationale": "Typed."}))

        time, physical = response.context["core_sections"][:2]
        assert time.is_filled and time.fields["terms"].required
        assert not physical.is_filled and not physical.fields["terms"].required
        assert response.content.decode().count("(optional)") == 6

    def test_the_dates_wait_behind_a_closed_disclosure(self, client, owner):
        client.force_login(owner)

        content = client.get(reverse("clients:intake")).content.decode()

        assert content.count('<details class="field-disclosure mb-3">') == 7
        assert "from the intake date; review after 90 days, unless changed here" in content

    def test_dates_typed_or_refused_are_shown_open(self, client, owner):
        client.force_login(owner)
        later = (timezone.localdate() + 30 * DAY).isoformat()

        response = client.post(
            reverse("clients:intake"),
            intake_data(**{"code": "", "time-next_review_on": later, "physical-review_interval_days": "3"}),
        )

        content = response.content.decode()
        assert content.count('<details class="field-disclosure mb-3" open>') == 2
        assert f'value="{later}"' in content


class TestDates:
    def test_an_empty_effective_date_is_the_intake_date(self, client, owner):
        client.force_login(owner)
        intake = timezone.localdate() - 10 * DAY

        client.post(reverse("clients:intake"), intake_data(intake_date=intake.isoformat()))

        agreement = BoundaryAgreement.objects.get(category=Category.TIME)
        assert agreement.effective_date == intake
        assert agreement.next_review_on == intake + 90 * DAY

    @pytest.mark.parametrize(
        "overrides",
        [
            {"time-next_review_on": "yesterday"},
            # Counted from an intake 100 days ago, 90 days on is already past.
            {"intake_date": "100 days ago"},
        ],
    )
    def test_a_review_date_that_has_passed_is_refused(self, client, owner, overrides):
        client.force_login(owner)
        days = {"yesterday": timezone.localdate() - DAY, "100 days ago": timezone.localdate() - 100 * DAY}
        data = intake_data(**{key: days[value].isoformat() for key, value in overrides.items()})
        if "time-next_review_on" in overrides:
            data["time-effective_date"] = (timezone.localdate() - 2 * DAY).isoformat()

        response = client.post(reverse("clients:intake"), data)

        assert response.status_code == 200
        assert "The review date has passed: choose a date from today on." in response.content.decode()
        assert not Client.objects.exists()

    def test_a_review_date_today_is_accepted(self, client, owner):
        client.force_login(owner)
        today = timezone.localdate().isoformat()

        response = client.post(reverse("clients:intake"), intake_data(**{"time-next_review_on": today}))

        assert response.status_code == 302
        assert BoundaryAgreement.objects.get(category=Category.TIME).next_review_on == timezone.localdate()


class TestErrorSummary:
    def test_it_takes_the_focus_and_links_to_every_field_in_error(self, client, owner):
        client.force_login(owner)
        data = intake_data(**{"code": "", "physical-terms": "", "physical-rationale": "Changed but no terms"})

        response = client.post(reverse("clients:intake"), data)

        content = response.content.decode()
        opening, summary = re.search(r'(<div id="error-summary"[^>]*>)(.*?)</div>', content, re.S).groups()
        assert 'tabindex="-1"' in opening and "autofocus" in opening and 'role="alert"' in opening
        assert content.count("autofocus") == 1
        assert "nothing has been saved yet" in summary
        links = re.findall(r'<a href="#([^"]+)">([^<]+)</a>', summary)
        assert links == [
            ("id_code", "Client code: Give the client a pseudonymous code."),
            ("id_physical-terms", "Physical contact and space, agreed terms: Write down the agreed terms."),
        ]
        assert 'id="id_physical-terms"' in content

    def test_a_refused_date_is_linked_inside_its_disclosure(self, client, owner):
        client.force_login(owner)

        response = client.post(reverse("clients:intake"), intake_data(**{"time-review_interval_days": "3"}))

        content = response.content.decode()
        assert 'href="#id_time-review_interval_days"' in content
        assert '<details class="field-disclosure mb-3" open>' in content


class TestWordings:
    def test_each_section_offers_the_practices_wordings_of_its_category(self, client, owner, wordings):
        client.force_login(owner)

        response = client.get(reverse("clients:intake"))

        time, physical, disclosure = response.context["core_sections"][:3]
        assert [label for value, label in time.fields["wording"].choices if value] == ["Fifty minutes"]
        assert [label for value, label in physical.fields["wording"].choices if value] == ["Handshake"]
        assert "wording" not in disclosure.fields  # the practice has none for it
        content = response.content.decode()
        assert 'data-terms-for="id_time-terms"' in content
        assert 'data-terms="Sessions last 50 minutes."' in content
        assert "Another practice&#x27;s." not in content and "Another practice's." not in content
        assert "js/agreement_form.js" in content

    def test_a_wording_chosen_with_the_terms_left_empty_gives_the_terms(self, client, owner, wordings):
        client.force_login(owner)

        response = client.post(
            reverse("clients:intake"),
            intake_data(**{"time-terms": "", "time-wording": str(wordings["time"].pk)}),
        )

        assert response.status_code == 302
        assert BoundaryAgreement.objects.get(category=Category.TIME).terms == "Sessions last 50 minutes."

    def test_typed_terms_win_over_a_chosen_wording(self, client, owner, wordings):
        client.force_login(owner)

        client.post(
            reverse("clients:intake"),
            intake_data(**{"time-terms": "Adapted: 45 minutes.", "time-wording": str(wordings["time"].pk)}),
        )

        assert BoundaryAgreement.objects.get(category=Category.TIME).terms == "Adapted: 45 minutes."

    def test_choosing_a_wording_alone_fills_an_optional_section(self, client, owner, wordings):
        client.force_login(owner)

        client.post(
            reverse("clients:intake"), empty_sections(**{"physical-wording": str(wordings["physical"].pk)})
        )

        assert [a.terms for a in BoundaryAgreement.objects.all()] == ["A handshake only."]

    @pytest.mark.parametrize("chosen", ["elsewhere", "physical"])
    def test_a_wording_of_another_practice_or_category_is_refused(self, client, owner, wordings, chosen):
        client.force_login(owner)

        response = client.post(
            reverse("clients:intake"), intake_data(**{"time-wording": str(wordings[chosen].pk)})
        )

        assert response.status_code == 200
        assert "Choose one of the practice&#x27;s standard wordings." in response.content.decode()
        assert not Client.objects.exists()

    def test_everything_typed_survives_an_error(self, client, owner, wordings):
        client.force_login(owner)
        later = (timezone.localdate() + 40 * DAY).isoformat()
        data = intake_data(
            **{
                "code": "Jane Doe",
                "setting": "telehealth",
                "time-wording": str(wordings["time"].pk),
                "time-terms": "Adapted wording.",
                "time-proposed_by": "client",
                "time-next_review_on": later,
                "online-terms": "No friend requests.",
            }
        )

        response = client.post(reverse("clients:intake"), data)

        content = response.content.decode()
        assert response.status_code == 200
        assert 'value="Jane Doe"' in content
        assert '<option value="telehealth" selected>' in content
        assert (
            f'<option value="{wordings["time"].pk}" selected data-terms="Sessions last 50 minutes."'
            in content
        )
        assert "Adapted wording." in content
        assert '<option value="client" selected>' in content
        assert f'value="{later}"' in content
        assert "No friend requests." in content
        # The optional section that was filled in is shown open.
        assert '<details class="card mb-3" open>' in content
