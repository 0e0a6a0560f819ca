"""My follow-ups, a follow-up's page, marking done, adding one by hand on a client."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from audit.models import AccessRecord
from sessions_log.models import FollowUp, FollowUpOrigin
from sessions_log.tests.factories import FollowUpFactory, IncidentFactory
from supervision.models import PlanItem
from supervision.tests.factories import FlagFactory

pytestmark = pytest.mark.django_db
DAY = datetime.timedelta(days=1)


def test_my_follow_ups_groups_overdue_this_week_later_and_done(client, owner, client_record):
    today = timezone.localdate()
    overdue = FollowUpFactory(client=client_record, due_on=today - DAY)
    FollowUp.objects.filter(pk=overdue.pk).update(due_on=today - 3 * DAY)
    soon = FollowUpFactory(client=client_record, due_on=today + 2 * DAY)
    later = FollowUpFactory(client=client_record, due_on=today + 30 * DAY)
    done = FollowUpFactory(client=client_record, done=True)
    client.force_login(owner)

    groups = {anchor: items for anchor, _title, items in client.get(reverse("follow_ups")).context["groups"]}

    assert groups == {"overdue": [overdue], "this-week": [soon], "later": [later], "done": [done]}


def test_my_follow_ups_are_only_mine(client, owner, supervisor, client_record):
    FollowUpFactory(client=client_record, owner=supervisor)
    client.force_login(owner)

    groups = client.get(reverse("follow_ups")).context["groups"]

    assert all(items == [] for _anchor, _title, items in groups)


def test_my_follow_ups_name_their_origin(client, owner, client_record):
    from_incident = FollowUpFactory(client=client_record, from_incident=True)
    flag = FlagFactory(client=client_record)
    planned = FollowUpFactory(client=client_record, origin=FollowUpOrigin.CORRECTIVE_PLAN)
    PlanItem.objects.create(flag=flag, follow_up=planned)
    client.force_login(owner)

    page = client.get(reverse("follow_ups")).content.decode()

    assert from_incident.incident.get_absolute_url() in page
    assert flag.get_absolute_url() in page


def test_my_follow_ups_query_count(client, owner, client_record, django_assert_num_queries):
    for _ in range(3):
        FollowUpFactory(client=client_record, from_incident=True)
        FollowUpFactory(client=client_record, done=True)
    client.force_login(owner)
    # session, user, practice; open follow-ups and recently done ones, each with client,
    # incident, plan item and flag joined in
    # ... and the access record of a page listing client data (audit.middleware)
    with django_assert_num_queries(6):
        client.get(reverse("follow_ups"))


def test_follow_up_page_records_the_access(client, supervisor, client_record):
    follow_up = FollowUpFactory(client=client_record)
    client.force_login(supervisor)

    response = client.get(follow_up.get_absolute_url())

    assert response.status_code == 200
    record = AccessRecord.objects.get(object_type="follow_up")
    assert (record.user, record.client, record.object_id) == (supervisor, client_record, follow_up.pk)
    # The supervisor reads it; only the owner or the client's therapist marks it done.
    assert not response.context["may_complete"]


def test_follow_up_page_query_count(client, owner, client_record, django_assert_num_queries):
    follow_up = FollowUpFactory(client=client_record, from_incident=True)
    client.force_login(owner)
    # session, user, practice; the follow-up with all it names; the access record
    with django_assert_num_queries(5):
        client.get(follow_up.get_absolute_url())


def test_owner_marks_a_follow_up_of_a_signed_incident_done_and_the_incident_stays_signed(
    client, owner, client_record
):
    follow_up = FollowUpFactory(client=client_record, from_incident=True)
    incident = follow_up.incident
    incident.mark_signed(by=owner)
    incident.save()
    client.force_login(owner)

    response = client.post(reverse("follow_up_done", args=[follow_up.pk]), {"note": "Talked it through."})

    assert response.status_code == 302
    follow_up.refresh_from_db()
    assert (follow_up.done_by, follow_up.done_note) == (owner, "Talked it through.")
    incident.refresh_from_db()
    assert incident.is_signed and incident.signature_intact


def test_marking_done_twice_stores_once_and_says_so(client, owner, client_record):
    follow_up = FollowUpFactory(client=client_record)
    client.force_login(owner)
    url = reverse("follow_up_done", args=[follow_up.pk])
    client.post(url, {"note": "First"})

    response = client.post(url, {"note": "Second"}, follow=True)

    follow_up.refresh_from_db()
    assert follow_up.done_note == "First"
    assert "already marked done" in response.content.decode()


def test_supervisor_cannot_mark_the_therapists_follow_up_done(client, supervisor, client_record):
    follow_up = FollowUpFactory(client=client_record)
    client.force_login(supervisor)

    response = client.post(reverse("follow_up_done", args=[follow_up.pk]), {"note": "Not mine"})

    assert response.status_code == 403
    follow_up.refresh_from_db()
    assert not follow_up.is_done


def test_a_supervisor_who_owns_a_plan_item_marks_it_done(client, supervisor, client_record):
    follow_up = FollowUpFactory(client=client_record, owner=supervisor)
    client.force_login(supervisor)

    client.post(reverse("follow_up_done", args=[follow_up.pk]), {"note": "Discussed."})

    follow_up.refresh_from_db()
    assert follow_up.done_by == supervisor


def test_therapist_adds_a_follow_up_on_a_client(client, owner, client_record):
    client.force_login(owner)
    due = timezone.localdate() + 5 * DAY
    url = reverse("clients:follow_up_new", args=[client_record.pk])
    token = client.get(url).context["form"]["submission_token"].value()
    data = {
        "action": "Send the revised agreement",
        "owner": owner.pk,
        "due_on": f"{due}",
        "submission_token": token,
    }

    first, second = client.post(url, data), client.post(url, data)

    assert first.status_code == second.status_code == 302
    follow_up = FollowUp.objects.get()  # the same form sent twice stores once
    assert (follow_up.origin, follow_up.owner, follow_up.due_on, follow_up.created_by) == (
        FollowUpOrigin.CLIENT,
        owner,
        due,
        owner,
    )


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"action": "", "due_on": "2030-01-01"}, "action", "Say what is to be done."),
        ({"action": "Call", "due_on": ""}, "due_on", "Give a due date."),
        ({"action": "Call", "due_on": "2001-01-01"}, "due_on", "cannot be due in the past"),
        ({"action": "Call", "due_on": "next week"}, "due_on", "Enter a date"),
    ],
)
def test_adding_a_follow_up_refuses_bad_input_and_keeps_it(
    client, owner, client_record, data, field, message
):
    client.force_login(owner)

    response = client.post(
        reverse("clients:follow_up_new", args=[client_record.pk]), {**data, "owner": owner.pk}
    )

    assert response.status_code == 200
    assert message in " ".join(response.context["form"].errors[field])
    assert response.context["form"]["action"].value() == data["action"]
    assert not FollowUp.objects.exists()


def test_a_follow_up_cannot_go_to_a_colleague(client, owner, colleague, client_record):
    client.force_login(owner)

    response = client.post(
        reverse("clients:follow_up_new", args=[client_record.pk]),
        {"action": "Call", "owner": colleague.pk, "due_on": f"{timezone.localdate() + DAY}"},
    )

    assert "owner" in response.context["form"].errors
    assert not FollowUp.objects.exists()


def test_an_archived_draft_incidents_follow_up_leaves_the_lists(client, owner, client_record):
    incident = IncidentFactory(client=client_record)
    FollowUpFactory(client=client_record, origin=FollowUpOrigin.INCIDENT, incident=incident)
    incident.archive(reason="Logged twice")
    incident.save()
    client.force_login(owner)

    groups = client.get(reverse("follow_ups")).context["groups"]

    assert all(items == [] for _anchor, _title, items in groups)
