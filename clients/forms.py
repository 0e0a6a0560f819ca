from django import forms
from django.utils import timezone

from clients.models import Client, ClientStatus
from common.forms import BoundedForm, OnceFormMixin, VersionFormMixin
from common.widgets import DateInput


class ClientCodeField(forms.CharField):
    """Codes are kept in capitals, so "rs-0142" and "RS-0142" are one code."""

    def to_python(self, value):
        return super().to_python(value).upper()


class ClientForm(OnceFormMixin, VersionFormMixin, BoundedForm, forms.ModelForm):
    class Meta:
        model = Client
        fields = ["code", "intake_date", "setting"]
        field_classes = {"code": ClientCodeField}
        widgets = {"intake_date": DateInput()}
        error_messages = {
            "code": {"required": "Give the client a pseudonymous code."},
            "intake_date": {
                "required": "Give the intake date.",
                "invalid": "Enter the intake date as a date.",
            },
        }

    def __init__(self, *args, practice, **kwargs):
        super().__init__(*args, **kwargs)
        self.practice = practice
        if not self.instance.pk:
            self.initial.setdefault("intake_date", timezone.localdate())
        self.fields["code"].widget.attrs.update({"autocapitalize": "characters", "autocomplete": "off"})

    def clean_code(self):
        code = self.cleaned_data["code"]
        taken = Client.objects.filter(practice=self.practice, code=code).exclude(pk=self.instance.pk)
        if taken.exists():
            raise forms.ValidationError(
                "Another client of this practice already has the code %(code)s.",
                code="taken",
                params={"code": code},
            )
        return code

    def clean_intake_date(self):
        intake_date = self.cleaned_data["intake_date"]
        if intake_date > timezone.localdate():
            raise forms.ValidationError("The intake date cannot be in the future.", code="in_future")
        return intake_date


class DischargeForm(BoundedForm, forms.Form):
    discharged_on = forms.DateField(label="Discharged on", widget=DateInput())

    def __init__(self, *args, client: Client, **kwargs):
        kwargs.setdefault("initial", {"discharged_on": timezone.localdate()})
        super().__init__(*args, **kwargs)
        self.client = client

    def clean_discharged_on(self):
        day = self.cleaned_data["discharged_on"]
        if day > timezone.localdate():
            raise forms.ValidationError("The discharge date cannot be in the future.", code="in_future")
        if day < self.client.intake_date:
            raise forms.ValidationError(
                "The discharge date cannot come before the intake (%(intake)s).",
                code="before_intake",
                params={"intake": self.client.intake_date},
            )
        return day


class ArchiveForm(BoundedForm, forms.Form):
    reason = forms.CharField(
        label="Reason for archiving",
        max_length=200,
        error_messages={"required": "Say why the client is archived."},
        help_text="The client leaves every list; the records stay until the retention period ends.",
    )


class ClientFilterForm(BoundedForm, forms.Form):
    q = forms.CharField(label="Client code", required=False, max_length=20)
    status = forms.ChoiceField(label="Status", required=False, choices=[("", "All"), *ClientStatus.choices])

    def filter(self, queryset):
        if not self.is_valid():
            return queryset
        if code := self.cleaned_data["q"].strip():
            queryset = queryset.filter(code__icontains=code)
        if status := self.cleaned_data["status"]:
            queryset = queryset.filter(status=status)
        return queryset


class ExportPasswordForm(BoundedForm, forms.Form):
    """The user's own password again, before everything about a client leaves Alliance."""

    password = forms.CharField(
        label="Your password",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password", "autofocus": True}),
        error_messages={"required": "Enter your password to export."},
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user

    def clean_password(self):
        password = self.cleaned_data["password"]
        if not self.user.check_password(password):
            raise forms.ValidationError(
                "That is not your password. Enter the password you sign in with.", code="wrong_password"
            )
        return password
