"""Forms of calendar sync: the upload, matching an event, the feed address."""

from django import forms

from calendar_sync.fetch import FeedRefused, check
from calendar_sync.ical import MAX_BYTES
from clients.models import Client
from common.forms import BoundedForm


class UploadForm(forms.Form):
    file = forms.FileField(
        label="Calendar file (.ics)",
        help_text="Export it from your calendar or scheduler (iCalendar, .ics); up to 10 MB.",
        error_messages={"required": "Choose the .ics file to import.", "empty": "That file is empty."},
        widget=forms.ClearableFileInput(attrs={"accept": ".ics,text/calendar"}),
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_BYTES:
            raise forms.ValidationError("The file is larger than 10 MB.", code="too_big")
        return upload


class MatchForm(BoundedForm, forms.Form):
    client = forms.ModelChoiceField(
        queryset=Client.objects.none(),
        label="Client",
        empty_label="Choose the client",
        error_messages={
            "required": "Choose the client.",
            "invalid_choice": "Choose one of your active clients.",
        },
        widget=forms.Select(attrs={"class": "form-select form-select-sm"}),
    )

    def __init__(self, *args, clients, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["client"].queryset = clients
        # The menu from one read of the list (a page has one form per event).
        self.fields["client"].choices = [("", "Choose the client"), *((c.pk, c.code) for c in clients)]


class FeedForm(BoundedForm, forms.Form):
    url = forms.URLField(
        label="Feed address",
        required=False,
        max_length=1000,
        assume_scheme="https",
        help_text="The calendar's private https address (iCalendar). Leave empty to stop pulling it.",
        error_messages={"invalid": "Give the feed's full address, beginning with https://."},
    )

    def clean_url(self):
        url = self.cleaned_data["url"].strip()
        if url:
            try:
                check(url)
            except FeedRefused as exc:
                raise forms.ValidationError(str(exc), code="refused") from exc
        return url
