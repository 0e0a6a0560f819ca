"""Form widgets shared by every app's forms."""

from django import forms


class DateInput(forms.DateInput):
    """The browser's date picker, with the ISO format it expects."""

    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs, format="%Y-%m-%d")
