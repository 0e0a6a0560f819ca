from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone

from accounts.models import Practice, Role, SupervisionAssignment
from clients.scoping import ScopedQuerySet
from common.history import track_changes
from sessions_log.models import Classification


class RuleCode(models.TextChoices):
    THERAPIST_HIGH_RISK = "therapist_high_risk", "Therapist-initiated high-risk incident"
    SLIPPERY_SLOPE = "slippery_slope", "Slippery slope"
    TIME_OVERRUNS = "time_overruns", "Repeated session overruns"
    REPEATED_CATEGORY = "repeated_category", "Repeated incidents in one category"
    DISCLOSURE_PATTERN = "disclosure_pattern", "Pattern of therapist self-disclosure"
    MISSING_PRECAUTIONS = "missing_precautions", "Missing precautions"
    FOLLOW_UP_OVERDUE = "follow_up_overdue", "Follow-up overdue"
    UNSIGNED_ENTRY = "unsigned_entry", "Unsigned entry"
    AGREEMENT_REVIEW_DUE = "agreement_review_due", "Agreement review due"
    INTAKE_INCOMPLETE = "intake_incomplete", "Intake incomplete"
    THERAPIST_PATTERN = "therapist_pattern", "Therapist-level pattern"


# The one rule whose subject is the therapist rather than a client.
THERAPIST_LEVEL_RULES = (RuleCode.THERAPIST_PATTERN,)


class Severity(models.TextChoices):
    CRITICAL = "critical", "Critical"
    HIGH = "high", "High"
    MEDIUM = "medium", "Medium"
    LOW = "low", "Low"


class FlagStatus(models.TextChoices):
    OPEN = "open", "Open"
    ACKNOWLEDGED = "acknowledged", "Acknowledged"
    RETURNED = "returned", "Returned for revision"
    RESOLVED = "resolved", "Resolved"
    DISMISSED = "dismissed", "Dismissed"


# A flag in one of these is still being worked: at most one per rule and subject.
OPEN_STATUSES = (FlagStatus.OPEN, FlagStatus.ACKNOWLEDGED, FlagStatus.RETURNED)
CLOSED_STATUSES = (FlagStatus.RESOLVED, FlagStatus.DISMISSED)


class Outcome(models.TextChoices):
    DISCUSSED = "discussed", "Discussed in supervision"
    CORRECTIVE_PLAN = "corrective_plan", "Corrective plan"
    ETHICS_REFERRAL = "ethics_referral", "Referred for ethics consultation"
    NO_ACTION = "no_action", "No action needed"
    CONDITION_CLEARED = "condition_cleared", "Condition cleared"


class FlagQuerySet(ScopedQuerySet):
    practice_path = "practice"
    therapist_path = "therapist"

    def open(self):
        return self.filter(status__in=OPEN_STATUSES)


@track_changes()
class Flag(models.Model):
    practice = models.ForeignKey(Practice, on_delete=models.PROTECT, related_name="flags")
    rule = models.CharField(max_length=32, choices=RuleCode)
    therapist = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="flags")
    client = models.ForeignKey(
        "clients.Client", on_delete=models.PROTECT, null=True, blank=True, related_name="flags"
    )
    severity = models.CharField(max_length=10, choices=Severity)
    status = models.CharField(max_length=20, choices=FlagStatus, default=FlagStatus.OPEN)
    summary = models.TextField(blank=True)
    opened_at = models.DateTimeField(default=timezone.now)
    acknowledge_by = models.DateTimeField("acknowledgement due by")
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    escalated_at = models.DateTimeField(
        "escalated to the practice admin",
        null=True,
        blank=True,
        help_text="Set once; stays while it is open.",
    )
    closed_at = models.DateTimeField(null=True, blank=True)
    outcome = models.CharField(max_length=20, choices=Outcome, blank=True)
    # A digest of the evidence, so a flag closed by a supervisor is not reopened for the same facts.
    evidence_fingerprint = models.CharField(max_length=64, blank=True)
    incidents = models.ManyToManyField("sessions_log.Incident", blank=True, related_name="flags")
    sessions = models.ManyToManyField("sessions_log.Session", blank=True, related_name="flags")
    agreements = models.ManyToManyField("boundaries.BoundaryAgreement", blank=True, related_name="flags")
    follow_ups = models.ManyToManyField("sessions_log.FollowUp", blank=True, related_name="flags")

    objects = FlagQuerySet.as_manager()

    class Meta:
        ordering = ["-opened_at"]
        constraints = [
            models.CheckConstraint(condition=Q(rule__in=RuleCode.values), name="flag_rule_valid"),
            models.CheckConstraint(condition=Q(severity__in=Severity.values), name="flag_severity_valid"),
            models.CheckConstraint(condition=Q(status__in=FlagStatus.values), name="flag_status_valid"),
            models.CheckConstraint(
                condition=Q(outcome="") | Q(outcome__in=Outcome.values), name="flag_outcome_valid"
            ),
            models.CheckConstraint(
                condition=Q(rule__in=THERAPIST_LEVEL_RULES, client__isnull=True)
                | (~Q(rule__in=THERAPIST_LEVEL_RULES) & Q(client__isnull=False)),
                name="flag_subject_matches_rule",
            ),
            models.UniqueConstraint(
                fields=["rule", "client"],
                condition=Q(status__in=OPEN_STATUSES, client__isnull=False),
                name="flag_one_open_per_rule_client",
            ),
            models.UniqueConstraint(
                fields=["rule", "therapist"],
                condition=Q(status__in=OPEN_STATUSES, client__isnull=True),
                name="flag_one_open_per_rule_therapist",
            ),
            models.CheckConstraint(
                condition=Q(acknowledge_by__gte=F("opened_at")), name="flag_acknowledge_due_after_opening"
            ),
            models.CheckConstraint(
                condition=Q(status__in=CLOSED_STATUSES, closed_at__isnull=False)
                | (~Q(status__in=CLOSED_STATUSES) & Q(closed_at__isnull=True)),
                name="flag_closed_at_matches_status",
            ),
            models.CheckConstraint(
                condition=Q(status=FlagStatus.RESOLVED) | Q(outcome=""),
                name="flag_outcome_only_when_resolved",
            ),
            models.CheckConstraint(
                condition=Q(closed_at__isnull=True) | Q(closed_at__gte=F("opened_at")),
                name="flag_closed_after_opening",
            ),
            models.CheckConstraint(
                condition=~Q(status=FlagStatus.ACKNOWLEDGED) | Q(acknowledged_at__isnull=False),
                name="flag_acknowledged_has_time",
            ),
            models.CheckConstraint(
                condition=Q(escalated_at__isnull=True) | Q(escalated_at__gte=F("opened_at")),
                name="flag_escalated_after_opening",
            ),
        ]
        indexes = [
            models.Index(fields=["practice", "status", "-opened_at"], name="flag_practice_status_idx"),
            models.Index(fields=["therapist", "status"], name="flag_therapist_status_idx"),
        ]

    def __str__(self) -> str:
        subject = self.client or self.therapist
        return f"{self.get_rule_display()} · {subject}"

    def get_absolute_url(self) -> str:
        return reverse("supervision:flag_detail", args=[self.pk])

    def clean(self) -> None:
        if self.client_id and (
            self.client.therapist_id != self.therapist_id or self.client.practice_id != self.practice_id
        ):
            raise ValidationError(
                "A client's flag belongs to the client's therapist and practice.", code="subject_mismatch"
            )

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    @property
    def is_overdue(self) -> bool:
        """Still waiting for a supervisor's first look after its acknowledgement time."""
        return self.status == FlagStatus.OPEN and self.acknowledge_by < timezone.now()

    def may_be_decided_by(self, user) -> bool:
        """Decisions belong to a current supervisor of the therapist, or an admin of the practice.

        Everyone else who can see the flag (the therapist above all) only reads it.
        """
        if not getattr(user, "is_authenticated", False) or not user.is_active:
            return False
        if user.practice_id != self.practice_id:
            return False
        if user.role == Role.PRACTICE_ADMIN:
            return True
        if user.role == Role.SUPERVISOR:
            return (
                SupervisionAssignment.objects.current()
                .filter(supervisor=user, therapist_id=self.therapist_id, practice_id=self.practice_id)
                .exists()
            )
        return False


class FlagEventKind(models.TextChoices):
    OPENED = "opened", "Opened"
    EVIDENCE_UPDATED = "evidence_updated", "Evidence updated"
    ACKNOWLEDGED = "acknowledged", "Acknowledged"
    COMMENTED = "commented", "Commented"
    RETURNED = "returned", "Returned for revision"
    CLASSIFIED = "classified", "Final classification set"
    RESOLVED = "resolved", "Resolved"
    DISMISSED = "dismissed", "Dismissed as a false positive"
    ESCALATED = "escalated", "Escalated to the practice admin"
    AUTO_CLOSED = "auto_closed", "Closed: condition cleared"
    REVISED = "revised", "Returned entry revised by an addendum"
    REPLIED = "replied", "Therapist replied"


class FlagEventQuerySet(ScopedQuerySet):
    practice_path = "flag__practice"
    therapist_path = "flag__therapist"
    client_path = "flag__client"


@track_changes()
class FlagEvent(models.Model):
    """One entry of a flag's decision history; the system's own events have no actor.

    An event about one entry of the evidence (returned, revised, classified) names it in
    ``incident`` or ``session``; a classification event also keeps the classification it set.
    """

    flag = models.ForeignKey(Flag, on_delete=models.PROTECT, related_name="events")
    kind = models.CharField(max_length=20, choices=FlagEventKind)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    comment = models.TextField(blank=True)
    # Signed entries are never deleted; a draft may be, and its events then keep their comment.
    incident = models.ForeignKey(
        "sessions_log.Incident", on_delete=models.SET_NULL, null=True, blank=True, related_name="flag_events"
    )
    session = models.ForeignKey(
        "sessions_log.Session", on_delete=models.SET_NULL, null=True, blank=True, related_name="flag_events"
    )
    classification = models.CharField(max_length=10, choices=Classification, blank=True)
    # A return asks through a revision request kept beside the entry; the addendum answering it
    # is named on the "revised" event, so the flag shows the answer in full.
    revision_request = models.ForeignKey(
        "sessions_log.RevisionRequest", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    addendum = models.ForeignKey(
        "sessions_log.Addendum", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    objects = FlagEventQuerySet.as_manager()

    class Meta:
        ordering = ["created_at", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(kind__in=FlagEventKind.values), name="flag_event_kind_valid"),
            # A dismissal and a plain comment say why; a bare one means nothing later.
            models.CheckConstraint(
                condition=~Q(
                    kind__in=[FlagEventKind.DISMISSED, FlagEventKind.COMMENTED, FlagEventKind.REPLIED]
                )
                | ~Q(comment=""),
                name="flag_event_comment_required",
            ),
            models.CheckConstraint(
                condition=Q(
                    kind__in=[FlagEventKind.OPENED, FlagEventKind.EVIDENCE_UPDATED, FlagEventKind.AUTO_CLOSED]
                )
                | Q(actor__isnull=False),
                name="flag_event_decision_has_actor",
            ),
            models.CheckConstraint(
                condition=Q(incident__isnull=True) | Q(session__isnull=True), name="flag_event_one_entry"
            ),
            models.CheckConstraint(
                condition=Q(classification="")
                | Q(kind=FlagEventKind.CLASSIFIED, classification__in=Classification.values),
                name="flag_event_classification_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} · {self.flag}"

    @property
    def entry(self):
        return self.incident or self.session


class PlanItemQuerySet(ScopedQuerySet):
    practice_path = "flag__practice"
    therapist_path = "flag__therapist"
    client_path = "flag__client"


class PlanItem(models.Model):
    """One follow-up of the corrective plan a flag was resolved with."""

    flag = models.ForeignKey(Flag, on_delete=models.PROTECT, related_name="plan_items")
    follow_up = models.OneToOneField(
        "sessions_log.FollowUp", on_delete=models.PROTECT, related_name="plan_item"
    )

    objects = PlanItemQuerySet.as_manager()

    class Meta:
        ordering = ["pk"]

    def __str__(self) -> str:
        return f"{self.follow_up} · {self.flag}"


class FlagReading(models.Model):
    """The newest event of a flag a person has seen: what came after it is unread for them."""

    flag = models.ForeignKey(Flag, on_delete=models.CASCADE, related_name="readings")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    seen_event_id = models.BigIntegerField(default=0)
    seen_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["flag", "user"], name="flag_reading_one_per_user"),
        ]

    def __str__(self) -> str:
        return f"{self.user} read {self.flag} up to event {self.seen_event_id}"


@track_changes()
class RuleSetting(models.Model):
    """A practice's thresholds for one rule; missing keys fall back to the rule's defaults."""

    practice = models.ForeignKey(Practice, on_delete=models.CASCADE, related_name="rule_settings")
    rule = models.CharField(max_length=32, choices=RuleCode)
    enabled = models.BooleanField(default=True)
    thresholds = models.JSONField(default=dict, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["practice", "rule"]
        constraints = [
            models.UniqueConstraint(fields=["practice", "rule"], name="rule_setting_unique_per_practice"),
            models.CheckConstraint(condition=Q(rule__in=RuleCode.values), name="rule_setting_rule_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.practice} · {self.get_rule_display()}"
