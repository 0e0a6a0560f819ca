"""The therapist's side of the loop (my flags, replies, unread decisions) and the supervisor's
(a supervisee's page, bulk acknowledgement, a resolution with a corrective plan)."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from audit.models import AccessRecord
from sessions_log.models import FollowUp
from sessions_log.tests.factories import FollowUpFactory, IncidentFactory, RevisionRequestFactory
from supervision.models import FlagEvent, FlagEventKind, FlagStatus, PlanItem
from supervision.tests.factories import FlagFactory

pytestmark = pytest.mark.django_db


def _later():
    """A moment after any flag made now was opened (a closing time must not come before it)."""
    return timezone.now() + datetime.timedelta(minutes=1)


def _token(client, url, form_key):
    return client.get(url).context[form_key]["submission_token"].value()


# My flags


def test_my_flags_lists_open_and_closed_flags_of_my_clients_only(client, owner, colleague, client_record):
    open_flag = FlagFactory(client=client_record)
    closed = FlagFactory(
        client=client_record, rule="slippery_slope", status=FlagStatus.DISMISSED, closed_at=_later()
    )
    FlagFactory(client__therapist=colleague)
    client.force_login(owner)

    flags = list(client.get(reverse("supervision:my_flags")).context["flags"])

    assert flags == [open_flag, closed]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"status": "closed"}, ["closed"]),
        ({"status": "open_any"}, ["open"]),
        ({"rule": "slippery_slope"}, ["closed"]),
    ],
)
def test_my_flags_filters(client, owner, client_record, query, expected):
    flags = {
        "open": FlagFactory(client=client_record),
        "closed": FlagFactory(
            client=client_record,
            rule="slippery_slope",
            status=FlagStatus.RESOLVED,
            outcome="no_action",
            closed_at=_later(),
        ),
    }
    client.force_login(owner)

    shown = list(client.get(reverse("supervision:my_flags"), query).context["flags"])

    assert shown == [flags[name] for name in expected]


def test_my_flags_marks_a_decision_unread_until_the_flag_is_opened(client, owner, supervisor, client_record):
    flag = FlagFactory(client=client_record)
    FlagEvent.objects.create(
        flag=flag, kind=FlagEventKind.COMMENTED, actor=supervisor, comment="Let us talk."
    )
    client.force_login(owner)
    url = reverse("supervision:my_flags")

    before = client.get(url).context["flags"][0].unread
    client.get(flag.get_absolute_url())
    after = client.get(url).context["flags"][0].unread

    assert (before, after) == (True, False)


def test_my_flags_bad_dates_are_refused_without_an_error_page(client, owner, client_record):
    FlagFactory(client=client_record)
    client.force_login(owner)

    response = client.get(
        reverse("supervision:my_flags"), {"opened_from": "2026-12-01", "opened_to": "2026-01-01"}
    )

    assert response.status_code == 200
    assert "opened_to" in response.context["filter_form"].errors


def test_my_flags_query_count(client, owner, supervisor, client_record, django_assert_num_queries):
    for _ in range(3):
        flag = FlagFactory(client=client_record, status=FlagStatus.DISMISSED, closed_at=_later())
        FlagEvent.objects.create(flag=flag, kind=FlagEventKind.DISMISSED, actor=supervisor, comment="No")
    client.force_login(owner)
    # session, user, practice; the clients for the filter; the count and the page of flags (with
    # their unread mark and plan size as subqueries)
    # ... and the access record of a page listing client data (audit.middleware)
    with django_assert_num_queries(7):
        client.get(reverse("supervision:my_flags"))


def test_my_flags_is_a_therapists_page(client, supervisor):
    client.force_login(supervisor)

    assert client.get(reverse("supervision:my_flags")).status_code == 403


# Replies


def test_therapist_replies_on_a_resolved_flag_and_the_supervisor_is_told(
    client, owner, supervisor, client_record, mailoutbox, deliver_mail
):
    flag = FlagFactory(
        client=client_record, status=FlagStatus.RESOLVED, outcome="no_action", closed_at=_later()
    )
    client.force_login(owner)
    url = reverse("supervision:flag_reply", args=[flag.pk])
    token = _token(client, flag.get_absolute_url(), "reply_form")
    data = {"comment": "I have restated the agreement.", "submission_token": token}

    client.post(url, data)
    client.post(url, data)
    deliver_mail()

    reply = FlagEvent.objects.get(flag=flag, kind=FlagEventKind.REPLIED)  # sent twice, stored once
    assert (reply.actor, reply.comment) == (owner, "I have restated the agreement.")
    assert [message.to for message in mailoutbox] == [[supervisor.email]]
    assert "restated" not in mailoutbox[0].body  # the reply's words stay in Alliance
    assert flag.get_absolute_url() in mailoutbox[0].body


def test_an_empty_reply_is_refused_on_the_page(client, owner, client_record):
    flag = FlagFactory(client=client_record)
    client.force_login(owner)

    response = client.post(reverse("supervision:flag_reply", args=[flag.pk]), {"comment": "  "})

    assert response.status_code == 200
    assert "Write your reply." in response.content.decode()
    assert not FlagEvent.objects.filter(kind=FlagEventKind.REPLIED).exists()


def test_only_the_flags_therapist_replies(client, supervisor, client_record):
    flag = FlagFactory(client=client_record)
    client.force_login(supervisor)

    response = client.post(reverse("supervision:flag_reply", args=[flag.pk]), {"comment": "Mine?"})

    assert response.status_code == 403


# Resolution with a corrective plan


def _resolve_data(client, flag, **plan):
    page = client.get(flag.get_absolute_url())
    form = page.context["actions"][[action["name"] for action in page.context["actions"]].index("resolve")][
        "form"
    ]
    return {
        "seen_event": form["seen_event"].value(),
        "submission_token": form["submission_token"].value(),
        "outcome": "corrective_plan",
        "comment": "Restate the agreement and bring it to supervision.",
        **plan,
    }


def test_supervisor_resolves_with_a_two_item_plan(client, owner, supervisor, client_record):
    flag = FlagFactory(client=client_record)
    client.force_login(supervisor)
    soon, later = (
        timezone.localdate() + datetime.timedelta(days=3),
        timezone.localdate() + datetime.timedelta(days=10),
    )
    data = _resolve_data(
        client,
        flag,
        plan_1_action="Restate the agreement",
        plan_1_owner=owner.pk,
        plan_1_due=f"{soon}",
        plan_2_action="Bring the case to supervision",
        plan_2_owner=supervisor.pk,
        plan_2_due=f"{later}",
    )

    response = client.post(reverse("supervision:flag_resolve", args=[flag.pk]), data)

    assert response.status_code == 302
    flag.refresh_from_db()
    assert (flag.status, flag.outcome) == (FlagStatus.RESOLVED, "corrective_plan")
    plan = [item.follow_up for item in PlanItem.objects.filter(flag=flag).order_by("pk")]
    assert [(f.action, f.owner, f.due_on, f.origin) for f in plan] == [
        ("Restate the agreement", owner, soon, "corrective_plan"),
        ("Bring the case to supervision", supervisor, later, "corrective_plan"),
    ]


@pytest.mark.parametrize(
    ("plan", "field"),
    [
        ({}, "plan_1_action"),
        ({"plan_1_action": "Restate", "plan_1_due": ""}, "plan_1_due"),
        ({"plan_1_action": "Restate", "plan_1_due": "2001-01-01"}, "plan_1_due"),
        ({"plan_1_action": "", "plan_1_due": "2030-01-01"}, "plan_1_action"),
    ],
)
def test_a_corrective_plan_needs_complete_items(client, owner, supervisor, client_record, plan, field):
    flag = FlagFactory(client=client_record)
    client.force_login(supervisor)
    data = _resolve_data(client, flag, plan_1_owner=owner.pk, **plan)

    response = client.post(reverse("supervision:flag_resolve", args=[flag.pk]), data)

    assert response.status_code == 200
    assert field in response.context["refused"].errors
    flag.refresh_from_db()
    assert flag.status == FlagStatus.OPEN
    assert not FollowUp.objects.exists()


def test_a_plan_item_cannot_go_to_a_colleague(client, colleague, supervisor, client_record):
    flag = FlagFactory(client=client_record)
    client.force_login(supervisor)
    data = _resolve_data(
        client, flag, plan_1_action="Restate", plan_1_owner=colleague.pk, plan_1_due="2030-01-01"
    )

    response = client.post(reverse("supervision:flag_resolve", args=[flag.pk]), data)

    assert "plan_1_owner" in response.context["refused"].errors
    assert not FollowUp.objects.exists()


def test_the_therapist_reads_the_plan_on_a_resolved_flag(client, owner, client_record):
    flag = FlagFactory(
        client=client_record, status=FlagStatus.RESOLVED, outcome="corrective_plan", closed_at=_later()
    )
    PlanItem.objects.create(flag=flag, follow_up=FollowUpFactory(client=client_record, action="Restate it"))
    client.force_login(owner)

    page = client.get(flag.get_absolute_url()).content.decode()

    assert "Corrective plan" in page and "Restate it" in page


# A supervisee's page


def test_supervisee_page_lists_open_flags_returned_entries_and_overdue_follow_ups(
    client, owner, supervisor, client_record
):
    flag = FlagFactory(client=client_record)
    incident = IncidentFactory(client=client_record)
    incident.mark_signed(by=owner)
    incident.save()
    revision = RevisionRequestFactory(incident=incident, requested_by=supervisor)
    overdue = FollowUpFactory(client=client_record)
    FollowUp.objects.filter(pk=overdue.pk).update(due_on=timezone.localdate() - datetime.timedelta(days=2))
    client.force_login(supervisor)

    context = client.get(reverse("supervision:supervisee", args=[owner.pk])).context

    assert (list(context["flags"]), list(context["returned"]), list(context["overdue"])) == (
        [flag],
        [revision],
        [overdue],
    )
    assert AccessRecord.objects.filter(object_type="supervisee", object_id=owner.pk, user=supervisor).exists()


def test_supervisee_page_query_count(client, owner, supervisor, client_record, django_assert_num_queries):
    for _ in range(3):
        FollowUpFactory(client=client_record)
    FlagFactory(client=client_record)
    client.force_login(supervisor)
    # session, user, practice; the therapist among those supervised; the access record; open
    # flags; unanswered returns; overdue follow-ups; the two trend charts
    with django_assert_num_queries(10):
        client.get(reverse("supervision:supervisee", args=[owner.pk]))


@pytest.mark.parametrize("visitor", ["ended_supervisor", "unassigned_supervisor", "other_admin", "colleague"])
def test_supervisee_page_is_a_404_for_anyone_not_reviewing_them(client, request, owner, visitor):
    client.force_login(request.getfixturevalue(visitor))

    assert client.get(reverse("supervision:supervisee", args=[owner.pk])).status_code == 404


# Bulk acknowledgement


def test_supervisor_acknowledges_several_flags_with_one_comment(client, owner, supervisor, client_record):
    flags = [FlagFactory(client=client_record, rule=rule) for rule in ("time_overruns", "slippery_slope")]
    decided = FlagFactory(
        client=client_record,
        rule="repeated_category",
        status=FlagStatus.ACKNOWLEDGED,
        acknowledged_at=_later(),
    )
    client.force_login(supervisor)
    token = _token(client, reverse("supervision:dashboard"), "acknowledge_form")

    response = client.post(
        reverse("supervision:flags_acknowledge"),
        {"flags": [flag.pk for flag in flags], "comment": "Seen; Thursday.", "submission_token": token},
    )

    assert response.status_code == 302
    for flag in flags:
        flag.refresh_from_db()
        assert flag.status == FlagStatus.ACKNOWLEDGED
        assert flag.events.get(kind=FlagEventKind.ACKNOWLEDGED).comment == "Seen; Thursday."
    assert not decided.events.exists()


def test_bulk_acknowledge_refuses_a_flag_outside_the_queue(client, supervisor, colleague, client_record):
    stranger_flag = FlagFactory(client__therapist=colleague)
    mine = FlagFactory(client=client_record)
    client.force_login(supervisor)

    response = client.post(
        reverse("supervision:flags_acknowledge"), {"flags": [mine.pk, stranger_flag.pk]}, follow=True
    )

    assert "no longer in your queue" in response.content.decode()
    mine.refresh_from_db()
    assert mine.status == FlagStatus.OPEN  # all or nothing


def test_bulk_acknowledge_with_nothing_ticked_says_so(client, supervisor):
    client.force_login(supervisor)

    response = client.post(reverse("supervision:flags_acknowledge"), {"comment": "x"}, follow=True)

    assert "Tick the flags to acknowledge." in response.content.decode()
