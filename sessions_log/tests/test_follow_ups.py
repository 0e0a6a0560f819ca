"""Follow-ups are tasks: made from an incident or by hand, owned by someone who can open the record,
marked done once, chased by a daily digest; completing one never touches the signed entry."""

import datetime

import pytest
from django.conf import settings
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone
from django.utils.formats import date_format

from accounts.tests.factories import PracticeAdminFactory
from boundaries.models import Category
from sessions_log import services
from sessions_log.models import ATTESTATION, FollowUp, FollowUpOrigin, Incident
from sessions_log.notifications import send_follow_up_digest
from sessions_log.services import FOLLOW_UP
from sessions_log.tests.factories import FollowUpFactory

pytestmark = pytest.mark.django_db

DAY = datetime.timedelta(days=1)
ACTION = "Discuss the gift with the client at the next session."


def incident_data(*, follow_up=None, **overrides) -> dict:
    data = {
        "category": Category.GIFTS_MONEY,
        "initiated_by": "client",
        "provisional_classification": "crossing",
        "occurred_at": timezone.now() - 2 * DAY,
        "description": "The client brought a small gift.",
    } | overrides
    if follow_up is not None:
        data[FOLLOW_UP] = follow_up
    return data


def spec(owner=None, due_on=None, action=ACTION) -> dict:
    """The follow-up typed with an incident, as the incident form gives it."""
    return {"action": action, "owner": owner, "due_on": due_on or timezone.localdate() + 7 * DAY}


# Made from an incident's data


def test_an_incidents_follow_up_becomes_a_task_owned_by_the_therapist(deliver_mail, owner, client_record):
    due = timezone.localdate() + 3 * DAY

    incident = services.incident_create(
        client=client_record, by=owner, data=incident_data(follow_up=spec(due_on=due))
    )

    follow_up = FollowUp.objects.get()
    assert (follow_up.incident, follow_up.client, follow_up.therapist, follow_up.practice) == (
        incident,
        client_record,
        owner,
        client_record.practice,
    )
    assert (follow_up.origin, follow_up.action, follow_up.owner, follow_up.due_on) == (
        FollowUpOrigin.INCIDENT,
        ACTION,
        owner,
        due,
    )
    assert (follow_up.created_by, follow_up.is_done) == (owner, False)
    # The incident's own follow-up columns are left as they were: blank.
    assert (incident.follow_up, incident.follow_up_owner, incident.follow_up_due) == ("", None, None)
    assert deliver_mail() == []  # nobody to tell: the therapist set it for themselves


def test_an_incident_without_a_follow_up_makes_no_task(owner, client_record):
    services.incident_create(client=client_record, by=owner, data=incident_data())

    assert not FollowUp.objects.exists()


def test_a_follow_up_typed_while_editing_a_draft_adds_another(owner, client_record):
    incident = services.incident_create(client=client_record, by=owner, data=incident_data(follow_up=spec()))

    services.incident_update(
        incident=incident, by=owner, data=incident_data(follow_up=spec(action="Note it in supervision."))
    )

    assert sorted(incident.follow_ups.values_list("action", flat=True)) == [ACTION, "Note it in supervision."]


def test_a_follow_up_for_the_supervisor_is_mailed_to_them_through_the_queue(
    deliver_mail, owner, supervisor, client_record
):
    services.incident_create(
        client=client_record, by=owner, data=incident_data(follow_up=spec(owner=supervisor))
    )
    assert mail.outbox == []  # queued with the follow-up; the worker sends it

    (message,) = deliver_mail()
    follow_up = FollowUp.objects.get()
    assert message.to == [supervisor.email]
    assert client_record.code in message.subject
    assert date_format(follow_up.due_on) in message.subject
    assert follow_up.get_absolute_url() in message.body
    assert ACTION not in message.body and ACTION not in message.subject


@pytest.mark.parametrize("who", ["owner", "supervisor", "admin"])
def test_who_may_own_a_follow_up(request, owner, who):
    person = request.getfixturevalue(who)

    assert person in services.follow_up_owners(owner)


@pytest.mark.parametrize(
    "who", ["colleague", "ended_supervisor", "unassigned_supervisor", "other_admin", "other_therapist"]
)
def test_an_owner_who_cannot_open_the_record_is_refused(request, owner, client_record, who):
    outsider = request.getfixturevalue(who)
    assert outsider not in services.follow_up_owners(owner)

    with pytest.raises(ValidationError, match="cannot open this record") as refused:
        services.follow_up_create(
            by=owner,
            origin=FollowUpOrigin.CLIENT,
            client=client_record,
            action=ACTION,
            owner=outsider,
            due_on=timezone.localdate(),
        )

    assert refused.value.code == "owner_not_allowed"
    assert not FollowUp.objects.exists()


def test_an_inactive_admin_cannot_own_a_follow_up(owner, practice):
    gone = PracticeAdminFactory(practice=practice, is_active=False)

    assert gone not in services.follow_up_owners(owner)


def test_an_incident_whose_follow_up_owner_is_refused_is_not_saved_either(owner, colleague, client_record):
    with pytest.raises(ValidationError, match="cannot open this record"):
        services.incident_create(
            client=client_record, by=owner, data=incident_data(follow_up=spec(owner=colleague))
        )

    assert not Incident.objects.exists()
    assert not FollowUp.objects.exists()


# Marking done


@pytest.mark.parametrize("who", ["owner", "supervisor"])
def test_the_owner_or_the_therapist_marks_it_done(request, owner, supervisor, client_record, who):
    follow_up = FollowUpFactory(client=client_record, owner=supervisor, created_by=owner)
    by = request.getfixturevalue(who)

    done = services.follow_up_complete(follow_up=follow_up, by=by, note="  Called the client.  ")

    stored = FollowUp.objects.get(pk=follow_up.pk)
    assert stored.is_done and stored.done_at == done.done_at
    assert (stored.done_by, stored.done_note) == (by, "Called the client.")


@pytest.mark.parametrize("who", ["colleague", "admin", "unassigned_supervisor", "other_therapist"])
def test_nobody_else_marks_it_done(request, client_record, who):
    follow_up = FollowUpFactory(client=client_record)

    with pytest.raises(PermissionDenied):
        services.follow_up_complete(follow_up=follow_up, by=request.getfixturevalue(who))

    assert not FollowUp.objects.get(pk=follow_up.pk).is_done


def test_an_inactive_owner_no_longer_marks_it_done(owner, supervisor, client_record):
    follow_up = FollowUpFactory(client=client_record, owner=supervisor)
    supervisor.is_active = False
    supervisor.save()

    with pytest.raises(PermissionDenied):
        services.follow_up_complete(follow_up=follow_up, by=supervisor)


def test_marking_it_done_twice_is_refused(owner, client_record):
    follow_up = FollowUpFactory(client=client_record)
    first = services.follow_up_complete(follow_up=follow_up, by=owner, note="Done.")

    with pytest.raises(ValidationError, match="already marked done") as refused:
        services.follow_up_complete(follow_up=follow_up, by=owner, note="Again.")

    assert refused.value.code == "already_done"
    stored = FollowUp.objects.get(pk=follow_up.pk)
    assert (stored.done_at, stored.done_note) == (first.done_at, "Done.")


def test_completing_the_follow_up_of_a_signed_incident_leaves_the_incident_locked_and_intact(
    owner, client_record
):
    incident = services.incident_create(client=client_record, by=owner, data=incident_data(follow_up=spec()))
    incident = services.incident_sign(incident=incident, by=owner, attestation=ATTESTATION)
    before = Incident.objects.filter(pk=incident.pk).values().get()

    services.follow_up_complete(follow_up=incident.follow_ups.get(), by=owner, note="Discussed.")

    stored = Incident.objects.get(pk=incident.pk)
    assert Incident.objects.filter(pk=incident.pk).values().get() == before  # not one column changed
    assert stored.is_signed and stored.signature_intact is True
    assert stored.compute_content_hash() == stored.content_hash
    with pytest.raises(services.EntryLocked):
        services.incident_update(incident=stored, by=owner, data={"description": "Changed."})


# Archived incidents take their follow-ups out of every list


def test_the_follow_ups_of_an_archived_incident_are_hidden(owner, supervisor, client_record):
    kept = FollowUpFactory(client=client_record, from_incident=True)
    hidden = FollowUpFactory(client=client_record, from_incident=True)
    by_hand = FollowUpFactory(client=client_record)
    hidden.incident.archive(reason="Logged twice.")
    hidden.incident.save()

    assert set(FollowUp.objects.unarchived()) == {kept, by_hand}
    for user in (owner, supervisor):
        assert set(FollowUp.objects.for_user(user)) == {kept, by_hand}
    assert set(FollowUp.objects.all()) == {kept, hidden, by_hand}  # kept, only out of sight


def test_open_and_overdue_follow_ups(client_record):
    today = timezone.localdate()
    late = FollowUpFactory(client=client_record, due_on=today - DAY)
    FollowUpFactory(client=client_record, due_on=today)
    FollowUpFactory(client=client_record, due_on=today - DAY, done=True)

    assert list(FollowUp.objects.overdue(today)) == [late]
    assert FollowUp.objects.open().count() == 2
    assert late.is_overdue(today) and not late.is_overdue(today - DAY)


# The daily digest of follow-ups past due


def test_the_digest_sends_one_mail_per_owner_listing_their_late_follow_ups(
    deliver_mail, owner, supervisor, client_record
):
    today = timezone.localdate()
    mine = [
        FollowUpFactory(client=client_record, due_on=today - n * DAY, action=f"Task {n}.") for n in (3, 1)
    ]
    theirs = FollowUpFactory(client=client_record, owner=supervisor, due_on=today - DAY, action="Task S.")
    FollowUpFactory(client=client_record, due_on=today, action="Due today.")
    FollowUpFactory(client=client_record, due_on=today - DAY, done=True, action="Done already.")

    assert send_follow_up_digest() == 2

    by_recipient = {tuple(message.to): message for message in deliver_mail()}
    assert set(by_recipient) == {(owner.email,), (supervisor.email,)}
    to_owner, to_supervisor = by_recipient[(owner.email,)], by_recipient[(supervisor.email,)]
    assert to_owner.subject == "[Alliance] 2 follow-ups past due"
    site = settings.SITE_URL.rstrip("/")
    assert [line for line in to_owner.body.splitlines() if line.startswith("- ")] == [
        f"- client {client_record.code} · due {date_format(f.due_on)} · {site}{f.get_absolute_url()}"
        for f in mine
    ]
    assert to_supervisor.subject == "[Alliance] 1 follow-up past due"
    assert theirs.get_absolute_url() in to_supervisor.body
    for message in (to_owner, to_supervisor):
        for action in ("Task 3.", "Task 1.", "Task S.", "Due today.", "Done already."):
            assert action not in message.body


def test_the_digest_judges_the_due_date_in_the_practice_time_zone(deliver_mail, client_record):
    FollowUpFactory(client=client_record, due_on=datetime.date(2025, 6, 11), created_at=timezone.now())
    # 23:30 UTC on the 11th is 00:30 on the 12th in London in summer: the 11th has passed there.
    before_midnight = datetime.datetime(2025, 6, 11, 22, 30, tzinfo=datetime.UTC)
    after_midnight = datetime.datetime(2025, 6, 11, 23, 30, tzinfo=datetime.UTC)

    assert send_follow_up_digest(now=before_midnight) == 0
    assert send_follow_up_digest(now=after_midnight) == 1
    assert len(deliver_mail()) == 1


def test_the_digest_leaves_out_archived_incidents_and_inactive_owners(
    deliver_mail, supervisor, client_record
):
    late = timezone.localdate() - DAY
    archived = FollowUpFactory(client=client_record, due_on=late, from_incident=True)
    archived.incident.archive(reason="Logged twice.")
    archived.incident.save()
    FollowUpFactory(client=client_record, owner=supervisor, due_on=late)
    supervisor.is_active = False
    supervisor.save()

    assert send_follow_up_digest() == 0
    assert deliver_mail() == []
