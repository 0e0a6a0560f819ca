import datetime
import uuid

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone

from clients.scoping import ScopedQuerySet
from common.history import track_changes


class Category(models.TextChoices):
    """Boundary categories, after Gutheil & Gabbard 1993, APA Ethics Code 3.05, ACA Code A.5-A.6."""

    TIME = "time", "Time"
    PHYSICAL = "physical", "Physical contact and space"
    DISCLOSURE = "disclosure", "Self-disclosure"
    DUAL_RELATIONSHIP = "dual_relationship", "Dual or multiple relationships"
    COMMUNICATION = "communication", "Contact outside sessions"
    GIFTS_MONEY = "gifts_money", "Gifts, fees and money"
    ONLINE = "online", "Online and social media"


# Every intake offers these.
CORE_CATEGORIES = (Category.TIME, Category.PHYSICAL, Category.DISCLOSURE, Category.DUAL_RELATIONSHIP)


class ProposedBy(models.TextChoices):
    THERAPIST = "therapist", "Therapist"
    CLIENT = "client", "Client"
    JOINTLY = "jointly", "Jointly"


class AgreementStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    ACTIVE = "active", "Active"
    SUPERSEDED = "superseded", "Superseded"
    ENDED = "ended", "Ended"


class AcknowledgementMethod(models.TextChoices):
    SIGNED = "signed", "Signed"
    VERBAL = "verbal", "Verbal"
    PORTAL = "portal", "Portal"


class BoundaryAgreementQuerySet(ScopedQuerySet):
    practice_path = "client__practice"
    therapist_path = "client__therapist"

    def active(self):
        return self.filter(status=AgreementStatus.ACTIVE)


@track_changes()
class BoundaryAgreement(models.Model):
    """One version of an agreement; revising an active one creates the next version.

    All versions of one agreement share ``chain``; ``supersedes`` points at the previous one.
    """

    client = models.ForeignKey("clients.Client", on_delete=models.PROTECT, related_name="agreements")
    category = models.CharField(max_length=20, choices=Category)
    terms = models.TextField("agreed terms")
    proposed_by = models.CharField(max_length=20, choices=ProposedBy, default=ProposedBy.JOINTLY)
    rationale = models.TextField(blank=True)
    effective_date = models.DateField()
    review_interval_days = models.PositiveSmallIntegerField(
        default=90, validators=[MinValueValidator(7), MaxValueValidator(730)]
    )
    next_review_on = models.DateField("next review date")
    status = models.CharField(max_length=20, choices=AgreementStatus, default=AgreementStatus.ACTIVE)
    ended_on = models.DateField(null=True, blank=True)
    chain = models.UUIDField(default=uuid.uuid4, editable=False, db_index=True)
    version = models.PositiveSmallIntegerField(default=1, editable=False)
    supersedes = models.OneToOneField(
        "self", on_delete=models.PROTECT, null=True, blank=True, editable=False, related_name="superseded_by"
    )
    acknowledged_on = models.DateField("client acknowledged on", null=True, blank=True)
    acknowledgement_method = models.CharField(max_length=20, choices=AcknowledgementMethod, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    objects = BoundaryAgreementQuerySet.as_manager()

    class Meta:
        ordering = ["client", "category", "-version"]
        constraints = [
            models.CheckConstraint(
                condition=Q(category__in=Category.values), name="agreement_category_valid"
            ),
            models.CheckConstraint(
                condition=Q(proposed_by__in=ProposedBy.values), name="agreement_proposed_by_valid"
            ),
            models.CheckConstraint(
                condition=Q(status__in=AgreementStatus.values), name="agreement_status_valid"
            ),
            models.CheckConstraint(condition=~Q(terms=""), name="agreement_terms_required"),
            models.UniqueConstraint(fields=["chain", "version"], name="agreement_version_unique_in_chain"),
            models.UniqueConstraint(
                fields=["chain"],
                condition=Q(status=AgreementStatus.ACTIVE),
                name="agreement_one_active_per_chain",
            ),
            # One agreed position per category per client: a revision supersedes, never adds.
            models.UniqueConstraint(
                fields=["client", "category"],
                condition=Q(status=AgreementStatus.ACTIVE),
                name="agreement_one_active_per_client_category",
            ),
            models.CheckConstraint(
                condition=Q(version=1, supersedes__isnull=True) | Q(version__gt=1, supersedes__isnull=False),
                name="agreement_version_links_previous",
            ),
            models.CheckConstraint(
                condition=Q(next_review_on__gte=F("effective_date")), name="agreement_review_after_effective"
            ),
            models.CheckConstraint(
                condition=Q(review_interval_days__gte=7, review_interval_days__lte=730),
                name="agreement_review_interval_range",
            ),
            models.CheckConstraint(
                condition=Q(status=AgreementStatus.ENDED, ended_on__isnull=False)
                | (~Q(status=AgreementStatus.ENDED) & Q(ended_on__isnull=True)),
                name="agreement_end_date_matches_status",
            ),
            models.CheckConstraint(
                condition=Q(ended_on__isnull=True) | Q(ended_on__gte=F("effective_date")),
                name="agreement_ended_after_effective",
            ),
            models.CheckConstraint(
                condition=Q(acknowledged_on__isnull=True, acknowledgement_method="")
                | (
                    Q(acknowledged_on__isnull=False)
                    & Q(acknowledgement_method__in=AcknowledgementMethod.values)
                ),
                name="agreement_acknowledgement_complete",
            ),
        ]
        indexes = [
            models.Index(fields=["client", "status"], name="agreement_client_status_idx"),
            models.Index(
                fields=["next_review_on"],
                condition=Q(status=AgreementStatus.ACTIVE),
                name="agreement_active_review_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.client} · {self.get_category_display()} v{self.version}"

    def get_absolute_url(self) -> str:
        return reverse("boundaries:detail", args=[self.pk])

    @property
    def is_active(self) -> bool:
        return self.status == AgreementStatus.ACTIVE

    @property
    def is_acknowledged(self) -> bool:
        return self.acknowledged_on is not None

    def validate_revision_date(self, day: datetime.date) -> None:
        """A revision of this version cannot take effect before it did."""
        if day < self.effective_date:
            raise ValidationError(
                "A revision cannot take effect before the version it replaces (%(day)s).",
                code="revision_before_previous",
                params={"day": self.effective_date},
            )

    def validate_end_date(self, day: datetime.date) -> None:
        """Ends are recorded on or after the day; one recorded ahead of its start may end on it."""
        if day < self.effective_date:
            raise ValidationError(
                "An agreement cannot end before it took effect (%(day)s).",
                code="end_before_effective",
                params={"day": self.effective_date},
            )
        if day > max(timezone.localdate(), self.effective_date):
            raise ValidationError("An end date cannot be in the future.", code="end_in_future")

    def validate_acknowledgement_date(self, day: datetime.date) -> None:
        if day < self.effective_date:
            raise ValidationError(
                "The client cannot acknowledge an agreement before it took effect (%(day)s).",
                code="acknowledged_before_effective",
                params={"day": self.effective_date},
            )
        if day > timezone.localdate():
            raise ValidationError(
                "An acknowledgement date cannot be in the future.", code="acknowledged_in_future"
            )

    def clean(self) -> None:
        errors = {}
        if self.next_review_on and self.effective_date and self.next_review_on < self.effective_date:
            errors["next_review_on"] = ValidationError(
                "The review date cannot come before the effective date.", code="review_before_effective"
            )
        if bool(self.acknowledged_on) != bool(self.acknowledgement_method):
            errors["acknowledgement_method"] = ValidationError(
                "Give both the date and the method of the client's acknowledgement.",
                code="acknowledgement_incomplete",
            )
        if self.supersedes_id and (
            self.supersedes.client_id != self.client_id
            or self.supersedes.category != self.category
            or self.supersedes.chain != self.chain
            or self.supersedes.version != self.version - 1
        ):
            errors["supersedes"] = ValidationError(
                "A new version must follow the previous version of the same agreement.", code="broken_chain"
            )
        if errors:
            raise ValidationError(errors)
