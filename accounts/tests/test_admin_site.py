"""The admin site as one practice's admin: nothing of another practice, anywhere.

Lakeside Practice's people carry names found nowhere else (``LAKESIDE_WORDS``), so a page that
shows any of them, a list filter that offers one, or an autocomplete answer that names one fails.
Every registered ModelAdmin is walked, so a new one is covered the day it is registered.
"""

import datetime
import json
import re
from urllib.parse import urlencode

import pytest
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.apps import apps
from django.contrib import admin as django_admin
from django.contrib.auth.models import Group, Permission
from django.contrib.contenttypes.models import ContentType
from django.urls import reverse
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.admin_site import SuperuserOnlyAdmin
from accounts.models import SupervisionAssignment, User
from accounts.tests.factories import (
    PracticeAdminFactory,
    PracticeFactory,
    SupervisionAssignmentFactory,
    SupervisorFactory,
    TherapistFactory,
    UserFactory,
)
from audit.models import AccessRecord
from boundaries.tests.factories import BoundaryAgreementFactory
from clients.tests.factories import ClientFactory
from common.tests.queue import failed_mail
from sessions_log.tests.factories import AddendumFactory, IncidentFactory, SessionFactory
from supervision.tests.factories import FlagFactory

pytestmark = pytest.mark.django_db

LAKESIDE_WORDS = ("Zebulon", "Quartermaine", "Octavia", "Pennyworth", "lakeside.", "Lakeside", "LK-7777")


def build_practice(name: str, *, prefix: str, people: dict[str, tuple[str, str]], code: str) -> dict:
    practice = PracticeFactory(name=name)
    first, last = people["therapist"]
    therapist = TherapistFactory(
        practice=practice, username=f"{prefix}.therapist", first_name=first, last_name=last
    )
    first, last = people["supervisor"]
    supervisor = SupervisorFactory(
        practice=practice, username=f"{prefix}.supervisor", first_name=first, last_name=last
    )
    assignment = SupervisionAssignmentFactory(therapist=therapist, supervisor=supervisor)
    client = ClientFactory(therapist=therapist, code=code)
    session = SessionFactory(client=client)
    incident = IncidentFactory(client=client, session=session, occurred_at=session.actual_start)
    addendum = AddendumFactory(session=session, client=client, author=therapist)
    AccessRecord.objects.create(
        practice=practice, user=therapist, client=client, object_type="client", object_id=client.pk
    )
    TOTPDevice.objects.create(user=supervisor, name=f"{prefix} phone", confirmed=True)
    StaticDevice.objects.create(user=supervisor, name=f"{prefix} backup codes", confirmed=True)
    Group.objects.create(name=f"{prefix} group")
    axes = {"username": therapist.username, "user_agent": "x", "ip_address": "192.0.2.7", "path_info": "/"}
    AccessAttempt.objects.create(**axes, http_accept="*/*", get_data="", post_data="", failures_since_start=3)
    AccessLog.objects.create(**axes, http_accept="*/*")
    AccessFailureLog.objects.create(**axes, http_accept="*/*", locked_out=False)
    failed_mail(practice.pk)
    return {
        "practice": practice,
        "therapist": therapist,
        "supervisor": supervisor,
        "assignment": assignment,
        "client": client,
        "session": session,
        "incident": incident,
        "addendum": addendum,
        "agreement": BoundaryAgreementFactory(client=client),
        "flag": FlagFactory(client=client),
    }


@pytest.fixture
def riverside(db):
    world = build_practice(
        "Riverside Practice",
        prefix="riverside",
        people={"therapist": ("Mara", "Holm"), "supervisor": ("Ines", "Rivera")},
        code="RS-0142",
    )
    world["admin"] = PracticeAdminFactory(practice=world["practice"], username="riverside.admin")
    # A second of each, so that the assignments' user filters have something to choose between.
    world["unassigned"] = SupervisorFactory(
        practice=world["practice"], username="riverside.unassigned", first_name="Una", last_name="Berg"
    )
    world["colleague"] = TherapistFactory(
        practice=world["practice"], username="riverside.colleague", first_name="Cai", last_name="Lund"
    )
    return world


@pytest.fixture
def lakeside(db):
    return build_practice(
        "Lakeside Practice",
        prefix="lakeside",
        people={"therapist": ("Zebulon", "Quartermaine"), "supervisor": ("Octavia", "Pennyworth")},
        code="LK-7777",
    )


@pytest.fixture(params=["no_permissions", "every_permission"])
def riverside_admin(request, client, riverside, lakeside):
    """Riverside's admin, signed in; once as made, once holding every model permission there is
    (granted by mistake, say): the site must stay tight either way."""
    admin = riverside["admin"]
    if request.param == "every_permission":
        admin.user_permissions.set(Permission.objects.all())
        admin = User.objects.get(pk=admin.pk)  # no cached permissions
    client.force_login(admin)
    return admin


def lakeside_pks(lakeside) -> dict[type, set[int]]:
    practice = lakeside["practice"]
    users = set(User.objects.filter(practice=practice).values_list("pk", flat=True))
    return {
        User: users,
        SupervisionAssignment: set(
            SupervisionAssignment.objects.filter(practice=practice).values_list("pk", flat=True)
        ),
        AccessRecord: set(AccessRecord.objects.filter(practice=practice).values_list("pk", flat=True)),
        TOTPDevice: set(TOTPDevice.objects.filter(user__in=users).values_list("pk", flat=True)),
        StaticDevice: set(StaticDevice.objects.filter(user__in=users).values_list("pk", flat=True)),
    }


def assert_nothing_of_lakeside(content: str, where: str) -> None:
    found = [word for word in LAKESIDE_WORDS if word in content]
    assert not found, f"{where} shows {found}"


def assert_no_lakeside_links(content: str, pks: dict[type, set[int]], where: str) -> None:
    for model, ids in pks.items():
        opts = model._meta
        for pk in ids:
            link = f"/admin/{opts.app_label}/{opts.model_name}/{pk}/"
            assert link not in content, f"{where} links to {link}"


def changelist_urls() -> list[str]:
    return [
        reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
        for model in django_admin.site._registry
    ]


def test_every_admin_is_scoped_or_for_the_superuser_only():
    for model, model_admin in django_admin.site._registry.items():
        assert getattr(model_admin, "practice_scoped", False) or isinstance(
            model_admin, SuperuserOnlyAdmin
        ), model


def test_changelists_and_their_filters_show_nothing_of_another_practice(
    client, riverside_admin, riverside, lakeside
):
    pks = lakeside_pks(lakeside)
    walked = filters = 0
    for url in changelist_urls():
        response = client.get(url)
        walked += 1
        assert response.status_code in (200, 403), (url, response.status_code)
        content = response.content.decode()
        assert_nothing_of_lakeside(content, url)
        assert_no_lakeside_links(content, pks, url)
        if response.status_code != 200:
            continue
        changelist = response.context["cl"]
        assert not {row.pk for row in changelist.result_list} & pks.get(changelist.model, set()), url
        for spec in changelist.filter_specs:
            for choice in spec.choices(changelist):
                filtered = client.get(url + choice["query_string"])
                filters += 1
                assert filtered.status_code == 200, (url, choice)
                assert_nothing_of_lakeside(filtered.content.decode(), url + choice["query_string"])
    assert walked == len(django_admin.site._registry)
    assert filters == 13  # users: role (4), active (3); assignments: supervisor (3), therapist (3)


def test_by_supervisor_lists_the_practices_supervisors_only(client, riverside_admin, riverside, lakeside):
    response = client.get(reverse("admin:accounts_supervisionassignment_changelist"))

    by_supervisor = next(
        spec for spec in response.context["cl"].filter_specs if spec.field_path == "supervisor"
    )
    assert by_supervisor.title == "supervisor"
    offered = {label for _pk, label in by_supervisor.lookup_choices}
    assert offered == {
        str(riverside["supervisor"]),
        "Una " + User.objects.get(username="riverside.unassigned").last_name,
    }
    by_therapist = next(
        spec for spec in response.context["cl"].filter_specs if spec.field_path == "therapist"
    )
    assert {label for _pk, label in by_therapist.lookup_choices} == {"Mara Holm", "Cai Lund"}


def test_filtering_by_another_practices_supervisor_finds_nothing(client, riverside_admin, lakeside):
    url = reverse("admin:accounts_supervisionassignment_changelist")

    response = client.get(url, {"supervisor__id__exact": lakeside["supervisor"].pk})

    assert response.status_code == 200
    assert list(response.context["cl"].result_list) == []
    assert_nothing_of_lakeside(response.content.decode(), url)


def autocomplete_queries() -> list[dict]:
    """Every relation of every model whose target has a ModelAdmin: each is an autocomplete URL."""
    queries = []
    for model in apps.get_models():
        for field in model._meta.get_fields():
            if field.is_relation and field.concrete and field.related_model in django_admin.site._registry:
                queries.append(
                    {
                        "app_label": model._meta.app_label,
                        "model_name": model._meta.model_name,
                        "field_name": field.name,
                    }
                )
    return queries


def test_autocomplete_answers_nothing_of_another_practice(client, riverside_admin, riverside, lakeside):
    pks = lakeside_pks(lakeside)
    queries = autocomplete_queries()
    answered = 0
    for query in queries:
        for term in ("", "a", "Zebulon", "lakeside"):
            url = f"{reverse('admin:autocomplete')}?{urlencode({**query, 'term': term})}"
            response = client.get(url)
            assert response.status_code in (200, 403, 404), (url, response.status_code)
            assert_nothing_of_lakeside(response.content.decode(), url)
            if response.status_code == 200:
                answered += 1
                remote = (
                    apps.get_model(query["app_label"], query["model_name"])
                    ._meta.get_field(query["field_name"])
                    .related_model
                )
                ids = {int(result["id"]) for result in json.loads(response.content)["results"]}
                assert not ids & pks.get(remote, set()), url
    assert len(queries) >= 30
    assert answered >= 4 * 20  # the relations to users: about twenty models have one


def test_autocomplete_of_a_role_field_offers_that_role_only(client, riverside_admin, riverside):
    query = {"app_label": "accounts", "model_name": "supervisionassignment", "field_name": "supervisor"}

    response = client.get(reverse("admin:autocomplete"), query)

    assert {result["text"] for result in response.json()["results"]} == {"Ines Rivera", "Una Berg"}


def test_superuser_still_sees_every_practice(client, riverside, lakeside):
    client.force_login(UserFactory(username="root", practice=None, is_superuser=True, is_staff=True))
    query = {"app_label": "accounts", "model_name": "supervisionassignment", "field_name": "supervisor"}

    response = client.get(reverse("admin:autocomplete"), query)
    changelist = client.get(reverse("admin:accounts_supervisionassignment_changelist"))
    on_site = client.get(view_on_site_url(lakeside["client"]))

    assert {"Ines Rivera", "Octavia Pennyworth"} <= {result["text"] for result in response.json()["results"]}
    assert "Pennyworth" in changelist.content.decode()
    assert on_site.status_code == 302
    assert on_site["Location"].endswith(lakeside["client"].get_absolute_url())


def view_on_site_url(obj, pk=None) -> str:
    content_type = ContentType.objects.get_for_model(obj)
    return reverse("admin:view_on_site", args=[content_type.pk, obj.pk if pk is None else pk])


def without_request_id(response) -> str:
    return re.sub(r"<code>[0-9a-f]+</code>", "", response.content.decode())


ON_SITE_OBJECTS = (
    "therapist",
    "assignment",
    "client",
    "session",
    "incident",
    "addendum",
    "agreement",
    "flag",
)


@pytest.mark.parametrize("name", ON_SITE_OBJECTS)
def test_view_on_site_answers_another_practices_object_as_a_missing_one(
    client, riverside_admin, lakeside, name
):
    obj = lakeside[name]
    missing = client.get(view_on_site_url(obj, pk=obj.pk + 100_000))

    response = client.get(view_on_site_url(obj))

    assert missing.status_code == 404
    assert (response.status_code, without_request_id(response)) == (404, without_request_id(missing))
    assert "Location" not in response


@pytest.mark.parametrize("name", ON_SITE_OBJECTS)
def test_view_on_site_reveals_no_parent_of_the_practices_own_records(
    client, riverside_admin, riverside, name
):
    # Clinical records are read in the application, where access is logged, not through the admin.
    response = client.get(view_on_site_url(riverside[name]))

    assert response.status_code == 404


@pytest.mark.parametrize(
    "view", ["admin:accounts_user_change", "admin:accounts_user_history", "admin:accounts_user_delete"]
)
def test_another_practices_user_is_answered_as_a_missing_one(client, riverside_admin, lakeside, view):
    pk = lakeside["therapist"].pk
    missing = client.get(reverse(view, args=[pk + 100_000]))

    response = client.get(reverse(view, args=[pk]))

    assert (response.status_code, response.get("Location")) == (missing.status_code, missing.get("Location"))


def test_superuser_only_history_is_answered_as_a_missing_one(client, riverside_admin, riverside):
    record = AccessRecord.objects.filter(practice=riverside["practice"]).get()
    missing = client.get(reverse("admin:audit_accessrecord_history", args=[record.pk + 100_000]))

    response = client.get(reverse("admin:audit_accessrecord_history", args=[record.pk]))

    assert (response.status_code, response.get("Location")) == (missing.status_code, missing.get("Location"))


def test_assignment_form_offers_the_practices_people_only(client, riverside_admin, riverside, lakeside):
    response = client.get(
        reverse("admin:accounts_supervisionassignment_change", args=[riverside["assignment"].pk])
    )

    form = response.context["adminform"].form
    assert set(form.fields["supervisor"].queryset) == {riverside["supervisor"], riverside["unassigned"]}
    assert set(form.fields["therapist"].queryset) == {riverside["therapist"], riverside["colleague"]}
    assert_nothing_of_lakeside(response.content.decode(), "the assignment form")


def test_raw_id_lookup_pop_up_lists_the_practices_users_only(client, riverside_admin, riverside, lakeside):
    url = reverse("admin:accounts_user_changelist")

    response = client.get(url, {"_to_field": "id", "_popup": "1"})

    assert response.status_code == 200
    assert lakeside["therapist"] not in response.context["cl"].result_list
    assert_nothing_of_lakeside(response.content.decode(), url)


def test_user_list_columns_are_named_and_fit(client, riverside, riverside_admin):
    therapist = riverside["therapist"]
    therapist.last_login = datetime.datetime(2026, 12, 2, 18, 36, tzinfo=datetime.UTC)
    therapist.save(update_fields=["last_login"])

    response = client.get(reverse("admin:accounts_user_changelist"))

    content = response.content.decode()
    headers = [header["text"] for header in response.context["result_headers"]]
    assert [header for header in headers if header] == ["username", "Name", "role", "active", "Last sign-in"]
    assert "Get full name" not in content
    # Short enough for its column: Django's "Dec. 2, 2026, 6:36 p.m." ran off the end of the table.
    assert "2 Dec 2026, 18:36" in content  # the practice's time zone is Europe/London
    assert "Never" in content  # the supervisor has not signed in yet
