"""Emergency access: a practice admin lets a therapist read one client's records for a few hours.

The grant only widens what the therapist may *read* (``clients.scoping.visible_q``); it ends by
itself when its time is up, and an admin may revoke it earlier. Each grant goes to the security
log and, by e-mail, to the client's therapist's current supervisors.
"""

import datetime

from django import forms
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from accounts.models import User
from accounts.security_log import log_event
from accounts.submissions import AlreadySent, already_sent, submitted_once
from clients.models import Client, EmergencyAccess
from common import mail
from common.dates import datetime_text
from common.forms import BoundedForm, OnceFormMixin


class EmergencyAccessForm(OnceFormMixin, BoundedForm, forms.Form):
    therapist = forms.ModelChoiceField(queryset=User.objects.none(), label="Therapist")
    client_code = forms.CharField(label="Client code", max_length=20)
    reason = forms.CharField(
        label="Reason", widget=forms.Textarea(attrs={"rows": 3}), help_text="Why this therapist needs access."
    )
    hours = forms.IntegerField(
        label="Hours",
        min_value=1,
        max_value=EmergencyAccess.MAX_HOURS,
        initial=24,
        help_text=f"Access ends by itself after this many hours (at most {EmergencyAccess.MAX_HOURS}).",
    )

    error_messages = {
        "unknown_client": "No client of this practice has that code.",
        "own_client": "This therapist already has access to this client.",
    }

    def __init__(self, *args, practice, **kwargs):
        super().__init__(*args, **kwargs)
        self.practice = practice
        self.fields["therapist"].queryset = User.objects.therapists().filter(practice=practice)

    def clean_client_code(self):
        code = self.cleaned_data["client_code"].strip().upper()
        client = Client.objects.filter(practice=self.practice, code=code, archived_at__isnull=True).first()
        if client is None:
            raise forms.ValidationError(self.error_messages["unknown_client"], code="unknown_client")
        self.client = client
        return code

    def clean(self):
        cleaned = super().clean()
        therapist = cleaned.get("therapist")
        client = getattr(self, "client", None)
        if therapist is not None and client is not None and client.therapist_id == therapist.pk:
            self.add_error(
                "therapist", forms.ValidationError(self.error_messages["own_client"], code="own_client")
            )
        return cleaned


def emergency_access_grant(
    *, granted_by: User, therapist: User, client: Client, reason: str, hours: int
) -> EmergencyAccess:
    """Open ``client``'s records to ``therapist`` for ``hours``; log it and tell the supervisors."""
    if client.practice_id != granted_by.practice_id or therapist.practice_id != granted_by.practice_id:
        raise PermissionDenied("Grants stay within the admin's own practice.")
    now = timezone.now()
    with transaction.atomic():
        grant = EmergencyAccess.objects.create(
            practice_id=granted_by.practice_id,
            therapist=therapist,
            client=client,
            granted_by=granted_by,
            reason=reason,
            starts_at=now,
            ends_at=now + datetime.timedelta(hours=hours),
        )
        log_event(
            "emergency_access_granted",
            user=granted_by,
            grant=grant.pk,
            therapist=therapist.pk,
            client=client.pk,
            hours=hours,
        )
        until = datetime_text(grant.ends_at, zone=True)
        link = settings.SITE_URL.rstrip("/") + reverse("clients:detail", args=[client.pk])
        mail.send(
            subject=f"[Alliance] Emergency access to client {client.code}",
            body=(
                f"{granted_by} granted {therapist} emergency access to client {client.code}, "
                f"a client of {client.therapist}, until {until}.\n\n"
                f"The reason is recorded in Alliance: {link}\n"
            ),
            recipients=[user.email for user in client.therapist.current_supervisors()],
            practice_id=client.practice_id,
        )
    return grant


def _require_admin(user) -> None:
    if not user.is_practice_admin or user.practice_id is None:
        raise PermissionDenied("Emergency access is granted by a practice admin.")


@require_http_methods(["GET", "POST"])
def emergency_access(request):
    user = request.user
    _require_admin(user)
    form = EmergencyAccessForm(request.POST if request.method == "POST" else None, practice=user.practice)
    if request.method == "POST" and form.is_valid():
        try:
            with submitted_once(user, form.submission_token) as receipt:
                grant = emergency_access_grant(
                    granted_by=user,
                    therapist=form.cleaned_data["therapist"],
                    client=form.client,
                    reason=form.cleaned_data["reason"],
                    hours=form.cleaned_data["hours"],
                )
                receipt.result_url = reverse("accounts:emergency_access")
        except AlreadySent as sent:
            return already_sent(request, sent, fallback="accounts:emergency_access")
        messages.success(request, f"Emergency access granted: {grant}.")
        return redirect("accounts:emergency_access")
    grants = EmergencyAccess.objects.for_user(user).select_related("therapist", "client", "granted_by")
    now = timezone.now()
    return render(
        request,
        "clients/emergency_access.html",
        {
            "form": form,
            "current": [grant for grant in grants if grant.is_current(now)],
            "past": [grant for grant in grants if not grant.is_current(now)],
        },
    )


@require_POST
def emergency_access_revoke(request, pk):
    user = request.user
    _require_admin(user)
    grant = get_object_or_404(EmergencyAccess.objects.for_user(user).current(), pk=pk)
    grant.revoke(by=user)
    log_event("emergency_access_revoked", user=user, grant=grant.pk)
    messages.success(request, "Emergency access revoked.")
    return redirect("accounts:emergency_access")
