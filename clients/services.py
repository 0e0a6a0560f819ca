import datetime
from collections.abc import Sequence

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from accounts.models import Role, User
from boundaries.models import AgreementStatus, BoundaryAgreement
from clients.models import Client, ClientStatus
from supervision.engine import evaluate_for_client


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
