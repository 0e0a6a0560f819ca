from django import forms

from boundaries.models import Category


class TimelineFilterForm(forms.Form):
    category = forms.ChoiceField(
        label="Category", required=False, choices=[("", "All categories"), *Category.choices]
    )
