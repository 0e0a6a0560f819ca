import re

from django import forms
from django.utils import timezone

from clients.codes import identifying_reason
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
        code_help = practice.client_code_help
        self.fields["code"].help_text = f"Pseudonymous: {code_help}; never a name or a date of birth."

    def clean_code(self):
        code = self.cleaned_data["code"]
        pattern = self.practice.client_code_pattern
        # A code kept from before a check or the practice's pattern changed stays valid: the
        # admin's list of codes to correct shows it (clients.views.client_code_review).
        unchanged = self.instance.pk and code == self.instance.code
        # What identifies the client first, as the more specific message; then the practice's
        # own convention, on top of the model's format check.
        if not unchanged and (reason := identifying_reason(code, pattern=pattern)):
            raise forms.ValidationError(
                "%(code)s %(reason)s. A client code must not identify the client: use the "
                "practice's pattern — %(help)s — %(advice)s.",
                code=reason.code,
                params={
                    "code": code,
                    "reason": reason.text,
                    "help": self.practice.client_code_help,
                    "advice": reason.advice,
                },
            )
        if not unchanged and not re.search(pattern, code):
            raise forms.ValidationError(
                "Use this practice's client codes: %(help)s.",
                code="pattern",
                params={"help": self.practice.client_code_help},
            )
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
    ARCHIVED = "archived"
    status = forms.ChoiceField(
        label="Status",
        required=False,
        choices=[("", "All"), *ClientStatus.choices, (ARCHIVED, "Archived")],
    )

    def filter(self, queryset):
        """The clients asked for; the archived ones only under "Archived" (read-only, out of the work)."""
        status = self.cleaned_data["status"] if self.is_valid() else ""
        if status == self.ARCHIVED:
            queryset = queryset.filter(archived_at__isnull=False)
        else:
            queryset = queryset.without_archived_clients()
            if status:
                queryset = queryset.filter(status=status)
        if self.is_valid() and (code := self.cleaned_data["q"].strip()):
            queryset = queryset.filter(code__icontains=code)
        return queryset
