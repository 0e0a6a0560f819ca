from django import forms
from django.db import models

from accounts.models import User
from clients.forms import ClientCodeField
from common.forms import BoundedForm
from common.widgets import DateInput


class TrailKind(models.TextChoices):
    """What a line of the trail is about; the first three are access records' actions."""

    VIEWED = "view", "Viewed"
    PRINTED = "print", "Printed"
    EXPORTED = "export", "Exported"
    SIGNED = "signed", "Signature"
    FLAG = "flag", "Flag decision"
    RULE = "rule", "Rule setting change"
    PRACTICE = "practice", "Practice settings change"
    ASSIGNMENT = "assignment", "Supervision assignment change"


class TrailFilterForm(BoundedForm, forms.Form):
    user = forms.ModelChoiceField(
        label="Who", queryset=User.objects.none(), required=False, empty_label="Everyone"
    )
    kind = forms.ChoiceField(
        label="What",
        choices=[("", "Everything"), *TrailKind.choices],
        required=False,
        error_messages={"invalid_choice": "Choose what to show from the list."},
    )
    client = ClientCodeField(label="Client code", required=False, max_length=20)
    start = forms.DateField(label="From", required=False, widget=DateInput())
    end = forms.DateField(label="To", required=False, widget=DateInput())

    def __init__(self, *args, practice, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["user"].queryset = User.objects.filter(practice=practice).order_by(
            "last_name", "first_name", "username"
        )

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("start"), cleaned.get("end")
        if start and end and start > end:
            raise forms.ValidationError(
                "The start date must not come after the end date.", code="start_after_end"
            )
        return cleaned
