import datetime

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Column, Fieldset, Layout, Row
from django import forms
from django.utils import timezone

from accounts.models import User
from boundaries.models import Category
from common.dates import datetime_text
from common.forms import BoundedForm, OnceFormMixin, bound_field
from common.widgets import DateInput
from sessions_log.forms import INVALID_DATE, clean_due_on
from sessions_log.models import Classification
from supervision.models import OPEN_STATUSES, FlagStatus, Outcome, RuleCode
from supervision.rules import Rule
from supervision.services import DECISION_OUTCOMES, PlanStep

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
    return f"{kind} of {datetime_text(at)}"


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


PLAN_ROWS = 4


class ResolveForm(DecisionForm):
    """The outcome, and with a corrective plan its follow-ups: up to ``PLAN_ROWS``, each with
    what is to be done, its owner and its due date (rows left blank are no follow-up)."""

    outcome = forms.ChoiceField(
        label="Outcome",
        choices=[("", "Choose the outcome"), *((o.value, o.label) for o in DECISION_OUTCOMES)],
        error_messages={"required": "Choose the outcome of the review."},
    )

    def __init__(self, *args, owners=None, therapist=None, **kwargs):
        super().__init__(*args, **kwargs)
        owners = owners if owners is not None else User.objects.none()
        # Read once for the four rows' menus (each would query on its own); choosing still checks
        # the queryset.
        owner_choices = [(user.pk, str(user)) for user in owners]
        for row in range(1, PLAN_ROWS + 1):
            self.fields[f"plan_{row}_action"] = forms.CharField(
                label=f"Plan item {row}: what is to be done",
                required=False,
                widget=forms.Textarea(attrs={"rows": 2}),
            )
            self.fields[f"plan_{row}_owner"] = forms.ModelChoiceField(
                queryset=owners,
                label="Owner",
                required=False,
                empty_label=None,
                initial=therapist.pk if therapist is not None else None,
                error_messages={"invalid_choice": "Choose someone from the list."},
            )
            self.fields[f"plan_{row}_owner"].choices = owner_choices
            self.fields[f"plan_{row}_due"] = forms.DateField(
                label="Due",
                required=False,
                widget=DateInput(),
                error_messages={"invalid": INVALID_DATE},
            )
            for part in ("action", "owner", "due"):
                bound_field(self.fields[f"plan_{row}_{part}"])
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.disable_csrf = True
        self.helper.layout = Layout(
            "seen_event",
            *(["submission_token"] if "submission_token" in self.fields else []),
            "outcome",
            "comment",
            Fieldset(
                "Corrective plan (with that outcome): one follow-up per row",
                *(
                    Row(
                        Column(f"plan_{row}_action", css_class="col-md-6"),
                        Column(f"plan_{row}_owner", css_class="col-md-3"),
                        Column(f"plan_{row}_due", css_class="col-md-3"),
                    )
                    for row in range(1, PLAN_ROWS + 1)
                ),
            ),
        )

    def plan_rows(self):
        """The plan's fields, row by row, for the template."""
        return [
            (self[f"plan_{row}_action"], self[f"plan_{row}_owner"], self[f"plan_{row}_due"])
            for row in range(1, PLAN_ROWS + 1)
        ]

    def clean(self):
        cleaned = super().clean()
        plan = []
        for row in range(1, PLAN_ROWS + 1):
            action = cleaned.get(f"plan_{row}_action", "")
            due_name = f"plan_{row}_due"
            if not action:
                if cleaned.get(due_name):
                    self.add_error(f"plan_{row}_action", "Say what is to be done, or clear the due date.")
                continue
            if due_name in self.errors:
                continue
            due = cleaned.get(due_name)
            try:
                due = clean_due_on(due)
            except forms.ValidationError as exc:
                self.add_error(due_name, exc)
                continue
            if due is None:
                self.add_error(due_name, "Give this plan item a due date.")
                continue
            owner = cleaned.get(f"plan_{row}_owner")
            if owner is None:
                self.add_error(f"plan_{row}_owner", "Choose who carries it out.")
                continue
            plan.append(PlanStep(action=action, owner=owner, due_on=due))
        if plan and cleaned.get("outcome") and cleaned["outcome"] != Outcome.CORRECTIVE_PLAN:
            self.add_error(
                "outcome", 'Plan items go with the outcome "corrective plan": choose it, or clear them.'
            )
        if cleaned.get("outcome") == Outcome.CORRECTIVE_PLAN and not plan and not self.errors:
            self.add_error(
                "plan_1_action", "A corrective plan needs at least one item: what, by whom, by when."
            )
        cleaned["plan"] = plan
        return cleaned


class ReplyForm(OnceFormMixin, BoundedForm, forms.Form):
    comment = forms.CharField(
        label="Your reply",
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Your supervisor is told by e-mail that you replied; the reply itself stays in Alliance.",
        error_messages={"required": "Write your reply."},
    )


class BulkAcknowledgeForm(OnceFormMixin, BoundedForm, forms.Form):
    """Several open flags acknowledged at once, with one comment; ``flags`` are the ones offered."""

    flags = forms.ModelMultipleChoiceField(
        queryset=None,
        widget=forms.CheckboxSelectMultiple,
        error_messages={
            "required": "Tick the flags to acknowledge.",
            "invalid_choice": "A ticked flag is no longer in your queue; reload the page.",
            "invalid_pk_value": "A ticked flag is no longer in your queue; reload the page.",
        },
    )
    comment = forms.CharField(
        label="Comment (optional)", required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args, flags, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["flags"].queryset = flags


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


class MyFlagsFilterForm(BoundedForm, forms.Form):
    """The therapist's flags: by status (open, closed or one status), rule, client and opening date."""

    status = forms.ChoiceField(
        label="Status",
        required=False,
        choices=[
            ("", "Open and closed"),
            (ALL_OPEN, "All open"),
            ("closed", "All closed"),
            *FlagStatus.choices,
        ],
    )
    rule = forms.ChoiceField(label="Rule", required=False, choices=[("", "All rules"), *RuleCode.choices])
    client = forms.TypedChoiceField(label="Client", required=False, coerce=int, empty_value=None)
    opened_from = forms.DateField(label="Opened from", required=False, widget=DateInput())
    opened_to = forms.DateField(label="to", required=False, widget=DateInput())

    def __init__(self, data=None, *, clients=(), **kwargs):
        super().__init__(data or None, **kwargs)
        self.fields["client"].choices = [("", "All clients")] + [(c.pk, c.code) for c in clients]

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("opened_from"), cleaned.get("opened_to")
        if start and end and start > end:
            self.add_error("opened_to", "The end date must not come before the start date.")
        return cleaned

    def filter(self, flags):
        if not self.is_bound or not self.is_valid():
            return flags
        data = self.cleaned_data
        if data["status"] == "closed":
            flags = flags.exclude(status__in=OPEN_STATUSES)
        elif data["status"]:
            flags = flags.filter(**open_status_filter(data["status"]))
        if data["rule"]:
            flags = flags.filter(rule=data["rule"])
        if data["client"]:
            flags = flags.filter(client_id=data["client"])
        if data["opened_from"]:
            flags = flags.filter(opened_at__date__gte=data["opened_from"])
        if data["opened_to"]:
            flags = flags.filter(opened_at__date__lte=data["opened_to"])
        return flags
