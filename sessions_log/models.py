import datetime
import hashlib
import json

import pgtrigger
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q, Value
from django.db.models.functions import Coalesce, NullIf
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.text import Truncator

from boundaries.models import Category
from clients.scoping import ScopedQuerySet
from common.dates import date_text, datetime_text
from common.history import track_changes


class EntryStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    SIGNED = "signed", "Signed"


class SessionSetting(models.TextChoices):
    IN_PERSON = "in_person", "In person"
    TELEHEALTH = "telehealth", "Telehealth"
    PHONE = "phone", "Phone"


class Attendance(models.TextChoices):
    ATTENDED = "attended", "Attended"
    LATE = "late", "Late"
    NO_SHOW = "no_show", "No-show"
    LATE_CANCELLATION = "late_cancellation", "Late cancellation"
    # From the practice's calendar, not logged yet (calendar_sync): no actual times.
    PLANNED = "planned", "Planned, not logged yet"


ATTENDED = (Attendance.ATTENDED, Attendance.LATE)
# What a therapist logs: every attendance but "planned", which only a calendar import writes.
LOGGED = (Attendance.ATTENDED, Attendance.LATE, Attendance.NO_SHOW, Attendance.LATE_CANCELLATION)


class Initiator(models.TextChoices):
    THERAPIST = "therapist", "Therapist"
    CLIENT = "client", "Client"
    THIRD_PARTY = "third_party", "Third party"


class Classification(models.TextChoices):
    CROSSING = "crossing", "Crossing"
    VIOLATION = "violation", "Violation"


class HarmLevel(models.IntegerChoices):
    """An ordered scale (none < low < moderate < severe), so stored as its rank."""

    NONE = 0, "None"
    LOW = 1, "Low"
    MODERATE = 2, "Moderate"
    SEVERE = 3, "Severe"


class Location(models.TextChoices):
    OFFICE = "office", "In the office"
    OUTSIDE_OFFICE = "outside_office", "Outside the office"
    ONLINE = "online", "Online"


def signature_constraints(prefix: str) -> list:
    """A signed entry has its signer, time and SHA-256; a draft has none of them."""
    return [
        models.CheckConstraint(
            condition=Q(
                status=EntryStatus.SIGNED,
                signed_by__isnull=False,
                signed_at__isnull=False,
                content_hash__regex=r"^[0-9a-f]{64}$",
            )
            | Q(status=EntryStatus.DRAFT, signed_by__isnull=True, signed_at__isnull=True, content_hash=""),
            name=f"{prefix}_signature_complete",
        ),
        models.CheckConstraint(
            condition=Q(signed_at__isnull=True) | Q(signed_at__gte=F("documented_at")),
            name=f"{prefix}_signed_after_documented",
        ),
        # Only a draft is archived, and never without a reason.
        models.CheckConstraint(
            condition=Q(archived_at__isnull=True, archived_reason="")
            | Q(archived_at__isnull=False, status=EntryStatus.DRAFT) & ~Q(archived_reason=""),
            name=f"{prefix}_archived_draft_with_reason",
        ),
    ]


class _SignedContentChanged(pgtrigger.Condition):
    """The old row is signed and a column other than ``mutable`` (or a generated one) differs."""

    def __init__(self, *, mutable: tuple[str, ...]):
        self.mutable = mutable

    def resolve(self, model) -> str:
        generated = [f.name for f in model._meta.fields if isinstance(f, models.GeneratedField)]
        changed = pgtrigger.AnyChange(exclude=[*self.mutable, *generated]).resolve(model)
        return f"OLD.status = '{EntryStatus.SIGNED}' AND ({changed})"


class _SignedEntryLocked(pgtrigger.Protect):
    """pgtrigger's Protect, with a message that names the entry."""

    def get_func(self, model) -> str:
        verb = f"{str(self.operation).lower()}d"
        return self.format_sql(
            f"RAISE EXCEPTION 'Signed entry % % is locked and cannot be {verb}.', TG_TABLE_NAME, OLD.id;"
        )


def signed_entry_triggers(*, mutable: tuple[str, ...] = ()) -> list:
    """A signed row is never changed nor deleted, whatever path the SQL comes by.

    The services refuse first, with a message (``EntryLocked``); these triggers are the backstop
    for everything else (a shell, a script, a bug). Only ``mutable`` columns, which lie outside
    the signed content, and ``updated_at`` may change after signing.
    """
    return [
        _SignedEntryLocked(
            name="signed_entry_immutable",
            operation=pgtrigger.Update,
            condition=_SignedContentChanged(mutable=("updated_at", *mutable)),
        ),
        _SignedEntryLocked(
            name="signed_entry_undeletable",
            operation=pgtrigger.Delete,
            condition=pgtrigger.Q(old__status=EntryStatus.SIGNED),
        ),
    ]


class SignableEntry(models.Model):
    """Fields shared by entries that are drafted, then signed and locked."""

    documented_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)
    status = models.CharField(max_length=10, choices=EntryStatus, default=EntryStatus.DRAFT, editable=False)
    signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
    )
    signed_at = models.DateTimeField(null=True, blank=True, editable=False)
    content_hash = models.CharField(max_length=64, blank=True, editable=False)
    # Nothing is deleted: a draft taken back is archived, with why, and vanishes from every list.
    archived_at = models.DateTimeField(null=True, blank=True, editable=False)
    archived_reason = models.CharField(max_length=200, blank=True, editable=False)

    # The fields whose values a signature covers (in any order: the canonical JSON sorts its keys).
    signed_fields: tuple[str, ...] = ()

    class Meta:
        abstract = True

    @property
    def is_signed(self) -> bool:
        return self.status == EntryStatus.SIGNED

    def canonical_content(self) -> str:
        """The signed content as canonical JSON: sorted keys, ISO times, foreign keys as ids."""
        content = {}
        for name in self.signed_fields:
            field = self._meta.get_field(name)
            value = getattr(self, field.attname)
            if isinstance(value, datetime.datetime):
                # In UTC, as the database returns it, whatever zone the value was built in.
                value = value.astimezone(datetime.UTC)
            content[name] = value.isoformat() if hasattr(value, "isoformat") else value
        content["_model"] = self._meta.label_lower
        content["id"] = self.pk
        return json.dumps(content, sort_keys=True, separators=(",", ":"), default=str)

    def compute_content_hash(self) -> str:
        return hashlib.sha256(self.canonical_content().encode()).hexdigest()

    @cached_property
    def signature_intact(self) -> bool | None:
        """Whether the stored content still hashes to its signature (None for a draft).

        Checked whenever a signed entry is shown; a mismatch means the row was changed outside
        Alliance after signing, and is written to the security log.
        """
        if not self.is_signed:
            return None
        intact = self.compute_content_hash() == self.content_hash
        if not intact:
            from accounts.security_log import log_event

            log_event("integrity_mismatch", model=self._meta.label_lower, id=self.pk)
        return intact

    def archive(self, *, reason: str) -> None:
        """Take a draft out of every list, keeping the row; the caller saves."""
        self.archived_at = timezone.now()
        self.archived_reason = reason

    def mark_signed(self, *, by, at=None) -> None:
        """Fill the signature fields; the caller saves (services lock the row first)."""
        self.status = EntryStatus.SIGNED
        self.signed_by = by
        self.signed_at = at or timezone.now()
        self.content_hash = self.compute_content_hash()


# A co-signature is written once, after the signature, and covers the same content.
COSIGNATURE_FIELDS = ("cosigned_by", "cosigned_at", "cosign_hash")


def cosignature_constraints(prefix: str) -> list:
    """A co-signature has its co-signer, time and the hash of the signed content; it follows the signature."""
    return [
        models.CheckConstraint(
            condition=Q(cosigned_by__isnull=True, cosigned_at__isnull=True, cosign_hash="")
            | Q(
                status=EntryStatus.SIGNED,
                cosigned_by__isnull=False,
                cosigned_at__gte=F("signed_at"),
                cosign_hash=F("content_hash"),
            ),
            name=f"{prefix}_cosignature_complete",
        ),
        models.CheckConstraint(
            condition=Q(cosigned_by__isnull=True) | ~Q(cosigned_by=F("signed_by")),
            name=f"{prefix}_cosigned_by_another",
        ),
    ]


def cosignature_trigger() -> pgtrigger.Trigger:
    """Once co-signed, the co-signature never changes (the signature trigger locks the content)."""
    return _SignedEntryLocked(
        name="cosignature_immutable",
        operation=pgtrigger.Update,
        condition=pgtrigger.Condition(
            "OLD.cosigned_at IS NOT NULL AND (OLD.cosigned_by_id, OLD.cosigned_at, OLD.cosign_hash) "
            "IS DISTINCT FROM (NEW.cosigned_by_id, NEW.cosigned_at, NEW.cosign_hash)"
        ),
    )


class CoSignableEntry(SignableEntry):
    """An entry that a supervisor co-signs when its therapist needs co-signature (pre-licensed, intern)."""

    cosigned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
        verbose_name="co-signed by",
    )
    cosigned_at = models.DateTimeField("co-signed at", null=True, blank=True, editable=False)
    cosign_hash = models.CharField("co-signed content hash", max_length=64, blank=True, editable=False)

    class Meta:
        abstract = True

    @property
    def is_cosigned(self) -> bool:
        return self.cosigned_at is not None

    @property
    def awaits_cosignature(self) -> bool:
        """Signed by a therapist who needs co-signature, and not co-signed yet."""
        return (
            self.is_signed
            and not self.is_cosigned
            and self.signed_by_id is not None
            and self.signed_by.needs_cosignature(timezone.localdate(self.signed_at))
        )

    def mark_cosigned(self, *, by, at=None) -> None:
        """Fill the co-signature over the content as signed; the caller checks, locks and saves."""
        self.cosigned_by = by
        self.cosigned_at = at or timezone.now()
        self.cosign_hash = self.compute_content_hash()


# What a therapist confirms when signing a session or an incident; stored, word for word, with
# each signature (``signature_attestation``), so that a later change of wording leaves the words
# each entry was signed with.
ATTESTATION = "I confirm this record is accurate and complete."


def attestation_constraint(prefix: str) -> models.CheckConstraint:
    """Only a signed entry carries an attestation (one signed before they were asked has none)."""
    return models.CheckConstraint(
        condition=Q(status=EntryStatus.SIGNED) | Q(signature_attestation=""),
        name=f"{prefix}_attestation_only_when_signed",
    )


class ClinicalEntry(CoSignableEntry):
    """A session or an incident: signed with an attestation, co-signed where the therapist needs it.

    The attestation is part of the signature, as its signer and time are: outside the hashed
    content (entries signed before attestations were asked keep their hashes), and locked with the
    row by the signed-entry trigger, which protects every column not declared mutable.
    """

    signature_attestation = models.CharField("attestation", max_length=300, blank=True, editable=False)

    class Meta:
        abstract = True

    def mark_signed(self, *, by, at=None, attestation: str = "") -> None:
        """Sign with the words the signer confirmed (``ATTESTATION``); the caller saves.

        The services always pass them (and refuse blank ones); rows made in code without them
        (test factories, the demo data) show as signed before attestations were recorded.
        """
        self.signature_attestation = attestation
        super().mark_signed(by=by, at=at)


class SessionQuerySet(ScopedQuerySet):
    practice_path = "client__practice"
    therapist_path = "client__therapist"

    def planned(self):
        """Sessions from the calendar not logged yet."""
        return self.filter(attendance=Attendance.PLANNED)

    def logged(self):
        """Sessions that were logged (or typed in): the ones the rules and lists count."""
        return self.exclude(attendance=Attendance.PLANNED)


@track_changes()
class Session(ClinicalEntry):
    client = models.ForeignKey("clients.Client", on_delete=models.PROTECT, related_name="sessions")
    therapist = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="sessions")
    scheduled_start = models.DateTimeField()
    scheduled_end = models.DateTimeField()
    actual_start = models.DateTimeField(null=True, blank=True)
    actual_end = models.DateTimeField(null=True, blank=True)
    setting = models.CharField(max_length=20, choices=SessionSetting, default=SessionSetting.IN_PERSON)
    attendance = models.CharField(max_length=20, choices=Attendance, default=Attendance.ATTENDED)
    # Derived, never typed: how long the session ran past its scheduled end (negative if early).
    overrun = models.GeneratedField(
        expression=F("actual_end") - F("scheduled_end"),
        output_field=models.DurationField(),
        db_persist=True,
    )
    # The one-time token of the form that logged the session: the same form sent twice (a double
    # click, the back button) finds the session it made the first time instead of making another.
    submission_token = models.UUIDField(null=True, blank=True, editable=False)
    # The calendar event it came from (calendar_sync): its UID and, for one occurrence of a
    # recurring event, its RECURRENCE-ID in UTC; blank for a session typed in. Outside the signed
    # content: the schedule is signed, where it came from is bookkeeping.
    calendar_uid = models.CharField(max_length=255, blank=True, editable=False)
    calendar_recurrence_id = models.CharField(max_length=32, blank=True, editable=False)
    # When its event was cancelled or left the calendar after the session was logged: for the
    # therapist to review (an import never changes a logged session).
    calendar_cancelled_at = models.DateTimeField(null=True, blank=True, editable=False)

    # What the therapist types: the form's fields, and all a service takes from a form.
    editable_fields = (
        "scheduled_start",
        "scheduled_end",
        "actual_start",
        "actual_end",
        "setting",
        "attendance",
    )
    signed_fields = ("client", "therapist", *editable_fields, "documented_at")

    objects = SessionQuerySet.as_manager()

    class Meta:
        ordering = ["-scheduled_start"]
        triggers = [*signed_entry_triggers(mutable=COSIGNATURE_FIELDS), cosignature_trigger()]
        constraints = [
            *signature_constraints("session"),
            *cosignature_constraints("session"),
            attestation_constraint("session"),
            models.UniqueConstraint(fields=["submission_token"], name="session_submission_token_unique"),
            # One session per calendar event occurrence and therapist: an import run twice adds nothing.
            models.UniqueConstraint(
                fields=["therapist", "calendar_uid", "calendar_recurrence_id"],
                condition=~Q(calendar_uid=""),
                name="session_calendar_event_once",
            ),
            # A planned session is a draft: it is logged (given an attendance) before it is signed.
            models.CheckConstraint(
                condition=~Q(attendance=Attendance.PLANNED) | Q(status=EntryStatus.DRAFT),
                name="session_planned_is_draft",
            ),
            models.CheckConstraint(
                condition=Q(setting__in=SessionSetting.values), name="session_setting_valid"
            ),
            models.CheckConstraint(
                condition=Q(attendance__in=Attendance.values), name="session_attendance_valid"
            ),
            models.CheckConstraint(
                condition=Q(scheduled_end__gt=F("scheduled_start")), name="session_scheduled_end_after_start"
            ),
            models.CheckConstraint(
                condition=Q(actual_start__isnull=True, actual_end__isnull=True)
                | Q(actual_start__isnull=False, actual_end__isnull=False, actual_end__gt=F("actual_start")),
                name="session_actual_end_after_start",
            ),
            # Attended sessions have actual times; a no-show or late cancellation has none.
            models.CheckConstraint(
                condition=Q(attendance__in=ATTENDED, actual_start__isnull=False)
                | (~Q(attendance__in=ATTENDED) & Q(actual_start__isnull=True)),
                name="session_actual_times_match_attendance",
            ),
        ]
        indexes = [
            models.Index(fields=["client", "-scheduled_start"], name="session_client_start_idx"),
            models.Index(fields=["therapist", "-scheduled_start"], name="session_therapist_start_idx"),
            models.Index(
                fields=["documented_at"], condition=Q(status=EntryStatus.DRAFT), name="session_unsigned_idx"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.client} · {datetime_text(self.scheduled_start)}"

    def get_absolute_url(self) -> str:
        return reverse("sessions_log:session_detail", args=[self.pk])

    def clean(self) -> None:
        errors = {}
        if self.scheduled_start and self.scheduled_end and self.scheduled_end <= self.scheduled_start:
            errors["scheduled_end"] = ValidationError(
                "The scheduled end must be after the scheduled start.", code="end_before_start"
            )
        if self.actual_start and self.actual_end and self.actual_end <= self.actual_start:
            errors["actual_end"] = ValidationError(
                "The actual end must be after the actual start.", code="end_before_start"
            )
        if self.attendance in ATTENDED and not (self.actual_start and self.actual_end):
            errors["actual_start"] = ValidationError(
                "Give the actual start and end of an attended session.", code="actual_times_required"
            )
        if self.attendance not in ATTENDED and (self.actual_start or self.actual_end):
            errors["actual_start"] = ValidationError(
                "A no-show or late cancellation has no actual times.", code="actual_times_not_allowed"
            )
        if self.client_id and self.therapist_id and self.therapist.practice_id != self.client.practice_id:
            errors["therapist"] = ValidationError(
                "The therapist must belong to the client's practice.", code="therapist_not_in_practice"
            )
        if errors:
            raise ValidationError(errors)

    @property
    def overrun_minutes(self) -> int | None:
        if self.actual_end is None:
            return None
        return int((self.actual_end - self.scheduled_end).total_seconds() // 60)


class IncidentQuerySet(ScopedQuerySet):
    practice_path = "client__practice"
    therapist_path = "client__therapist"


@track_changes()
class Incident(ClinicalEntry):
    """A crossing or violation of a boundary, by either side."""

    client = models.ForeignKey("clients.Client", on_delete=models.PROTECT, related_name="incidents")
    session = models.ForeignKey(
        Session,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="incidents",
        help_text="Leave empty for an incident outside a session, such as an unannounced visit.",
    )
    agreement = models.ForeignKey(
        "boundaries.BoundaryAgreement",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="incidents",
        verbose_name="agreement touched",
    )
    category = models.CharField(max_length=20, choices=Category)
    initiated_by = models.CharField(max_length=20, choices=Initiator)
    planned = models.BooleanField(
        default=False, help_text="Was the crossing planned (for example, discussed beforehand)?"
    )
    provisional_classification = models.CharField(max_length=10, choices=Classification)
    final_classification = models.CharField(
        max_length=10, choices=Classification, blank=True, editable=False, help_text="Set by the supervisor."
    )
    # The supervisor's final classification where set, else the therapist's provisional one.
    classification = models.GeneratedField(
        expression=Coalesce(NullIf(F("final_classification"), Value("")), F("provisional_classification")),
        output_field=models.CharField(max_length=10, choices=Classification),
        db_persist=True,
    )
    harm = models.PositiveSmallIntegerField("harm level", choices=HarmLevel, default=HarmLevel.NONE)
    location = models.CharField(max_length=20, choices=Location, default=Location.OFFICE)
    occurred_at = models.DateTimeField("when it happened")
    description = models.TextField("what happened")
    rationale = models.TextField(blank=True)
    client_consent = models.TextField(blank=True, help_text="Whether and how the client consented.")
    consulted_with = models.CharField(max_length=200, blank=True)
    consulted_on = models.DateField(null=True, blank=True)
    consultation_advice = models.TextField(blank=True)
    immediate_action = models.TextField(blank=True)
    # Legacy: copied into FollowUp tasks by migration 0006 and kept as signed (see signed_fields).
    follow_up = models.TextField(blank=True)
    follow_up_owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    follow_up_due = models.DateField(null=True, blank=True)
    follow_up_done_on = models.DateField(null=True, blank=True)

    # What the therapist types: the form's fields, and all a service takes from a form.
    editable_fields = (
        "category",
        "agreement",
        "initiated_by",
        "planned",
        "provisional_classification",
        "harm",
        "location",
        "occurred_at",
        "description",
        "rationale",
        "client_consent",
        "consulted_with",
        "consulted_on",
        "consultation_advice",
        "immediate_action",
    )
    # The follow-up columns are no longer typed (follow-ups are ``FollowUp`` tasks since
    # migration 0006, which copied them there) but stay in the signed content: the entries signed
    # before then were signed with them, and their signatures must keep checking out.
    legacy_signed_fields = ("follow_up", "follow_up_owner", "follow_up_due")
    signed_fields = ("client", "session", *editable_fields, *legacy_signed_fields, "documented_at")

    objects = IncidentQuerySet.as_manager()

    class Meta:
        ordering = ["-occurred_at"]
        # The supervisor's final classification and the follow-up's completion come after signing.
        triggers = [
            *signed_entry_triggers(
                mutable=("final_classification", "follow_up_done_on", *COSIGNATURE_FIELDS)
            ),
            cosignature_trigger(),
        ]
        constraints = [
            *signature_constraints("incident"),
            *cosignature_constraints("incident"),
            attestation_constraint("incident"),
            models.CheckConstraint(condition=Q(category__in=Category.values), name="incident_category_valid"),
            models.CheckConstraint(
                condition=Q(initiated_by__in=Initiator.values), name="incident_initiator_valid"
            ),
            models.CheckConstraint(
                condition=Q(provisional_classification__in=Classification.values),
                name="incident_provisional_classification_valid",
            ),
            models.CheckConstraint(
                condition=Q(final_classification__in=["", *Classification.values]),
                name="incident_final_classification_valid",
            ),
            models.CheckConstraint(condition=Q(harm__in=HarmLevel.values), name="incident_harm_valid"),
            models.CheckConstraint(condition=Q(location__in=Location.values), name="incident_location_valid"),
            models.CheckConstraint(condition=~Q(description=""), name="incident_description_required"),
            # Nothing is documented before it happened: no incident in the future.
            models.CheckConstraint(
                condition=Q(occurred_at__lte=F("documented_at")), name="incident_not_in_future"
            ),
            models.CheckConstraint(
                condition=Q(follow_up_due__isnull=True) | ~Q(follow_up=""),
                name="incident_follow_up_due_needs_action",
            ),
            models.CheckConstraint(
                condition=Q(follow_up_done_on__isnull=True) | Q(follow_up_due__isnull=False),
                name="incident_follow_up_done_needs_due",
            ),
        ]
        indexes = [
            models.Index(fields=["client", "-occurred_at"], name="incident_client_occurred_idx"),
            # The dashboards' trend charts and the rules' windows read a practice's recent incidents:
            # a range of occurred_at, answered from the index alone (docs/PERFORMANCE.md).
            models.Index(
                fields=["occurred_at"],
                include=["id", "client", "category", "classification"],
                name="incident_occurred_covering_idx",
            ),
            models.Index(
                fields=["documented_at"], condition=Q(status=EntryStatus.DRAFT), name="incident_unsigned_idx"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.client} · {self.get_category_display()} · {date_text(self.occurred_at)}"

    def get_absolute_url(self) -> str:
        return reverse("sessions_log:incident_detail", args=[self.pk])

    def clean(self) -> None:
        errors = {}
        if self.occurred_at and self.occurred_at > (self.documented_at or timezone.now()):
            errors["occurred_at"] = ValidationError("An incident cannot be in the future.", code="in_future")
        if self.session_id and self.client_id and self.session.client_id != self.client_id:
            errors["session"] = ValidationError(
                "The session belongs to another client.", code="session_other_client"
            )
        if self.agreement_id and self.client_id:
            if self.agreement.client_id != self.client_id:
                errors["agreement"] = ValidationError(
                    "The agreement belongs to another client.", code="agreement_other_client"
                )
            elif self.category and self.agreement.category != self.category:
                errors["category"] = ValidationError(
                    "The category must match the agreement's (%(category)s).",
                    code="category_mismatch",
                    params={"category": self.agreement.get_category_display()},
                )
        if errors:
            raise ValidationError(errors)

    @property
    def effective_classification(self) -> str:
        return self.final_classification or self.provisional_classification


class AddendumQuerySet(ScopedQuerySet):
    practice_path = "client__practice"
    therapist_path = "client__therapist"


@track_changes()
class Addendum(models.Model):
    """A dated correction to a signed session or incident, which is never edited itself."""

    client = models.ForeignKey("clients.Client", on_delete=models.PROTECT, related_name="addenda")
    session = models.ForeignKey(
        Session, on_delete=models.PROTECT, null=True, blank=True, related_name="addenda"
    )
    incident = models.ForeignKey(
        Incident, on_delete=models.PROTECT, null=True, blank=True, related_name="addenda"
    )
    text = models.TextField()
    reason = models.CharField(max_length=300)
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    objects = AddendumQuerySet.as_manager()

    class Meta:
        ordering = ["created_at"]
        verbose_name_plural = "addenda"
        constraints = [
            models.CheckConstraint(
                condition=Q(session__isnull=False, incident__isnull=True)
                | Q(session__isnull=True, incident__isnull=False),
                name="addendum_exactly_one_entry",
            ),
            models.CheckConstraint(
                condition=~Q(text="") & ~Q(reason=""), name="addendum_text_and_reason_required"
            ),
        ]

    def __str__(self) -> str:
        return f"Addendum to {self.entry}"

    def get_absolute_url(self) -> str:
        return f"{self.entry.get_absolute_url()}#addendum-{self.pk}"

    @property
    def entry(self):
        return self.session or self.incident

    def clean(self) -> None:
        entry = self.session if self.session_id else self.incident if self.incident_id else None
        if entry is None:
            raise ValidationError("An addendum belongs to a session or an incident.", code="no_entry")
        if entry.client_id != self.client_id:
            raise ValidationError("The addendum's client must be the entry's client.", code="client_mismatch")
        if not entry.is_signed:
            raise ValidationError(
                "Edit the draft instead: addenda are for signed entries.", code="entry_not_signed"
            )


class FollowUpOrigin(models.TextChoices):
    INCIDENT = "incident", "Incident"
    CORRECTIVE_PLAN = "corrective_plan", "Corrective plan of a flag"
    MEETING = "meeting", "Supervision meeting"
    CLIENT = "client", "Added on the client"


class FollowUpQuerySet(ScopedQuerySet):
    practice_path = "practice"
    therapist_path = "therapist"

    def without_archived_entries(self):
        """Also without the follow-ups of an incident taken back (archived) before signing."""
        return (
            super()
            .without_archived_entries()
            .filter(Q(incident__isnull=True) | Q(incident__archived_at__isnull=True))
        )

    def open(self):
        return self.filter(done_at__isnull=True)

    def overdue(self, today: datetime.date):
        return self.open().filter(due_on__lt=today)


@track_changes()
class FollowUp(models.Model):
    """Something to be done, by someone, by a date; marked done with a note.

    It belongs to a therapist's caseload (``therapist``: whose supervisors see it) and usually to
    one client; a corrective plan of a therapist-level flag has no client. Completing it writes
    this row only: the signed incident it came from stays locked.
    """

    practice = models.ForeignKey("accounts.Practice", on_delete=models.PROTECT, related_name="follow_ups")
    therapist = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="caseload_follow_ups"
    )
    client = models.ForeignKey(
        "clients.Client", on_delete=models.PROTECT, null=True, blank=True, related_name="follow_ups"
    )
    origin = models.CharField(max_length=20, choices=FollowUpOrigin)
    incident = models.ForeignKey(
        Incident, on_delete=models.PROTECT, null=True, blank=True, related_name="follow_ups"
    )
    action = models.TextField("what is to be done")
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="follow_ups")
    # Blank only on follow-ups copied from incidents that had no due date; new ones always have one.
    due_on = models.DateField("due", null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    done_at = models.DateTimeField(null=True, blank=True)
    # Blank on a follow-up marked done before follow-ups were tasks (who did it was not kept).
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    done_note = models.TextField(blank=True)

    objects = FollowUpQuerySet.as_manager()

    class Meta:
        ordering = [F("due_on").asc(nulls_last=True), "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(origin__in=FollowUpOrigin.values), name="follow_up_origin_valid"
            ),
            models.CheckConstraint(condition=~Q(action__regex=r"^\s*$"), name="follow_up_action_required"),
            models.CheckConstraint(
                condition=~Q(origin=FollowUpOrigin.INCIDENT) | Q(incident__isnull=False),
                name="follow_up_incident_origin_has_incident",
            ),
            models.CheckConstraint(
                condition=Q(done_at__isnull=False) | Q(done_by__isnull=True, done_note=""),
                name="follow_up_done_fields_only_when_done",
            ),
            models.CheckConstraint(
                condition=Q(done_at__isnull=True)
                | Q(done_at__gte=F("created_at"))
                | Q(created_by__isnull=True),
                name="follow_up_done_after_created",
            ),
        ]
        indexes = [
            models.Index(
                fields=["owner", "due_on"], condition=Q(done_at__isnull=True), name="follow_up_owner_open_idx"
            ),
            models.Index(fields=["due_on"], condition=Q(done_at__isnull=True), name="follow_up_open_due_idx"),
        ]

    def __str__(self) -> str:
        return Truncator(self.action).chars(60)

    def get_absolute_url(self) -> str:
        return reverse("follow_up_detail", args=[self.pk])

    @property
    def is_done(self) -> bool:
        return self.done_at is not None

    def is_overdue(self, today: datetime.date) -> bool:
        return not self.is_done and self.due_on is not None and self.due_on < today

    def may_be_completed_by(self, user) -> bool:
        """Its owner marks it done, or the therapist whose caseload it is in."""
        return user.is_active and user.pk in (self.owner_id, self.therapist_id)


class RevisionRequestQuerySet(ScopedQuerySet):
    practice_path = "client__practice"
    therapist_path = "client__therapist"

    def unanswered(self):
        return self.filter(addendum__isnull=True)


@track_changes()
class RevisionRequest(models.Model):
    """A supervisor's request that a signed entry be revised; an addendum answers it.

    Written by supervision when it returns an entry of a flag's evidence; kept here, beside the
    entry, so that the entry's page and its addendum form show what is asked and by whom.
    """

    client = models.ForeignKey("clients.Client", on_delete=models.PROTECT, related_name="revision_requests")
    session = models.ForeignKey(
        Session, on_delete=models.PROTECT, null=True, blank=True, related_name="revision_requests"
    )
    incident = models.ForeignKey(
        Incident, on_delete=models.PROTECT, null=True, blank=True, related_name="revision_requests"
    )
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    requested_at = models.DateTimeField(default=timezone.now)
    request = models.TextField("what is asked")
    addendum = models.ForeignKey(
        "Addendum", on_delete=models.PROTECT, null=True, blank=True, related_name="answers"
    )

    objects = RevisionRequestQuerySet.as_manager()

    class Meta:
        ordering = ["requested_at", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(session__isnull=False, incident__isnull=True)
                | Q(session__isnull=True, incident__isnull=False),
                name="revision_request_exactly_one_entry",
            ),
            models.CheckConstraint(
                condition=~Q(request__regex=r"^\s*$"), name="revision_request_text_required"
            ),
        ]

    def __str__(self) -> str:
        return f"Revision of {self.entry} asked by {self.requested_by}"

    def get_absolute_url(self) -> str:
        return self.entry.get_absolute_url()

    @property
    def entry(self):
        return self.session or self.incident
