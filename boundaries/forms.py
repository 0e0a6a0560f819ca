import datetime
from collections.abc import Sequence

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Column, Layout, Row
from django import forms
from django.core.validators import MaxValueValidator, MinValueValidator
from django.utils import timezone

from boundaries.models import AcknowledgementMethod, BoundaryAgreement, Category
from common.forms import BoundedForm, OnceFormMixin
from common.widgets import DateInput


class AgreementForm(OnceFormMixin, BoundedForm, forms.ModelForm):
    """The terms of one agreement in one category (the category comes from the caller).

    With ``optional=True`` (the intake page) a section left as it was offered is skipped; once
    anything in it is changed, it is validated like any other.
    """

    class Meta:
        model = BoundaryAgreement
        fields = [
            "terms",
            "proposed_by",
            "rationale",
            "effective_date",
            "review_interval_days",
            "next_review_on",
        ]
        widgets = {
            "terms": forms.Textarea(attrs={"rows": 3}),
            "rationale": forms.Textarea(attrs={"rows": 2}),
            "effective_date": DateInput(),
            "next_review_on": DateInput(),
        }
        labels = {"review_interval_days": "Review every (days)"}
        help_texts = {"next_review_on": "Leave empty to count the review interval from the effective date."}
        error_messages = {
            "terms": {"required": "Write down the agreed terms."},
            "effective_date": {"required": "Give the date the agreement takes effect."},
        }

    def __init__(self, *args, category: str, optional: bool = False, **kwargs):
        kwargs.setdefault("initial", {})
        kwargs["initial"].setdefault("effective_date", timezone.localdate())
        self.optional = optional
        super().__init__(*args, empty_permitted=optional, use_required_attribute=not optional, **kwargs)
        self.category = category
        self.instance.category = category
        self.fields["next_review_on"].required = False
        interval = self.fields["review_interval_days"]
        interval.widget.attrs.update({"min": 7, "max": 730})
        # On the field, not only the model: the form's clean() adds the interval to a date.
        interval.validators += [MinValueValidator(7), MaxValueValidator(730)]
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.disable_csrf = True
        self.helper.layout = Layout(
            "terms",
            Row(
                Column("proposed_by", css_class="col-sm-6 col-lg-3"),
                Column("effective_date", css_class="col-sm-6 col-lg-3"),
                Column("review_interval_days", css_class="col-sm-6 col-lg-3"),
                Column("next_review_on", css_class="col-sm-6 col-lg-3"),
            ),
            "rationale",
        )

    @property
    def creates(self) -> bool:
        """On the intake page (``optional``) the client's form carries the token for all sections."""
        return not self.optional and super().creates

    @property
    def category_label(self) -> str:
        return Category(self.category).label

    @property
    def is_filled(self) -> bool:
        """Whether the user typed into this section (an optional section left as offered is not)."""
        return self.is_bound and self.has_changed()

    def clean(self):
        cleaned = super().clean()
        effective = cleaned.get("effective_date")
        interval = cleaned.get("review_interval_days")
        if effective and interval and not cleaned.get("next_review_on"):
            cleaned["next_review_on"] = effective + datetime.timedelta(days=interval)
            self.instance.next_review_on = cleaned["next_review_on"]
        return cleaned


class NewAgreementCategoryForm(BoundedForm, forms.Form):
    """The category of a new agreement: one where the client has no active agreement yet."""

    category = forms.ChoiceField(
        error_messages={
            "required": "Choose the category of the new agreement.",
            "invalid_choice": (
                "The client already has an active agreement in that category: revise it instead."
            ),
        }
    )

    def __init__(self, *args, available: Sequence[str], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category"].choices = [("", "Choose a category…")] + [
            (code, Category(code).label) for code in available
        ]


class AgreementRevisionForm(AgreementForm):
    """The next version of ``previous``: its terms to edit, taking effect today."""

    def __init__(self, *args, previous: BoundaryAgreement, **kwargs):
        initial = kwargs.setdefault("initial", {})
        for field in ("terms", "proposed_by", "rationale", "review_interval_days"):
            initial.setdefault(field, getattr(previous, field))
        # The review date is left empty so that it counts again from the new effective date.
        initial.setdefault("effective_date", max(timezone.localdate(), previous.effective_date))
        super().__init__(*args, category=previous.category, **kwargs)
        self.previous = previous

    def clean_effective_date(self):
        day = self.cleaned_data["effective_date"]
        self.previous.validate_revision_date(day)
        return day

    def clean(self):
        cleaned = super().clean()
        if not self.errors and all(cleaned.get(f) == getattr(self.previous, f) for f in self._meta.fields):
            raise forms.ValidationError(
                "Nothing was changed: a new version must differ from the one it replaces.", code="unchanged"
            )
        return cleaned


class EndAgreementForm(BoundedForm, forms.Form):
    ended_on = forms.DateField(
        label="End date",
        widget=DateInput(),
        error_messages={"required": "Give the date the agreement ends.", "invalid": "Enter a valid date."},
    )

    def __init__(self, *args, agreement: BoundaryAgreement, **kwargs):
        kwargs.setdefault("initial", {}).setdefault("ended_on", timezone.localdate())
        super().__init__(*args, **kwargs)
        self.agreement = agreement

    def clean_ended_on(self):
        day = self.cleaned_data["ended_on"]
        self.agreement.validate_end_date(day)
        return day


class AcknowledgementForm(OnceFormMixin, BoundedForm, forms.Form):
    acknowledged_on = forms.DateField(
        label="Date the client acknowledged it",
        widget=DateInput(),
        error_messages={
            "required": "Give the date of the acknowledgement.",
            "invalid": "Enter a valid date.",
        },
    )
    method = forms.ChoiceField(
        label="How",
        choices=AcknowledgementMethod.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose how the client acknowledged it."},
    )

    def __init__(self, *args, agreement: BoundaryAgreement, **kwargs):
        initial = kwargs.setdefault("initial", {})
        initial.setdefault("acknowledged_on", timezone.localdate())
        initial.setdefault("method", AcknowledgementMethod.SIGNED)
        super().__init__(*args, **kwargs)
        self.agreement = agreement

    def clean_acknowledged_on(self):
        day = self.cleaned_data["acknowledged_on"]
        self.agreement.validate_acknowledgement_date(day)
        return day
