"""Agreement pages through the test client: who may read, who may change, and what changes."""

import datetime
import io

import pytest
from django.urls import URLPattern, reverse
from django.utils import timezone
from django.utils.formats import date_format
from pypdf import PdfReader

from boundaries import urls as boundaries_urls
from boundaries.models import AgreementStatus, AgreementWording, BoundaryAgreement, Category, ProposedBy
from boundaries.tests.factories import BoundaryAgreementFactory
from clients.models import ClientStatus

pytestmark = pytest.mark.django_db

DAY = datetime.timedelta(days=1)
TODAY = timezone.localdate  # called in each test: the date the views see

# Every URL of the app, by who may use it. A new URL without a line here fails test_every_url_is_covered.
READ_URLS = ["detail", "print", "pdf"]
CHANGE_URLS = ["revise", "end", "add"]
# The acknowledgement's own, covered in test_acknowledgements.py.
ACKNOWLEDGEMENT_URLS = {
    "acknowledge",
    "signing_start",
    "signing",
    "signing_leave",
    "acknowledgement",
    "acknowledgement_file",
    "acknowledgement_withdraw",
}
CLIENT_URLS = {"add", "print", "pdf"}  # take the client's pk; the others an agreement's
POST_ONLY = {"end"}
STRANGERS = ["colleague", "unassigned_supervisor", "ended_supervisor", "other_admin", "other_therapist"]


@pytest.fixture
def agreement(client_record):
    return BoundaryAgreementFactory(
        client=client_record,
        effective_date=TODAY() - 30 * DAY,
        terms="Sessions last fifty minutes and start on time.",
    )


@pytest.fixture
def physical(client_record):
    return BoundaryAgreementFactory(
        client=client_record,
        category=Category.PHYSICAL,
        effective_date=TODAY() - 30 * DAY,
        terms="A handshake at the door; no other touch.",
    )


def url(name, agreement):
    return reverse(f"boundaries:{name}", args=[agreement.client_id if name in CLIENT_URLS else agreement.pk])


def valid_post(name):
    """A POST each change view accepts from the owner."""
    today = TODAY().isoformat()
    return {
        "revise": {
            "terms": "Sessions last fifty minutes; a late start is not made up.",
            "proposed_by": ProposedBy.CLIENT,
            "rationale": "Asked for by the client.",
            "effective_date": today,
            "review_interval_days": "60",
            "next_review_on": "",
            "revision_reason": "The client asked for clarity about lateness.",
        },
        "end": {"ended_on": today},
        "add": {
            "category": Category.DISCLOSURE,
            "terms": "The therapist shares nothing personal beyond training and approach.",
            "proposed_by": ProposedBy.THERAPIST,
            "rationale": "",
            "effective_date": today,
            "review_interval_days": "90",
            "next_review_on": "",
        },
    }[name]


def snapshot():
    return list(BoundaryAgreement.objects.order_by("pk").values())


def messages_of(response):
    return [str(message) for message in response.context["messages"]]


def test_every_url_is_covered():
    names = {pattern.name for pattern in boundaries_urls.urlpatterns if isinstance(pattern, URLPattern)}

    assert names == set(READ_URLS) | set(CHANGE_URLS) | ACKNOWLEDGEMENT_URLS


def test_anonymous_is_sent_to_sign_in(client, agreement):
    for name in READ_URLS + CHANGE_URLS:
        response = (
            client.post(url(name, agreement)) if name in POST_ONLY else client.get(url(name, agreement))
        )

        assert response.status_code == 302, name
        assert response["Location"].startswith(reverse("accounts:login"))


# Access


@pytest.mark.parametrize("stranger", STRANGERS)
@pytest.mark.parametrize("name", READ_URLS + CHANGE_URLS)
def test_strangers_get_404_and_change_nothing(client, request, agreement, stranger, name):
    client.force_login(request.getfixturevalue(stranger))
    before = snapshot()

    get = client.get(url(name, agreement))
    post = client.post(url(name, agreement), valid_post(name) if name in CHANGE_URLS else {})

    # A POST-only view answers every GET with 405 before it looks anything up, so that says nothing.
    assert get.status_code == (405 if name in POST_ONLY else 404)
    assert post.status_code in ((405,) if name in READ_URLS else (404,))
    assert snapshot() == before


@pytest.mark.parametrize("reader", ["supervisor", "admin"])
@pytest.mark.parametrize("name", READ_URLS)
def test_current_supervisor_and_practice_admin_can_read(client, request, agreement, reader, name):
    client.force_login(request.getfixturevalue(reader))

    response = client.get(url(name, agreement))

    assert response.status_code == 200


@pytest.mark.parametrize("reader", ["supervisor", "admin"])
@pytest.mark.parametrize("name", CHANGE_URLS)
def test_current_supervisor_and_practice_admin_get_404_on_changes(client, request, agreement, reader, name):
    client.force_login(request.getfixturevalue(reader))
    before = snapshot()

    if name not in POST_ONLY:
        assert client.get(url(name, agreement)).status_code == 404
    assert client.post(url(name, agreement), valid_post(name)).status_code == 404
    assert snapshot() == before


def test_supervisor_sees_no_change_buttons(client, supervisor, agreement):
    client.force_login(supervisor)

    response = client.get(url("detail", agreement))

    assert reverse("boundaries:revise", args=[agreement.pk]).encode() not in response.content
    assert reverse("boundaries:end", args=[agreement.pk]).encode() not in response.content


def test_unknown_ids_are_404(client, owner, agreement):
    client.force_login(owner)

    assert client.get(reverse("boundaries:detail", args=[agreement.pk + 1000])).status_code == 404
    assert client.get(reverse("boundaries:pdf", args=[agreement.client_id + 1000])).status_code == 404
    assert (
        client.post(reverse("boundaries:end", args=[agreement.pk + 1000]), valid_post("end")).status_code
        == 404
    )


# Detail


def test_owner_reads_detail_with_actions(client, owner, agreement):
    client.force_login(owner)

    response = client.get(url("detail", agreement))

    assert response.status_code == 200
    assert agreement.terms.encode() in response.content
    assert reverse("boundaries:revise", args=[agreement.pk]).encode() in response.content
    assert reverse("boundaries:acknowledge", args=[agreement.client_id]).encode() in response.content


def test_detail_query_count(client, owner, agreement, django_assert_num_queries):
    client.force_login(owner)
    # session, user, practice (time zone), the agreement with client and recorder, the access
    # record insert, every version of its chain with their recorders
    with django_assert_num_queries(6):
        client.get(url("detail", agreement))


def test_detail_query_count_does_not_grow_with_versions(client, owner, agreement, django_assert_num_queries):
    client.force_login(owner)
    for _ in range(3):
        active = BoundaryAgreement.objects.get(chain=agreement.chain, status=AgreementStatus.ACTIVE)
        client.post(
            url("revise", active), {**valid_post("revise"), "terms": f"Version after {active.version}."}
        )
    assert BoundaryAgreement.objects.filter(chain=agreement.chain).count() == 4
    # session, user, practice (time zone), the agreement with client and recorder, the access
    # record insert, every version of its chain with their recorders
    with django_assert_num_queries(6):
        client.get(url("detail", agreement))


# Revise


def test_revise_form_is_prefilled_from_the_active_version(client, owner, agreement):
    client.force_login(owner)

    response = client.get(url("revise", agreement))

    assert response.status_code == 200
    form = response.context["form"]
    assert form.initial["terms"] == agreement.terms
    assert form.initial["effective_date"] == TODAY()
    assert agreement.terms.encode() in response.content


def test_revise_creates_version_two_and_both_stay_readable(client, owner, agreement):
    client.force_login(owner)

    response = client.post(url("revise", agreement), valid_post("revise"))

    revision = BoundaryAgreement.objects.get(chain=agreement.chain, version=2)
    assert response.status_code == 302
    assert response["Location"] == revision.get_absolute_url()
    agreement.refresh_from_db()
    assert agreement.status == AgreementStatus.SUPERSEDED
    assert (revision.status, revision.supersedes, revision.recorded_by) == (
        AgreementStatus.ACTIVE,
        agreement,
        owner,
    )

    old_page = client.get(url("detail", agreement))
    new_page = client.get(url("detail", revision))
    assert old_page.status_code == new_page.status_code == 200
    assert agreement.terms.encode() in old_page.content
    assert b"superseded" in old_page.content
    # The change is visible: the word diff marks what was added and removed.
    assert b"<ins>" in new_page.content
    assert b"<del>" in new_page.content
    assert b"made up." in new_page.content


def test_revise_success_message(client, owner, agreement):
    client.force_login(owner)

    response = client.post(url("revise", agreement), valid_post("revise"), follow=True)

    assert "Version 2 is now in force; version 1 is superseded." in messages_of(response)


def test_revise_of_a_superseded_version_is_refused(client, owner, agreement):
    client.force_login(owner)
    client.post(url("revise", agreement), valid_post("revise"))
    before = snapshot()

    get = client.get(url("revise", agreement))
    post = client.post(
        url("revise", agreement), {**valid_post("revise"), "terms": "A third version."}, follow=True
    )

    assert get.status_code == 302
    assert get["Location"] == agreement.get_absolute_url()
    assert "Only the active version of an agreement can be revised." in messages_of(post)
    assert snapshot() == before


@pytest.mark.parametrize(
    ("changes", "error"),
    [
        ({"terms": ""}, "Write down the agreed terms."),
        ({"effective_date": ""}, "Give the date the agreement takes effect."),
        ({"effective_date": "someday"}, "Enter a valid date."),
        ({"review_interval_days": "3"}, "greater than or equal to 7"),
        ({"proposed_by": "supervisor"}, "Select a valid choice."),
    ],
)
def test_revise_invalid_input_rerenders_with_typed_values(client, owner, agreement, changes, error):
    client.force_login(owner)
    before = snapshot()
    data = {**valid_post("revise"), "rationale": "Typed rationale stays.", **changes}

    response = client.post(url("revise", agreement), data)

    assert response.status_code == 200
    assert error in response.content.decode()
    assert b"Typed rationale stays." in response.content
    assert "The revision was not saved: please correct the fields marked below." in messages_of(response)
    assert snapshot() == before


def test_revise_taking_effect_before_the_previous_version_is_refused(client, owner, agreement):
    client.force_login(owner)
    before = snapshot()
    early = (agreement.effective_date - DAY).isoformat()

    response = client.post(url("revise", agreement), {**valid_post("revise"), "effective_date": early})

    assert response.status_code == 200
    assert b"cannot take effect before the version it replaces" in response.content
    assert f'value="{early}"'.encode() in response.content
    assert snapshot() == before


def test_revise_without_any_change_is_refused(client, owner, agreement):
    client.force_login(owner)
    unchanged = {
        "terms": agreement.terms,
        "proposed_by": agreement.proposed_by,
        "rationale": agreement.rationale,
        "effective_date": agreement.effective_date.isoformat(),
        "review_interval_days": str(agreement.review_interval_days),
        "next_review_on": agreement.next_review_on.isoformat(),
        "revision_reason": "Reviewed, nothing to change.",
    }

    response = client.post(url("revise", agreement), unchanged)

    assert response.status_code == 200
    assert b"Nothing was changed" in response.content
    assert BoundaryAgreement.objects.count() == 1


# End


def test_end_is_post_only(client, owner, agreement):
    client.force_login(owner)

    assert client.get(url("end", agreement)).status_code == 405


def test_owner_ends_an_agreement(client, owner, agreement):
    client.force_login(owner)

    response = client.post(url("end", agreement), {"ended_on": TODAY().isoformat()}, follow=True)

    agreement.refresh_from_db()
    assert response.redirect_chain == [(agreement.get_absolute_url(), 302)]
    assert (agreement.status, agreement.ended_on) == (AgreementStatus.ENDED, TODAY())
    assert any(message.startswith("The agreement ended on") for message in messages_of(response))


@pytest.mark.parametrize(
    ("ended_on", "error"),
    [
        (lambda a: a.effective_date - DAY, "cannot end before it took effect"),
        (lambda a: TODAY() + DAY, "An end date cannot be in the future."),
        (lambda a: "31/02/2025", "Enter a valid date."),
        (lambda a: "", "Give the date the agreement ends."),
    ],
)
def test_end_refuses_bad_dates_and_rerenders_detail(client, owner, agreement, ended_on, error):
    client.force_login(owner)
    before = snapshot()
    typed = ended_on(agreement)
    typed = typed.isoformat() if isinstance(typed, datetime.date) else typed

    response = client.post(url("end", agreement), {"ended_on": typed})

    assert response.status_code == 200
    assert response.templates[0].name == "boundaries/detail.html"
    assert error in response.content.decode()
    assert f'value="{typed}"'.encode() in response.content
    assert snapshot() == before


def test_end_of_an_ended_agreement_is_refused(client, owner, agreement):
    client.force_login(owner)
    client.post(url("end", agreement), {"ended_on": TODAY().isoformat()})
    before = snapshot()

    response = client.post(url("end", agreement), {"ended_on": TODAY().isoformat()}, follow=True)

    assert "Only the active version of an agreement can be ended." in messages_of(response)
    assert snapshot() == before


# Add


def test_add_offers_only_categories_without_an_active_agreement(client, owner, agreement, physical):
    client.force_login(owner)

    response = client.get(url("add", agreement))

    assert response.status_code == 200
    offered = {code for code, _ in response.context["category_form"].fields["category"].choices if code}
    assert offered == set(Category.values) - {Category.TIME, Category.PHYSICAL}


def test_owner_adds_an_agreement(client, owner, agreement):
    client.force_login(owner)

    response = client.post(url("add", agreement), valid_post("add"))

    added = BoundaryAgreement.objects.get(client=agreement.client, category=Category.DISCLOSURE)
    assert response.status_code == 302
    assert response["Location"] == added.get_absolute_url()
    assert (added.version, added.status, added.recorded_by) == (1, AgreementStatus.ACTIVE, owner)
    assert added.next_review_on == TODAY() + 90 * DAY


def test_add_in_a_taken_category_is_refused(client, owner, agreement):
    client.force_login(owner)
    before = snapshot()

    response = client.post(url("add", agreement), {**valid_post("add"), "category": Category.TIME})

    assert response.status_code == 200
    assert b"already has an active agreement in that category" in response.content
    assert valid_post("add")["terms"].encode() in response.content
    assert snapshot() == before


@pytest.mark.parametrize(
    ("changes", "error"),
    [
        ({"terms": "  "}, "Write down the agreed terms."),
        ({"category": ""}, "Choose the category of the new agreement."),
        ({"next_review_on": "2000-01-01"}, "The review date cannot come before the effective date."),
        ({"review_interval_days": "many"}, "Enter a whole number."),
    ],
)
def test_add_invalid_input_rerenders_with_typed_values(client, owner, agreement, changes, error):
    client.force_login(owner)
    before = snapshot()
    data = {**valid_post("add"), "rationale": "Typed rationale stays.", **changes}

    response = client.post(url("add", agreement), data)

    assert response.status_code == 200
    assert error in response.content.decode()
    assert b"Typed rationale stays." in response.content
    assert snapshot() == before


def test_add_when_every_category_is_taken_goes_back_to_the_client(client, owner, client_record):
    for category in Category.values:
        BoundaryAgreementFactory(client=client_record, category=category)
    client.force_login(owner)

    response = client.get(reverse("boundaries:add", args=[client_record.pk]))

    assert response.status_code == 302
    assert response["Location"] == client_record.get_absolute_url()


# Print and PDF


def test_print_page_shows_every_active_agreement_and_signature_lines(client, owner, agreement, physical):
    client.force_login(owner)
    client.post(url("revise", agreement), valid_post("revise"))
    ended = BoundaryAgreementFactory(
        client=agreement.client, category=Category.ONLINE, terms="No friend requests."
    )
    client.post(url("end", ended), {"ended_on": TODAY().isoformat()})

    response = client.get(url("print", agreement))

    content = response.content.decode()
    assert response.status_code == 200
    assert "Riverside Practice" in content
    assert "RS-0001" in content
    assert valid_post("revise")["terms"] in content
    assert physical.terms in content
    assert agreement.terms not in content  # superseded
    assert ended.terms not in content
    assert "css/print-agreement.css" in content
    assert content.count('class="line"') == 4  # signature and date, client and therapist
    assert "no-store" in response["Cache-Control"]


def test_print_query_count(client, owner, agreement, physical, django_assert_num_queries):
    client.force_login(owner)
    # session, user, practice (time zone), the client with practice and therapist, the access record
    # insert, its active agreements, the acknowledgement that covers them (and, once one is drawn on
    # screen, its signature: one more)
    with django_assert_num_queries(7):
        client.get(url("print", agreement))


def test_pdf_is_an_attachment_holding_code_and_every_active_agreement(client, owner, agreement, physical):
    client.force_login(owner)

    response = client.get(url("pdf", agreement))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == 'attachment; filename="agreement-RS-0001.pdf"'
    text = " ".join(
        " ".join(page.extract_text().split()) for page in PdfReader(io.BytesIO(response.content)).pages
    )
    assert "RS-0001" in text
    assert "Riverside Practice" in text
    for terms in (agreement.terms, physical.terms):
        assert " ".join(terms.split()) in text


def test_pdf_of_a_client_without_agreements_still_renders(client, owner, client_record):
    client.force_login(owner)

    response = client.get(reverse("boundaries:pdf", args=[client_record.pk]))

    assert response.status_code == 200
    assert response.content.startswith(b"%PDF")


@pytest.mark.parametrize("name", ["add", "revise"])
def test_a_discharged_clients_agreements_are_not_added_or_revised(client, owner, agreement, name):
    agreement.client.status, agreement.client.discharged_on = ClientStatus.DISCHARGED, TODAY()
    agreement.client.save()
    client.force_login(owner)
    before = snapshot()

    get = client.get(url(name, agreement))
    post = client.post(url(name, agreement), valid_post(name), follow=True)

    assert get.status_code == 302
    assert get["Location"] == agreement.client.get_absolute_url()
    assert "RS-0001 was discharged; their agreements can no longer be added or revised." in messages_of(post)
    assert snapshot() == before


def test_a_discharged_clients_agreement_can_still_be_ended(client, owner, agreement):
    agreement.client.status, agreement.client.discharged_on = ClientStatus.DISCHARGED, TODAY()
    agreement.client.save()
    client.force_login(owner)

    client.post(url("end", agreement), {"ended_on": TODAY().isoformat()})

    agreement.refresh_from_db()
    assert agreement.status == AgreementStatus.ENDED


# Revisions say why


def test_a_revision_without_a_reason_is_refused_with_everything_typed_kept(client, owner, agreement):
    client.force_login(owner)
    before = snapshot()

    response = client.post(url("revise", agreement), {**valid_post("revise"), "revision_reason": "  "})

    assert response.status_code == 200
    content = response.content.decode()
    assert "Say why the agreement changes: the history keeps the reason." in content
    assert valid_post("revise")["terms"] in content
    assert snapshot() == before


def test_the_history_shows_why_each_version_changed(client, owner, agreement):
    client.force_login(owner)
    client.post(url("revise", agreement), valid_post("revise"))
    revision = BoundaryAgreement.objects.get(chain=agreement.chain, version=2)

    response = client.get(url("detail", revision))

    assert revision.revision_reason == "The client asked for clarity about lateness."
    content = response.content.decode()
    assert "Why the agreement changes" not in content  # the form's label, not the page's
    assert "Why it changed" in content
    assert content.count("The client asked for clarity about lateness.") == 2  # this version, and its history


# Review dates


@pytest.mark.parametrize("name", ["add", "revise"])
def test_a_review_date_that_has_passed_is_refused(client, owner, agreement, name):
    client.force_login(owner)
    before = snapshot()
    data = {
        **valid_post(name),
        "effective_date": agreement.effective_date.isoformat(),
        "next_review_on": (TODAY() - DAY).isoformat(),
    }

    response = client.post(url(name, agreement), data)

    assert response.status_code == 200
    assert "The review date has passed: choose a date from today on." in response.content.decode()
    assert snapshot() == before


# Standard wordings


@pytest.fixture
def wordings(practice, other_practice):
    return [
        AgreementWording.objects.create(
            practice=practice,
            category=Category.TIME,
            title="Fifty minutes",
            terms="Sessions last 50 minutes.",
        ),
        AgreementWording.objects.create(
            practice=practice, category=Category.DISCLOSURE, title="Brief", terms="Shared only briefly."
        ),
        AgreementWording.objects.create(
            practice=practice, category=Category.ONLINE, title="No social media", terms="No friend requests."
        ),
        AgreementWording.objects.create(
            practice=other_practice, category=Category.ONLINE, title="Elsewhere", terms="Not offered here."
        ),
    ]


def test_revise_offers_the_wordings_of_its_category(client, owner, agreement, wordings):
    client.force_login(owner)

    response = client.get(url("revise", agreement))

    field = response.context["form"].fields["wording"]
    assert [label for value, label in field.choices if value] == ["Fifty minutes"]
    assert "js/agreement_form.js" in response.content.decode()


def test_add_offers_the_wordings_of_the_open_categories_grouped(client, owner, agreement, wordings):
    client.force_login(owner)

    response = client.get(url("add", agreement))

    choices = response.context["form"].fields["wording"].choices
    assert choices[1:] == [
        ("Self-disclosure", [(str(wordings[1].pk), "Brief")]),
        ("Online and social media", [(str(wordings[2].pk), "No social media")]),
    ]  # time is taken; another practice's wording is not offered
    assert '<optgroup label="Self-disclosure">' in response.content.decode()


def test_add_from_a_wording_with_the_terms_left_empty(client, owner, agreement, wordings):
    client.force_login(owner)

    client.post(url("add", agreement), {**valid_post("add"), "terms": "", "wording": str(wordings[1].pk)})

    added = BoundaryAgreement.objects.get(client=agreement.client, category=Category.DISCLOSURE)
    assert added.terms == "Shared only briefly."


def test_add_refuses_a_wording_of_another_category_keeping_the_typing(client, owner, agreement, wordings):
    client.force_login(owner)
    before = snapshot()

    response = client.post(url("add", agreement), {**valid_post("add"), "wording": str(wordings[2].pk)})

    assert response.status_code == 200
    content = response.content.decode()
    assert (
        "“No social media” is a wording for online and social media; choose one for self-disclosure."
        in content
    )
    assert valid_post("add")["terms"] in content
    assert snapshot() == before


def test_revise_from_a_wording_with_the_terms_emptied(client, owner, agreement, wordings):
    client.force_login(owner)

    client.post(
        url("revise", agreement), {**valid_post("revise"), "terms": "", "wording": str(wordings[0].pk)}
    )

    assert (
        BoundaryAgreement.objects.get(chain=agreement.chain, version=2).terms == "Sessions last 50 minutes."
    )


# The printed sheet


def test_print_shows_the_print_date_each_version_and_the_running_header_sources(client, owner, agreement):
    client.force_login(owner)
    client.post(url("revise", agreement), valid_post("revise"))

    response = client.get(url("print", agreement))

    content = " ".join(response.content.decode().split())
    assert f'Printed <span class="printed-on">{date_format(TODAY())}</span>' in content
    assert "<dt>Version</dt> <dd> 2 </dd>" in content
    assert '<strong class="client-code">RS-0001</strong>' in content
    # The acknowledgement, once recorded, comes just before the signatures.
    assert "boundaries/includes/print_acknowledgement.html" in [t.name for t in response.templates]


def test_every_pdf_page_names_the_client_the_page_and_the_print_date(client, owner, client_record):
    for category in Category.values:
        BoundaryAgreementFactory(
            client=client_record,
            category=category,
            effective_date=TODAY() - 30 * DAY,
            terms=" ".join(["Sessions and contact follow the agreed frame in every circumstance."] * 12),
        )
    client.force_login(owner)

    response = client.get(reverse("boundaries:pdf", args=[client_record.pk]))

    pages = [" ".join(page.extract_text().split()) for page in PdfReader(io.BytesIO(response.content)).pages]
    assert len(pages) >= 2
    for number, text in enumerate(pages, start=1):
        assert f"RS-0001 · page {number} of {len(pages)}" in text
        assert f"Printed {date_format(TODAY())}" in text
    # The signature lines are never alone on a page: the client's code is on theirs.
    assert "Signatures" in pages[-1] and "Client RS-0001" in pages[-1]
