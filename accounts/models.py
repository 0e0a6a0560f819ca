import datetime
import re
import zoneinfo

from django.conf import settings
from django.contrib.auth.models import AbstractUser, UserManager
from django.contrib.postgres.constraints import ExclusionConstraint
from django.contrib.postgres.fields import ArrayField, DateRangeField, RangeOperators
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Func, Q
from django.utils import timezone
from django.utils.crypto import salted_hmac

from common.history import track_changes


def validate_time_zone(value: str) -> None:
    if value not in zoneinfo.available_timezones():
        raise ValidationError(
            "%(value)s is not a known time zone; use a name such as Europe/London.",
            code="unknown_time_zone",
            params={"value": value},
        )


def validate_pattern(value: str) -> None:
    try:
        re.compile(value)
    except re.error as error:
        raise ValidationError(
            "This is not a pattern the app can read (%(error)s).",
            code="invalid_pattern",
            params={"error": error},
        ) from error


class Weekday(models.IntegerChoices):
    """Python's numbering (``date.weekday()``): Monday is 0."""

    MONDAY = 0, "Monday"
    TUESDAY = 1, "Tuesday"
    WEDNESDAY = 2, "Wednesday"
    THURSDAY = 3, "Thursday"
    FRIDAY = 4, "Friday"
    SATURDAY = 5, "Saturday"
    SUNDAY = 6, "Sunday"


def default_working_days() -> list[int]:
    return [Weekday.MONDAY, Weekday.TUESDAY, Weekday.WEDNESDAY, Weekday.THURSDAY, Weekday.FRIDAY]


DEFAULT_CLIENT_CODE_PATTERN = r"^[A-Z]{2,4}-[0-9]{3,}$"
DEFAULT_CLIENT_CODE_HELP = "letters, a hyphen and at least three digits, such as RS-0142"


@track_changes()
class Practice(models.Model):
    """A tenant: every row that holds client data belongs to exactly one practice."""

    name = models.CharField(max_length=120, unique=True)
    time_zone = models.CharField(max_length=64, default="UTC", validators=[validate_time_zone])
    usual_session_minutes = models.PositiveSmallIntegerField(
        default=50,
        validators=[MinValueValidator(10), MaxValueValidator(240)],
        help_text="Default length of a session, used to prefill the session log.",
    )
    require_two_factor_for_all = models.BooleanField(
        default=False,
        help_text=(
            "Require two-factor sign-in for every member of the practice, "
            "not only supervisors and practice admins."
        ),
    )
    working_days = ArrayField(
        models.PositiveSmallIntegerField(choices=Weekday),
        default=default_working_days,
        size=7,
        help_text="The days the practice works; sessions and contact on other days are after hours.",
    )
    work_starts = models.TimeField(default=datetime.time(8, 0))
    work_ends = models.TimeField(default=datetime.time(18, 0))
    client_code_pattern = models.CharField(
        max_length=200,
        default=DEFAULT_CLIENT_CODE_PATTERN,
        validators=[validate_pattern],
        help_text="A regular expression every new client code must match.",
    )
    client_code_help = models.CharField(
        max_length=200,
        default=DEFAULT_CLIENT_CODE_HELP,
        help_text="The pattern in plain words, shown to therapists at intake.",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(usual_session_minutes__gte=10, usual_session_minutes__lte=240),
                name="practice_usual_session_minutes_range",
            ),
            models.CheckConstraint(
                condition=Q(work_starts__lt=F("work_ends")), name="practice_work_starts_before_ends"
            ),
            models.CheckConstraint(
                condition=Q(working_days__contained_by=Weekday.values),
                name="practice_working_days_valid",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Role(models.TextChoices):
    THERAPIST = "therapist", "Therapist"
    SUPERVISOR = "supervisor", "Supervisor"
    PRACTICE_ADMIN = "practice_admin", "Practice admin"


class UserQuerySet(models.QuerySet):
    def for_user(self, user):
        """Accounts ``user`` may see: their own, their whole practice for an admin."""
        if not user.is_authenticated or not user.is_active:
            return self.none()
        if user.is_superuser:
            return self
        if user.role == Role.PRACTICE_ADMIN and user.practice_id:
            return self.filter(practice_id=user.practice_id)
        return self.filter(pk=user.pk)

    def therapists(self):
        return self.filter(role=Role.THERAPIST, is_active=True)

    def supervisors(self):
        return self.filter(role=Role.SUPERVISOR, is_active=True)


class AllianceUserManager(UserManager.from_queryset(UserQuerySet)):
    pass


# The password hash stays out of the history, and so does each sign-in (last_login).
@track_changes(exclude=["password", "last_login"])
class User(AbstractUser):
    role = models.CharField(max_length=20, choices=Role, default=Role.THERAPIST)
    practice = models.ForeignKey(
        Practice, on_delete=models.PROTECT, null=True, blank=True, related_name="users"
    )
    cosign_required_from = models.DateField(
        "needs co-signature from",
        null=True,
        blank=True,
        help_text=(
            "For a pre-licensed clinician or an intern: the entries they sign from this date on wait "
            "for their current supervisor's co-signature. Leave empty when not needed."
        ),
    )

    objects = AllianceUserManager()

    class Meta:
        ordering = ["username"]
        constraints = [
            # Only a deployment superuser may stand outside every practice.
            models.CheckConstraint(
                condition=Q(is_superuser=True) | Q(practice__isnull=False),
                name="user_practice_required",
            ),
            models.CheckConstraint(condition=Q(role__in=Role.values), name="user_role_valid"),
        ]

    def __str__(self) -> str:
        return self.get_full_name() or self.username

    def get_session_auth_hash(self) -> str:
        """What each session stores and checks on every request (Django's ``get_user``): a session
        whose hash no longer matches is signed out. Django's covers the password; this one also
        covers what the user may do (role, practice, staff and superuser status), so a change of
        any of them ends the sessions opened before it."""
        return self._session_auth_hash(secret=None)

    def get_session_auth_fallback_hash(self):
        for secret in settings.SECRET_KEY_FALLBACKS:
            yield self._session_auth_hash(secret=secret)

    def _session_auth_hash(self, *, secret) -> str:
        standing = f"{self.password}\0{self.role}\0{self.practice_id}\0{self.is_staff}\0{self.is_superuser}"
        return salted_hmac(
            "accounts.User.session_auth_hash", standing, secret=secret, algorithm="sha256"
        ).hexdigest()

    def clean(self) -> None:
        super().clean()
        if self.cosign_required_from is not None and self.role != Role.THERAPIST:
            raise ValidationError(
                {"cosign_required_from": "Only therapists' entries wait for co-signature: leave it empty."},
                code="cosign_not_therapist",
            )

    def needs_cosignature(self, signed_on: datetime.date) -> bool:
        """Whether what this therapist signed on ``signed_on`` waits for a co-signature."""
        return self.cosign_required_from is not None and signed_on >= self.cosign_required_from

    @property
    def is_therapist(self) -> bool:
        return self.role == Role.THERAPIST

    @property
    def is_supervisor(self) -> bool:
        return self.role == Role.SUPERVISOR

    @property
    def is_practice_admin(self) -> bool:
        return self.role == Role.PRACTICE_ADMIN

    def supervisees(self):
        """Therapists this user supervises under an assignment current today."""
        return User.objects.filter(
            pk__in=SupervisionAssignment.objects.current().filter(supervisor=self).values("therapist")
        )

    def current_supervisors(self):
        """The active users who supervise this therapist under an assignment current today."""
        return User.objects.filter(
            pk__in=SupervisionAssignment.objects.current().filter(therapist=self).values("supervisor"),
            is_active=True,
        )


class DateRange(Func):
    function = "DATERANGE"
    output_field = DateRangeField()


class SupervisionAssignmentQuerySet(models.QuerySet):
    def current(self, on=None):
        """Assignments in force on ``on`` (today by default); the end date is exclusive."""
        on = on or timezone.localdate()
        return self.filter(Q(ends_on__isnull=True) | Q(ends_on__gt=on), starts_on__lte=on)

    def for_user(self, user):
        if not user.is_authenticated or not user.is_active:
            return self.none()
        if user.is_superuser:
            return self
        if user.role == Role.PRACTICE_ADMIN:
            return self.filter(practice_id=user.practice_id)
        return self.filter(Q(therapist=user) | Q(supervisor=user), practice_id=user.practice_id)


@track_changes()
class SupervisionAssignment(models.Model):
    """A supervisor supervises a therapist from ``starts_on`` until the day before ``ends_on``."""

    practice = models.ForeignKey(Practice, on_delete=models.PROTECT, related_name="assignments")
    therapist = models.ForeignKey(User, on_delete=models.PROTECT, related_name="supervised_by")
    supervisor = models.ForeignKey(User, on_delete=models.PROTECT, related_name="supervising")
    starts_on = models.DateField(default=timezone.localdate)
    ends_on = models.DateField(null=True, blank=True, help_text="Leave empty while it lasts.")
    created_at = models.DateTimeField(auto_now_add=True)

    objects = SupervisionAssignmentQuerySet.as_manager()

    class Meta:
        ordering = ["-starts_on"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__isnull=True) | Q(ends_on__gt=F("starts_on")),
                name="assignment_ends_after_start",
            ),
            models.CheckConstraint(
                condition=~Q(therapist=F("supervisor")), name="assignment_not_self_supervision"
            ),
            # The same pair cannot hold two assignments whose periods overlap.
            ExclusionConstraint(
                name="assignment_no_overlap",
                expressions=[
                    ("therapist", RangeOperators.EQUAL),
                    ("supervisor", RangeOperators.EQUAL),
                    (DateRange("starts_on", "ends_on"), RangeOperators.OVERLAPS),
                ],
            ),
        ]

    def __str__(self) -> str:
        return f"{self.supervisor} supervises {self.therapist}"

    def clean(self) -> None:
        errors = {}
        if self.therapist_id and (
            self.therapist.role != Role.THERAPIST or self.therapist.practice_id != self.practice_id
        ):
            errors["therapist"] = ValidationError(
                "Choose a therapist of this practice.", code="therapist_not_in_practice"
            )
        if self.supervisor_id and (
            self.supervisor.role != Role.SUPERVISOR or self.supervisor.practice_id != self.practice_id
        ):
            errors["supervisor"] = ValidationError(
                "Choose a supervisor of this practice.", code="supervisor_not_in_practice"
            )
        if self.ends_on and self.starts_on and self.ends_on <= self.starts_on:
            errors["ends_on"] = ValidationError(
                "The end date must be after the start date.", code="ends_before_start"
            )
        if errors:
            raise ValidationError(errors)

    def is_current(self, on=None) -> bool:
        on = on or timezone.localdate()
        return self.starts_on <= on and (self.ends_on is None or self.ends_on > on)


class FormSubmission(models.Model):
    """A create form, sent once: its one-time token, who sent it and what it made.

    Every create form carries a new token (common.forms.OnceFormMixin); the view records it in
    the same transaction as what the form creates (accounts.submissions.submitted_once). The
    primary key lets only one transaction store a token: a second send of the same form, even at
    the same moment, waits for the first and lands on its result.
    """

    token = models.UUIDField(primary_key=True)
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    result_url = models.CharField(max_length=300, blank=True)

    def __str__(self) -> str:
        return f"{self.token} by {self.user_id}"
