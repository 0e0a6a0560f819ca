"""A client's timeline: agreements, sessions, incidents, addenda and flags in one order.

The page is cut in SQL (a UNION of (kind, id, time) rows, ordered and paginated), then only
that page's rows are fetched, one query per kind (every kind, whether the page holds it or not), so a
long history costs no more than a short one and every page the same number of queries.

It stands on the supervision floor, the lowest that may read flags; the flag page shows it beside
the evidence, and the client's timeline page (``home/views.py``) is built on it.
"""

from dataclasses import dataclass
from datetime import datetime

from django.core.paginator import Page, Paginator
from django.db.models import CharField, DateTimeField, F, Value
from django.db.models.functions import Cast

from boundaries.models import BoundaryAgreement
from clients.models import Client
from sessions_log.models import Addendum, Incident, Session
from supervision.models import Flag

PAGE_SIZE = 25


@dataclass(frozen=True)
class TimelineItem:
    kind: str  # agreement, session, incident, addendum or flag
    at: datetime
    obj: object


def _rows(queryset, kind: str, at):
    return queryset.annotate(kind=Value(kind, output_field=CharField()), at=at).values_list(
        "kind", "pk", "at"
    )


def timeline_page(*, client: Client, user, category: str = "", page_number=1) -> Page:
    agreements = BoundaryAgreement.objects.for_user(user).filter(client=client)
    sessions = Session.objects.for_user(user).filter(client=client)
    incidents = Incident.objects.for_user(user).filter(client=client)
    addenda = Addendum.objects.for_user(user).filter(client=client)
    flags = Flag.objects.for_user(user).filter(client=client)
    if category:
        agreements = agreements.filter(category=category)
        incidents = incidents.filter(category=category)
        sessions = sessions.filter(incidents__category=category).distinct()
        addenda = addenda.filter(incident__in=incidents.values("pk")) | addenda.filter(
            session__in=sessions.values("pk")
        )
        flags = flags.filter(incidents__category=category).distinct()

    union = (
        _rows(agreements, "agreement", Cast("effective_date", DateTimeField()))
        .union(
            _rows(sessions, "session", F("scheduled_start")),
            _rows(incidents, "incident", F("occurred_at")),
            _rows(addenda, "addendum", F("created_at")),
            _rows(flags, "flag", F("opened_at")),
            all=True,
        )
        .order_by("-at", "kind", "-pk")
    )
    page = Paginator(union, PAGE_SIZE).get_page(page_number)

    wanted: dict[str, list[int]] = {}
    for kind, pk, _at in page.object_list:
        wanted.setdefault(kind, []).append(pk)
    fetch = {
        "agreement": lambda ids: BoundaryAgreement.objects.filter(pk__in=ids).select_related("recorded_by"),
        "session": lambda ids: Session.objects.filter(pk__in=ids),
        "incident": lambda ids: Incident.objects.filter(pk__in=ids),
        "addendum": lambda ids: Addendum.objects.filter(pk__in=ids).select_related(
            "session", "incident", "author"
        ),
        "flag": lambda ids: Flag.objects.filter(pk__in=ids),
    }
    # One query for every kind, on the page or not (a kind absent asks for id 0, which matches
    # nothing): the page costs the same whatever it holds, at every scale.
    objects = {(kind, obj.pk): obj for kind, load in fetch.items() for obj in load(wanted.get(kind) or [0])}
    page.object_list = [TimelineItem(kind, at, objects[(kind, pk)]) for kind, pk, at in page.object_list]
    return page
