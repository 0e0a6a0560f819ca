from django import forms
from django.contrib.auth import forms as auth_forms
from django.contrib.auth.forms import AuthenticationForm
from django.template import loader

from common import mail
from common.forms import BoundedForm


class SignInForm(BoundedForm, AuthenticationForm):
    error_messages = {
        **AuthenticationForm.error_messages,
        "invalid_login": (
            "That username and password do not match an active account. Both are case-sensitive."
        ),
    }


class TwoFactorCodeForm(BoundedForm, forms.Form):
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


class PasswordResetForm(BoundedForm, auth_forms.PasswordResetForm):
    """Django's reset form; the queued message names the user's practice, whose admin sees it
    on the dashboard if it cannot be delivered."""

    def send_mail(
        self,
        subject_template_name,
        email_template_name,
        context,
        from_email,
        to_email,
        html_email_template_name=None,
    ):
        subject = "".join(loader.render_to_string(subject_template_name, context).splitlines())
        mail.send(
            subject=subject,
            body=loader.render_to_string(email_template_name, context),
            recipients=[to_email],
            practice_id=context["user"].practice_id,
        )
