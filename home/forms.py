from django import forms

from boundaries.models import Category
from common.forms import BoundedForm


class TimelineFilterForm(BoundedForm, forms.Form):
    category = forms.ChoiceField(
        label="Category", required=False, choices=[("", "All categories"), *Category.choices]
    )
