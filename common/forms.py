"""Helpers for the forms of every app."""

from django.core.exceptions import ValidationError
from django.forms import Form


def add_service_errors(form: Form, exc: ValidationError) -> None:
    """Show a service's refusal on ``form``: on each field it names that the form has, else on top."""
    if hasattr(exc, "error_dict"):
        for field, errors in exc.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc)
