import factory

from audit.models import AccessAction, AccessRecord
from clients.tests.factories import ClientFactory


class AccessRecordFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = AccessRecord

    client = factory.SubFactory(ClientFactory)
    user = factory.SelfAttribute("client.therapist")
    practice = factory.SelfAttribute("client.practice")
    object_type = "client"
    object_id = factory.SelfAttribute("client.pk")
    action = AccessAction.VIEW
    ip = "192.0.2.10"
    request_id = factory.Sequence(lambda n: f"{n:016x}")
