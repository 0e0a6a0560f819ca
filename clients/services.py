"""Writes on a client's own row: details, discharge, archive, restore. Each tells the rules on commit."""

import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.models import Role, User
from accounts.security_log import log_event
from clients.models import Client, ClientStatus
from clients.signals import archive_obstacles, send_records_changed
from common import mail
from common.dates import date_text, datetime_text
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
def client_archive(*, client: Client, reason: str, by: User) -> Client:
    """Take ``client`` out of the lists of work and the rules; nothing is deleted until the retention
    purge, and the supervisor and the admin still read it.

    Refused while anything is unsettled (open flags, unsigned entries: ``archive_requested``), so
    that archiving never takes a case out of supervision. The supervisors are told by e-mail.
    """
    client = Client.objects.select_for_update().select_related("therapist").get(pk=client.pk)
    if client.archived_at is not None:
        raise ValidationError("This client is already archived.", code="already_archived")
    if obstacles := archive_obstacles(client):
        raise ValidationError(
            "Settle this first, then archive: %(obstacles)s",
            code="unsettled",
            params={"obstacles": " ".join(obstacles)},
        )
    client.archive(reason=reason, by=by)
    client.save(update_fields=["archived_at", "archived_reason", "archived_by", "updated_at"])
    log_event("client_archived", user=by, client=client.pk, practice=client.practice_id)
    _notify_archived(client, by=by)
    send_records_changed(client)
    return client


def _notify_archived(client: Client, *, by: User) -> None:
    """The therapist's current supervisors (the practice admins if there is none) hear of it.

    The code, who, when and the reason given; nothing clinical.
    """
    recipients = [user.email for user in client.therapist.current_supervisors()]
    if not any(recipients):
        admins = User.objects.filter(practice_id=client.practice_id, role=Role.PRACTICE_ADMIN, is_active=True)
        recipients = [user.email for user in admins]
    link = settings.SITE_URL.rstrip("/") + client.get_absolute_url()
    mail.send(
        subject=f"[Alliance] Client {client.code} archived",
        body=(
            f"{by} archived client {client.code} on "
            f"{datetime_text(client.archived_at, zone=True)}.\n\n"
            f"Reason given: {client.archived_reason}\n\n"
            "The client's records stay readable to you, read-only; the practice admin can restore "
            f"the client until {date_text(client.restorable_until())}.\n\n"
            f"Open it in Alliance: {link}\n"
        ),
        recipients=recipients,
        practice_id=client.practice_id,
        tag=f"client_archived:{client.pk}",
    )


@transaction.atomic
def client_restore(*, client: Client, by: User) -> Client:
    """Bring an archived client back into the lists and the rules, within the retention period."""
    client = Client.objects.select_for_update().get(pk=client.pk)
    if client.archived_at is None:
        raise ValidationError("This client is not archived.", code="not_archived")
    if timezone.now() >= client.restorable_until():
        raise ValidationError(
            "The retention period of this client ended on %(day)s: it can no longer be restored.",
            code="retention_ended",
            params={"day": timezone.localtime(client.restorable_until()).date()},
        )
    client.restore()
    client.save(update_fields=["archived_at", "archived_reason", "archived_by", "updated_at"])
    log_event("client_restored", user=by, client=client.pk, practice=client.practice_id)
    send_records_changed(client)
    return client
