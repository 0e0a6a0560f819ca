"""Calendar sync: imports of a therapist's appointments, what could not be matched, the feeds.

Sessions themselves live in sessions_log (``Session.calendar_uid``); this app keeps how they got
there: each import with its summary, the events it could not match to a client, the therapist's
decisions about an event (this client, or ignore it: remembered for every later import), the
feed URL the worker pulls, and each user's private feed token.
"""

import hashlib
import secrets

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from accounts.models import Practice
from common.dates import datetime_text
from common.history import track_changes


class ImportSource(models.TextChoices):
    FILE = "file", "Uploaded file"
    FEED = "feed", "Calendar feed"


class ImportStatus(models.TextChoices):
    DONE = "done", "Imported"
    FAILED = "failed", "Failed"


class CalendarImport(models.Model):
    """One import of a therapist's calendar and what it did, event by event in summary."""

    practice = models.ForeignKey(Practice, on_delete=models.PROTECT, related_name="+")
    therapist = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="calendar_imports"
    )
    source = models.CharField(max_length=8, choices=ImportSource)
    status = models.CharField(max_length=8, choices=ImportStatus)
    filename = models.CharField(max_length=255, blank=True)
    started_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)
    events = models.PositiveIntegerField(default=0)
    planned = models.PositiveIntegerField(default=0)
    moved = models.PositiveIntegerField(default=0)
    unchanged = models.PositiveIntegerField(default=0)
    cancelled = models.PositiveIntegerField(default=0)
    to_review = models.PositiveIntegerField(default=0)
    not_matched = models.PositiveIntegerField(default=0)
    ignored = models.PositiveIntegerField(default=0)
    # [{"uid": ..., "when": ..., "reason": ...}] for events that could not be read.
    errors = models.JSONField(default=list, blank=True)
    message = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["-started_at", "-pk"]
        constraints = [
            models.CheckConstraint(condition=Q(source__in=ImportSource.values), name="import_source_valid"),
            models.CheckConstraint(condition=Q(status__in=ImportStatus.values), name="import_status_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.get_source_display()} for {self.therapist} at {datetime_text(self.started_at)}"

    @property
    def summary(self) -> str:
        """ "312 events: 280 sessions planned, 18 moved, 4 cancelled, 10 not matched"."""
        if self.status == ImportStatus.FAILED:
            return self.message
        parts = [
            (self.planned, "sessions planned" if self.planned != 1 else "session planned"),
            (self.moved, "moved"),
            (self.unchanged, "unchanged"),
            (self.cancelled, "cancelled"),
            (self.to_review, "logged but cancelled in the calendar, to review"),
            (self.not_matched, "not matched"),
            (self.ignored, "ignored"),
            (len(self.errors), "unreadable"),
        ]
        words = ", ".join(f"{number} {label}" for number, label in parts if number)
        return f"{self.events} event{'s' if self.events != 1 else ''}: {words or 'nothing to do'}"


@track_changes()
class EventDecision(models.Model):
    """The therapist's word on an event series (by UID): this client, or ignore it."""

    therapist = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    uid = models.CharField(max_length=255)
    client = models.ForeignKey(
        "clients.Client", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["therapist", "uid"], name="event_decision_once"),
        ]

    def __str__(self) -> str:
        return f"{self.uid} → {self.client or 'ignored'}"

    @property
    def ignored(self) -> bool:
        return self.client_id is None


class UnmatchedEvent(models.Model):
    """An event of the latest import that became no session, and why; the therapist matches it
    to a client or ignores it."""

    therapist = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    calendar_import = models.ForeignKey(CalendarImport, on_delete=models.CASCADE, related_name="unmatched")
    uid = models.CharField(max_length=255)
    recurrence_id = models.CharField(max_length=32, blank=True)
    summary = models.CharField(max_length=255, blank=True)
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    all_day = models.BooleanField(default=False)
    reason = models.CharField(max_length=200)

    class Meta:
        ordering = ["starts_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["therapist", "uid", "recurrence_id"], name="unmatched_event_once"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.summary or self.uid} at {datetime_text(self.starts_at)}"


@track_changes()
class CalendarFeed(models.Model):
    """The address of a therapist's calendar that the worker pulls (set by the practice admin)."""

    therapist = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="calendar_feed"
    )
    url = models.URLField("feed address", max_length=1000)
    active = models.BooleanField(default=True)
    set_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    updated_at = models.DateTimeField(auto_now=True)
    last_pulled_at = models.DateTimeField(null=True, blank=True)
    last_result = models.CharField(max_length=500, blank=True)

    def __str__(self) -> str:
        return f"Calendar feed of {self.therapist}"


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class FeedToken(models.Model):
    """A user's private iCalendar feed: only the token's SHA-256 is stored; the address is shown
    once, when made. Revoking deletes it; a new one replaces it."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="feed_token")
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(default=timezone.now)
    last_used_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"Feed of {self.user}"

    @classmethod
    def issue(cls, user) -> str:
        """A new token for ``user`` (replacing any other); returns the token itself, once."""
        token = secrets.token_urlsafe(32)
        cls.objects.update_or_create(
            user=user, defaults={"token_hash": _digest(token), "created_at": timezone.now()}
        )
        return token

    @classmethod
    def holder(cls, token: str):
        """The active user whose token this is, or None."""
        row = cls.objects.select_related("user__practice").filter(token_hash=_digest(token)).first()
        return row if row is not None and row.user.is_active else None
