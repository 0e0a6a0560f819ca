import datetime

import factory

from boundaries.models import BoundaryAgreement, Category, ProposedBy
from clients.tests.factories import ClientFactory


class BoundaryAgreementFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = BoundaryAgreement

    client = factory.SubFactory(ClientFactory)
    category = Category.TIME
    terms = "Sessions last 50 minutes and start on time; lateness is not made up."
    proposed_by = ProposedBy.JOINTLY
    rationale = "Predictable structure supports the work."
    effective_date = factory.SelfAttribute("client.intake_date")
    review_interval_days = 90
    next_review_on = factory.LazyAttribute(
        lambda a: a.effective_date + datetime.timedelta(days=a.review_interval_days)
    )
    version = 1
    # A revision says why (the database requires it); the first version has no reason.
    revision_reason = factory.LazyAttribute(lambda a: "Revised at the review." if a.version > 1 else "")
    recorded_by = factory.SelfAttribute("client.therapist")
