import datetime

import factory
from django.utils import timezone

from clients.tests.factories import ClientFactory
from supervision.models import (
    CLOSED_STATUSES,
    Flag,
    FlagEvent,
    FlagEventKind,
    FlagStatus,
    RuleCode,
    RuleSetting,
    Severity,
)


class FlagFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Flag

    client = factory.SubFactory(ClientFactory)
    therapist = factory.SelfAttribute("client.therapist")
    practice = factory.SelfAttribute("client.practice")
    rule = RuleCode.TIME_OVERRUNS
    severity = Severity.MEDIUM
    status = FlagStatus.OPEN
    opened_at = factory.LazyFunction(timezone.now)
    acknowledge_by = factory.LazyAttribute(lambda f: f.opened_at + datetime.timedelta(days=3))
    acknowledged_at = factory.LazyAttribute(
        lambda f: f.opened_at if f.status == FlagStatus.ACKNOWLEDGED else None
    )
    closed_at = factory.LazyAttribute(lambda f: f.opened_at if f.status in CLOSED_STATUSES else None)


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
