import datetime
import hashlib
import json
import uuid

import pgtrigger
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone

from accounts.models import Practice
from clients.scoping import ScopedQuerySet
from common.dates import date_text
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
    ON_SCREEN = "on_screen", "Signed on screen"
    PAPER = "paper", "Signed on paper"
    VERBAL = "verbal", "Verbal"


class BoundaryAgreementQuerySet(ScopedQuerySet):
    practice_path = "client__practice"
    therapist_path = "client__therapist"

    def active(self):
        return self.filter(status=AgreementStatus.ACTIVE)

    def with_acknowledgement(self):
        """Each version with ``acknowledged_on`` and ``acknowledgement_method`` of the latest
        acknowledgement in force that covers it (None and None when none does)."""
        covering = AcknowledgedVersion.objects.filter(
            agreement=models.OuterRef("pk"), acknowledgement__withdrawn_at__isnull=True
        ).order_by("-acknowledgement__acknowledged_on", "-acknowledgement__pk")
        return self.annotate(
            acknowledged_on=models.Subquery(covering.values("acknowledgement__acknowledged_on")[:1]),
            acknowledgement_method=models.Subquery(covering.values("acknowledgement__method")[:1]),
        )


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
    revision_reason = models.TextField("reason for the revision", blank=True)
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
            # A revision says why; the first version has nothing to give a reason for.
            models.CheckConstraint(
                condition=Q(version=1, revision_reason="") | Q(version__gt=1) & ~Q(revision_reason=""),
                name="agreement_revision_reason",
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
        """Whether an acknowledgement in force covers this version (``with_acknowledgement()``)."""
        return getattr(self, "acknowledged_on", None) is not None

    @property
    def acknowledgement_label(self) -> str:
        method = getattr(self, "acknowledgement_method", None)
        return AcknowledgementMethod(method).label if method else ""

    def compute_content_hash(self) -> str:
        """SHA-256 of what the client agrees to in this version, as an acknowledgement covers it."""
        content = {
            "client": self.client.code,
            "category": self.category,
            "version": self.version,
            "terms": self.terms,
            "proposed_by": self.proposed_by,
            "rationale": self.rationale,
            "effective_date": self.effective_date.isoformat(),
            "next_review_on": self.next_review_on.isoformat(),
        }
        return hashlib.sha256(json.dumps(content, sort_keys=True).encode()).hexdigest()

    def validate_revision_date(self, day: datetime.date) -> None:
        """A revision of this version cannot take effect before it did."""
        if day < self.effective_date:
            raise ValidationError(
                "A revision cannot take effect before the version it replaces (%(day)s).",
                code="revision_before_previous",
                params={"day": date_text(self.effective_date)},
            )

    def validate_end_date(self, day: datetime.date) -> None:
        """Ends are recorded on or after the day; one recorded ahead of its start may end on it."""
        if day < self.effective_date:
            raise ValidationError(
                "An agreement cannot end before it took effect (%(day)s).",
                code="end_before_effective",
                params={"day": date_text(self.effective_date)},
            )
        if day > max(timezone.localdate(), self.effective_date):
            raise ValidationError("An end date cannot be in the future.", code="end_in_future")

    def clean(self) -> None:
        errors = {}
        if self.next_review_on and self.effective_date and self.next_review_on < self.effective_date:
            errors["next_review_on"] = ValidationError(
                "The review date cannot come before the effective date.", code="review_before_effective"
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


class AgreementWordingQuerySet(models.QuerySet):
    def for_user(self, user):
        """The wordings of ``user``'s practice: its members start from them, its admin edits them."""
        if not getattr(user, "is_authenticated", False) or user.practice_id is None:
            return self.none()
        return self.filter(practice_id=user.practice_id)


class AgreementWording(models.Model):
    """A practice's standard terms for a category, offered at intake and revision to start from."""

    practice = models.ForeignKey(Practice, on_delete=models.CASCADE, related_name="agreement_wordings")
    category = models.CharField(max_length=20, choices=Category)
    title = models.CharField(max_length=80)
    terms = models.TextField("standard terms")
    position = models.PositiveSmallIntegerField(default=0)

    objects = AgreementWordingQuerySet.as_manager()

    class Meta:
        ordering = ["practice", "category", "position", "title"]
        constraints = [
            models.CheckConstraint(condition=Q(category__in=Category.values), name="wording_category_valid"),
            models.CheckConstraint(
                condition=~Q(title="") & ~Q(terms=""), name="wording_title_terms_required"
            ),
            models.UniqueConstraint(fields=["practice", "category", "title"], name="wording_title_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.get_category_display()}: {self.title}"


class AcknowledgementQuerySet(ScopedQuerySet):
    practice_path = "client__practice"
    therapist_path = "client__therapist"

    def in_force(self):
        return self.filter(withdrawn_at__isnull=True)


@track_changes()
class Acknowledgement(models.Model):
    """The client's acknowledgement of their whole sheet: every active agreement version at that moment.

    Recorded on screen (the client's signature and initials), on paper (the signed scan) or
    verbally (a note). It is never edited; one recorded in error is withdrawn with a reason and
    recorded again.
    """

    client = models.ForeignKey("clients.Client", on_delete=models.PROTECT, related_name="acknowledgements")
    method = models.CharField(max_length=20, choices=AcknowledgementMethod)
    acknowledged_on = models.DateField("date of the acknowledgement")
    initials = models.CharField("client's initials", max_length=10, blank=True)
    note = models.TextField(blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(default=timezone.now, editable=False)
    withdrawn_at = models.DateTimeField(null=True, blank=True, editable=False)
    withdrawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    withdrawn_reason = models.TextField(blank=True)
    versions = models.ManyToManyField(
        BoundaryAgreement, through="AcknowledgedVersion", related_name="acknowledgements"
    )

    objects = AcknowledgementQuerySet.as_manager()

    class Meta:
        ordering = ["-acknowledged_on", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(method__in=AcknowledgementMethod.values), name="acknowledgement_method_valid"
            ),
            models.CheckConstraint(
                condition=~Q(method=AcknowledgementMethod.ON_SCREEN) | ~Q(initials=""),
                name="acknowledgement_on_screen_initials",
            ),
            models.CheckConstraint(
                condition=~Q(method=AcknowledgementMethod.VERBAL) | ~Q(note=""),
                name="acknowledgement_verbal_note",
            ),
            models.CheckConstraint(
                condition=Q(withdrawn_at__isnull=True, withdrawn_by__isnull=True, withdrawn_reason="")
                | Q(withdrawn_at__isnull=False, withdrawn_by__isnull=False) & ~Q(withdrawn_reason=""),
                name="acknowledgement_withdrawal_complete",
            ),
        ]
        indexes = [models.Index(fields=["client", "acknowledged_on"], name="acknowledgement_client_idx")]

    def __str__(self) -> str:
        return f"{self.client} · {self.get_method_display().lower()} {self.acknowledged_on}"

    def get_absolute_url(self) -> str:
        return reverse("boundaries:acknowledgement", args=[self.pk])

    @property
    def in_force(self) -> bool:
        return self.withdrawn_at is None


class AcknowledgedVersion(models.Model):
    """One agreement version an acknowledgement covers, with the hash of its content then."""

    acknowledgement = models.ForeignKey(Acknowledgement, on_delete=models.PROTECT, related_name="items")
    agreement = models.ForeignKey(BoundaryAgreement, on_delete=models.PROTECT, related_name="+")
    content_hash = models.CharField(max_length=64)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["acknowledgement", "agreement"], name="acknowledged_version_once"
            ),
            models.CheckConstraint(
                condition=Q(content_hash__regex=r"^[0-9a-f]{64}$"), name="acknowledged_version_hash"
            ),
        ]
        triggers = [
            pgtrigger.Protect(name="acknowledged_version_immutable", operation=pgtrigger.Update),
        ]

    def __str__(self) -> str:
        return f"{self.acknowledgement} covers {self.agreement}"


class DocumentKind(models.TextChoices):
    SIGNATURE = "signature", "Signature drawn on screen"
    SCAN = "scan", "Scan of the signed sheet"


DOCUMENT_TYPES = {"application/pdf": "pdf", "image/png": "png", "image/jpeg": "jpg"}


class AcknowledgementDocument(models.Model):
    """The signature image or the signed scan, kept in the database: no file server can reach it,
    it is backed up with the records, and it is read only through the client's scope."""

    acknowledgement = models.OneToOneField(Acknowledgement, on_delete=models.PROTECT, related_name="document")
    kind = models.CharField(max_length=20, choices=DocumentKind)
    content_type = models.CharField(max_length=40)
    filename = models.CharField(max_length=120, blank=True)
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    data = models.BinaryField()
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(kind__in=DocumentKind.values), name="document_kind_valid"),
            models.CheckConstraint(
                condition=Q(content_type__in=list(DOCUMENT_TYPES)), name="document_content_type_valid"
            ),
            models.CheckConstraint(
                condition=Q(size__gt=0, size__lte=10 * 1024 * 1024), name="document_size_limit"
            ),
        ]
        triggers = [pgtrigger.Protect(name="document_immutable", operation=pgtrigger.Update)]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} ({self.content_type}, {self.size} bytes)"
