import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone

from accounts.models import Practice, Role, User
from clients.scoping import ScopedQuerySet
from common.dates import datetime_text
from common.history import track_changes

# Pseudonymous: capitals, digits and hyphens only, so no name or date of birth fits naturally.
CLIENT_CODE_PATTERN = r"^[A-Z0-9][A-Z0-9-]{2,19}$"


class ClientSetting(models.TextChoices):
    IN_PERSON = "in_person", "In person"
    TELEHEALTH = "telehealth", "Telehealth"
    MIXED = "mixed", "Mixed"


class ClientStatus(models.TextChoices):
    ACTIVE = "active", "Active"
    DISCHARGED = "discharged", "Discharged"


class ClientQuerySet(ScopedQuerySet):
    practice_path = "practice"
    therapist_path = "therapist"
    client_path = "pk"

    def active(self):
        """In therapy: not discharged, not archived."""
        return self.filter(status=ClientStatus.ACTIVE, archived_at__isnull=True)


@track_changes()
class Client(models.Model):
    practice = models.ForeignKey(Practice, on_delete=models.PROTECT, related_name="clients")
    therapist = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="clients")
    code = models.CharField(
        "client code",
        max_length=20,
        validators=[
            RegexValidator(
                CLIENT_CODE_PATTERN,
                message="Use 3 to 20 capital letters, digits or hyphens (no names or dates of birth).",
                code="invalid_client_code",
            )
        ],
        help_text="A pseudonymous code such as RS-0142; never a name or date of birth.",
    )
    intake_date = models.DateField()
    setting = models.CharField(max_length=20, choices=ClientSetting, default=ClientSetting.IN_PERSON)
    status = models.CharField(max_length=20, choices=ClientStatus, default=ClientStatus.ACTIVE)
    discharged_on = models.DateField(null=True, blank=True)
    # Nothing is deleted: an archived client leaves the lists of work and the rules, stays readable
    # (read-only) to its therapist, supervisor and practice admin, may be restored by the admin, and
    # its records stay until ``manage.py purge_archived`` removes them after the retention period.
    archived_at = models.DateTimeField(null=True, blank=True, editable=False)
    archived_reason = models.CharField(max_length=200, blank=True, editable=False)
    # Blank for the clients archived before it was recorded.
    archived_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ClientQuerySet.as_manager()

    class Meta:
        ordering = ["code"]
        constraints = [
            models.UniqueConstraint(fields=["practice", "code"], name="client_code_unique_per_practice"),
            models.CheckConstraint(condition=Q(code__regex=CLIENT_CODE_PATTERN), name="client_code_format"),
            models.CheckConstraint(
                condition=Q(setting__in=ClientSetting.values), name="client_setting_valid"
            ),
            models.CheckConstraint(
                condition=Q(status=ClientStatus.ACTIVE, discharged_on__isnull=True)
                | Q(status=ClientStatus.DISCHARGED, discharged_on__isnull=False),
                name="client_discharge_date_matches_status",
            ),
            models.CheckConstraint(
                condition=Q(discharged_on__isnull=True) | Q(discharged_on__gte=F("intake_date")),
                name="client_discharged_after_intake",
            ),
            models.CheckConstraint(
                condition=Q(archived_at__isnull=True, archived_reason="")
                | Q(archived_at__isnull=False) & ~Q(archived_reason=""),
                name="client_archived_with_reason",
            ),
        ]
        indexes = [
            models.Index(fields=["therapist", "status"], name="client_therapist_status_idx"),
            # The practice's client list, in its order (status, code): its first page without a sort
            # of every client (docs/PERFORMANCE.md).
            models.Index(fields=["practice", "status", "code"], name="client_practice_list_idx"),
        ]

    def __str__(self) -> str:
        return self.code

    def get_absolute_url(self) -> str:
        return reverse("clients:detail", args=[self.pk])

    def archive(self, *, reason: str, by: User | None = None) -> None:
        """Take the client out of the lists of work and the rules, keeping its records; the caller saves."""
        self.archived_at = timezone.now()
        self.archived_reason = reason
        self.archived_by = by

    def restore(self) -> None:
        """Back in the lists and the rules, as before archiving; the caller saves."""
        self.archived_at = None
        self.archived_reason = ""
        self.archived_by = None

    def may_be_changed_by(self, user) -> bool:
        """The client's own therapist changes its records, while it is not archived."""
        return self.therapist_id == user.pk and self.archived_at is None

    def restorable_until(self) -> datetime.datetime | None:
        """When the retention purge may take the archived client: restoring is possible until then."""
        if self.archived_at is None:
            return None
        years = settings.RETENTION_YEARS
        try:
            return self.archived_at.replace(year=self.archived_at.year + years)
        except ValueError:  # archived on 29 February
            return self.archived_at.replace(year=self.archived_at.year + years, day=28)

    def clean(self) -> None:
        if (
            self.therapist_id
            and self.practice_id
            and (self.therapist.role != Role.THERAPIST or self.therapist.practice_id != self.practice_id)
        ):
            raise ValidationError(
                {
                    "therapist": ValidationError(
                        "Choose a therapist of this practice.", code="therapist_not_in_practice"
                    )
                }
            )
        if self.discharged_on and self.intake_date and self.discharged_on < self.intake_date:
            raise ValidationError(
                {
                    "discharged_on": ValidationError(
                        "Discharge cannot come before intake.", code="discharge_before_intake"
                    )
                }
            )


class EmergencyAccessQuerySet(models.QuerySet):
    def current(self, at=None):
        """Grants in force at ``at`` (now by default): started, not ended, not revoked."""
        at = at or timezone.now()
        return self.filter(starts_at__lte=at, ends_at__gt=at, revoked_at__isnull=True)

    def for_user(self, user):
        """Grants a practice admin may see: those of their own practice."""
        if not user.is_authenticated or not user.is_active:
            return self.none()
        if user.is_superuser:
            return self
        if user.role == Role.PRACTICE_ADMIN and user.practice_id:
            return self.filter(practice_id=user.practice_id)
        return self.none()


class EmergencyAccess(models.Model):
    """A practice admin lets a therapist read one client's records for a few hours (at most 72)."""

    MAX_HOURS = 72

    practice = models.ForeignKey(Practice, on_delete=models.PROTECT, related_name="emergency_grants")
    therapist = models.ForeignKey(User, on_delete=models.PROTECT, related_name="emergency_grants")
    client = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="emergency_grants")
    granted_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="emergency_grants_given")
    reason = models.TextField()
    starts_at = models.DateTimeField(default=timezone.now)
    ends_at = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="emergency_grants_revoked"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = EmergencyAccessQuerySet.as_manager()

    class Meta:
        ordering = ["-starts_at"]
        verbose_name_plural = "emergency access grants"
        constraints = [
            models.CheckConstraint(condition=~Q(reason=""), name="emergency_access_reason_required"),
            models.CheckConstraint(
                condition=Q(ends_at__gt=F("starts_at"))
                & Q(ends_at__lte=F("starts_at") + datetime.timedelta(hours=72)),
                name="emergency_access_at_most_72_hours",
            ),
            models.CheckConstraint(
                condition=Q(revoked_at__isnull=True) | Q(revoked_at__gte=F("starts_at")),
                name="emergency_access_revoked_after_start",
            ),
        ]
        indexes = [models.Index(fields=["therapist", "ends_at"], name="emergency_therapist_ends_idx")]

    def __str__(self) -> str:
        return f"{self.therapist} reads {self.client} until {datetime_text(self.ends_at)}"

    def is_current(self, at=None) -> bool:
        at = at or timezone.now()
        return self.revoked_at is None and self.starts_at <= at < self.ends_at

    def revoke(self, *, by: User) -> None:
        self.revoked_at = timezone.now()
        self.revoked_by = by
        self.save(update_fields=["revoked_at", "revoked_by"])
