import datetime

from django import forms
from django.utils import timezone

from boundaries.models import Category
from common.forms import BoundedForm, OnceFormMixin
from common.widgets import DateInput
from sessions_log.models import Classification
from supervision.models import OPEN_STATUSES, FlagStatus, RuleCode
from supervision.rules import Rule
from supervision.services import DECISION_OUTCOMES

# Decisions


class DecisionForm(OnceFormMixin, BoundedForm, forms.Form):
    """What every decision carries: the newest event the supervisor saw, to refuse a stale one."""

    seen_event = forms.IntegerField(widget=forms.HiddenInput, min_value=0)
    comment = forms.CharField(label="Comment", required=False, widget=forms.Textarea(attrs={"rows": 2}))

    field_order = ["entry", "incident", "classification", "outcome", "comment"]

    def __init__(self, *args, seen_event: int = 0, **kwargs):
        kwargs.setdefault("initial", {})["seen_event"] = seen_event
        super().__init__(*args, **kwargs)

    def full_clean(self):
        super().full_clean()
        # A hidden field has nowhere to show its error, and only a stale or altered page breaks it.
        if self.is_bound and self._errors.pop("seen_event", None):
            self.add_error(
                None,
                forms.ValidationError(
                    "This form is out of date: reload the page and decide again.", code="seen_event"
                ),
            )


class AcknowledgeForm(DecisionForm):
    pass


class CommentForm(OnceFormMixin, BoundedForm, forms.Form):
    comment = forms.CharField(
        label="Comment",
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": "Write the comment."},
    )

    def __init__(self, *args, seen_event: int = 0, **kwargs):
        # A comment never conflicts with another decision: no staleness check.
        super().__init__(*args, **kwargs)


def _entry_value(entry) -> str:
    return f"{entry._meta.model_name}:{entry.pk}"


def _entry_label(entry) -> str:
    at = entry.occurred_at if entry._meta.model_name == "incident" else entry.scheduled_start
    kind = f"{entry.get_category_display()} incident" if entry._meta.model_name == "incident" else "Session"
    return f"{kind} of {timezone.localtime(at):%Y-%m-%d %H:%M}"


class ReturnEntryForm(DecisionForm):
    entry = forms.ChoiceField(
        label="Entry to revise", error_messages={"required": "Choose the entry to return."}
    )
    comment = forms.CharField(
        label="What should be revised",
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": "Tell the therapist what to revise."},
    )

    def __init__(self, *args, entries=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.entries = {_entry_value(entry): entry for entry in entries}
        self.fields["entry"].choices = [("", "Choose an entry")] + [
            (value, _entry_label(entry)) for value, entry in self.entries.items()
        ]

    def clean_entry(self):
        return self.entries[self.cleaned_data["entry"]]


class ClassifyForm(DecisionForm):
    incident = forms.ChoiceField(label="Incident", error_messages={"required": "Choose the incident."})
    classification = forms.ChoiceField(
        label="Final classification",
        choices=[("", "Choose"), *Classification.choices],
        error_messages={"required": "Choose crossing or violation."},
    )

    def __init__(self, *args, incidents=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.incidents = {str(incident.pk): incident for incident in incidents}
        self.fields["incident"].choices = [("", "Choose an incident")] + [
            (
                pk,
                f"{_entry_label(incident)} (now {incident.effective_classification})",
            )
            for pk, incident in self.incidents.items()
        ]

    def clean_incident(self):
        return self.incidents[self.cleaned_data["incident"]]


class ResolveForm(DecisionForm):
    outcome = forms.ChoiceField(
        label="Outcome",
        choices=[("", "Choose the outcome"), *((o.value, o.label) for o in DECISION_OUTCOMES)],
        error_messages={"required": "Choose the outcome of the review."},
    )


class DismissForm(DecisionForm):
    comment = forms.CharField(
        label="Why is this a false positive?",
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": "Say why this flag is a false positive."},
    )


class EscalateForm(DecisionForm):
    comment = forms.CharField(
        label="Why escalate to the practice admin?",
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": "Say why you are escalating."},
    )


# The queue

SORTS = {
    "severity": "Most severe first",
    "oldest": "Oldest first",
    "newest": "Newest first",
    "due": "Acknowledgement due first",
}
ALL_OPEN = "open_any"


class FlagFilterForm(BoundedForm, forms.Form):
    therapist = forms.TypedChoiceField(label="Therapist", required=False, coerce=int, empty_value=None)
    rule = forms.ChoiceField(label="Rule", required=False, choices=[("", "All rules"), *RuleCode.choices])
    category = forms.ChoiceField(
        label="Category", required=False, choices=[("", "All categories"), *Category.choices]
    )
    status = forms.ChoiceField(
        label="Status",
        required=False,
        choices=[(ALL_OPEN, "All open"), *FlagStatus.choices, ("", "Any status")],
    )
    sort = forms.ChoiceField(label="Sort", required=False, choices=list(SORTS.items()))

    def __init__(self, data=None, *, therapists=(), **kwargs):
        # What the query string leaves out is the default queue (a page link carries only what was set).
        defaults = {"status": ALL_OPEN, "sort": "severity"}
        super().__init__({**defaults, **(data.dict() if data is not None else {})}, **kwargs)
        self.fields["therapist"].choices = [("", "All therapists")] + [
            (therapist.pk, str(therapist)) for therapist in therapists
        ]

    def criteria(self) -> dict:
        """The cleaned filters; the default queue where the input is not valid."""
        if not self.is_valid():
            return {"therapist": None, "rule": "", "category": "", "status": ALL_OPEN, "sort": "severity"}
        return {**self.cleaned_data, "sort": self.cleaned_data["sort"] or "severity"}


def open_status_filter(status: str) -> dict:
    if status == ALL_OPEN:
        return {"status__in": OPEN_STATUSES}
    return {"status": status} if status else {}


class IncidentExportForm(BoundedForm, forms.Form):
    start = forms.DateField(label="From", required=False, widget=DateInput())
    end = forms.DateField(label="To", required=False, widget=DateInput())

    DEFAULT_DAYS = 84

    def clean(self):
        cleaned = super().clean()
        today = timezone.localdate()
        end = cleaned.get("end") or today
        start = cleaned.get("start") or end - datetime.timedelta(days=self.DEFAULT_DAYS)
        if "start" in self.errors or "end" in self.errors:
            return cleaned
        if start > end:
            raise forms.ValidationError(
                "The start date must not come after the end date.", code="start_after_end"
            )
        cleaned["start"], cleaned["end"] = start, end
        return cleaned


# Rule settings


class RuleSettingForm(BoundedForm, forms.Form):
    """``enabled`` and one bounded whole number per threshold of the rule, from the catalogue."""

    enabled = forms.BooleanField(
        label="Enabled", required=False, help_text="A disabled rule raises no new flags in this practice."
    )

    def __init__(self, *args, rule: Rule, enabled: bool, thresholds: dict[str, int], **kwargs):
        kwargs.setdefault("initial", {"enabled": enabled, **thresholds})
        super().__init__(*args, **kwargs)
        self.rule = rule
        for threshold in rule.thresholds:
            self.fields[threshold.key] = forms.IntegerField(
                label=threshold.label,
                min_value=threshold.minimum,
                max_value=threshold.maximum,
                help_text=(
                    f"From {threshold.minimum} to {threshold.maximum}; the default is {threshold.default}."
                ),
                error_messages={
                    "required": f"Give a value from {threshold.minimum} to {threshold.maximum}.",
                    "invalid": "Enter a whole number.",
                },
            )

    def thresholds(self) -> dict[str, int]:
        return {threshold.key: self.cleaned_data[threshold.key] for threshold in self.rule.thresholds}
