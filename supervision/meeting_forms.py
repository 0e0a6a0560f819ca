"""Forms of supervision meetings and the supervision log."""

import datetime

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Column, Layout, Row
from django import forms
from django.db.models import Q
from django.utils import timezone

from accounts.models import User
from common.forms import BoundedForm, OnceFormMixin
from common.widgets import DateInput
from sessions_log.forms import INVALID_DATE, DateTimeLocalInput, clean_due_on
from sessions_log.services import follow_up_owners
from supervision.models import MeetingFormat, MeetingMedium

# A meeting is recorded up to a year after it was held, or scheduled up to a year ahead.
MEETING_WINDOW = datetime.timedelta(days=366)


def _no_tag(layout: Layout) -> FormHelper:
    helper = FormHelper()
    helper.form_tag = False
    helper.disable_csrf = True
    helper.layout = layout
    return helper


class _WhenForm(BoundedForm, forms.Form):
    starts_at = forms.DateTimeField(
        label="Date and start",
        widget=DateTimeLocalInput(),
        error_messages={"required": "Give the date and start time.", "invalid": "Give a date and time."},
    )
    duration_minutes = forms.IntegerField(
        label="Duration (minutes)",
        min_value=5,
        max_value=480,
        initial=60,
        error_messages={
            "required": "Give the duration in minutes.",
            "min_value": "A meeting lasts at least 5 minutes.",
            "max_value": "A meeting lasts at most 8 hours (480 minutes).",
        },
    )
    medium = forms.ChoiceField(label="Held", choices=MeetingMedium.choices, initial=MeetingMedium.IN_PERSON)

    def clean_starts_at(self):
        starts_at = self.cleaned_data["starts_at"]
        now = timezone.now()
        if starts_at < now - MEETING_WINDOW or starts_at > now + MEETING_WINDOW:
            raise forms.ValidationError("Choose a date within a year of today.", code="out_of_window")
        return starts_at


class MeetingForm(OnceFormMixin, _WhenForm):
    """A new meeting: with whom, individual or group, when, how long, how."""

    supervisees = forms.ModelMultipleChoiceField(
        queryset=User.objects.none(),
        label="Supervisees",
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": "Choose who attends.", "invalid_choice": "Choose from your supervisees."},
    )
    format = forms.ChoiceField(
        label="Format",
        choices=MeetingFormat.choices,
        initial=MeetingFormat.INDIVIDUAL,
        widget=forms.RadioSelect,
    )
    propose_agenda = forms.BooleanField(
        label="Propose the agenda from their open flags, returned entries and overdue follow-ups",
        required=False,
        initial=True,
    )

    field_order = ["supervisees", "format", "starts_at", "duration_minutes", "medium", "propose_agenda"]

    def __init__(self, *args, supervisees, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["supervisees"].queryset = supervisees
        self.helper = _no_tag(
            Layout(
                *(["submission_token"] if "submission_token" in self.fields else []),
                Row(Column("supervisees", css_class="col-md-6"), Column("format", css_class="col-md-6")),
                Row(
                    Column("starts_at", css_class="col-md-5"),
                    Column("duration_minutes", css_class="col-md-3"),
                    Column("medium", css_class="col-md-4"),
                ),
                "propose_agenda",
            )
        )

    def clean(self):
        cleaned = super().clean()
        people, format = cleaned.get("supervisees"), cleaned.get("format")
        if people is not None and format == MeetingFormat.INDIVIDUAL and len(people) != 1:
            self.add_error(
                "supervisees", "An individual meeting is with one supervisee; choose group for several."
            )
        if people is not None and format == MeetingFormat.GROUP and len(people) < 2:
            self.add_error(
                "supervisees", "A group meeting has at least two supervisees; choose individual for one."
            )
        return cleaned


class MeetingEditForm(_WhenForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = _no_tag(
            Layout(
                Row(
                    Column("starts_at", css_class="col-md-5"),
                    Column("duration_minutes", css_class="col-md-3"),
                    Column("medium", css_class="col-md-4"),
                )
            )
        )


class CancelForm(BoundedForm, forms.Form):
    reason = forms.CharField(
        label="Why it is cancelled",
        max_length=200,
        error_messages={"required": "Say why the meeting is cancelled."},
    )


class AgendaAddForm(OnceFormMixin, BoundedForm, forms.Form):
    """Add open work (``work``: a key such as ``flag:12``) or a free item (``title``)."""

    work = forms.ChoiceField(label="Open work", required=False)
    title = forms.CharField(label="Or a free item", max_length=200, required=False)
    supervisee = forms.ModelChoiceField(
        queryset=User.objects.none(), label="About", required=False, empty_label="The whole group"
    )

    def __init__(self, *args, candidates=(), attendees=None, group: bool = False, **kwargs):
        """``candidates``: (Candidate, label) pairs of the open work not on the agenda yet."""
        super().__init__(*args, **kwargs)
        self.candidates = {candidate.key: candidate for candidate, _label in candidates}
        self.fields["work"].choices = [
            ("", "Choose open work to add"),
            *((candidate.key, label) for candidate, label in candidates),
        ]
        if group:
            self.fields["supervisee"].queryset = attendees
        else:
            del self.fields["supervisee"]

    def clean(self):
        cleaned = super().clean()
        work, title = cleaned.get("work"), (cleaned.get("title") or "").strip()
        if not work and not title:
            raise forms.ValidationError("Choose open work, or write a free item.", code="empty")
        if work and title:
            raise forms.ValidationError("Add one thing at a time: open work or a free item.", code="both")
        cleaned["candidate"] = self.candidates.get(work) if work else None
        if work and cleaned["candidate"] is None:
            self.add_error("work", "That is no longer open work of this meeting's supervisees.")
        return cleaned


class MinutesForm(BoundedForm, forms.Form):
    """One text field per agenda item."""

    def __init__(self, *args, items=(), **kwargs):
        super().__init__(*args, **kwargs)
        for item in items:
            self.fields[f"minutes_{item.pk}"] = forms.CharField(
                label="Minutes",
                required=False,
                initial=item.minutes,
                # The textareas sit in the agenda's items, outside the form element they submit with.
                widget=forms.Textarea(attrs={"rows": 3, "form": "minutes-form"}),
            )

    def minutes(self) -> dict[int, str]:
        return {
            int(name.removeprefix("minutes_")): value
            for name, value in self.cleaned_data.items()
            if name.startswith("minutes_")
        }


class ItemFollowUpForm(OnceFormMixin, BoundedForm, forms.Form):
    """A follow-up decided on an agenda item: what, who, by when (and, for a group item, whose)."""

    action = forms.CharField(
        label="Follow-up: what is to be done",
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": "Say what is to be done."},
    )
    owner = forms.ModelChoiceField(
        queryset=User.objects.none(),
        label="Owner",
        empty_label=None,
        error_messages={"required": "Choose who does it.", "invalid_choice": "Choose someone from the list."},
    )
    due_on = forms.DateField(
        label="Due",
        widget=DateInput(),
        error_messages={"required": "Give a due date.", "invalid": INVALID_DATE},
    )
    therapist = forms.ModelChoiceField(
        queryset=User.objects.none(),
        label="In whose caseload",
        empty_label=None,
        error_messages={"invalid_choice": "Choose someone at this meeting."},
    )

    def __init__(self, *args, supervisee: User | None, attendees, supervisor: User, owners=None, **kwargs):
        """``owners``: the follow-up owners of ``supervisee``, already read (a page of many items
        passes one list to every item's form); ``attendees`` likewise for a group item."""
        super().__init__(*args, **kwargs)
        if supervisee is not None:
            del self.fields["therapist"]
            owners = owners if owners is not None else follow_up_owners(supervisee)
            self.initial.setdefault("owner", supervisee.pk)
        else:
            # A group item's follow-up goes into one attendee's caseload, owned by them or the
            # supervisor; the service checks the owner can open that caseload.
            self.fields["therapist"].queryset = attendees
            self.fields["therapist"].choices = [(person.pk, str(person)) for person in attendees]
            owners = User.objects.filter(Q(pk__in=[person.pk for person in attendees]) | Q(pk=supervisor.pk))
            owners = owners.order_by("last_name", "first_name", "username")
        self.fields["owner"].queryset = owners
        # Menus from what is already read; choosing still checks the queryset.
        self.fields["owner"].choices = [(person.pk, str(person)) for person in owners]

    def clean_due_on(self):
        return clean_due_on(self.cleaned_data.get("due_on"))


class SignMinutesForm(BoundedForm, forms.Form):
    attest = forms.BooleanField(
        label="I confirm these minutes are accurate and complete.",
        # Submitted with the minutes, which are saved before signing.
        widget=forms.CheckboxInput(attrs={"form": "minutes-form"}),
        error_messages={"required": "Confirm the minutes are accurate and complete to sign them."},
    )


class MeetingAddendumForm(OnceFormMixin, BoundedForm, forms.Form):
    text = forms.CharField(
        label="Correction",
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": "Write the correction."},
    )
    reason = forms.CharField(
        label="Reason", max_length=300, error_messages={"required": "Say why the minutes are corrected."}
    )


class LogForm(BoundedForm, forms.Form):
    """Whose log, and for which period (inclusive)."""

    supervisee = forms.ModelChoiceField(
        queryset=User.objects.none(),
        label="Supervisee",
        empty_label=None,
        error_messages={"invalid_choice": "Choose someone from the list."},
    )
    starts_on = forms.DateField(label="From", widget=DateInput(), error_messages={"invalid": INVALID_DATE})
    ends_on = forms.DateField(label="To", widget=DateInput(), error_messages={"invalid": INVALID_DATE})

    def __init__(self, data=None, *, supervisees, **kwargs):
        super().__init__(data, **kwargs)
        self.fields["supervisee"].queryset = supervisees
        # The menu from one read of the list; choosing still checks the queryset.
        self.fields["supervisee"].choices = [(person.pk, str(person)) for person in supervisees]
        self.helper = FormHelper()
        self.helper.form_method = "get"
        self.helper.form_tag = False
        self.helper.disable_csrf = True
        self.helper.layout = Layout(
            Row(
                Column("supervisee", css_class="col-md-4"),
                Column("starts_on", css_class="col-md-3"),
                Column("ends_on", css_class="col-md-3"),
            )
        )

    @staticmethod
    def default_query(supervisees) -> dict:
        """The first supervisee's log from 1 January to today (the supervisee left empty if none)."""
        today = timezone.localdate()
        first = next(iter(supervisees), None)
        return {
            "supervisee": first.pk if first is not None else "",
            "starts_on": today.replace(month=1, day=1).isoformat(),
            "ends_on": today.isoformat(),
        }

    def clean(self):
        cleaned = super().clean()
        starts, ends = cleaned.get("starts_on"), cleaned.get("ends_on")
        if starts and ends and ends < starts:
            self.add_error("ends_on", "The end of the period must be on or after its start.")
        return cleaned


# Co-signature


class CosignForm(BoundedForm, forms.Form):
    attest = forms.BooleanField(
        label="I have read this entry and co-sign it as its supervisor.",
        error_messages={"required": "Confirm you have read the entry to co-sign it."},
    )


class CosignReturnForm(BoundedForm, forms.Form):
    request = forms.CharField(
        label="What is to be revised",
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": "Say what is to be revised."},
    )
