import datetime

from django import forms
from django.utils import timezone

from boundaries.models import BoundaryAgreement, Category


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs, format="%Y-%m-%d")


class AgreementForm(forms.ModelForm):
    """The terms of one agreement in one category (the category comes from the caller).

    With ``optional=True`` (the intake page) a section left as it was offered is skipped; once
    anything in it is changed, it is validated like any other.
    """

    class Meta:
        model = BoundaryAgreement
        fields = ["terms", "proposed_by", "rationale", "effective_date", "review_interval_days", "next_review_on"]
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
        super().__init__(*args, empty_permitted=optional, use_required_attribute=not optional, **kwargs)
        self.category = category
        self.instance.category = category
        self.fields["next_review_on"].required = False

    @property
    def category_label(self) -> str:
        return Category(self.category).label

    def clean(self):
        cleaned = super().clean()
        effective = cleaned.get("effective_date")
        interval = cleaned.get("review_interval_days")
        if effective and interval and not cleaned.get("next_review_on"):
            cleaned["next_review_on"] = effective + datetime.timedelta(days=interval)
            self.instance.next_review_on = cleaned["next_review_on"]
        return cleaned
