"""Supervision pages: who may open which, what they show, the decisions through the page, query counts."""

import datetime
import json
import re

import pytest
from django.urls import URLPattern, reverse
from django.utils import timezone

from accounts.tests.factories import SupervisionAssignmentFactory, TherapistFactory
from boundaries.models import Category
from boundaries.tests.factories import BoundaryAgreementFactory
from clients.tests.factories import ClientFactory
from common.tests.queue import failed_mail
from sessions_log.models import Classification, Incident, Initiator
from sessions_log.tests.factories import AddendumFactory, IncidentFactory, SessionFactory
from supervision import urls as supervision_urls
from supervision.models import (
    Flag,
    FlagEvent,
    FlagEventKind,
    FlagStatus,
    Outcome,
    RuleCode,
    RuleSetting,
    Severity,
)
from supervision.rules import RULES
from supervision.tests.factories import FlagEventFactory, FlagFactory, RuleSettingFactory

pytestmark = pytest.mark.django_db

STRANGERS = ["colleague", "unassigned_supervisor", "ended_supervisor", "other_admin", "other_therapist"]
DECIDERS = ["supervisor", "admin"]
THERAPISTS = ["owner", "colleague", "other_therapist"]
SUPERVISORS = ["supervisor", "unassigned_supervisor", "ended_supervisor"]
ADMINS = ["admin", "other_admin"]
EVERYONE = [*THERAPISTS, *SUPERVISORS, *ADMINS]


def signed(entry):
    entry.mark_signed(by=entry.client.therapist)
    entry.save()
    return entry


@pytest.fixture
def incident(client_record):
    return signed(
        IncidentFactory(
            client=client_record,
            category=Category.PHYSICAL,
            initiated_by=Initiator.THERAPIST,
            description="Hugged the client at the door.",
        )
    )


@pytest.fixture
def session(client_record):
    return signed(SessionFactory(client=client_record))


@pytest.fixture
def flag(client_record, incident, session):
    flag = FlagFactory(client=client_record, rule=RuleCode.THERAPIST_HIGH_RISK, severity=Severity.CRITICAL)
    flag.incidents.add(incident)
    flag.sessions.add(session)
    return flag


def action_data(action, flag, incident):
    """Valid POST data for each action on ``flag``."""
    return {
        "acknowledge": {"seen_event": 0, "comment": "Seen."},
        "comment": {"comment": "Let us talk on Monday."},
        "return": {"seen_event": 0, "entry": f"incident:{incident.pk}", "comment": "Add the rationale."},
        "classify": {"seen_event": 0, "incident": incident.pk, "classification": "violation"},
        "resolve": {"seen_event": 0, "outcome": Outcome.DISCUSSED},
        "dismiss": {"seen_event": 0, "comment": "Not a boundary matter."},
        "escalate": {"seen_event": 0, "comment": "Needs the practice's attention."},
        "reply": {"comment": "I have restated the agreement."},
    }[action]


ACTIONS = ["acknowledge", "comment", "return", "classify", "resolve", "dismiss", "escalate"]

# Every URL of the app, with what each person gets: the walk below fails for a URL missing here.
ACCESS = {
    "dashboard": (
        "get",
        {"owner": 403, "colleague": 403, "other_therapist": 403, **dict.fromkeys(SUPERVISORS + ADMINS, 200)},
    ),
    "admin_dashboard": (
        "get",
        {**dict.fromkeys(THERAPISTS + SUPERVISORS, 403), **dict.fromkeys(ADMINS, 200)},
    ),
    "flag_detail": ("get", {"owner": 200, "supervisor": 200, "admin": 200, **dict.fromkeys(STRANGERS, 404)}),
    **{
        f"flag_{action}": (
            "post",
            {
                "owner": 403,
                "supervisor": 302,
                "admin": 302 if action != "escalate" else 200,
                **dict.fromkeys(STRANGERS, 404),
            },
        )
        for action in ACTIONS
    },
    # The flag's therapist replies; for everyone else who can see the flag it is not theirs to do.
    "flag_reply": (
        "post",
        {"owner": 302, "supervisor": 403, "admin": 403, **dict.fromkeys(STRANGERS, 404)},
    ),
    # Ticking flags needs a reviewer; an empty tick list sends them back with a message.
    "flags_acknowledge": (
        "post",
        {**dict.fromkeys(THERAPISTS, 403), **dict.fromkeys(SUPERVISORS + ADMINS, 302)},
    ),
    "my_flags": ("get", {**dict.fromkeys(THERAPISTS, 200), **dict.fromkeys(SUPERVISORS + ADMINS, 403)}),
    # A supervisee's page: the owner's current supervisor and their practice's admin.
    "supervisee": ("get", {**dict.fromkeys(EVERYONE, 404), "supervisor": 200, "admin": 200}),
    # Only the practice's admin finds the practice's failed mail; to anyone else it does not exist.
    "mail_requeue": ("post", {**dict.fromkeys(EVERYONE, 404), "admin": 302}),
    "rule_settings": ("get", {**dict.fromkeys(THERAPISTS + SUPERVISORS, 403), **dict.fromkeys(ADMINS, 200)}),
    "rule_setting_edit": (
        "get",
        {**dict.fromkeys(THERAPISTS + SUPERVISORS, 403), **dict.fromkeys(ADMINS, 200)},
    ),
    # Those who may are first asked for their password again (accounts/tests/test_reauth.py).
    "export_flags": ("get", {**dict.fromkeys(THERAPISTS, 403), **dict.fromkeys(SUPERVISORS + ADMINS, 302)}),
    "export_incidents": (
        "get",
        {**dict.fromkeys(THERAPISTS, 403), **dict.fromkeys(SUPERVISORS + ADMINS, 302)},
    ),
}


def url_for(name, flag):
    if name == "mail_requeue":
        return reverse("supervision:mail_requeue", args=[failed_mail(flag.practice_id)])
    if name.startswith("flag_"):
        return reverse(f"supervision:{name}", args=[flag.pk])
    if name == "supervisee":
        return reverse("supervision:supervisee", args=[flag.therapist_id])
    if name == "rule_setting_edit":
        return reverse("supervision:rule_setting_edit", args=[RuleCode.TIME_OVERRUNS])
    return reverse(f"supervision:{name}")


def test_every_url_has_an_access_test():
    """Those of supervision/views.py; the meetings' and co-signature's are in their own tests
    (test_meeting_views.py, test_cosign.py), and every URL is in the access matrix."""
    names = {
        pattern.name
        for pattern in supervision_urls.urlpatterns
        if isinstance(pattern, URLPattern) and pattern.callback.__module__ == "supervision.views"
    }

    assert names == set(ACCESS)


@pytest.mark.parametrize("person", EVERYONE)
@pytest.mark.parametrize("name", list(ACCESS))
def test_access(request, client, flag, incident, name, person):
    method, expected = ACCESS[name]
    client.force_login(request.getfixturevalue(person))
    data = (
        action_data(name.removeprefix("flag_"), flag, incident)
        if name.startswith("flag_") and method == "post"
        else {}
    )

    response = getattr(client, method)(url_for(name, flag), data)

    assert response.status_code == expected[person]


@pytest.mark.parametrize("action", ACTIONS)
def test_actions_are_post_only(client, supervisor, flag, action):
    client.force_login(supervisor)

    assert client.get(reverse(f"supervision:flag_{action}", args=[flag.pk])).status_code == 405


@pytest.mark.parametrize("action", ACTIONS)
def test_a_therapist_cannot_decide_on_their_own_flag(client, owner, flag, incident, action):
    client.force_login(owner)

    client.post(reverse(f"supervision:flag_{action}", args=[flag.pk]), action_data(action, flag, incident))

    assert not flag.events.exists()
    assert Flag.objects.get(pk=flag.pk).status == FlagStatus.OPEN


def test_signed_out_visitors_are_sent_to_sign_in(client, flag):
    response = client.get(reverse("supervision:flag_detail", args=[flag.pk]))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


# The queue


def test_the_queue_shows_current_supervisees_flags_only(client, supervisor, flag, colleague, practice):
    unsupervised = FlagFactory(client=ClientFactory(therapist=colleague, code="CO-0001"))
    client.force_login(supervisor)

    response = client.get(reverse("supervision:dashboard"))

    assert list(response.context["flags"]) == [flag]
    assert unsupervised not in response.context["flags"]
    assert response.context["counters"]["open"] == 1


def test_an_ended_assignment_hides_the_flags(client, ended_supervisor, flag):
    client.force_login(ended_supervisor)

    response = client.get(reverse("supervision:dashboard"))

    assert list(response.context["flags"]) == []
    assert response.context["counters"]["open"] == 0
    assert client.get(reverse("supervision:flag_detail", args=[flag.pk])).status_code == 404


def test_ending_the_assignment_today_hides_the_flags_at_once(client, supervisor, owner, flag):
    assignment = supervisor.supervising.get()
    assignment.ends_on = timezone.localdate()
    assignment.save()
    client.force_login(supervisor)

    assert list(client.get(reverse("supervision:dashboard")).context["flags"]) == []


def test_the_queue_orders_by_severity_then_age_and_marks_overdue(client, supervisor, owner, client_record):
    now = timezone.now()
    low_old = FlagFactory(
        client=client_record,
        rule=RuleCode.UNSIGNED_ENTRY,
        severity=Severity.LOW,
        opened_at=now - datetime.timedelta(days=20),
        acknowledge_by=now + datetime.timedelta(days=1),
    )
    high_new = FlagFactory(client=client_record, rule=RuleCode.SLIPPERY_SLOPE, severity=Severity.HIGH)
    high_old_overdue = FlagFactory(
        client=ClientFactory(therapist=owner),
        rule=RuleCode.SLIPPERY_SLOPE,
        severity=Severity.HIGH,
        opened_at=now - datetime.timedelta(days=5),
        acknowledge_by=now - datetime.timedelta(days=2),
    )
    client.force_login(supervisor)

    response = client.get(reverse("supervision:dashboard"))

    assert list(response.context["flags"]) == [high_old_overdue, high_new, low_old]
    assert response.context["counters"]["overdue"] == 1
    assert response.content.count(b">overdue</span>") == 1


@pytest.mark.parametrize(
    ("sort", "expected"), [("oldest", ["old", "new"]), ("newest", ["new", "old"]), ("due", ["new", "old"])]
)
def test_the_queue_sorts(client, supervisor, client_record, sort, expected):
    now = timezone.now()
    flags = {
        "old": FlagFactory(
            client=client_record,
            rule=RuleCode.UNSIGNED_ENTRY,
            opened_at=now - datetime.timedelta(days=3),
            acknowledge_by=now + datetime.timedelta(days=9),
        ),
        "new": FlagFactory(
            client=client_record, rule=RuleCode.SLIPPERY_SLOPE, opened_at=now, acknowledge_by=now
        ),
    }
    client.force_login(supervisor)

    response = client.get(reverse("supervision:dashboard"), {"sort": sort})

    assert list(response.context["flags"]) == [flags[key] for key in expected]


def test_the_queue_filters_by_therapist_rule_category_and_status(
    client, supervisor, owner, client_record, flag
):
    second = TherapistFactory(practice=owner.practice)
    SupervisionAssignmentFactory(therapist=second, supervisor=supervisor)
    theirs = FlagFactory(client=ClientFactory(therapist=second), rule=RuleCode.TIME_OVERRUNS)
    returned = FlagFactory(client=client_record, rule=RuleCode.UNSIGNED_ENTRY, status=FlagStatus.RETURNED)
    resolved = FlagFactory(client=client_record, rule=RuleCode.UNSIGNED_ENTRY, status=FlagStatus.RESOLVED)
    client.force_login(supervisor)

    def shown(**params):
        return set(client.get(reverse("supervision:dashboard"), params).context["flags"])

    assert shown() == {flag, theirs, returned}
    assert shown(therapist=second.pk) == {theirs}
    assert shown(rule=RuleCode.THERAPIST_HIGH_RISK) == {flag}
    assert shown(category=Category.PHYSICAL) == {flag}
    assert shown(category=Category.TIME) == {theirs}  # overruns are about time
    assert shown(status=FlagStatus.RETURNED) == {returned}
    assert shown(status=FlagStatus.RESOLVED) == {resolved}
    assert shown(status="") == {flag, theirs, returned, resolved}


def test_a_therapist_outside_the_supervision_is_no_filter_choice(client, supervisor, colleague, flag):
    client.force_login(supervisor)

    response = client.get(reverse("supervision:dashboard"), {"therapist": colleague.pk})

    assert b"Select a valid choice" in response.content
    assert list(response.context["flags"]) == [flag]  # an invalid filter falls back to the default queue


def test_the_queue_is_paginated_and_keeps_the_filters(client, supervisor, owner):
    for _ in range(27):
        FlagFactory(client=ClientFactory(therapist=owner))
    client.force_login(supervisor)

    first = client.get(reverse("supervision:dashboard"), {"rule": RuleCode.TIME_OVERRUNS})
    second = client.get(reverse("supervision:dashboard"), {"rule": RuleCode.TIME_OVERRUNS, "page": 2})

    assert len(first.context["flags"]) == 25
    assert len(second.context["flags"]) == 2
    assert b"rule=time_overruns&amp;page=2" in first.content


def test_a_page_link_alone_keeps_the_default_queue(client, supervisor, client_record):
    FlagFactory(client=client_record, status=FlagStatus.DISMISSED)
    client.force_login(supervisor)

    assert list(client.get(reverse("supervision:dashboard"), {"page": 1}).context["flags"]) == []


# Charts


def test_charts_count_incidents_by_week_category_and_therapist(client, supervisor, owner, client_record):
    now = timezone.now()
    IncidentFactory(
        client=client_record, category=Category.TIME, occurred_at=now - datetime.timedelta(minutes=5)
    )
    IncidentFactory(
        client=client_record, category=Category.TIME, occurred_at=now - datetime.timedelta(minutes=4)
    )
    IncidentFactory(
        client=client_record,
        category=Category.GIFTS_MONEY,
        provisional_classification=Classification.VIOLATION,
        occurred_at=now - datetime.timedelta(minutes=3),
    )
    IncidentFactory(client=client_record, occurred_at=now - datetime.timedelta(weeks=13))  # before the window
    FlagFactory(client=client_record)
    client.force_login(supervisor)

    charts = {chart.key: chart for chart in client.get(reverse("supervision:dashboard")).context["charts"]}

    by_category = dict(charts["incidents-by-category"].series)
    assert len(charts["incidents-by-category"].labels) == 12
    assert by_category["Time"][-1] == 2
    assert by_category["Gifts, fees and money"][-1] == 1
    assert sum(sum(values) for values in by_category.values()) == 3
    by_therapist = charts["incidents-by-therapist"]
    assert by_therapist.labels == [str(owner)]
    assert dict(by_therapist.series) == {"Crossings": [2], "Violations": [1]}
    assert dict(charts["flags-opened-closed"].series)["Opened"][-1] == 1


def test_charts_are_fed_by_json_script_and_one_static_file_with_tables_behind(
    client, supervisor, client_record
):
    IncidentFactory(client=client_record)
    client.force_login(supervisor)

    content = client.get(reverse("supervision:dashboard")).content.decode()

    scripts = re.findall(r"<script[^>]*>", content)
    assert all('src="' in tag or 'type="application/json"' in tag for tag in scripts)
    assert "/static/vendor/chart.js-4.6.1/chart.umd.min.js" in content
    assert "/static/js/charts.js" in content
    assert 'style="' not in content
    data = re.search(
        r'<script id="chart-incidents-by-category-data" type="application/json">(.*?)</script>', content
    )
    assert json.loads(data.group(1))["datasets"][0]["label"] == "Time"
    assert content.count("<summary>Data table</summary>") == 3


# The flag page


def test_the_flag_page_explains_the_rule_and_shows_the_evidence_and_timeline(
    client, supervisor, flag, incident, session, client_record
):
    AddendumFactory(session=session)
    client.force_login(supervisor)

    response = client.get(reverse("supervision:flag_detail", args=[flag.pk]))

    content = response.content.decode()
    rule = RULES[RuleCode.THERAPIST_HIGH_RISK]
    assert rule.why_it_matters in content
    assert rule.source.replace("&", "&amp;") in content
    assert incident.get_absolute_url() in content
    assert session.get_absolute_url() in content
    assert reverse("clients:timeline", args=[client_record.pk]) in content
    assert {item.kind for item in response.context["timeline"].object_list} >= {
        "incident",
        "session",
        "addendum",
    }


def test_the_flag_page_shows_the_practices_thresholds(client, supervisor, practice, client_record):
    RuleSettingFactory(practice=practice, rule=RuleCode.TIME_OVERRUNS, thresholds={"min_sessions": 7})
    flag = FlagFactory(client=client_record, rule=RuleCode.TIME_OVERRUNS)
    client.force_login(supervisor)

    response = client.get(reverse("supervision:flag_detail", args=[flag.pk]))

    assert b"Sessions that overran: 7" in response.content


def test_the_therapist_reads_the_explanation_and_decisions_without_actions(client, owner, supervisor, flag):
    FlagEventFactory(flag=flag, kind=FlagEventKind.COMMENTED, actor=supervisor, comment="Let us discuss.")
    client.force_login(owner)

    response = client.get(reverse("supervision:flag_detail", args=[flag.pk]))

    assert response.status_code == 200
    assert RULES[flag.rule].why_it_matters.encode() in response.content
    assert b"Let us discuss." in response.content
    assert response.context["actions"] == []
    assert b'method="post" action="/supervision/' not in response.content


def test_a_decider_sees_every_action_as_a_post_form(client, supervisor, flag):
    client.force_login(supervisor)

    response = client.get(reverse("supervision:flag_detail", args=[flag.pk]))

    assert [action["name"] for action in response.context["actions"]] == ACTIONS
    for action in ACTIONS:
        assert f'method="post" action="{reverse(f"supervision:flag_{action}", args=[flag.pk])}"'.encode() in (
            response.content
        )


def test_the_admin_is_not_offered_escalation_and_a_closed_flag_no_action(client, admin, supervisor, flag):
    client.force_login(admin)
    assert "escalate" not in [a["name"] for a in client.get(flag.get_absolute_url()).context["actions"]]

    Flag.objects.filter(pk=flag.pk).update(status=FlagStatus.DISMISSED, closed_at=flag.opened_at)
    client.force_login(supervisor)
    response = client.get(flag.get_absolute_url())

    assert response.context["actions"] == []
    assert b"no further decisions" in response.content


def test_a_therapist_level_flag_has_no_client_timeline(client, supervisor, owner):
    flag = FlagFactory(client=None, therapist=owner, practice=owner.practice, rule=RuleCode.THERAPIST_PATTERN)
    client.force_login(supervisor)

    response = client.get(flag.get_absolute_url())

    assert response.status_code == 200
    assert response.context["timeline"] is None


# Decisions through the page


@pytest.mark.parametrize(
    ("action", "kind", "status"),
    [
        ("acknowledge", FlagEventKind.ACKNOWLEDGED, FlagStatus.ACKNOWLEDGED),
        ("comment", FlagEventKind.COMMENTED, FlagStatus.ACKNOWLEDGED),
        ("return", FlagEventKind.RETURNED, FlagStatus.RETURNED),
        ("classify", FlagEventKind.CLASSIFIED, FlagStatus.ACKNOWLEDGED),
        ("resolve", FlagEventKind.RESOLVED, FlagStatus.RESOLVED),
        ("dismiss", FlagEventKind.DISMISSED, FlagStatus.DISMISSED),
        ("escalate", FlagEventKind.ESCALATED, FlagStatus.ACKNOWLEDGED),
    ],
)
def test_each_action_records_who_when_and_what_and_redirects_with_a_message(
    client, supervisor, flag, incident, action, kind, status
):
    client.force_login(supervisor)
    before = timezone.now()

    response = client.post(
        reverse(f"supervision:flag_{action}", args=[flag.pk]),
        action_data(action, flag, incident),
        follow=True,
    )

    assert response.redirect_chain == [(flag.get_absolute_url(), 302)]
    assert list(response.context["messages"])
    event = FlagEvent.objects.get(flag=flag)
    assert (event.kind, event.actor) == (kind, supervisor)
    assert before <= event.created_at <= timezone.now()
    assert Flag.objects.get(pk=flag.pk).status == status
    assert event.get_kind_display().encode() in response.content


def test_classifying_through_the_page_sets_the_final_classification(client, supervisor, flag, incident):
    client.force_login(supervisor)

    client.post(reverse("supervision:flag_classify", args=[flag.pk]), action_data("classify", flag, incident))

    assert Incident.objects.get(pk=incident.pk).final_classification == Classification.VIOLATION


@pytest.mark.parametrize(
    ("action", "data", "error", "kept"),
    [
        ("dismiss", {"seen_event": 0, "comment": ""}, "Say why this flag is a false positive.", None),
        (
            "resolve",
            {"seen_event": 0, "outcome": "", "comment": "Talked it through"},
            "Choose the outcome",
            "Talked it through",
        ),
        ("resolve", {"seen_event": 0, "outcome": "condition_cleared"}, "Select a valid choice", None),
        ("comment", {"comment": "   "}, "Write the comment.", None),
        (
            "return",
            {"seen_event": 0, "entry": "incident:999999", "comment": "Fix it please"},
            "Select a valid choice",
            "Fix it please",
        ),
        (
            "return",
            {"seen_event": 0, "entry": "", "comment": "Fix it please"},
            "Choose the entry to return.",
            "Fix it please",
        ),
        (
            "classify",
            {"seen_event": 0, "incident": "abc", "classification": "violation"},
            "Select a valid choice",
            None,
        ),
        (
            "classify",
            {"seen_event": 0, "incident": "", "classification": "purple"},
            "Select a valid choice",
            None,
        ),
        (
            "escalate",
            {"seen_event": "", "comment": "Urgent matter"},
            "reload the page",
            "Urgent matter",
        ),
        ("acknowledge", {"seen_event": "x", "comment": "Seen it"}, "reload the page", "Seen it"),
    ],
)
def test_invalid_input_rerenders_the_page_with_the_typed_values(
    client, supervisor, flag, action, data, error, kept
):
    client.force_login(supervisor)

    response = client.post(reverse(f"supervision:flag_{action}", args=[flag.pk]), data)

    assert response.status_code == 200
    assert error in response.content.decode()
    assert b"Nothing was recorded." in response.content
    if kept:
        assert kept.encode() in response.content
    assert not flag.events.exists()
    assert Flag.objects.get(pk=flag.pk).status == FlagStatus.OPEN


def test_a_decision_on_a_flag_that_changed_meanwhile_is_refused_with_the_text_kept(client, supervisor, flag):
    FlagEventFactory(flag=flag, kind=FlagEventKind.EVIDENCE_UPDATED)
    client.force_login(supervisor)

    response = client.post(
        reverse("supervision:flag_dismiss", args=[flag.pk]), {"seen_event": 0, "comment": "Looks benign"}
    )

    assert response.status_code == 200
    assert b"since you opened it" in response.content
    assert b"Looks benign" in response.content
    assert Flag.objects.get(pk=flag.pk).status == FlagStatus.OPEN


def test_a_decision_on_a_closed_flag_is_refused_not_a_500(client, supervisor, flag, incident):
    Flag.objects.filter(pk=flag.pk).update(
        status=FlagStatus.RESOLVED, closed_at=flag.opened_at, outcome="discussed"
    )
    client.force_login(supervisor)

    response = client.post(reverse("supervision:flag_comment", args=[flag.pk]), {"comment": "Late note."})

    assert response.status_code == 200
    assert b"no further decision can be recorded" in response.content
    assert not flag.events.exists()


def test_the_page_hands_the_newest_event_to_every_form(client, supervisor, flag):
    newest = FlagEventFactory(flag=flag, kind=FlagEventKind.OPENED)
    client.force_login(supervisor)

    response = client.get(flag.get_absolute_url())

    assert response.context["actions"][0]["form"]["seen_event"].value() == newest.pk
    assert (
        client.post(
            reverse("supervision:flag_acknowledge", args=[flag.pk]), {"seen_event": newest.pk, "comment": ""}
        ).status_code
        == 302
    )


# Practice admin dashboard


def test_the_admin_dashboard_counts_flags_by_status_and_age(client, admin, owner, client_record, colleague):
    now = timezone.now()
    FlagFactory(client=client_record, opened_at=now - datetime.timedelta(hours=2))
    FlagFactory(
        client=client_record, rule=RuleCode.UNSIGNED_ENTRY, opened_at=now - datetime.timedelta(days=3)
    )
    FlagFactory(
        client=ClientFactory(therapist=colleague),
        opened_at=now - datetime.timedelta(days=40),
        status=FlagStatus.RETURNED,
    )
    FlagFactory(client=client_record, rule=RuleCode.SLIPPERY_SLOPE, status=FlagStatus.RESOLVED)
    client.force_login(admin)

    response = client.get(reverse("supervision:admin_dashboard"))

    assert dict(response.context["by_status"]) == {
        "Open": 2,
        "Acknowledged": 0,
        "Returned for revision": 1,
        "Resolved": 1,
        "Dismissed": 0,
    }
    assert dict(response.context["by_age"]) == {
        "Under a day": 1,
        "1 to 7 days": 1,
        "7 to 30 days": 0,
        "Over 30 days": 1,
    }


def test_the_admin_dashboard_lists_escalations_and_unsupervised_therapists(
    client, admin, flag, supervisor, colleague, other_therapist
):
    Flag.objects.filter(pk=flag.pk).update(escalated_at=flag.opened_at)
    client.force_login(admin)

    response = client.get(reverse("supervision:admin_dashboard"))

    assert list(response.context["escalated"]) == [flag]
    assert list(response.context["unsupervised"]) == [colleague]
    assert reverse("supervision:rule_settings").encode() in response.content


def test_the_admin_dashboard_stays_in_the_practice(client, other_admin, flag):
    client.force_login(other_admin)

    response = client.get(reverse("supervision:admin_dashboard"))

    assert sum(count for _label, count in response.context["by_status"]) == 0


# Rule settings


def test_rule_settings_list_every_rule_with_the_practices_values(client, admin, practice, other_practice):
    RuleSettingFactory(practice=practice, rule=RuleCode.TIME_OVERRUNS, thresholds={"min_sessions": 5})
    RuleSettingFactory(practice=practice, rule=RuleCode.UNSIGNED_ENTRY, enabled=False, thresholds={})
    RuleSettingFactory(practice=other_practice, rule=RuleCode.SLIPPERY_SLOPE, thresholds={"min_incidents": 9})
    client.force_login(admin)

    response = client.get(reverse("supervision:rule_settings"))

    rules = {item["rule"].code: item for item in response.context["rules"]}
    assert set(rules) == set(RULES)
    assert {t.key: v for t, v in rules[RuleCode.TIME_OVERRUNS]["thresholds"]}["min_sessions"] == 5
    assert rules[RuleCode.UNSIGNED_ENTRY]["enabled"] is False
    assert {t.key: v for t, v in rules[RuleCode.SLIPPERY_SLOPE]["thresholds"]}["min_incidents"] == 3


def test_the_rule_form_saves_thresholds_and_the_switch(client, admin, practice):
    client.force_login(admin)

    response = client.post(
        reverse("supervision:rule_setting_edit", args=[RuleCode.TIME_OVERRUNS]),
        {"window_days": "45", "min_sessions": "4", "overrun_minutes": "15"},
    )

    assert response.status_code == 302
    setting = RuleSetting.objects.get(practice=practice, rule=RuleCode.TIME_OVERRUNS)
    assert setting.enabled is False  # the box was left unticked
    assert setting.thresholds == {"window_days": 45, "min_sessions": 4, "overrun_minutes": 15}


def test_the_rule_form_starts_from_the_current_values(client, admin, practice):
    RuleSettingFactory(practice=practice, rule=RuleCode.TIME_OVERRUNS, thresholds={"min_sessions": 6})
    client.force_login(admin)

    form = client.get(reverse("supervision:rule_setting_edit", args=[RuleCode.TIME_OVERRUNS])).context["form"]

    assert form["min_sessions"].value() == 6
    assert form["window_days"].value() == 30
    assert form["enabled"].value() is True


@pytest.mark.parametrize(
    ("data", "error"),
    [
        ({"window_days": "3", "min_sessions": "4", "overrun_minutes": "15"}, "greater than or equal to 7"),
        ({"window_days": "45", "min_sessions": "21", "overrun_minutes": "15"}, "less than or equal to 20"),
        ({"window_days": "45", "min_sessions": "four", "overrun_minutes": "15"}, "Enter a whole number."),
        ({"window_days": "45", "min_sessions": "4", "overrun_minutes": ""}, "Give a value from 1 to 120."),
    ],
)
def test_an_out_of_range_threshold_is_refused_with_the_typed_values_kept(client, admin, data, error):
    client.force_login(admin)

    response = client.post(
        reverse("supervision:rule_setting_edit", args=[RuleCode.TIME_OVERRUNS]), {**data, "enabled": "on"}
    )

    assert response.status_code == 200
    assert error in response.content.decode()
    assert b'value="45"' in response.content or data["window_days"] == "3"
    assert f'value="{data["min_sessions"]}"'.encode() in response.content
    assert not RuleSetting.objects.exists()


def test_a_rule_without_thresholds_is_only_switched(client, admin, practice):
    client.force_login(admin)

    response = client.post(reverse("supervision:rule_setting_edit", args=[RuleCode.AGREEMENT_REVIEW_DUE]), {})

    assert response.status_code == 302
    setting = RuleSetting.objects.get(practice=practice)
    assert (setting.enabled, setting.thresholds) == (False, {})


def test_an_unknown_rule_is_404(client, admin):
    client.force_login(admin)

    assert client.get(reverse("supervision:rule_setting_edit", args=["gut_feeling"])).status_code == 404


# Query counts: the same with 1x and 5x the data


def build(owner, supervisor, scale):
    """``scale`` times: a supervised client with a flag, its evidence, history and timeline."""
    flags = []
    for n in range(scale):
        client_record = ClientFactory(therapist=owner)
        agreement = BoundaryAgreementFactory(client=client_record)
        for _ in range(scale):
            session = signed(SessionFactory(client=client_record))
            incident = signed(IncidentFactory(client=client_record, session=session))
            AddendumFactory(session=session)
        flag = FlagFactory(
            client=client_record, rule=RuleCode.REPEATED_CATEGORY if n % 2 else RuleCode.TIME_OVERRUNS
        )
        flag.incidents.add(incident)
        flag.sessions.add(session)
        flag.agreements.add(agreement)
        FlagEventFactory(flag=flag, kind=FlagEventKind.OPENED)
        FlagEventFactory(flag=flag, kind=FlagEventKind.COMMENTED, actor=supervisor, comment="Noted.")
        FlagEventFactory(
            flag=flag, kind=FlagEventKind.RETURNED, actor=supervisor, comment="Fix.", incident=incident
        )
        flags.append(flag)
    return flags


SCALES = [1, 5]


@pytest.mark.parametrize("scale", SCALES)
def test_dashboard_query_count(client, supervisor, owner, django_assert_num_queries, scale):
    build(owner, supervisor, scale)
    client.force_login(supervisor)
    # session, user, practice (time zone), therapist choices, paginator count, page of flags
    # with therapists and clients, counters, three charts (one query each)
    # ... and the access record of a page listing client data (audit.middleware)
    with django_assert_num_queries(11):
        response = client.get(
            reverse("supervision:dashboard"), {"rule": RuleCode.TIME_OVERRUNS, "category": Category.TIME}
        )
    assert len(response.context["flags"]) == (scale + 1) // 2


@pytest.mark.parametrize("scale", SCALES)
def test_flag_page_query_count(client, supervisor, owner, django_assert_num_queries, scale):
    flag = build(owner, supervisor, scale)[0]
    client.force_login(supervisor)
    # session, user, practice (time zone), flag with client, therapist and practice, the access
    # record insert, the supervisor's current assignment, evidence incidents, sessions and agreements,
    # events with actors, entries and addenda, the corrective plan, the reading (one upsert), the
    # practice's thresholds, the plan owners offered, timeline count, timeline page, and its
    # agreements, sessions, incidents, addenda and flags
    with django_assert_num_queries(21):
        response = client.get(flag.get_absolute_url())
    assert response.status_code == 200


@pytest.mark.parametrize("scale", SCALES)
def test_admin_dashboard_query_count(client, admin, supervisor, owner, django_assert_num_queries, scale):
    flags = build(owner, supervisor, scale)
    Flag.objects.filter(pk__in=[f.pk for f in flags]).update(escalated_at=timezone.now())
    client.force_login(admin)
    # session, user, practice (time zone), flags by status and age, escalated flags with therapists
    # and clients, therapists without a supervisor, the practice's failed mail, three charts
    # ... and the access record of a page listing client data (audit.middleware)
    with django_assert_num_queries(11):
        response = client.get(reverse("supervision:admin_dashboard"))
    assert len(response.context["escalated"]) == scale
