import datetime
from typing import Any

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Column, Fieldset, Layout, Row
from django import forms
from django.db.models import Q
from django.utils import timezone
from django.utils.text import Truncator

from accounts.models import User
from boundaries.models import AgreementStatus, BoundaryAgreement
from clients.models import Client, ClientSetting
from common.forms import BoundedForm, OnceFormMixin, VersionFormMixin
from common.widgets import DateInput
from sessions_log.models import ATTESTATION, LOGGED, Addendum, Attendance, Incident, Session, SessionSetting
from sessions_log.services import FOLLOW_UP, follow_up_owners

DATETIME_FORMAT = "%Y-%m-%dT%H:%M"
INVALID_DATETIME = "Enter a date and time, such as 2025-05-05 10:00."
INVALID_DATE = "Enter a date, such as 2025-05-05."
# Tighter than the forms' general bounds (common.forms.BoundedForm), where the domain says so.
CLOCK_SKEW = datetime.timedelta(minutes=5)  # "now" on the therapist's device may run a little ahead
SESSION_PAST_LIMIT = datetime.timedelta(days=3653)
SESSION_FUTURE_LIMIT = datetime.timedelta(days=731)
FOLLOW_UP_HORIZON = datetime.timedelta(days=731)

# A client's setting, where it names one, is the likeliest setting of the next session.
SETTING_FROM_CLIENT = {
    ClientSetting.IN_PERSON: SessionSetting.IN_PERSON,
    ClientSetting.TELEHEALTH: SessionSetting.TELEHEALTH,
}


class DateTimeLocalInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, attrs=None):
        super().__init__(attrs, format=DATETIME_FORMAT)


def entry_data(form: forms.ModelForm) -> dict[str, Any]:
    """The cleaned values of a model form's own fields, as the services take them.

    ``Meta.fields``, not ``_meta.fields``: an inline formset appends its foreign key to the latter.
    """
    data = {name: form.cleaned_data[name] for name in form.Meta.fields}
    if spec := getattr(form, "follow_up_spec", lambda: None)():
        data[FOLLOW_UP] = spec
    return data


def clean_due_on(due: datetime.date | None) -> datetime.date | None:
    """A follow-up's due date: from today, within two years."""
    if due and due < timezone.localdate():
        raise forms.ValidationError("A new follow-up cannot be due in the past.", code="in_past")
    if due and due > timezone.localdate() + FOLLOW_UP_HORIZON:
        raise forms.ValidationError("Set the follow-up within two years.", code="too_far")
    return due


class FollowUpForm(OnceFormMixin, BoundedForm, forms.Form):
    """A follow-up added by hand: what, who, by when."""

    action = forms.CharField(
        label="What is to be done",
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": "Say what is to be done."},
    )
    owner = forms.ModelChoiceField(
        queryset=User.objects.none(),
        label="Owner",
        empty_label=None,
        error_messages={"required": "Choose who does it.", "invalid_choice": "Choose someone from the list."},
    )
    due_on = forms.DateField(
        label="Due",
        widget=DateInput(),
        error_messages={"required": "Give a due date.", "invalid": INVALID_DATE},
    )

    def __init__(self, *args, therapist: User, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = follow_up_owners(therapist)
        self.initial.setdefault("owner", therapist.pk)
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.disable_csrf = True
        self.helper.layout = Layout("action", Row(Column("owner"), Column("due_on")))

    def clean_due_on(self):
        return clean_due_on(self.cleaned_data.get("due_on"))


class FollowUpDoneForm(BoundedForm, forms.Form):
    note = forms.CharField(
        label="Note",
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="What was done, briefly (optional).",
    )


class SignForm(forms.Form):
    """The attestation asked before a session or an incident is signed and locked."""

    attest = forms.BooleanField(
        label=ATTESTATION,
        error_messages={
            "required": f"Tick “{ATTESTATION.rstrip('.')}” to sign and lock the record; nothing was signed."
        },
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.disable_csrf = True

    @property
    def attestation(self) -> str:
        """The words ticked, as shown beside the box: what the signature keeps (once valid)."""
        return str(self.fields["attest"].label)


class SessionForm(OnceFormMixin, VersionFormMixin, BoundedForm, forms.ModelForm):
    """The session itself; the view pairs it with an ``IncidentFormSet``.

    A new session's form carries a one-time ``submission_token``, so that sending the same form
    twice logs one session (common.forms.OnceFormMixin).
    """

    class Meta:
        model = Session
        fields = Session.editable_fields
        widgets = {name: DateTimeLocalInput() for name in fields[:4]}
        help_texts = {
            "actual_start": "Leave both actual times empty for a no-show or late cancellation.",
        }
        error_messages = {
            name: {"invalid": INVALID_DATETIME, "required": f"Give the {label}."}
            for name, label in [
                ("scheduled_start", "scheduled start"),
                ("scheduled_end", "scheduled end"),
                ("actual_start", "actual start"),
                ("actual_end", "actual end"),
            ]
        }

    def __init__(self, *args, client: Client, as_scheduled: bool = False, **kwargs):
        """``as_scheduled``: a planned session logged as it was scheduled (actual times filled)."""
        instance = kwargs.get("instance")
        if instance is None or instance.pk is None:
            kwargs.setdefault("initial", self.defaults(client))
        elif instance.attendance == Attendance.PLANNED:
            # Logging a session from the calendar: the schedule is there; attended, and the actual
            # times as scheduled when asked, else left for the therapist to type.
            initial = {"attendance": Attendance.ATTENDED}
            if as_scheduled:
                initial.update(actual_start=instance.scheduled_start, actual_end=instance.scheduled_end)
            kwargs["initial"] = {**initial, **kwargs.get("initial", {})}
        super().__init__(*args, **kwargs)
        if self.instance.pk is None:
            self.instance.client = client
            self.instance.therapist = client.therapist
        # "Planned" is the calendar's: logging a planned session gives it its real attendance.
        self.fields["attendance"].choices = [(value, Attendance(value).label) for value in LOGGED]
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.disable_csrf = True
        self.helper.render_hidden_fields = True
        self.helper.layout = Layout(
            Row(Column("scheduled_start"), Column("scheduled_end")),
            Row(Column("actual_start"), Column("actual_end")),
            Row(Column("setting"), Column("attendance")),
        )

    @staticmethod
    def defaults(client: Client) -> dict[str, Any]:
        """This hour in the practice's time zone, the practice's usual length, as scheduled."""
        start = timezone.localtime().replace(minute=0, second=0, microsecond=0)
        end = start + datetime.timedelta(minutes=client.practice.usual_session_minutes)
        initial = {"scheduled_start": start, "scheduled_end": end, "actual_start": start, "actual_end": end}
        if client.setting in SETTING_FROM_CLIENT:
            initial["setting"] = SETTING_FROM_CLIENT[client.setting]
        return initial

    def clean_scheduled_start(self):
        start = self.cleaned_data.get("scheduled_start")
        if start and not (
            timezone.now() - SESSION_PAST_LIMIT <= start <= timezone.now() + SESSION_FUTURE_LIMIT
        ):
            raise forms.ValidationError(
                "A session is scheduled within ten years back and two years ahead.", code="out_of_range"
            )
        return start

    def session_start(self) -> datetime.datetime | None:
        """When the session began, once the form is cleaned: the default time of its incidents."""
        cleaned = getattr(self, "cleaned_data", {})
        return cleaned.get("actual_start") or cleaned.get("scheduled_start")


class AgreementChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: BoundaryAgreement) -> str:
        return f"{obj.get_category_display()} (v{obj.version}): {Truncator(obj.terms).chars(60)}"


class IncidentForm(OnceFormMixin, VersionFormMixin, BoundedForm, forms.ModelForm):
    """One incident, inside a session (``in_session=True``) or on its own.

    Inside a session, a blank time means the session's start (``default_occurred_at``), so the
    form can be left as offered and still count as untouched. On its own, the time is always
    typed: an incident between sessions has no start to fall back on, and the moment of typing is
    when it was documented, not when it happened.
    """

    agreement = AgreementChoiceField(
        queryset=BoundaryAgreement.objects.none(),
        required=False,
        label="Agreement touched",
        empty_label="None in particular",
    )
    # The follow-up typed with the incident becomes a task of its own (FollowUp), not a column.
    follow_up = forms.CharField(
        label="What follow-up", required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    follow_up_owner = forms.ModelChoiceField(
        queryset=User.objects.none(), required=False, label="Follow-up owner", empty_label=None
    )
    follow_up_due = forms.DateField(
        label="Follow-up due", required=False, widget=DateInput(), error_messages={"invalid": INVALID_DATE}
    )

    class Meta:
        model = Incident
        fields = Incident.editable_fields
        widgets = {
            "occurred_at": DateTimeLocalInput(),
            "consulted_on": DateInput(),
            "description": forms.Textarea(attrs={"rows": 3}),
            **{
                name: forms.Textarea(attrs={"rows": 2})
                for name in ("rationale", "client_consent", "consultation_advice", "immediate_action")
            },
        }
        labels = {
            "provisional_classification": "Classification (provisional)",
            "consulted_with": "Consulted with",
            "consulted_on": "Consulted on",
            "consultation_advice": "Advice given",
        }
        help_texts = {
            "provisional_classification": "A crossing can be benign; a violation harms or exploits. "
            "Your supervisor sets the final classification.",
        }
        error_messages = {
            "category": {"required": "Choose the category of boundary."},
            "initiated_by": {"required": "Say who initiated it."},
            "provisional_classification": {"required": "Classify it provisionally."},
            "occurred_at": {
                "invalid": INVALID_DATETIME,
                "required": "Say when it happened: the date and time of the incident.",
            },
            "description": {"required": "Describe what happened, factually."},
            "consulted_on": {"invalid": INVALID_DATE},
        }

    def __init__(
        self,
        *args,
        client: Client,
        in_session: bool = False,
        default_occurred_at: datetime.datetime | None = None,
        default_owner_id: int | None = None,
        **kwargs,
    ):
        """``default_owner_id``: the follow-up owner offered (in a session, the session's therapist);
        the client's therapist if none is given."""
        self.in_session = in_session
        super().__init__(*args, **kwargs)
        self.instance.client = client
        self.default_occurred_at = default_occurred_at
        agreements = Q(client=client, status=AgreementStatus.ACTIVE)
        if self.instance.agreement_id:
            # An agreement revised since keeps its place on the incidents that touched it.
            agreements |= Q(pk=self.instance.agreement_id)
        self.fields["agreement"].queryset = BoundaryAgreement.objects.filter(agreements).order_by(
            "category", "-version"
        )
        self.fields["follow_up_owner"].queryset = follow_up_owners(client.therapist)
        self.initial.setdefault("follow_up_owner", default_owner_id or client.therapist_id)
        if self.instance.pk is not None:
            self.fields["follow_up"].label = "Another follow-up"
            self.fields[
                "follow_up"
            ].help_text = "The follow-ups already set are listed on the incident's page; this adds one."
        if in_session:
            self.fields["occurred_at"].required = False
            self.fields["occurred_at"].help_text = "Leave empty for the start of the session."
        else:
            self.fields["occurred_at"].help_text = "When the incident itself happened, not when you note it."
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.disable_csrf = True
        self.helper.render_unmentioned_fields = True  # the formset's id and "remove" fields
        self.helper.layout = Layout(
            Row(Column("category"), Column("agreement")),
            Row(Column("initiated_by"), Column("provisional_classification"), Column("harm")),
            Row(Column("location"), Column("occurred_at"), Column("planned", css_class="col-md pt-md-4")),
            "description",
            Row(Column("rationale"), Column("client_consent")),
            Fieldset(
                "Consultation",
                Row(Column("consulted_with"), Column("consulted_on")),
                "consultation_advice",
            ),
            "immediate_action",
            Fieldset(
                "Follow-up",
                "follow_up",
                Row(Column("follow_up_owner"), Column("follow_up_due")),
            ),
        )

    @property
    def creates(self) -> bool:
        """In a session, the session's form carries the token for all of its incidents."""
        return not self.in_session and super().creates

    @property
    def versioned(self) -> bool:
        """In a session, the session's version covers its incidents (they are saved with it)."""
        return not self.in_session and super().versioned

    def has_changed(self) -> bool:
        """Whether anything was typed: a new incident left as offered (its defaults, such as the
        harm, the place and the follow-up owner, as rendered) is no entry, and raises no error."""
        if self.instance.pk is not None:
            return super().has_changed()
        # The offered owner is not an entry even when changed: alone, it says nothing happened.
        return any(name != "follow_up_owner" for name in self.changed_data)

    def clean_occurred_at(self):
        occurred_at = self.cleaned_data.get("occurred_at")
        if occurred_at and occurred_at > timezone.now() + CLOCK_SKEW:
            raise forms.ValidationError("An incident cannot be in the future.", code="in_future")
        return occurred_at

    def clean_follow_up_due(self):
        return clean_due_on(self.cleaned_data.get("follow_up_due"))

    def clean_consulted_on(self):
        consulted_on = self.cleaned_data.get("consulted_on")
        if consulted_on and consulted_on > timezone.localdate():
            raise forms.ValidationError("A consultation cannot be in the future.", code="in_future")
        return consulted_on

    def clean(self):
        cleaned = super().clean()
        if self.in_session and not cleaned.get("occurred_at") and "occurred_at" not in self.errors:
            if self.default_occurred_at is None:
                self.add_error("occurred_at", "Say when it happened (the session has no valid start).")
            else:
                cleaned["occurred_at"] = self.default_occurred_at
        action, due = cleaned.get("follow_up"), cleaned.get("follow_up_due")
        if action and not due and "follow_up_due" not in self.errors:
            self.add_error(
                "follow_up_due", forms.ValidationError("Give the follow-up a due date.", code="required")
            )
        if due and not action:
            self.add_error(
                "follow_up", forms.ValidationError("Say what the follow-up is.", code="follow_up_required")
            )
        return cleaned

    def follow_up_spec(self) -> dict | None:
        """The follow-up typed with the incident, as the services take it; None if none was."""
        if not self.cleaned_data.get("follow_up"):
            return None
        return {
            "action": self.cleaned_data["follow_up"],
            "owner": self.cleaned_data.get("follow_up_owner"),
            "due_on": self.cleaned_data["follow_up_due"],
        }


class BaseIncidentFormSet(forms.BaseInlineFormSet):
    def add_fields(self, form, index):
        super().add_fields(form, index)
        if "DELETE" in form.fields:
            form.fields["DELETE"].label = "Remove this incident"

    def clean(self):
        super().clean()
        # A saved incident the session no longer has (removed in another tab, or a forged id)
        # arrives as a form without its instance: refuse rather than save it as a new one.
        if any(form.instance.pk is None for form in self.initial_forms):
            raise forms.ValidationError(
                "An incident on this page is no longer part of this session; reload the page.",
                code="stale_incident",
            )


IncidentFormSet = forms.inlineformset_factory(
    Session,
    Incident,
    form=IncidentForm,
    formset=BaseIncidentFormSet,
    extra=1,
    can_delete=True,
    max_num=20,
    validate_max=True,
    absolute_max=40,  # a forged form count must not make the page render a thousand forms
)


class AddendumForm(OnceFormMixin, BoundedForm, forms.ModelForm):
    class Meta:
        model = Addendum
        fields = ("text", "reason")
        widgets = {"text": forms.Textarea(attrs={"rows": 4})}
        labels = {"text": "Addendum", "reason": "Reason for the addendum"}
        help_texts = {
            "text": "The correction or addition, dated today; the signed entry itself stays as it was.",
            "reason": "For example: a wrong start time, a detail remembered later.",
        }
        error_messages = {
            "text": {"required": "Write the addendum."},
            "reason": {"required": "Give the reason for the addendum."},
        }

    def __init__(self, *args, entry: Session | Incident, **kwargs):
        super().__init__(*args, **kwargs)
        # The model's clean() then refuses an addendum to a draft, here as in the service.
        self.instance.client = entry.client
        setattr(self.instance, entry._meta.model_name, entry)
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.disable_csrf = True
