"""Writes to the session log: drafts, signatures, addenda, follow-ups, revision requests.

Every change goes through here, so a signed entry stays locked whatever a page offers: an
update or a second signature re-reads the row under ``SELECT ... FOR UPDATE`` and refuses a
signed one with ``EntryLocked``. Callers pass the cleaned values of the entry's own fields
(``SESSION_FIELDS``, ``INCIDENT_FIELDS``); status and signature are never taken from them.
"""

import datetime
from collections.abc import Iterable, Mapping
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from accounts.models import Role, User
from clients.models import Client, ClientStatus
from clients.signals import send_records_changed
from common.dates import datetime_text
from common.forms import check_version
from sessions_log import notifications
from sessions_log.models import (
    Addendum,
    Attendance,
    EntryStatus,
    FollowUp,
    FollowUpOrigin,
    Incident,
    RevisionRequest,
    Session,
)
from sessions_log.signals import entry_revised

# The key under which an incident's data may carry the follow-up typed with it (see FollowUpSpec).
FOLLOW_UP = "follow_up"

SESSION_FIELDS = frozenset(Session.editable_fields)
INCIDENT_FIELDS = frozenset(Incident.editable_fields)
SIGNATURE_FIELDS = ["status", "signed_by", "signed_at", "content_hash", "signature_attestation", "updated_at"]


class EntryLocked(ValidationError):
    """The entry is signed: it is never edited or signed again, only corrected by addenda."""


def _require_owner(client: Client, user: User) -> None:
    # Views already fetch through get_owned_or_404; this keeps any other caller honest too.
    if client.therapist_id != user.pk:
        raise PermissionDenied("Only the client's own therapist may change their record.")


def _assign(instance, data: Mapping[str, Any], allowed: frozenset[str]) -> None:
    unknown = set(data) - allowed
    if unknown:
        raise TypeError(f"Not fields a therapist sets on {instance._meta.verbose_name}: {sorted(unknown)}")
    for name, value in data.items():
        setattr(instance, name, value)


def _save(instance, *, label: str = "") -> None:
    """Validate and save; a constraint the database still refuses becomes a ValidationError.

    ``clean()`` covers every rule a person can break from a form, so the per-constraint
    queries of ``validate_constraints`` are left to the database itself.
    """
    try:
        instance.full_clean(validate_constraints=False)
    except ValidationError as exc:
        if not label:
            raise
        raise ValidationError([f"{label}: {message}" for message in exc.messages]) from exc
    try:
        with transaction.atomic():
            instance.save()
    except IntegrityError as exc:
        constraint = getattr(getattr(exc.__cause__, "diag", None), "constraint_name", None) or "unknown"
        raise ValidationError(
            "%(label)sThe entry breaks a rule of the record (%(constraint)s); nothing was saved.",
            code="constraint",
            params={"label": f"{label}: " if label else "", "constraint": constraint},
        ) from exc


def _attested(attestation: str) -> str:
    """The words the signer confirmed; no signature goes on without them."""
    if not attestation.strip():
        raise ValidationError(
            "Confirm that the record is accurate and complete to sign it; nothing was signed.",
            code="attestation_required",
        )
    return attestation.strip()


def _locked_draft(model, pk: int, *, action: str):
    """The row, locked until the transaction ends; refused if it is already signed."""
    entry = model.objects.select_for_update().get(pk=pk)
    if entry.is_signed:
        raise EntryLocked(
            "This %(entry)s was signed by %(signer)s on %(when)s and is locked; %(action)s",
            code="signed",
            params={
                "entry": model._meta.verbose_name,
                "signer": entry.signed_by,
                "when": datetime_text(entry.signed_at),
                "action": action,
            },
        )
    return entry


def _new_incident(*, client: Client, session: Session | None, data: Mapping[str, Any]) -> Incident:
    incident = Incident(client=client, session=session, documented_at=timezone.now())
    _assign(incident, _without_follow_up(data), INCIDENT_FIELDS)
    return incident


def _without_follow_up(data: Mapping[str, Any]) -> Mapping[str, Any]:
    return {name: value for name, value in data.items() if name != FOLLOW_UP}


def _save_incident(incident: Incident, data: Mapping[str, Any], *, by: User, label: str = "") -> None:
    """Save the incident, and the follow-up typed with it as a task of its own."""
    _save(incident, label=label)
    if spec := data.get(FOLLOW_UP):
        follow_up_create(
            client=incident.client,
            by=by,
            origin=FollowUpOrigin.INCIDENT,
            incident=incident,
            action=spec["action"],
            owner=spec["owner"] or incident.client.therapist,
            due_on=spec["due_on"],
        )


@transaction.atomic
def session_create(
    *,
    client: Client,
    therapist: User,
    data: Mapping[str, Any],
    incidents: Iterable[Mapping[str, Any]] = (),
) -> Session:
    """Log a draft session and the incidents of that session, all or nothing.

    The view stores the form's one-time token in the same transaction
    (accounts.submissions.submitted_once): the same form sent twice logs one session.
    """
    _require_owner(client, therapist)
    if client.status == ClientStatus.DISCHARGED:
        raise ValidationError(
            "%(client)s was discharged on %(date)s: no new sessions can be logged.",
            code="client_discharged",
            params={"client": client, "date": client.discharged_on},
        )
    session = Session(client=client, therapist=therapist, documented_at=timezone.now())
    _assign(session, data, SESSION_FIELDS)
    _save(session)
    for number, incident_data in enumerate(incidents, start=1):
        incident = _new_incident(client=client, session=session, data=incident_data)
        _save_incident(incident, incident_data, by=therapist, label=f"Incident {number}")
    send_records_changed(client)
    return session


REMOVED_FROM_SESSION = "Removed from its session before signing."


@transaction.atomic
def session_update(
    *,
    session: Session,
    by: User,
    data: Mapping[str, Any],
    new_incidents: Iterable[Mapping[str, Any]] = (),
    changed_incidents: Mapping[int, Mapping[str, Any]] | None = None,
    removed_incidents: Iterable[int] = (),
    seen_version: datetime.datetime | None = None,
) -> Session:
    """Change a draft session and its incidents: add, change (by id) and remove (by id).

    ``seen_version`` is the session's ``updated_at`` when the form was read: a save from a form
    read before a later change raises StaleEdit rather than overwriting that change.
    """
    _require_owner(session.client, by)
    locked = _locked_draft(Session, session.pk, action="add an addendum instead.")
    check_version(locked, seen_version)
    _assign(locked, data, SESSION_FIELDS)
    _save(locked)
    changed_incidents = changed_incidents or {}
    removed = set(removed_incidents)
    wanted = sorted(changed_incidents.keys() | removed)
    own = (
        Incident.objects.select_for_update().filter(session=locked, archived_at__isnull=True).in_bulk(wanted)
    )
    if missing := set(wanted) - own.keys():
        raise ValidationError(
            "Incidents %(ids)s are not part of this session.",
            code="not_in_session",
            params={"ids": sorted(missing)},
        )
    for pk in sorted(removed):
        # Nothing is deleted, not even a draft: it is archived and leaves the session's lists.
        own[pk].archive(reason=REMOVED_FROM_SESSION)
        own[pk].save(update_fields=["archived_at", "archived_reason", "updated_at"])
    for number, (pk, incident_data) in enumerate(sorted(changed_incidents.items()), start=1):
        if pk in removed:
            continue
        incident = own[pk]
        _assign(incident, _without_follow_up(incident_data), INCIDENT_FIELDS)
        _save_incident(incident, incident_data, by=by, label=f"Incident {number}")
    for number, incident_data in enumerate(new_incidents, start=len(changed_incidents) + 1):
        incident = _new_incident(client=locked.client, session=locked, data=incident_data)
        _save_incident(incident, incident_data, by=by, label=f"Incident {number}")
    send_records_changed(locked.client)
    return locked


@transaction.atomic
def session_sign(*, session: Session, by: User, attestation: str) -> Session:
    """Sign and lock the session and every incident logged with it, at one time, by one person.

    ``attestation``: the words the signer confirmed (models.ATTESTATION), kept with each signature.
    """
    _require_owner(session.client, by)
    attestation = _attested(attestation)
    locked = _locked_draft(Session, session.pk, action="it cannot be signed again.")
    if locked.attendance == Attendance.PLANNED:
        raise ValidationError(
            "This session is planned from the calendar and not logged yet: log it (its attendance and "
            "times) before signing.",
            code="planned",
        )
    at = timezone.now()
    locked.mark_signed(by=by, at=at, attestation=attestation)
    locked.save(update_fields=SIGNATURE_FIELDS)
    for incident in Incident.objects.select_for_update().filter(
        session=locked, status=EntryStatus.DRAFT, archived_at__isnull=True
    ):
        incident.mark_signed(by=by, at=at, attestation=attestation)
        incident.save(update_fields=SIGNATURE_FIELDS)
    send_records_changed(locked.client)
    return locked


@transaction.atomic
def incident_create(*, client: Client, by: User, data: Mapping[str, Any]) -> Incident:
    """Log a draft incident outside any session, such as an unannounced visit.

    A discharged client's incidents are still logged: boundaries outlast the therapy.
    """
    _require_owner(client, by)
    incident = _new_incident(client=client, session=None, data=data)
    _save_incident(incident, data, by=by)
    send_records_changed(client)
    return incident


def _refuse_in_session(incident: Incident, action: str) -> None:
    if incident.session_id is not None:
        raise ValidationError(
            "This incident was logged with a session: %(action)s it with the session.",
            code="in_session",
            params={"action": action},
        )


@transaction.atomic
def incident_update(
    *, incident: Incident, by: User, data: Mapping[str, Any], seen_version: datetime.datetime | None = None
) -> Incident:
    """Change a draft incident logged outside a session (a session's own go with the session);
    refused with StaleEdit if it changed since ``seen_version``."""
    _require_owner(incident.client, by)
    locked = _locked_draft(Incident, incident.pk, action="add an addendum instead.")
    check_version(locked, seen_version)
    _refuse_in_session(locked, "change")
    _assign(locked, _without_follow_up(data), INCIDENT_FIELDS)
    _save_incident(locked, data, by=by)
    send_records_changed(locked.client)
    return locked


@transaction.atomic
def incident_sign(*, incident: Incident, by: User, attestation: str) -> Incident:
    """Sign and lock an incident logged outside a session, with the words its signer confirmed."""
    _require_owner(incident.client, by)
    attestation = _attested(attestation)
    locked = _locked_draft(Incident, incident.pk, action="it cannot be signed again.")
    _refuse_in_session(locked, "sign")
    locked.mark_signed(by=by, attestation=attestation)
    locked.save(update_fields=SIGNATURE_FIELDS)
    send_records_changed(locked.client)
    return locked


@transaction.atomic
def addendum_add(*, entry: Session | Incident, by: User, text: str, reason: str) -> Addendum:
    """Add a dated correction to a signed session or incident, which itself stays as signed."""
    _require_owner(entry.client, by)
    # Lock the entry so that it cannot change state between the check and the insert.
    locked = type(entry).objects.select_for_update().get(pk=entry.pk)
    addendum = Addendum(client=locked.client, text=text, reason=reason, author=by)
    setattr(addendum, locked._meta.model_name, locked)
    _save(addendum)
    # An addendum is how a therapist revises an entry a supervisor returned: it answers every
    # request still open on the entry.
    RevisionRequest.objects.select_for_update().filter(
        **{locked._meta.model_name: locked}, addendum__isnull=True
    ).update(addendum=addendum)
    entry_revised.send(sender=type(locked), entry=locked, by=by, addendum=addendum)
    return addendum


# Revision requests


@transaction.atomic
def revision_request_create(*, entry: Session | Incident, by: User, request: str) -> RevisionRequest:
    """Ask the therapist to revise a signed entry by an addendum (supervision's "return").

    Whoever may return an entry is supervision's to decide; here the entry must be signed.
    """
    if not entry.is_signed:
        raise ValidationError(
            "That %(kind)s is still a draft, which its therapist can edit: comment instead. "
            "Signed entries are returned for an addendum.",
            code="draft",
            params={"kind": entry._meta.verbose_name},
        )
    revision = RevisionRequest(client=entry.client, requested_by=by, request=request.strip())
    setattr(revision, entry._meta.model_name, entry)
    revision.save()
    return revision


# Follow-ups


def follow_up_owners(therapist: User):
    """Who may own a follow-up in ``therapist``'s caseload: the people who can open it.

    The therapist, their current supervisors and the practice's admins, all active.
    """
    return User.objects.filter(
        Q(pk=therapist.pk)
        | Q(pk__in=therapist.current_supervisors().values("pk"))
        | Q(role=Role.PRACTICE_ADMIN),
        practice_id=therapist.practice_id,
        is_active=True,
    ).order_by("last_name", "first_name", "username")


@transaction.atomic
def follow_up_create(
    *,
    by: User,
    origin: str,
    action: str,
    owner: User,
    due_on: datetime.date,
    client: Client | None = None,
    therapist: User | None = None,
    incident: Incident | None = None,
    notify: bool = True,
) -> FollowUp:
    """Add a follow-up to a client's record (or, with no client, to ``therapist``'s caseload).

    The owner must be someone who can open it (``follow_up_owners``); one who did not set it
    themselves is told by e-mail, unless ``notify`` is off (the caller tells them otherwise).
    """
    therapist = client.therapist if client is not None else therapist
    if therapist is None:
        raise TypeError("A follow-up belongs to a client or to a therapist's caseload.")
    if not follow_up_owners(therapist).filter(pk=owner.pk).exists():
        raise ValidationError(
            "%(owner)s cannot open this record: choose the therapist, a current supervisor "
            "or a practice admin.",
            code="owner_not_allowed",
            params={"owner": owner},
        )
    follow_up = FollowUp(
        practice_id=therapist.practice_id,
        therapist=therapist,
        client=client,
        origin=origin,
        incident=incident,
        action=action.strip(),
        owner=owner,
        due_on=due_on,
        created_by=by,
    )
    _save(follow_up)
    if notify and owner.pk != by.pk:
        notifications.notify_follow_up_assigned(follow_up)
    if client is not None:
        send_records_changed(client)
    return follow_up


@transaction.atomic
def follow_up_complete(*, follow_up: FollowUp, by: User, note: str = "") -> FollowUp:
    """Mark the follow-up done, with a note; refused if someone already did."""
    locked = FollowUp.objects.select_for_update().get(pk=follow_up.pk)
    if not locked.may_be_completed_by(by):
        raise PermissionDenied("Only the follow-up's owner or the client's therapist marks it done.")
    if locked.is_done:
        raise ValidationError(
            "This follow-up was already marked done on %(when)s.",
            code="already_done",
            params={"when": datetime_text(locked.done_at)},
        )
    locked.done_at = timezone.now()
    locked.done_by = by
    locked.done_note = note.strip()
    locked.save(update_fields=["done_at", "done_by", "done_note"])
    if locked.client_id is not None:
        send_records_changed(locked.client)
    return locked
