"""Co-signature: a supervisor countersigns the entries of a supervisee who needs it.

A practice admin marks a therapist (a pre-licensed clinician, an intern) as needing co-signature
from a date (``User.cosign_required_from``). Every session and every incident logged outside a
session that they sign from that date on waits in the co-signature queue of their current
supervisor, who either co-signs it (who, when, and the SHA-256 of the same content as the
signature: the database refuses any other) or returns it for revision by an addendum. A
session's co-signature covers the incidents logged and signed with it, as its signature does.
Once co-signed, neither the content nor the co-signature changes (database triggers in
sessions_log/models.py).
"""

from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Exists, F, OuterRef, QuerySet
from django.utils import timezone

from accounts.models import Role, SupervisionAssignment, User
from common.dates import datetime_text
from sessions_log import services as session_log
from sessions_log.models import EntryStatus, Incident, RevisionRequest, Session

COSIGN_FIELDS = ["cosigned_by", "cosigned_at", "cosign_hash"]
KINDS = {"session": Session, "incident": Incident}


def _supervisee_ids(supervisor: User):
    return (
        SupervisionAssignment.objects.current()
        .filter(supervisor=supervisor, practice_id=supervisor.practice_id)
        .values("therapist")
    )


def awaiting(model, supervisor: User) -> QuerySet:
    """``model``'s entries waiting for ``supervisor``'s co-signature, oldest signature first.

    Each carries ``returned``: whether a revision asked of it is still unanswered.
    """
    rows = model.objects.filter(
        status=EntryStatus.SIGNED,
        cosigned_at__isnull=True,
        signed_by__cosign_required_from__isnull=False,
        signed_at__date__gte=F("signed_by__cosign_required_from"),
        signed_by__in=_supervisee_ids(supervisor),
        client__practice_id=supervisor.practice_id,
    )
    if model is Incident:
        rows = rows.filter(session__isnull=True)
    unanswered = RevisionRequest.objects.unanswered().filter(**{model._meta.model_name: OuterRef("pk")})
    return (
        rows.annotate(returned=Exists(unanswered))
        .select_related("client", "signed_by")
        .order_by("signed_at", "pk")
    )


@dataclass(frozen=True)
class QueueRow:
    kind: str
    entry: Session | Incident

    @property
    def age(self):
        return timezone.now() - self.entry.signed_at


def queue(supervisor: User) -> list[QueueRow]:
    """Every entry waiting for ``supervisor``'s co-signature, the oldest first (two queries)."""
    rows = [QueueRow("session", entry) for entry in awaiting(Session, supervisor)]
    rows += [QueueRow("incident", entry) for entry in awaiting(Incident, supervisor)]
    return sorted(rows, key=lambda row: (row.entry.signed_at, row.kind, row.entry.pk))


def may_cosign(entry: Session | Incident, user: User) -> bool:
    """Whether ``user`` is a current supervisor of the therapist who signed ``entry``."""
    return (
        user.is_active
        and user.role == Role.SUPERVISOR
        and entry.signed_by_id is not None
        and SupervisionAssignment.objects.current()
        .filter(supervisor=user, therapist_id=entry.signed_by_id, practice_id=user.practice_id)
        .exists()
    )


def _locked_awaiting(entry: Session | Incident, by: User) -> Session | Incident:
    locked = type(entry).objects.select_for_update(of=("self",)).select_related("signed_by").get(pk=entry.pk)
    if not may_cosign(locked, by):
        raise PermissionDenied("Only a current supervisor of the therapist who signed it co-signs an entry.")
    if locked.is_cosigned:
        raise ValidationError(
            "%(by)s co-signed this entry on %(when)s.",
            code="cosigned",
            params={
                "by": locked.cosigned_by,
                "when": datetime_text(locked.cosigned_at),
            },
        )
    if not locked.awaits_cosignature:
        raise ValidationError("This entry does not wait for a co-signature.", code="not_awaiting")
    if isinstance(locked, Incident) and locked.session_id is not None:
        raise ValidationError(
            "This incident was signed with its session: co-sign the session.", code="in_session"
        )
    return locked


@transaction.atomic
def entry_cosign(*, entry: Session | Incident, by: User) -> Session | Incident:
    """Co-sign a signed entry (and a session's incidents) over the content as it was signed."""
    locked = _locked_awaiting(entry, by)
    if not locked.signature_intact:
        raise ValidationError(
            "The stored content no longer matches its signature: it cannot be co-signed. "
            "Tell the practice admin.",
            code="tampered",
        )
    if RevisionRequest.objects.unanswered().filter(**{locked._meta.model_name: locked}).exists():
        raise ValidationError(
            "This entry was returned for revision: co-sign it once the therapist has answered "
            "with an addendum.",
            code="returned",
        )
    at = timezone.now()
    locked.mark_cosigned(by=by, at=at)
    locked.save(update_fields=COSIGN_FIELDS)
    if isinstance(locked, Session):
        for incident in Incident.objects.select_for_update().filter(
            session=locked, status=EntryStatus.SIGNED, cosigned_at__isnull=True
        ):
            incident.mark_cosigned(by=by, at=at)
            incident.save(update_fields=COSIGN_FIELDS)
    return locked


@transaction.atomic
def entry_return(*, entry: Session | Incident, by: User, request: str) -> RevisionRequest:
    """Return an entry waiting for co-signature to its therapist, who revises it by an addendum."""
    request = (request or "").strip()
    if not request:
        raise ValidationError({"request": "Say what is to be revised."}, code="request_required")
    locked = _locked_awaiting(entry, by)
    if RevisionRequest.objects.unanswered().filter(**{locked._meta.model_name: locked}).exists():
        raise ValidationError(
            "This entry is already returned and waits for the therapist's addendum.", code="returned"
        )
    return session_log.revision_request_create(entry=locked, by=by, request=request)
