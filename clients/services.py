"""Writes on a client's own row: details, discharge, archive. Each tells the rules on commit."""

import datetime

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from clients.models import Client, ClientStatus
from clients.signals import send_records_changed
from common.forms import check_version


def client_save(*, client: Client) -> None:
    """Save ``client``; a code another client took between validation and saving is a form error."""
    try:
        with transaction.atomic():
            client.save()
    except IntegrityError as exc:
        raise ValidationError(
            {"code": ValidationError("Another client of this practice already has this code.", code="taken")}
        ) from exc


@transaction.atomic
def client_update(
    *,
    client: Client,
    code: str,
    intake_date: datetime.date,
    setting: str,
    seen_version: datetime.datetime | None = None,
) -> Client:
    client = Client.objects.select_for_update().get(pk=client.pk)
    check_version(client, seen_version)
    client.code, client.intake_date, client.setting = code, intake_date, setting
    client.full_clean()
    client_save(client=client)
    send_records_changed(client)
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
    send_records_changed(client)
    return client


@transaction.atomic
def client_archive(*, client: Client, reason: str) -> Client:
    """Take ``client`` out of every list and rule; nothing is deleted until the retention purge."""
    client = Client.objects.select_for_update().get(pk=client.pk)
    if client.archived_at is not None:
        raise ValidationError("This client is already archived.", code="already_archived")
    client.archive(reason=reason)
    client.save(update_fields=["archived_at", "archived_reason", "updated_at"])
    send_records_changed(client)
    return client
