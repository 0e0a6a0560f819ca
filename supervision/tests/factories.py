import datetime

import factory
from django.utils import timezone

from clients.tests.factories import ClientFactory
from supervision.models import Flag, FlagEvent, FlagEventKind, RuleCode, RuleSetting, Severity


class FlagFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Flag

    client = factory.SubFactory(ClientFactory)
    therapist = factory.SelfAttribute("client.therapist")
    practice = factory.SelfAttribute("client.practice")
    rule = RuleCode.TIME_OVERRUNS
    severity = Severity.MEDIUM
    opened_at = factory.LazyFunction(timezone.now)
    acknowledge_by = factory.LazyAttribute(lambda f: f.opened_at + datetime.timedelta(days=3))


class FlagEventFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = FlagEvent

    flag = factory.SubFactory(FlagFactory)
    kind = FlagEventKind.OPENED


class RuleSettingFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = RuleSetting

    practice = factory.SubFactory("accounts.tests.factories.PracticeFactory")
    rule = RuleCode.TIME_OVERRUNS
    thresholds = factory.LazyFunction(lambda: {"min_sessions": 4})
