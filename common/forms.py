"""Helpers for the forms of every app."""

import datetime
import uuid

from django import forms
from django.core import validators
from django.core.exceptions import ValidationError
from django.forms import Form
from django.utils import timezone

from common.dates import date_text, datetime_text, time_text


def add_service_errors(form: Form, exc: ValidationError) -> None:
    """Show a service's refusal on ``form``: on each field it names that the form has, else on top."""
    if hasattr(exc, "error_dict"):
        for field, errors in exc.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc)


# Bounds on every input (BoundedForm): what a form accepts before any of its own arithmetic.
TEXT_LIMIT = 10_000  # characters in a paragraph field: a long page of notes
LINE_LIMIT = 300  # characters in a one-line field without a length of its own
EARLIEST_DATE = datetime.date(1900, 1, 1)
YEARS_AHEAD = 10
SMALLEST_INTEGER, LARGEST_INTEGER = -(2**31), 2**31 - 1  # PostgreSQL's integer


def latest_date() -> datetime.date:
    today = timezone.localdate()
    try:
        return today.replace(year=today.year + YEARS_AHEAD)
    except ValueError:  # 29 February, in a year that has none
        return today.replace(year=today.year + YEARS_AHEAD, day=28)


def within_dates(value) -> None:
    """A date (or the date of a date and time) from 1900 to ten years ahead."""
    day = value.date() if isinstance(value, datetime.datetime) else value
    if day < EARLIEST_DATE or day > latest_date():
        raise ValidationError(
            "Enter a date between %(earliest)s and %(latest)s.",
            code="date_out_of_range",
            params={"earliest": date_text(EARLIEST_DATE), "latest": date_text(latest_date())},
        )


def bound_field(field: forms.Field) -> None:
    """Give ``field`` the bounds it lacks: a length for text, a range for dates and integers.

    Validators run in the field's own ``clean``, before the form's ``clean`` computes with the
    value (a review date from an interval, a day after an end date).
    """
    if isinstance(field, forms.CharField):
        if field.max_length is None:
            field.max_length = TEXT_LIMIT if isinstance(field.widget, forms.Textarea) else LINE_LIMIT
        if not any(isinstance(v, validators.MaxLengthValidator) for v in field.validators):
            # A length set after the field was made (AuthenticationForm's username) has no validator.
            field.validators.append(validators.MaxLengthValidator(field.max_length))
        field.widget.attrs.setdefault("maxlength", str(field.max_length))
    elif isinstance(field, forms.DateField | forms.DateTimeField):
        if within_dates not in field.validators:
            field.validators.append(within_dates)
    elif isinstance(field, forms.IntegerField):
        if field.max_value is None:
            field.validators.append(validators.MaxValueValidator(LARGEST_INTEGER))
        if field.min_value is None:
            field.validators.append(validators.MinValueValidator(SMALLEST_INTEGER))


class BoundedForm:
    """A form mixin (first among the bases): every field bounded by ``bound_field``."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            bound_field(field)


class OnceFormMixin:
    """A create form's one-time token (a hidden field; the mixin goes first among the bases):
    the view stores it with what the form creates (accounts.submissions.submitted_once), so the
    same form sent twice stores once. A refused form keeps its token: sent again once
    corrected, it is still the first send. Once cleaned, the token is ``form.submission_token``
    (None when missing or damaged: the form is then saved without the double-send guard), and
    not in ``cleaned_data``, which stays what the services take.
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.submission_token: uuid.UUID | None = None
        if self.creates:
            self.fields["submission_token"] = forms.CharField(
                widget=forms.HiddenInput, required=False, initial=uuid.uuid4()
            )

    @property
    def creates(self) -> bool:
        """Whether this form creates (a model form editing a saved row does not)."""
        instance = getattr(self, "instance", None)
        return instance is None or instance.pk is None

    def full_clean(self):
        super().full_clean()
        if hasattr(self, "cleaned_data") and "submission_token" in self.cleaned_data:
            try:
                self.submission_token = uuid.UUID(self.cleaned_data.pop("submission_token"))
            except ValueError:
                self.submission_token = None


class StaleEdit(Exception):
    """The row changed since the form was read; ``current`` is the row as it is now saved."""

    def __init__(self, current):
        super().__init__(f"{current} changed since the form was read.")
        self.current = current


def check_version(row, seen: datetime.datetime | None) -> None:
    """In a service, after locking ``row``: refuse a form read before its last change."""
    if seen is not None and row.updated_at != seen:
        raise StaleEdit(row)


def differences(form, current, *, label: str = "") -> list[str]:
    """For each field of model form ``form`` whose typed value differs from ``current``'s, the
    field's label and the saved value, as a conflict message names them."""
    found = []
    for name in form._meta.fields:
        if name not in form.fields or name not in getattr(form, "cleaned_data", {}):
            continue
        saved = getattr(current, name)
        if form.cleaned_data[name] != saved:
            shown = getattr(current, f"get_{name}_display", lambda value=saved: value)()
            if isinstance(shown, datetime.datetime):
                shown = datetime_text(shown)
            found.append(f"{label}{form.fields[name].label}: {shown or '(empty)'}")
    return found


class VersionFormMixin:
    """An edit form's ``seen_version`` (a hidden field; the mixin goes first among the bases):
    the row's ``updated_at`` when the form was read. The service refuses a save whose version is
    no longer the row's (``check_version``), and the view calls ``show_conflict``: what was typed
    stays in the form, what was saved meanwhile is named beside it, and the next save replaces it
    knowingly. Once cleaned, the version is ``form.seen_version`` (None if missing or damaged).
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.seen_version: datetime.datetime | None = None
        if self.versioned:
            self.fields["seen_version"] = forms.CharField(
                widget=forms.HiddenInput, required=False, initial=self.instance.updated_at.isoformat()
            )

    @property
    def versioned(self) -> bool:
        """Whether this form edits a saved row."""
        return self.instance.pk is not None

    def full_clean(self):
        super().full_clean()
        if hasattr(self, "cleaned_data") and "seen_version" in self.cleaned_data:
            try:
                self.seen_version = datetime.datetime.fromisoformat(self.cleaned_data.pop("seen_version"))
            except ValueError:
                self.seen_version = None

    def show_conflict(self, current, *, what: str, also: list[str] = ()) -> None:
        """Name what ``current`` holds that differs from what was typed (and ``also``, from the
        view: a session's incidents); keep the typing."""
        differing = [*differences(self, current), *also]
        saved_at = time_text(current.updated_at)
        self.add_error(
            None,
            f"This {what} was changed at {saved_at} (in another tab or by another person) while you were "
            "editing it. "
            + (f"Saved now: {'; '.join(differing)}. " if differing else "")
            + "What you typed is kept below: save again to replace the saved version, or change it first.",
        )
        data = self.data.copy()
        data[self.add_prefix("seen_version")] = current.updated_at.isoformat()
        self.data = data
