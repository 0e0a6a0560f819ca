import datetime
from collections.abc import Sequence

import pgtrigger
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.models import EmergencyAccess, Role, User
from audit.models import AccessRecord
from boundaries.models import AgreementStatus, BoundaryAgreement
from clients.models import Client, ClientStatus
from sessions_log.models import Addendum, Incident, Session
from supervision.engine import evaluate_for_client
from supervision.models import Flag, FlagEvent


@transaction.atomic
def client_intake(*, therapist: User, client: Client, agreements: Sequence[BoundaryAgreement]) -> Client:
    """Create ``client`` for ``therapist`` with its first agreements, all or nothing."""
    if therapist.role != Role.THERAPIST or therapist.practice_id is None:
        raise ValidationError("Only a therapist of a practice records an intake.", code="not_a_therapist")
    client.therapist = therapist
    client.practice_id = therapist.practice_id
    client.status = ClientStatus.ACTIVE
    try:
        with transaction.atomic():
            client.save()
    except IntegrityError as exc:
        # Another intake took the code between validation and saving.
        raise ValidationError(
            {"code": ValidationError("Another client of this practice already has this code.", code="taken")}
        ) from exc
    for agreement in agreements:
        agreement.client = client
        agreement.recorded_by = therapist
        agreement.status = AgreementStatus.ACTIVE
        agreement.full_clean(exclude=["client", "recorded_by"])
        agreement.save()
    transaction.on_commit(lambda: evaluate_for_client(client), robust=True)
    return client


@transaction.atomic
def client_update(*, client: Client, code: str, intake_date: datetime.date, setting: str) -> Client:
    client = Client.objects.select_for_update().get(pk=client.pk)
    client.code, client.intake_date, client.setting = code, intake_date, setting
    client.full_clean()
    try:
        with transaction.atomic():
            client.save()
    except IntegrityError as exc:
        raise ValidationError(
            {"code": ValidationError("Another client of this practice already has this code.", code="taken")}
        ) from exc
    transaction.on_commit(lambda: evaluate_for_client(client), robust=True)
    return client


@transaction.atomic
def client_discharge(*, client: Client, on: datetime.date) -> Client:
    client = Client.objects.select_for_update().get(pk=client.pk)
    if client.status == ClientStatus.DISCHARGED:
        raise ValidationError(
            "This client was already discharged on %(day)s.",
            code="already_discharged",
            params={"day": client.discharged_on},
        )
    client.status = ClientStatus.DISCHARGED
    client.discharged_on = on
    client.full_clean()
    client.save(update_fields=["status", "discharged_on", "updated_at"])
    transaction.on_commit(lambda: evaluate_for_client(client), robust=True)
    return client


@transaction.atomic
def client_archive(*, client: Client, reason: str) -> Client:
    """Take ``client`` out of every list and rule; nothing is deleted until the retention purge."""
    client = Client.objects.select_for_update().get(pk=client.pk)
    if client.archived_at is not None:
        raise ValidationError("This client is already archived.", code="already_archived")
    client.archive(reason=reason)
    client.save(update_fields=["archived_at", "archived_reason", "updated_at"])
    transaction.on_commit(lambda: evaluate_for_client(client), robust=True)
    return client


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
        "sessions_log.Incident:signed_entry_undeletable", "sessions_log.Session:signed_entry_undeletable"
    ):
        for label, queryset in querysets.items():
            if label == "access records":
                # The trail refuses deletes through the ORM; past retention its rows go with the client.
                queryset._raw_delete(queryset.db)
            else:
                queryset.delete()
    return counts
