import datetime

import factory
from django.utils import timezone

from accounts.tests.factories import TherapistFactory
from clients.models import Client, ClientSetting


class ClientFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Client

    therapist = factory.SubFactory(TherapistFactory)
    practice = factory.SelfAttribute("therapist.practice")
    code = factory.Sequence(lambda n: f"CL-{n:04d}")
    intake_date = factory.LazyFunction(lambda: timezone.localdate() - datetime.timedelta(days=120))
    setting = ClientSetting.IN_PERSON
