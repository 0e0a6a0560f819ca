"""The retention purge: archived clients past the retention period go, with every row about them.

It stands on the top floor because it must reach every app's rows about a client. Run daily
(``manage.py purge_archived``, docs/DEPLOY.md).
"""

import datetime

import pgtrigger
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from audit.models import AccessRecord
from boundaries.models import (
    AcknowledgedVersion,
    Acknowledgement,
    AcknowledgementDocument,
    BoundaryAgreement,
)
from calendar_sync.models import EventDecision
from clients.models import Client, EmergencyAccess
from sessions_log.models import Addendum, FollowUp, Incident, RevisionRequest, Session
from supervision.models import AgendaItem, Flag, FlagEvent, ItemFollowUp, PlanItem


def archived_clients_due(*, older_than_years: int, now: datetime.datetime | None = None):
    """Clients archived more than ``older_than_years`` years before ``now``."""
    now = now or timezone.now()
    try:
        cutoff = now.replace(year=now.year - older_than_years)
    except ValueError:  # 29 February, in a year that has none
        cutoff = now.replace(year=now.year - older_than_years, day=28)
    return Client.objects.filter(archived_at__lt=cutoff)


# The triggers that refuse these deletes, lifted for the purge's transaction only.
LIFTED_TRIGGERS = (
    "sessions_log.Incident:signed_entry_undeletable",
    "sessions_log.Session:signed_entry_undeletable",
    "supervision.AgendaItem:agenda_item_locked_with_minutes",
    "supervision.ItemFollowUp:item_follow_up_locked_with_minutes",
    "audit.AccessRecord:append_only",
)


@transaction.atomic
def client_purge_archived(*, older_than_years: int, dry_run: bool = False) -> dict[str, int]:
    """Delete the clients archived longer ago than the retention period, with every row about them.

    The one hard delete in Alliance, after the retention period. Signed entries are normally
    undeletable (a trigger), so that trigger is lifted for this transaction only; the change
    history is append-only and keeps its rows, deletions included. Returns the counts per kind.

    Rows about the client go; rows about something else that only point at them lose the link:
    a supervision meeting keeps its other items (its items about the client go, and with them
    the follow-ups decided on them), a flag about the therapist keeps its other evidence and its
    history (its events no longer name the client's entries).
    """
    clients = archived_clients_due(older_than_years=older_than_years).select_for_update()
    ids = list(clients.values_list("pk", flat=True))
    # Fixed up front: the querysets below would otherwise shrink as the rows they go through go.
    follow_ups = list(
        FollowUp.objects.filter(
            Q(client__in=ids)
            | Q(incident__client__in=ids)
            | Q(plan_item__flag__client__in=ids)
            | Q(meeting_item__item__flag__client__in=ids)
            | Q(meeting_item__item__revision_request__client__in=ids)
            | Q(meeting_item__item__follow_up__client__in=ids)
        )
        .order_by()
        .values_list("pk", flat=True)
        .distinct()
    )
    agenda_items = list(
        AgendaItem.objects.filter(
            Q(flag__client__in=ids) | Q(revision_request__client__in=ids) | Q(follow_up__in=follow_ups)
        )
        .order_by()
        .values_list("pk", flat=True)
    )
    # Children first: every foreign key to a client, a session, an incident, a flag, a
    # follow-up, an agenda item, an acknowledgement or an agreement is PROTECT.
    querysets = {
        "meeting follow-ups": ItemFollowUp.objects.filter(
            Q(item__in=agenda_items) | Q(follow_up__in=follow_ups)
        ),
        "agenda items": AgendaItem.objects.filter(pk__in=agenda_items),
        "plan items": PlanItem.objects.filter(Q(flag__client__in=ids) | Q(follow_up__in=follow_ups)),
        "flag events": FlagEvent.objects.filter(flag__client__in=ids),
        "follow-ups": FollowUp.objects.filter(pk__in=follow_ups),
        "revision requests": RevisionRequest.objects.filter(client__in=ids),
        "flags": Flag.objects.filter(client__in=ids),
        "addenda": Addendum.objects.filter(client__in=ids),
        "incidents": Incident.objects.filter(client__in=ids),
        "sessions": Session.objects.filter(client__in=ids),
        "acknowledgement documents": AcknowledgementDocument.objects.filter(acknowledgement__client__in=ids),
        "acknowledged versions": AcknowledgedVersion.objects.filter(
            Q(acknowledgement__client__in=ids) | Q(agreement__client__in=ids)
        ),
        "acknowledgements": Acknowledgement.objects.filter(client__in=ids),
        "agreements": BoundaryAgreement.objects.filter(client__in=ids),
        "calendar decisions": EventDecision.objects.filter(client__in=ids),
        "access records": AccessRecord.objects.filter(client__in=ids),
        "emergency access grants": EmergencyAccess.objects.filter(client__in=ids),
        "clients": Client.objects.filter(pk__in=ids),
    }
    counts = {label: queryset.count() for label, queryset in querysets.items()}
    if dry_run or not ids:
        return counts
    _unlink(ids, follow_ups)
    with pgtrigger.ignore(*LIFTED_TRIGGERS):
        for label, queryset in querysets.items():
            if label == "access records":
                # The trail refuses deletes through the ORM; past retention its rows go with the client.
                queryset._raw_delete(queryset.db)
            elif label == "agreements":
                # Each version PROTECTs the one it supersedes: the newest go first.
                versions = set(queryset.values_list("version", flat=True))
                for version in sorted(versions, reverse=True):
                    queryset.filter(version=version).delete()
            else:
                queryset.delete()
    return counts


def _unlink(ids: list[int], follow_ups: list[int]) -> None:
    """Take the purged rows out of the rows about others that point at them."""
    # Flags about a therapist may cite these clients' entries, agreements and follow-ups as evidence.
    for field, about in (
        ("incidents", Q(incident__client__in=ids)),
        ("sessions", Q(session__client__in=ids)),
        ("agreements", Q(boundaryagreement__client__in=ids)),
        ("follow_ups", Q(followup__in=follow_ups)),
    ):
        Flag._meta.get_field(field).remote_field.through.objects.filter(about).delete()
    # Their events returned one of these entries and noted its addendum: the events stay, as
    # when a draft goes (``FlagEvent.incident`` and ``.session`` are SET_NULL), without the link.
    others = FlagEvent.objects.exclude(flag__client__in=ids)
    others.filter(revision_request__client__in=ids).update(revision_request=None)
    others.filter(addendum__client__in=ids).update(addendum=None)
    others.filter(incident__client__in=ids).update(incident=None)
    others.filter(session__client__in=ids).update(session=None)
