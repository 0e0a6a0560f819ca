import datetime

import factory
from django.utils import timezone

from accounts.tests.factories import SupervisorFactory
from boundaries.models import Category
from clients.tests.factories import ClientFactory
from sessions_log.models import (
    Addendum,
    Attendance,
    Classification,
    FollowUp,
    FollowUpOrigin,
    HarmLevel,
    Incident,
    Initiator,
    RevisionRequest,
    Session,
)


class SessionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Session

    client = factory.SubFactory(ClientFactory)
    therapist = factory.SelfAttribute("client.therapist")
    scheduled_start = factory.LazyFunction(
        lambda: timezone.now().replace(minute=0, second=0, microsecond=0) - datetime.timedelta(days=1)
    )
    scheduled_end = factory.LazyAttribute(lambda s: s.scheduled_start + datetime.timedelta(minutes=50))
    actual_start = factory.SelfAttribute("scheduled_start")
    actual_end = factory.SelfAttribute("scheduled_end")
    attendance = Attendance.ATTENDED


class IncidentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Incident

    client = factory.SubFactory(ClientFactory)
    session = None
    category = Category.TIME
    initiated_by = Initiator.CLIENT
    provisional_classification = Classification.CROSSING
    harm = HarmLevel.NONE
    occurred_at = factory.LazyFunction(lambda: timezone.now() - datetime.timedelta(hours=2))
    description = "The client asked to extend the session by ten minutes."


class AddendumFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Addendum

    session = factory.SubFactory(SessionFactory)
    client = factory.SelfAttribute("session.client")
    text = "The session started at 10:05, not 10:00."
    reason = "Correcting the start time."
    author = factory.SelfAttribute("session.therapist")


class FollowUpFactory(factory.django.DjangoModelFactory):
    """A follow-up on a client's record, owned by the client's therapist, due in a week.

    ``FollowUpFactory(from_incident=True)`` makes one typed with an incident of the same client;
    ``done=True`` one its owner marked done. Without a client, pass ``therapist``.
    """

    class Meta:
        model = FollowUp

    class Params:
        from_incident = factory.Trait(
            origin=FollowUpOrigin.INCIDENT,
            incident=factory.SubFactory(IncidentFactory, client=factory.SelfAttribute("..client")),
        )
        done = factory.Trait(
            done_at=factory.LazyAttribute(lambda f: max(timezone.now(), f.created_at)),
            done_by=factory.SelfAttribute("owner"),
            done_note="Done as agreed.",
        )

    client = factory.SubFactory(ClientFactory)
    therapist = factory.LazyAttribute(lambda f: f.client.therapist)
    practice = factory.LazyAttribute(lambda f: f.therapist.practice)
    origin = FollowUpOrigin.CLIENT
    incident = None
    action = "Call the client back about the missed session."
    owner = factory.SelfAttribute("therapist")
    due_on = factory.LazyFunction(lambda: timezone.localdate() + datetime.timedelta(days=7))
    created_by = factory.SelfAttribute("therapist")
    created_at = factory.LazyFunction(timezone.now)


class RevisionRequestFactory(factory.django.DjangoModelFactory):
    """A supervisor's request to revise an incident (sign it first, as a return does)."""

    class Meta:
        model = RevisionRequest

    incident = factory.SubFactory(IncidentFactory)
    session = None
    client = factory.SelfAttribute("incident.client")
    requested_by = factory.SubFactory(SupervisorFactory, practice=factory.SelfAttribute("..client.practice"))
    request = "Add the rationale for extending the session."
