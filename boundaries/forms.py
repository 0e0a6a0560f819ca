import datetime
from collections.abc import Sequence

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Column, Div, Layout, Row
from crispy_forms.utils import TEMPLATE_PACK
from django import forms
from django.core.validators import MaxValueValidator, MinValueValidator
from django.template.loader import render_to_string
from django.utils import timezone

from accounts.decorators import check_password_again
from boundaries.documents import read_scan, read_signature
from boundaries.models import AcknowledgementMethod, AgreementWording, BoundaryAgreement, Category
from common.forms import BoundedForm, OnceFormMixin
from common.widgets import DateInput

PASSED_REVIEW = "The review date has passed: choose a date from today on."


class WordingSelect(forms.Select):
    """The practice's standard wordings to start from; each option carries its terms and category,
    which static/js/agreement_form.js copies into the agreed terms (and the category) when chosen."""

    def __init__(self, attrs=None, wordings: Sequence[AgreementWording] = ()):
        super().__init__(attrs)
        self.wordings = {str(wording.pk): wording for wording in wordings}

    def create_option(self, name, value, label, selected, index, subindex=None, attrs=None):
        option = super().create_option(name, value, label, selected, index, subindex, attrs)
        if wording := self.wordings.get(str(value)):
            option["attrs"].update({"data-terms": wording.terms, "data-category": wording.category})
        return option


class Disclosure(Div):
    """Fields behind a ``<details>`` disclosure titled ``summary``: open once one of them was
    changed or is in error, so that nothing typed or refused is hidden."""

    template = "boundaries/includes/disclosure.html"

    def __init__(self, summary: str, *fields, hint: str = "", **kwargs):
        super().__init__(*fields, **kwargs)
        self.summary, self.hint = summary, hint

    def render(self, form, context, template_pack=TEMPLATE_PACK, **kwargs):
        names = [pointer.name for pointer in self.get_field_names()]
        is_open = form.is_bound and any(name in form.changed_data or form.has_error(name) for name in names)
        fields = self.get_rendered_fields(form, context, template_pack, **kwargs)
        template = self.get_template_name(template_pack)
        return render_to_string(template, {"div": self, "fields": fields, "open": is_open})


class AgreementForm(OnceFormMixin, BoundedForm, forms.ModelForm):
    """The terms of one agreement in one category (the category comes from the caller).

    With ``optional=True`` (the intake page) a section left as it was offered is skipped; once
    anything in it is changed, it is validated like any other. Its fields are marked required
    only then, its dates wait behind a disclosure, and an empty effective date is ``starts_on``
    (the intake date).

    ``wordings`` are the practice's standard wordings: those of ``wording_categories`` (default:
    the form's category) are offered to start from. A wording chosen with the terms left empty
    (no JavaScript to copy it in) gives the terms.
    """

    class Meta:
        model = BoundaryAgreement
        fields = [
            "terms",
            "proposed_by",
            "rationale",
            "effective_date",
            "review_interval_days",
            "next_review_on",
        ]
        widgets = {
            "terms": forms.Textarea(attrs={"rows": 3}),
            "rationale": forms.Textarea(attrs={"rows": 2}),
            "effective_date": DateInput(),
            "next_review_on": DateInput(),
        }
        labels = {"review_interval_days": "Review every (days)"}
        help_texts = {"next_review_on": "Leave empty to count the review interval from the effective date."}
        error_messages = {
            "terms": {"required": "Write down the agreed terms."},
            "effective_date": {"required": "Give the date the agreement takes effect."},
        }

    def __init__(
        self,
        *args,
        category: str,
        optional: bool = False,
        starts_on: datetime.date | None = None,
        wordings: Sequence[AgreementWording] = (),
        wording_categories: Sequence[str] | None = None,
        **kwargs,
    ):
        kwargs.setdefault("initial", {})
        if not optional:
            kwargs["initial"].setdefault("effective_date", timezone.localdate())
        self.optional = optional
        self.starts_on = starts_on
        super().__init__(*args, empty_permitted=optional, use_required_attribute=not optional, **kwargs)
        self.category = category
        self.instance.category = category
        self.fields["next_review_on"].required = False
        interval = self.fields["review_interval_days"]
        interval.widget.attrs.update({"min": 7, "max": 730})
        # On the field, not only the model: the form's clean() adds the interval to a date.
        interval.validators += [MinValueValidator(7), MaxValueValidator(730)]
        if optional:
            self.fields["effective_date"].required = False
            self.fields["effective_date"].help_text = "Leave empty for the intake date."
        offered = [w for w in wordings if w.category in (wording_categories or [category])]
        self.wordings = {str(wording.pk): wording for wording in offered}
        if offered:
            self._add_wording_field(offered, grouped=wording_categories is not None)
        if optional and not self.is_filled:
            # Nothing is required of a section nobody touched: no asterisks on it.
            for field in self.fields.values():
                field.required = False
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.disable_csrf = True
        dates = ("effective_date", "review_interval_days", "next_review_on")
        if optional:
            layout = [
                "terms",
                Row(Column("proposed_by", css_class="col-sm-6 col-lg-4")),
                "rationale",
                Disclosure(
                    "Dates",
                    Row(*(Column(name, css_class="col-sm-4") for name in dates)),
                    hint="from the intake date; review after 90 days, unless changed here",
                ),
            ]
        else:
            layout = [
                "terms",
                Row(*(Column(name, css_class="col-sm-6 col-lg-3") for name in ("proposed_by", *dates))),
                "rationale",
            ]
        self.helper.layout = Layout(*(["wording"] if offered else []), *layout)

    def _add_wording_field(self, offered: Sequence[AgreementWording], *, grouped: bool) -> None:
        if grouped:
            choices = [
                (Category(code).label, [(str(w.pk), w.title) for w in offered if w.category == code])
                for code in Category.values
                if any(w.category == code for w in offered)
            ]
        else:
            choices = [(str(w.pk), w.title) for w in offered]
        wording = forms.ChoiceField(
            label="Start from standard wording",
            required=False,
            choices=[("", "None: write your own")] + choices,
            widget=WordingSelect(attrs={"data-terms-for": self["terms"].auto_id}, wordings=offered),
            help_text="The practice's wording fills in the agreed terms, for you to adapt.",
            error_messages={"invalid_choice": "Choose one of the practice's standard wordings."},
        )
        # First: it fills in the terms below it.
        self.fields = {"wording": wording, **self.fields}
        terms_key, wording_key = self.add_prefix("terms"), self.add_prefix("wording")
        chosen = self.wordings.get(self.data.get(wording_key, "")) if self.is_bound else None
        if chosen and not self.data.get(terms_key, "").strip():
            data = self.data.copy()
            data[terms_key] = chosen.terms
            self.data = data

    @property
    def creates(self) -> bool:
        """On the intake page (``optional``) the client's form carries the token for all sections."""
        return not self.optional and super().creates

    @property
    def category_label(self) -> str:
        return Category(self.category).label

    @property
    def is_filled(self) -> bool:
        """Whether the user typed into this section (an optional section left as offered is not)."""
        return self.is_bound and self.has_changed()

    def clean(self):
        cleaned = super().clean()
        wording = self.wordings.get(cleaned.pop("wording", None) or "")
        if wording and wording.category != self.category:
            self.add_error(
                "wording",
                forms.ValidationError(
                    "“%(title)s” is a wording for %(wording)s; choose one for %(category)s.",
                    code="wording_category",
                    params={
                        "title": wording.title,
                        "wording": wording.get_category_display().lower(),
                        "category": self.category_label.lower(),
                    },
                ),
            )
        effective = cleaned.get("effective_date")
        if effective is None and self.optional and not self.has_error("effective_date"):
            effective = cleaned["effective_date"] = self.starts_on or timezone.localdate()
        interval = cleaned.get("review_interval_days")
        if effective and interval and not cleaned.get("next_review_on"):
            cleaned["next_review_on"] = effective + datetime.timedelta(days=interval)
            self.instance.next_review_on = cleaned["next_review_on"]
        review = cleaned.get("next_review_on")
        # A review date before the effective date is the model's refusal (clean()), not this one.
        if review and effective and effective <= review < timezone.localdate():
            self.add_error("next_review_on", forms.ValidationError(PASSED_REVIEW, code="review_passed"))
        return cleaned


class NewAgreementCategoryForm(BoundedForm, forms.Form):
    """The category of a new agreement: one where the client has no active agreement yet."""

    category = forms.ChoiceField(
        error_messages={
            "required": "Choose the category of the new agreement.",
            "invalid_choice": (
                "The client already has an active agreement in that category: revise it instead."
            ),
        }
    )

    def __init__(self, *args, available: Sequence[str], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category"].choices = [("", "Choose a category…")] + [
            (code, Category(code).label) for code in available
        ]


class AgreementRevisionForm(AgreementForm):
    """The next version of ``previous``: its terms to edit, taking effect today, and why it changes."""

    # Not a field of Meta: a reason alone is no change, and the "nothing was changed" check
    # compares the fields of Meta with the previous version.
    revision_reason = forms.CharField(
        label="Why the agreement changes",
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=(
            "Kept with this version in the history, e.g. “Reviewed with the client after the overruns "
            "in March.” The rationale above is the reason for the agreement itself."
        ),
        error_messages={"required": "Say why the agreement changes: the history keeps the reason."},
    )

    def __init__(self, *args, previous: BoundaryAgreement, **kwargs):
        initial = kwargs.setdefault("initial", {})
        for field in ("terms", "proposed_by", "rationale", "review_interval_days"):
            initial.setdefault(field, getattr(previous, field))
        # The review date is left empty so that it counts again from the new effective date.
        initial.setdefault("effective_date", max(timezone.localdate(), previous.effective_date))
        super().__init__(*args, category=previous.category, **kwargs)
        self.previous = previous
        self.helper.layout.fields.append("revision_reason")

    def clean_effective_date(self):
        day = self.cleaned_data["effective_date"]
        self.previous.validate_revision_date(day)
        return day

    def clean(self):
        cleaned = super().clean()
        if not self.errors and all(cleaned.get(f) == getattr(self.previous, f) for f in self._meta.fields):
            raise forms.ValidationError(
                "Nothing was changed: a new version must differ from the one it replaces.", code="unchanged"
            )
        return cleaned


class AgreementWordingForm(OnceFormMixin, BoundedForm, forms.ModelForm):
    """One standard wording of the practice's library (the instance carries the practice)."""

    class Meta:
        model = AgreementWording
        fields = ["category", "title", "terms", "position"]
        widgets = {"terms": forms.Textarea(attrs={"rows": 4})}
        labels = {"position": "Place in its category"}
        help_texts = {
            "title": "What therapists choose from, e.g. “50 minutes, lateness not made up”.",
            "terms": "Therapists adapt it to the client; what they record does not change with it later.",
            "position": "Lower numbers come first; equal ones in the order of their titles.",
        }
        error_messages = {
            "category": {"required": "Choose the category of the wording."},
            "title": {"required": "Give the wording a short title."},
            "terms": {"required": "Write the standard terms."},
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["position"].required = False

    def clean_position(self):
        return self.cleaned_data["position"] or 0

    def clean(self):
        cleaned = super().clean()
        category, title = cleaned.get("category"), cleaned.get("title")
        taken = AgreementWording.objects.filter(
            practice=self.instance.practice, category=category, title__iexact=title
        ).exclude(pk=self.instance.pk)
        if category and title and taken.exists():
            self.add_error(
                "title",
                forms.ValidationError(
                    "The library already has a %(category)s wording titled “%(title)s”.",
                    code="title_taken",
                    params={"category": Category(category).label.lower(), "title": title},
                ),
            )
        return cleaned


class EndAgreementForm(BoundedForm, forms.Form):
    ended_on = forms.DateField(
        label="End date",
        widget=DateInput(),
        error_messages={"required": "Give the date the agreement ends.", "invalid": "Enter a valid date."},
    )

    def __init__(self, *args, agreement: BoundaryAgreement, **kwargs):
        kwargs.setdefault("initial", {}).setdefault("ended_on", timezone.localdate())
        super().__init__(*args, **kwargs)
        self.agreement = agreement

    def clean_ended_on(self):
        day = self.cleaned_data["ended_on"]
        self.agreement.validate_end_date(day)
        return day


class AcknowledgementForm(OnceFormMixin, BoundedForm, forms.Form):
    """The client acknowledged the sheet on paper (the scan attached) or verbally (a note)."""

    method = forms.ChoiceField(
        label="How the client acknowledged the sheet",
        choices=[
            (AcknowledgementMethod.PAPER, "Signed on paper: attach the scan"),
            (AcknowledgementMethod.VERBAL, "Verbally: say how in a note"),
        ],
        widget=forms.RadioSelect,
        error_messages={"required": "Choose how the client acknowledged the sheet."},
    )
    acknowledged_on = forms.DateField(
        label="Date",
        widget=DateInput(),
        error_messages={
            "required": "Give the date of the acknowledgement.",
            "invalid": "Enter a valid date.",
        },
    )
    scan = forms.FileField(
        label="Scan of the signed sheet",
        required=False,
        help_text="PDF, PNG or JPEG, up to 10 MB.",
        widget=forms.ClearableFileInput(attrs={"accept": "application/pdf,image/png,image/jpeg"}),
    )
    note = forms.CharField(
        label="Note",
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="For a verbal acknowledgement: when, how, in whose presence.",
    )

    def __init__(self, *args, **kwargs):
        initial = kwargs.setdefault("initial", {})
        initial.setdefault("acknowledged_on", timezone.localdate())
        initial.setdefault("method", AcknowledgementMethod.PAPER)
        super().__init__(*args, **kwargs)

    def clean(self):
        cleaned = super().clean()
        method = cleaned.get("method")
        if method == AcknowledgementMethod.PAPER:
            if not cleaned.get("scan"):
                self.add_error(
                    "scan", forms.ValidationError("Attach the scan of the signed sheet.", code="no_scan")
                )
            else:
                try:
                    cleaned["document"] = read_scan(cleaned["scan"])
                except forms.ValidationError as exc:
                    self.add_error("scan", exc)
        elif method == AcknowledgementMethod.VERBAL and not cleaned.get("note", "").strip():
            self.add_error(
                "note",
                forms.ValidationError(
                    "Say how the client acknowledged the sheet (when, in whose presence).", code="no_note"
                ),
            )
        return cleaned


class SigningForm(BoundedForm, forms.Form):
    """The client's signature on the pad and their typed initials, in the signing mode."""

    signature = forms.CharField(widget=forms.HiddenInput, required=False, max_length=2_000_000, strip=False)
    initials = forms.CharField(
        label="Your initials",
        max_length=10,
        error_messages={"required": "Type your initials."},
        widget=forms.TextInput(attrs={"autocomplete": "off", "autocapitalize": "characters"}),
    )

    def clean_signature(self):
        return read_signature(self.cleaned_data["signature"])


class LeaveSigningForm(forms.Form):
    """The therapist's password: the only way out of the signing mode."""

    password = forms.CharField(
        label="Therapist's password",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
        error_messages={"required": "Enter your password to leave the signing mode."},
    )

    def __init__(self, *args, request, **kwargs):
        super().__init__(*args, **kwargs)
        self.request = request

    def clean_password(self):
        password = self.cleaned_data["password"]
        if not check_password_again(self.request, password):
            raise forms.ValidationError("That is not your password.", code="wrong_password")
        return password


class WithdrawAcknowledgementForm(BoundedForm, forms.Form):
    reason = forms.CharField(
        label="Why it is withdrawn",
        max_length=500,
        error_messages={"required": "Say why the acknowledgement is withdrawn."},
        help_text="It stays readable, marked withdrawn; record the correct one afterwards.",
    )
