import re
import zoneinfo

from django import forms
from django.contrib.auth import forms as auth_forms
from django.contrib.auth.forms import AuthenticationForm
from django.template import loader

from accounts.decorators import check_password_again
from accounts.models import Practice, Weekday
from common import mail
from common.dates import time_text
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


class ConfirmPasswordForm(BoundedForm, forms.Form):
    """The user's own password again, before a step that ``require_recent_password`` guards."""

    password = forms.CharField(
        label="Your password",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password", "autofocus": True}),
        error_messages={"required": "Enter your password to go on."},
    )

    def __init__(self, *args, request, **kwargs):
        super().__init__(*args, **kwargs)
        self.request = request

    def clean_password(self):
        password = self.cleaned_data["password"]
        if not check_password_again(self.request, password):
            raise forms.ValidationError(
                "That is not your password. Enter the password you sign in with.", code="wrong_password"
            )
        return password


class PasswordChangeForm(BoundedForm, auth_forms.PasswordChangeForm):
    """Django's form, whose old password is checked as the sign-in page checks it: a wrong one
    counts towards the lockout (``check_password_again``)."""

    def __init__(self, user, *args, request, **kwargs):
        super().__init__(user, *args, **kwargs)
        self.request = request

    def clean_old_password(self):
        old_password = self.cleaned_data["old_password"]
        if not check_password_again(self.request, old_password):
            raise forms.ValidationError(self.error_messages["password_incorrect"], code="password_incorrect")
        return old_password


class PracticeSettingsForm(BoundedForm, forms.ModelForm):
    """The practice's own settings, as its admin edits them."""

    time_zone = forms.ChoiceField(
        label="Time zone",
        choices=[],
        help_text="Times are shown, and working hours counted, in this zone.",
        error_messages={"invalid_choice": "Choose a time zone from the list."},
    )
    working_days = forms.TypedMultipleChoiceField(
        label="Working days",
        choices=Weekday.choices,
        coerce=int,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": "Choose at least one working day."},
    )

    class Meta:
        model = Practice
        fields = [
            "time_zone",
            "usual_session_minutes",
            "working_days",
            "work_starts",
            "work_ends",
            "require_two_factor_for_all",
            "client_code_pattern",
            "client_code_help",
        ]
        labels = {
            "usual_session_minutes": "Usual session length (minutes)",
            "work_starts": "Working hours start",
            "work_ends": "Working hours end",
            "require_two_factor_for_all": "Two-factor sign-in for everyone",
            "client_code_pattern": "Client-code pattern",
            "client_code_help": "The pattern in plain words",
        }
        widgets = {
            "work_starts": forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
            "work_ends": forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
        }
        help_texts = {
            "client_code_pattern": (
                "A regular expression every new client code must match, such as "
                "^[A-Z]{2,4}-[0-9]{3,}$. Codes are kept in capitals."
            ),
            "client_code_help": "Shown to therapists at intake, such as “letters, a hyphen and digits”.",
        }
        error_messages = {
            "usual_session_minutes": {
                "required": "Give the usual session length in minutes.",
                "min_value": "A session lasts at least 10 minutes.",
                "max_value": "A session lasts at most 240 minutes.",
            },
            "work_starts": {
                "required": "Give the time work starts.",
                "invalid": "Enter a time such as 08:00.",
            },
            "work_ends": {"required": "Give the time work ends.", "invalid": "Enter a time such as 18:00."},
            "client_code_pattern": {"required": "Give the pattern client codes must match."},
            "client_code_help": {"required": "Describe the pattern in plain words."},
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["time_zone"].choices = [(zone, zone) for zone in sorted(zoneinfo.available_timezones())]

    def clean_working_days(self):
        return sorted(set(self.cleaned_data["working_days"]))

    def clean_client_code_pattern(self):
        pattern = self.cleaned_data["client_code_pattern"].strip()
        try:
            re.compile(pattern)
        except re.error as error:
            raise forms.ValidationError(
                "This pattern is not a valid regular expression (%(error)s).",
                code="invalid_pattern",
                params={"error": error},
            ) from error
        return pattern

    def clean(self):
        cleaned = super().clean()
        starts, ends = cleaned.get("work_starts"), cleaned.get("work_ends")
        if starts and ends and starts >= ends:
            self.add_error(
                "work_ends",
                forms.ValidationError(
                    "Working hours must end after they start (%(starts)s).",
                    code="ends_before_start",
                    params={"starts": time_text(starts)},
                ),
            )
        return cleaned
