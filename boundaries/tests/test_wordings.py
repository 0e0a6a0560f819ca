"""The practice's library of standard agreement wordings (boundaries/wording_views.py): its admin's."""

import pytest
from django.urls import URLPattern, reverse

from boundaries import urls as boundaries_urls
from boundaries.models import AgreementWording, Category

pytestmark = pytest.mark.django_db

# Every wording URL. A new one without a line here fails test_every_url_is_covered.
PAGES = ["wordings", "wording_new", "wording_edit"]
POST_ONLY = ["wording_delete"]
GET_ONLY = ["wordings"]
ABOUT_A_WORDING = {"wording_edit", "wording_delete"}
NOT_ADMINS = ["owner", "colleague", "supervisor", "unassigned_supervisor", "other_therapist"]


@pytest.fixture
def wording(practice):
    return AgreementWording.objects.create(
        practice=practice,
        category=Category.TIME,
        title="Fifty minutes",
        terms="Sessions last 50 minutes and start on time; a late start is not made up at the end.",
    )


def url(name, wording):
    return reverse(f"practice:{name}", args=[wording.pk] if name in ABOUT_A_WORDING else [])


def valid_post(**overrides):
    return {
        "category": Category.PHYSICAL,
        "title": "Handshake only",
        "terms": "A handshake at the first and last session only.",
        "position": "1",
        **overrides,
    }


def snapshot():
    return list(AgreementWording.objects.order_by("pk").values())


def test_every_url_is_covered():
    names = {p.name for p in boundaries_urls.practice_urlpatterns if isinstance(p, URLPattern)}

    assert names == set(PAGES) | set(POST_ONLY)


# Access


@pytest.mark.parametrize("visitor", NOT_ADMINS)
@pytest.mark.parametrize("name", PAGES + POST_ONLY)
def test_anyone_but_a_practice_admin_gets_404_and_changes_nothing(client, request, wording, visitor, name):
    client.force_login(request.getfixturevalue(visitor))
    before = snapshot()

    get = client.get(url(name, wording))
    post = client.post(url(name, wording), valid_post())

    # A view answers a method it does not serve with 405 before it looks at anything.
    assert get.status_code == (405 if name in POST_ONLY else 404)
    assert post.status_code == (405 if name in GET_ONLY else 404)
    assert snapshot() == before


@pytest.mark.parametrize("name", sorted(ABOUT_A_WORDING))
def test_an_admin_of_another_practice_gets_404_and_changes_nothing(client, other_admin, wording, name):
    client.force_login(other_admin)
    before = snapshot()

    assert client.post(url(name, wording), valid_post()).status_code == 404
    assert snapshot() == before


def test_an_admin_of_another_practice_sees_only_their_own_library(client, other_admin, wording):
    client.force_login(other_admin)

    response = client.get(url("wordings", wording))

    assert response.status_code == 200
    assert wording.title not in response.content.decode()


def test_anonymous_is_sent_to_sign_in(client, wording):
    for name in PAGES:
        response = client.get(url(name, wording))

        assert response.status_code == 302, name
        assert response["Location"].startswith(reverse("accounts:login"))


# The pages


def test_the_list_shows_every_category_with_its_wordings(client, admin, wording):
    client.force_login(admin)

    response = client.get(url("wordings", wording))

    content = response.content.decode()
    assert [category.label for category, _ in response.context["by_category"]] == Category.labels
    assert response.context["by_category"][0][1] == [wording]
    assert wording.terms in content
    assert reverse("practice:wording_edit", args=[wording.pk]) in content
    assert f"{reverse('practice:wording_new')}?category=online" in content


def test_the_list_query_count(client, admin, wording, django_assert_num_queries):
    client.force_login(admin)
    # session, user, practice (time zone), the practice's wordings
    with django_assert_num_queries(4):
        client.get(url("wordings", wording))


def test_the_practice_settings_link_to_the_library(client, admin):
    client.force_login(admin)

    response = client.get(reverse("practice:settings"))

    assert reverse("practice:wordings") in response.content.decode()


def test_the_new_form_starts_in_the_category_asked_for(client, admin, wording):
    client.force_login(admin)

    response = client.get(url("wording_new", wording), {"category": "online"})

    assert response.context["form"]["category"].value() == "online"


def test_an_admin_adds_a_wording(client, admin, practice, wording):
    client.force_login(admin)

    response = client.post(url("wording_new", wording), valid_post(), follow=True)

    added = AgreementWording.objects.get(title="Handshake only")
    assert response.redirect_chain == [(reverse("practice:wordings"), 302)]
    assert (added.practice, added.category, added.position) == (practice, Category.PHYSICAL, 1)
    assert "“Handshake only” added to the physical contact and space wordings." in response.content.decode()


def test_a_place_left_empty_comes_first(client, admin, wording):
    client.force_login(admin)

    client.post(url("wording_new", wording), valid_post(position=""))

    assert AgreementWording.objects.get(title="Handshake only").position == 0


@pytest.mark.parametrize(
    ("changes", "error"),
    [
        ({"title": ""}, "Give the wording a short title."),
        ({"terms": ""}, "Write the standard terms."),
        ({"category": ""}, "Choose the category of the wording."),
        ({"category": "time", "title": "fifty MINUTES"}, "The library already has a time wording titled"),
    ],
)
def test_a_refused_wording_keeps_what_was_typed(client, admin, wording, changes, error):
    client.force_login(admin)
    before = snapshot()
    data = valid_post(**changes)

    response = client.post(url("wording_new", wording), data)

    content = response.content.decode()
    assert response.status_code == 200
    assert error in content
    assert (data["terms"] or data["title"]) in content
    assert snapshot() == before


def test_the_same_title_in_another_category_or_practice_is_fine(client, admin, other_practice, wording):
    AgreementWording.objects.create(
        practice=other_practice, category=Category.PHYSICAL, title="Handshake only", terms="Theirs."
    )
    client.force_login(admin)

    response = client.post(url("wording_new", wording), valid_post(title="Fifty minutes"))

    assert response.status_code == 302
    assert AgreementWording.objects.filter(title="Fifty minutes").count() == 2


def test_an_admin_edits_a_wording(client, admin, wording):
    client.force_login(admin)

    response = client.post(url("wording_edit", wording), valid_post(category="time", title="Fifty minutes"))

    wording.refresh_from_db()
    assert response.status_code == 302
    assert wording.terms == valid_post()["terms"]


def test_a_refused_edit_keeps_the_saved_title_in_the_heading(client, admin, wording):
    client.force_login(admin)

    response = client.post(url("wording_edit", wording), valid_post(title="", terms="Typed terms."))

    content = response.content.decode()
    assert "Edit “Fifty minutes”" in content
    assert "Typed terms." in content
    wording.refresh_from_db()
    assert wording.title == "Fifty minutes"


def test_an_admin_removes_a_wording_and_agreements_keep_their_terms(client, admin, wording, client_record):
    from boundaries.tests.factories import BoundaryAgreementFactory

    agreement = BoundaryAgreementFactory(client=client_record, terms=wording.terms)
    client.force_login(admin)

    response = client.post(url("wording_delete", wording), follow=True)

    assert response.redirect_chain == [(reverse("practice:wordings"), 302)]
    assert not AgreementWording.objects.exists()
    agreement.refresh_from_db()
    assert agreement.terms == wording.terms
