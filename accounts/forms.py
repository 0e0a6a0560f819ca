from django import forms
from django.contrib.auth.forms import AuthenticationForm


class SignInForm(AuthenticationForm):
    error_messages = {
        **AuthenticationForm.error_messages,
        "invalid_login": (
            "That username and password do not match an active account. Both are case-sensitive."
        ),
    }


class TwoFactorCodeForm(forms.Form):
    """A code from the authenticator app, or (at sign-in) one of the backup codes."""

    code = forms.CharField(
        label="Code",
        max_length=20,
        help_text="The 6-digit code your authenticator app shows now.",
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "text", "autocapitalize": "none"}
        ),
        error_messages={"required": "Enter the code."},
    )
