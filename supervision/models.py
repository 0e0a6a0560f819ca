import datetime
import json

import pgtrigger
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone

from accounts.models import Practice, Role, SupervisionAssignment
from clients.scoping import ScopedQuerySet
from common.dates import datetime_text
from common.history import track_changes
from sessions_log.models import (
    Classification,
    EntryStatus,
    SignableEntry,
    signature_constraints,
    signed_entry_triggers,
)


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
    # A decision taken in a supervision meeting names it, and the meeting's minutes show it.
    meeting = models.ForeignKey(
        "Meeting", on_delete=models.PROTECT, null=True, blank=True, related_name="flag_events"
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


# Supervision meetings


class MeetingFormat(models.TextChoices):
    INDIVIDUAL = "individual", "Individual"
    GROUP = "group", "Group"


class MeetingMedium(models.TextChoices):
    IN_PERSON = "in_person", "In person"
    VIDEO = "video", "Video call"
    PHONE = "phone", "Phone"


class MeetingQuerySet(models.QuerySet):
    def for_user(self, user):
        """The meetings ``user`` may read: a supervisor those they lead, a therapist those they
        attend, a practice admin every meeting of the practice; cancelled ones included."""
        if not getattr(user, "is_authenticated", False) or not user.is_active:
            return self.none()
        if user.is_superuser:
            return self
        if user.practice_id is None:
            return self.none()
        mine = self.filter(practice_id=user.practice_id)
        if user.role == Role.PRACTICE_ADMIN:
            return mine
        if user.role == Role.SUPERVISOR:
            return mine.filter(supervisor=user)
        if user.role == Role.THERAPIST:
            return mine.filter(pk__in=MeetingAttendee.objects.filter(supervisee=user).values("meeting"))
        return self.none()

    def held(self):
        """Meetings whose minutes are signed: the ones a supervision log counts."""
        return self.filter(status=EntryStatus.SIGNED)

    def upcoming(self, now):
        return self.filter(starts_at__gte=now, archived_at__isnull=True, status=EntryStatus.DRAFT)


@track_changes()
class Meeting(SignableEntry):
    """A supervision meeting: one supervisor, one supervisee (individual) or several (group).

    Scheduled ahead or recorded after; its agenda items carry the minutes. Signing the minutes
    locks the meeting, its attendees and items (database triggers), as signing locks an entry;
    corrections are addenda. A meeting that did not take place is cancelled (archived) with why.
    """

    practice = models.ForeignKey(Practice, on_delete=models.PROTECT, related_name="meetings")
    supervisor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="meetings_led"
    )
    supervisees = models.ManyToManyField(
        settings.AUTH_USER_MODEL, through="MeetingAttendee", related_name="meetings_attended"
    )
    format = models.CharField(max_length=12, choices=MeetingFormat, default=MeetingFormat.INDIVIDUAL)
    medium = models.CharField(max_length=12, choices=MeetingMedium, default=MeetingMedium.IN_PERSON)
    starts_at = models.DateTimeField("date and start")
    duration_minutes = models.PositiveSmallIntegerField("duration (minutes)")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    signed_fields = (
        "practice",
        "supervisor",
        "format",
        "medium",
        "starts_at",
        "duration_minutes",
        "documented_at",
    )

    objects = MeetingQuerySet.as_manager()

    class Meta:
        ordering = ["-starts_at", "-pk"]
        triggers = signed_entry_triggers()
        constraints = [
            *signature_constraints("meeting"),
            models.CheckConstraint(condition=Q(format__in=MeetingFormat.values), name="meeting_format_valid"),
            models.CheckConstraint(condition=Q(medium__in=MeetingMedium.values), name="meeting_medium_valid"),
            models.CheckConstraint(
                condition=Q(duration_minutes__gte=5, duration_minutes__lte=480), name="meeting_duration_range"
            ),
            # Minutes are signed once the meeting has begun, not before.
            models.CheckConstraint(
                condition=Q(signed_at__isnull=True) | Q(signed_at__gte=F("starts_at")),
                name="meeting_signed_after_start",
            ),
        ]
        indexes = [
            models.Index(fields=["practice", "-starts_at"], name="meeting_practice_start_idx"),
            models.Index(fields=["supervisor", "-starts_at"], name="meeting_supervisor_start_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.get_format_display()} supervision · {datetime_text(self.starts_at)}"

    def get_absolute_url(self) -> str:
        return reverse("supervision:meeting_detail", args=[self.pk])

    @property
    def ends_at(self) -> datetime.datetime:
        return self.starts_at + datetime.timedelta(minutes=self.duration_minutes)

    @property
    def hours(self) -> float:
        return self.duration_minutes / 60

    @property
    def is_cancelled(self) -> bool:
        return self.archived_at is not None

    def canonical_content(self) -> str:
        """The meeting's fields, its attendees, and every item with its minutes and follow-ups."""
        content = json.loads(super().canonical_content())
        content["supervisees"] = sorted(self.attendees.values_list("supervisee_id", flat=True))
        content["items"] = [
            {
                "position": item.position,
                "kind": item.kind,
                "flag": item.flag_id,
                "revision_request": item.revision_request_id,
                "follow_up": item.follow_up_id,
                "supervisee": item.supervisee_id,
                "title": item.title,
                "minutes": item.minutes,
                "assigned": sorted(item.assigned.values_list("follow_up_id", flat=True)),
            }
            for item in self.items.order_by("position", "pk")
        ]
        return json.dumps(content, sort_keys=True, separators=(",", ":"), default=str)


def _locked_with_meeting(name: str, meeting_of: str, *, operations, allow_acknowledgement: bool = False):
    """A trigger refusing any write to a row of a meeting whose minutes are signed.

    ``meeting_of`` is SQL naming the meeting's id from ``ROW`` (NEW or OLD). The attendee's
    acknowledgement of the minutes is the one write allowed after signing.
    """
    old = meeting_of.format(row="OLD")
    new = meeting_of.format(row="NEW")
    acknowledgement = (
        " AND NOT (TG_OP = 'UPDATE' AND OLD.acknowledged_at IS NULL"
        " AND (OLD.meeting_id, OLD.supervisee_id) = (NEW.meeting_id, NEW.supervisee_id))"
        if allow_acknowledgement
        else ""
    )
    # Built from this module's constants only, never from input.
    func = f"""
            IF EXISTS (
                SELECT 1 FROM supervision_meeting
                WHERE status = '{EntryStatus.SIGNED}'
                  AND id IN (
                      CASE WHEN TG_OP = 'INSERT' THEN NULL ELSE {old} END,
                      CASE WHEN TG_OP = 'DELETE' THEN NULL ELSE {new} END
                  )
            ){acknowledgement} THEN
                RAISE EXCEPTION 'The minutes of this meeting are signed and locked: add an addendum.';
            END IF;
            IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
            RETURN NEW;
        """  # noqa: S608
    return pgtrigger.Trigger(name=name, when=pgtrigger.Before, operation=operations, func=func)


ANY_WRITE = pgtrigger.Insert | pgtrigger.Update | pgtrigger.Delete


class MeetingAttendee(models.Model):
    """A supervisee in a meeting, and when they acknowledged its signed minutes."""

    meeting = models.ForeignKey(Meeting, on_delete=models.PROTECT, related_name="attendees")
    supervisee = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    acknowledged_at = models.DateTimeField("minutes acknowledged at", null=True, blank=True)

    class Meta:
        ordering = ["meeting", "supervisee__last_name", "supervisee__username"]
        triggers = [
            _locked_with_meeting(
                "attendee_locked_with_minutes",
                "{row}.meeting_id",
                operations=ANY_WRITE,
                allow_acknowledgement=True,
            )
        ]
        constraints = [
            models.UniqueConstraint(fields=["meeting", "supervisee"], name="meeting_attendee_once"),
        ]

    def __str__(self) -> str:
        return f"{self.supervisee} at {self.meeting}"


class AgendaKind(models.TextChoices):
    FLAG = "flag", "Open flag"
    REVISION = "revision", "Returned entry"
    FOLLOW_UP = "follow_up", "Overdue follow-up"
    FREE = "free", "Item"


class AgendaItem(models.Model):
    """One item of a meeting's agenda: a flag, a returned entry, a follow-up, or free; its minutes.

    ``supervisee`` is whose work the item is about (none for a free item for the whole group):
    in a group meeting each therapist reads the items about their own work and the free ones.
    """

    meeting = models.ForeignKey(Meeting, on_delete=models.PROTECT, related_name="items")
    position = models.PositiveSmallIntegerField(default=0)
    kind = models.CharField(max_length=12, choices=AgendaKind)
    flag = models.ForeignKey(
        Flag, on_delete=models.PROTECT, null=True, blank=True, related_name="agenda_items"
    )
    revision_request = models.ForeignKey(
        "sessions_log.RevisionRequest", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    follow_up = models.ForeignKey(
        "sessions_log.FollowUp", on_delete=models.PROTECT, null=True, blank=True, related_name="agenda_items"
    )
    supervisee = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    title = models.CharField(max_length=200, blank=True)
    minutes = models.TextField(blank=True)

    class Meta:
        ordering = ["position", "pk"]
        triggers = [
            _locked_with_meeting("agenda_item_locked_with_minutes", "{row}.meeting_id", operations=ANY_WRITE)
        ]
        constraints = [
            models.CheckConstraint(condition=Q(kind__in=AgendaKind.values), name="agenda_item_kind_valid"),
            models.CheckConstraint(
                condition=Q(
                    kind=AgendaKind.FLAG,
                    flag__isnull=False,
                    revision_request__isnull=True,
                    follow_up__isnull=True,
                )
                | Q(
                    kind=AgendaKind.REVISION,
                    flag__isnull=True,
                    revision_request__isnull=False,
                    follow_up__isnull=True,
                )
                | Q(
                    kind=AgendaKind.FOLLOW_UP,
                    flag__isnull=True,
                    revision_request__isnull=True,
                    follow_up__isnull=False,
                )
                | (
                    Q(
                        kind=AgendaKind.FREE,
                        flag__isnull=True,
                        revision_request__isnull=True,
                        follow_up__isnull=True,
                    )
                    & ~Q(title__regex=r"^\s*$")
                ),
                name="agenda_item_points_at_its_kind",
            ),
            models.UniqueConstraint(
                fields=["meeting", "flag"], condition=Q(flag__isnull=False), name="agenda_item_flag_once"
            ),
            models.UniqueConstraint(
                fields=["meeting", "revision_request"],
                condition=Q(revision_request__isnull=False),
                name="agenda_item_revision_once",
            ),
            models.UniqueConstraint(
                fields=["meeting", "follow_up"],
                condition=Q(follow_up__isnull=False),
                name="agenda_item_follow_up_once",
            ),
        ]

    def __str__(self) -> str:
        return self.title or f"{self.get_kind_display()} · {self.target}"

    @property
    def target(self):
        return self.flag or self.revision_request or self.follow_up

    def visible_to(self, user) -> bool:
        """A therapist reads the items about their own work and the group's free items."""
        return user.role != Role.THERAPIST or self.supervisee_id in (None, user.pk)


class ItemFollowUp(models.Model):
    """A follow-up assigned from an agenda item."""

    item = models.ForeignKey(AgendaItem, on_delete=models.PROTECT, related_name="assigned")
    follow_up = models.OneToOneField(
        "sessions_log.FollowUp", on_delete=models.PROTECT, related_name="meeting_item"
    )

    class Meta:
        ordering = ["pk"]
        triggers = [
            _locked_with_meeting(
                "item_follow_up_locked_with_minutes",
                "(SELECT meeting_id FROM supervision_agendaitem WHERE id = {row}.item_id)",
                operations=ANY_WRITE,
            )
        ]

    def __str__(self) -> str:
        return f"{self.follow_up} · {self.item}"


class MeetingAddendum(models.Model):
    """A dated correction of signed minutes, with its reason; never changed itself."""

    meeting = models.ForeignKey(Meeting, on_delete=models.PROTECT, related_name="addenda")
    text = models.TextField()
    reason = models.CharField(max_length=300)
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["created_at", "pk"]
        verbose_name_plural = "meeting addenda"
        triggers = [
            pgtrigger.Protect(
                name="meeting_addendum_immutable", operation=pgtrigger.Update | pgtrigger.Delete
            )
        ]
        constraints = [
            models.CheckConstraint(
                condition=~Q(text__regex=r"^\s*$") & ~Q(reason__regex=r"^\s*$"),
                name="meeting_addendum_text_and_reason_required",
            ),
        ]

    def __str__(self) -> str:
        return f"Addendum to {self.meeting}"
