import datetime

import factory
from django.utils import timezone

from boundaries.models import Category
from clients.tests.factories import ClientFactory
from sessions_log.models import Addendum, Attendance, Classification, HarmLevel, Incident, Initiator, Session


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
