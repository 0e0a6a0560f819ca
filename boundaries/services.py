"""Writes on boundary agreements: the intake, create, revise (a new version), end; the client's
acknowledgement of the whole sheet.

Revise and end re-read the version under a row lock, so two requests made from
the same page cannot both act on it: the second finds it no longer active and is refused.
"""

import datetime
from collections.abc import Callable, Sequence

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from accounts.models import Role, User
from boundaries.documents import Document
from boundaries.models import (
    AcknowledgedVersion,
    Acknowledgement,
    AcknowledgementDocument,
    AcknowledgementMethod,
    AgreementStatus,
    BoundaryAgreement,
    Category,
    DocumentKind,
)
from clients.models import Client, ClientStatus
from clients.services import client_save
from clients.signals import send_records_changed
from common.dates import date_text


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
            params={"client": client, "day": date_text(client.discharged_on)},
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
    revision_reason: str,
    recorded_by: User,
) -> BoundaryAgreement:
    """Supersede the active version ``agreement`` with the next version of the same chain, saying why.

    The new version is active and unacknowledged: the client acknowledges the terms now in force.
    """
    if not revision_reason.strip():
        raise ValidationError(
            {"revision_reason": ValidationError("Say why the agreement changes.", code="no_reason")}
        )
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
        revision_reason=revision_reason.strip(),
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
def acknowledgement_record(
    *,
    client: Client,
    method: str,
    acknowledged_on: datetime.date,
    recorded_by: User,
    initials: str = "",
    note: str = "",
    document: Document | None = None,
) -> Acknowledgement:
    """Record the client's acknowledgement of every active agreement version they have now.

    On screen: today, with the client's initials and drawn signature; on paper: with the scan of
    the signed sheet; verbal: with a note. Refused when there is nothing to acknowledge, or when
    an acknowledgement in force already covers every active version.
    """
    client = Client.objects.select_for_update().get(pk=client.pk)
    versions = list(BoundaryAgreement.objects.filter(client=client).active().order_by("category"))
    if not versions:
        raise ValidationError(
            "%(client)s has no active agreement to acknowledge.",
            code="nothing_to_acknowledge",
            params={"client": client},
        )
    covered = set(
        AcknowledgedVersion.objects.filter(
            agreement__in=versions, acknowledgement__withdrawn_at__isnull=True
        ).values_list("agreement_id", flat=True)
    )
    if covered >= {version.pk for version in versions}:
        raise ValidationError(
            "The client has already acknowledged the sheet as it stands.", code="already_acknowledged"
        )
    errors = {}
    today = timezone.localdate()
    recorded = max(timezone.localdate(version.created_at) for version in versions)
    if acknowledged_on > today:
        errors["acknowledged_on"] = ValidationError(
            "An acknowledgement date cannot be in the future.", code="in_future"
        )
    elif acknowledged_on < recorded:
        errors["acknowledged_on"] = ValidationError(
            "The sheet as it stands was recorded on %(day)s: the client cannot have acknowledged it before.",
            code="before_sheet",
            params={"day": date_text(recorded)},
        )
    if method == AcknowledgementMethod.ON_SCREEN:
        if not initials.strip():
            errors["initials"] = ValidationError("The client types their initials.", code="no_initials")
        if document is None or document.content_type != "image/png":
            errors["signature"] = ValidationError("The client has not signed.", code="no_signature")
        if acknowledged_on != today:
            errors["acknowledged_on"] = ValidationError(
                "A signature on screen is dated today.", code="not_today"
            )
    elif method == AcknowledgementMethod.PAPER:
        if document is None:
            errors["scan"] = ValidationError("Attach the scan of the signed sheet.", code="no_scan")
    elif method == AcknowledgementMethod.VERBAL:
        if not note.strip():
            errors["note"] = ValidationError(
                "Say how the client acknowledged the sheet (when, in whose presence).", code="no_note"
            )
        document = None
    else:
        errors["method"] = ValidationError(
            "Choose how the client acknowledged the sheet.", code="invalid_method"
        )
    if errors:
        raise ValidationError(errors)
    acknowledgement = Acknowledgement.objects.create(
        client=client,
        method=method,
        acknowledged_on=acknowledged_on,
        initials=initials.strip(),
        note=note.strip(),
        recorded_by=recorded_by,
    )
    AcknowledgedVersion.objects.bulk_create(
        AcknowledgedVersion(
            acknowledgement=acknowledgement, agreement=version, content_hash=version.compute_content_hash()
        )
        for version in versions
    )
    if document is not None:
        AcknowledgementDocument.objects.create(
            acknowledgement=acknowledgement,
            kind=DocumentKind.SIGNATURE if method == AcknowledgementMethod.ON_SCREEN else DocumentKind.SCAN,
            content_type=document.content_type,
            filename=document.filename,
            size=len(document.data),
            sha256=document.sha256,
            data=document.data,
        )
    send_records_changed(client)
    return acknowledgement


@transaction.atomic
def acknowledgement_withdraw(*, acknowledgement: Acknowledgement, by: User, reason: str) -> Acknowledgement:
    """Withdraw an acknowledgement recorded in error; it stays readable, marked withdrawn."""
    acknowledgement = Acknowledgement.objects.select_for_update().get(pk=acknowledgement.pk)
    if acknowledgement.withdrawn_at is not None:
        raise ValidationError("This acknowledgement was already withdrawn.", code="already_withdrawn")
    if not reason.strip():
        raise ValidationError(
            {"reason": ValidationError("Say why the acknowledgement is withdrawn.", code="no_reason")}
        )
    acknowledgement.withdrawn_at = timezone.now()
    acknowledgement.withdrawn_by = by
    acknowledgement.withdrawn_reason = reason.strip()
    acknowledgement.save(update_fields=["withdrawn_at", "withdrawn_by", "withdrawn_reason"])
    send_records_changed(acknowledgement.client)
    return acknowledgement
