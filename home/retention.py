"""The retention purge: archived clients past the retention period go, with every row about them.

It stands on the top floor because it must reach every app's rows about a client. Run daily
(``manage.py purge_archived``, docs/DEPLOY.md).
"""

import datetime

import pgtrigger
from django.db import transaction
from django.utils import timezone

from audit.models import AccessRecord
from boundaries.models import BoundaryAgreement
from clients.models import Client, EmergencyAccess
from sessions_log.models import Addendum, Incident, Session
from supervision.models import Flag, FlagEvent


def archived_clients_due(*, older_than_years: int, now: datetime.datetime | None = None):
    """Clients archived more than ``older_than_years`` years before ``now``."""
    now = now or timezone.now()
    try:
        cutoff = now.replace(year=now.year - older_than_years)
    except ValueError:  # 29 February, in a year that has none
        cutoff = now.replace(year=now.year - older_than_years, day=28)
    return Client.objects.filter(archived_at__lt=cutoff)


@transaction.atomic
def client_purge_archived(*, older_than_years: int, dry_run: bool = False) -> dict[str, int]:
    """Delete the clients archived longer ago than the retention period, with every row about them.

    The one hard delete in Alliance, after the retention period. Signed entries are normally
    undeletable (a trigger), so that trigger is lifted for this transaction only; the change
    history is append-only and keeps its rows, deletions included. Returns the counts per kind.
    """
    clients = archived_clients_due(older_than_years=older_than_years).select_for_update()
    ids = list(clients.values_list("pk", flat=True))
    # Children first: every foreign key to a client, a session or an incident is PROTECT.
    querysets = {
        "flag events": FlagEvent.objects.filter(flag__client__in=ids),
        "flags": Flag.objects.filter(client__in=ids),
        "addenda": Addendum.objects.filter(client__in=ids),
        "incidents": Incident.objects.filter(client__in=ids),
        "sessions": Session.objects.filter(client__in=ids),
        "agreements": BoundaryAgreement.objects.filter(client__in=ids),
        "access records": AccessRecord.objects.filter(client__in=ids),
        "emergency access grants": EmergencyAccess.objects.filter(client__in=ids),
        "clients": Client.objects.filter(pk__in=ids),
    }
    counts = {label: queryset.count() for label, queryset in querysets.items()}
    if dry_run or not ids:
        return counts
    # Flags about a therapist may cite these clients' entries as evidence: unlink them.
    for model in (Incident, Session):
        through = Flag._meta.get_field(f"{model._meta.model_name}s").remote_field.through
        through.objects.filter(**{f"{model._meta.model_name}__client__in": ids}).delete()
    with pgtrigger.ignore(
        "sessions_log.Incident:signed_entry_undeletable",
        "sessions_log.Session:signed_entry_undeletable",
        "audit.AccessRecord:append_only",
    ):
        for label, queryset in querysets.items():
            if label == "access records":
                # The trail refuses deletes through the ORM; past retention its rows go with the client.
                queryset._raw_delete(queryset.db)
            else:
                queryset.delete()
    return counts
