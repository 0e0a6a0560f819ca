"""Writes on boundary agreements: the intake, create, revise (a new version), end, acknowledge.

Revise, end and acknowledge re-read the version under a row lock, so two requests made from
the same page cannot both act on it: the second finds it no longer active and is refused.
"""

import datetime
from collections.abc import Callable, Sequence

from django.core.exceptions import ValidationError
from django.db import transaction

from accounts.models import Role, User
from boundaries.models import AcknowledgementMethod, AgreementStatus, BoundaryAgreement, Category
from clients.models import Client, ClientStatus
from clients.services import client_save
from clients.signals import send_records_changed


def _lock_active(agreement: BoundaryAgreement, *, action: str) -> BoundaryAgreement:
    """The locked, freshly read row of ``agreement``; refused unless it is the active version."""
    locked = (
        BoundaryAgreement.objects.select_for_update(of=("self",))
        .select_related("client")
        .get(pk=agreement.pk)
    )
    if locked.status != AgreementStatus.ACTIVE:
        raise ValidationError(
            "Only the active version of an agreement can be %(action)s; version %(version)s is %(status)s.",
            code="not_active",
            params={
                "action": action,
                "version": locked.version,
                "status": locked.get_status_display().lower(),
            },
        )
    return locked


def _refuse_discharged(client: Client) -> None:
    if client.status == ClientStatus.DISCHARGED:
        raise ValidationError(
            "%(client)s was discharged on %(day)s; no agreement can be added or revised any more.",
            code="client_discharged",
            params={"client": client, "day": client.discharged_on},
        )


def _on_field(field: str, validate: Callable[[datetime.date], None], day: datetime.date) -> None:
    """Run a date rule of the model, reporting its refusal on the form field ``field``."""
    try:
        validate(day)
    except ValidationError as exc:
        raise ValidationError({field: exc}) from exc


def _review_date(effective_date: datetime.date, interval: int, next_review_on: datetime.date | None):
    return next_review_on or effective_date + datetime.timedelta(days=interval)


@transaction.atomic
def client_intake(*, therapist: User, client: Client, agreements: Sequence[BoundaryAgreement]) -> Client:
    """Create ``client`` for ``therapist`` with its first agreements, all or nothing."""
    if therapist.role != Role.THERAPIST or therapist.practice_id is None:
        raise ValidationError("Only a therapist of a practice records an intake.", code="not_a_therapist")
    client.therapist = therapist
    client.practice_id = therapist.practice_id
    client.status = ClientStatus.ACTIVE
    client_save(client=client)
    for agreement in agreements:
        agreement.client = client
        agreement.recorded_by = therapist
        agreement.status = AgreementStatus.ACTIVE
        agreement.full_clean(exclude=["client", "recorded_by"])
        agreement.save()
    send_records_changed(client)
    return client


@transaction.atomic
def agreement_create(
    *,
    client: Client,
    category: str,
    terms: str,
    proposed_by: str,
    rationale: str = "",
    effective_date: datetime.date,
    review_interval_days: int,
    next_review_on: datetime.date | None = None,
    recorded_by: User,
) -> BoundaryAgreement:
    """Record version 1 of an agreement in a category where ``client`` has no active one."""
    # Locking the client serialises agreements added to it at the same moment.
    client = Client.objects.select_for_update().get(pk=client.pk)
    _refuse_discharged(client)
    if BoundaryAgreement.objects.filter(client=client, category=category).active().exists():
        raise ValidationError(
            {
                "category": ValidationError(
                    "%(client)s already has an active %(category)s agreement; revise it instead.",
                    code="category_taken",
                    params={"client": client, "category": Category(category).label.lower()},
                )
            }
        )
    agreement = BoundaryAgreement(
        client=client,
        category=category,
        terms=terms,
        proposed_by=proposed_by,
        rationale=rationale,
        effective_date=effective_date,
        review_interval_days=review_interval_days,
        next_review_on=_review_date(effective_date, review_interval_days, next_review_on),
        status=AgreementStatus.ACTIVE,
        recorded_by=recorded_by,
    )
    agreement.full_clean()
    agreement.save()
    send_records_changed(client)
    return agreement


@transaction.atomic
def agreement_revise(
    *,
    agreement: BoundaryAgreement,
    terms: str,
    proposed_by: str,
    rationale: str = "",
    effective_date: datetime.date,
    review_interval_days: int,
    next_review_on: datetime.date | None = None,
    recorded_by: User,
) -> BoundaryAgreement:
    """Supersede the active version ``agreement`` with the next version of the same chain.

    The new version is active and unacknowledged: the client acknowledges the terms now in force.
    """
    previous = _lock_active(agreement, action="revised")
    _refuse_discharged(previous.client)
    _on_field("effective_date", previous.validate_revision_date, effective_date)
    # The database allows one active version per chain: retire the old one first.
    previous.status = AgreementStatus.SUPERSEDED
    previous.save(update_fields=["status"])
    revision = BoundaryAgreement(
        client=previous.client,
        category=previous.category,
        chain=previous.chain,
        version=previous.version + 1,
        supersedes=previous,
        terms=terms,
        proposed_by=proposed_by,
        rationale=rationale,
        effective_date=effective_date,
        review_interval_days=review_interval_days,
        next_review_on=_review_date(effective_date, review_interval_days, next_review_on),
        status=AgreementStatus.ACTIVE,
        recorded_by=recorded_by,
    )
    revision.full_clean()
    revision.save()
    send_records_changed(revision.client)
    return revision


@transaction.atomic
def agreement_end(*, agreement: BoundaryAgreement, ended_on: datetime.date) -> BoundaryAgreement:
    """End the active version ``agreement`` on ``ended_on`` (no later than today)."""
    agreement = _lock_active(agreement, action="ended")
    _on_field("ended_on", agreement.validate_end_date, ended_on)
    agreement.status = AgreementStatus.ENDED
    agreement.ended_on = ended_on
    agreement.full_clean()
    agreement.save(update_fields=["status", "ended_on"])
    send_records_changed(agreement.client)
    return agreement


@transaction.atomic
def agreement_acknowledge(
    *, agreement: BoundaryAgreement, acknowledged_on: datetime.date, method: str
) -> BoundaryAgreement:
    """Record how and when the client acknowledged the active version ``agreement``.

    An acknowledgement is recorded once; a later one would hide what the client agreed to and when.
    """
    agreement = _lock_active(agreement, action="acknowledged")
    if agreement.acknowledged_on is not None:
        raise ValidationError(
            "The client already acknowledged this version on %(day)s (%(method)s).",
            code="already_acknowledged",
            params={
                "day": agreement.acknowledged_on,
                "method": agreement.get_acknowledgement_method_display().lower(),
            },
        )
    _on_field("acknowledged_on", agreement.validate_acknowledgement_date, acknowledged_on)
    if method not in AcknowledgementMethod.values:
        raise ValidationError(
            {"method": ValidationError("Choose how the client acknowledged it.", code="invalid_method")}
        )
    agreement.acknowledged_on = acknowledged_on
    agreement.acknowledgement_method = method
    agreement.full_clean()
    agreement.save(update_fields=["acknowledged_on", "acknowledgement_method"])
    return agreement
