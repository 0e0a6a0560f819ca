import datetime

from django import forms
from django.utils import timezone

from accounts.models import User
from clients.forms import ClientCodeField
from common.forms import BoundedForm
from common.widgets import DateInput


class TrailFilterForm(BoundedForm, forms.Form):
    user = forms.ModelChoiceField(
        label="User", queryset=User.objects.none(), required=False, empty_label="Everyone"
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

    def filter(self, records):
        """``records`` narrowed by the valid filters; dates are whole days in the practice's time zone."""
        data = self.cleaned_data
        if data.get("user"):
            records = records.filter(user=data["user"])
        if data.get("client"):
            records = records.filter(client__code=data["client"])
        if data.get("start"):
            records = records.filter(at__gte=_midnight(data["start"]))
        if data.get("end"):
            records = records.filter(at__lt=_midnight(data["end"] + datetime.timedelta(days=1)))
        return records


def _midnight(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))
