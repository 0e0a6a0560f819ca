"""The client page and the client's timeline (home/views.py)."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from boundaries.models import Category
from boundaries.tests.factories import BoundaryAgreementFactory
from sessions_log.models import EntryStatus
from sessions_log.tests.factories import AddendumFactory, IncidentFactory, SessionFactory
from supervision.tests.factories import FlagFactory

pytestmark = pytest.mark.django_db


class TestTimeline:
    def test_shows_every_kind_in_time_order(self, client, owner, client_record):
        now = timezone.now()
        agreement = BoundaryAgreementFactory(client=client_record, effective_date=client_record.intake_date)
        session = SessionFactory(
            client=client_record,
            scheduled_start=now - datetime.timedelta(days=3),
            scheduled_end=now - datetime.timedelta(days=3) + datetime.timedelta(minutes=50),
            actual_start=now - datetime.timedelta(days=3),
            actual_end=now - datetime.timedelta(days=3) + datetime.timedelta(minutes=65),
        )
        session.mark_signed(by=owner)
        session.save()
        incident = IncidentFactory(client=client_record, occurred_at=now - datetime.timedelta(days=2))
        addendum = AddendumFactory(session=session, created_at=now - datetime.timedelta(days=1))
        flag = FlagFactory(client=client_record, opened_at=now - datetime.timedelta(hours=1))
        client.force_login(owner)

        response = client.get(reverse("clients:timeline", args=[client_record.pk]))

        objects = [item.obj for item in response.context["page"].object_list]
        assert objects == [flag, addendum, incident, session, agreement]
        assert b"ran 15 min over" in response.content

    def test_filters_by_category(self, client, owner, client_record):
        time_incident = IncidentFactory(client=client_record, category=Category.TIME)
        IncidentFactory(client=client_record, category=Category.ONLINE)
        BoundaryAgreementFactory(client=client_record, category=Category.ONLINE)
        client.force_login(owner)

        response = client.get(reverse("clients:timeline", args=[client_record.pk]), {"category": "time"})

        assert [item.obj for item in response.context["page"].object_list] == [time_incident]

    def test_is_paginated_with_a_constant_query_count(
        self, client, owner, client_record, django_assert_num_queries
    ):
        IncidentFactory.create_batch(30, client=client_record)  # two hours ago: all of page 1
        SessionFactory.create_batch(5, client=client_record)  # yesterday: on page 2
        client.force_login(owner)
        url = reverse("clients:timeline", args=[client_record.pk])
        # session, user, practice, client, the access record insert, union count, union page,
        # and one query for each of the five kinds, whichever the page holds: the same on both pages
        with django_assert_num_queries(12):
            first = client.get(url)
        with django_assert_num_queries(12):
            second = client.get(url, {"page": 2})
        assert [item.kind for item in first.context["page"].object_list] == ["incident"] * 25
        assert [item.kind for item in second.context["page"].object_list] == ["incident"] * 5 + [
            "session"
        ] * 5

    def test_garbage_filter_and_page_do_not_fail(self, client, owner, client_record):
        client.force_login(owner)

        response = client.get(
            reverse("clients:timeline", args=[client_record.pk]), {"category": "x", "page": "zz"}
        )

        assert response.status_code == 200


def test_drafts_are_shown_as_drafts_on_the_detail_page(client, owner, client_record):
    SessionFactory(client=client_record)
    client.force_login(owner)

    response = client.get(reverse("clients:detail", args=[client_record.pk]))

    assert [s.status for s in response.context["sessions"]] == [EntryStatus.DRAFT]


def test_detail_lists_recent_sessions_newest_first(client, owner, client_record):
    now = timezone.now().replace(microsecond=0)
    for days in (5, 1, 9, 3):
        start = now - datetime.timedelta(days=days)
        SessionFactory(
            client=client_record,
            scheduled_start=start,
            scheduled_end=start + datetime.timedelta(minutes=50),
        )
    client.force_login(owner)

    response = client.get(reverse("clients:detail", args=[client_record.pk]))

    starts = [s.scheduled_start for s in response.context["sessions"]]
    assert starts == sorted(starts, reverse=True)


def test_the_missing_core_categories_are_named_in_one_sentence(client, owner, client_record):
    BoundaryAgreementFactory(client=client_record, category=Category.TIME)
    client.force_login(owner)

    response = client.get(client_record.get_absolute_url())

    text = " ".join(response.content.decode().split())
    assert (
        "No active agreement yet for: Physical contact and space, Self-disclosure, "
        "Dual or multiple relationships." in text
    )
