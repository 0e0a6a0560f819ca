"""The client's acknowledgement of their whole sheet: on screen in the signing mode, on paper with
the scan, or verbally; read back, with the scan or signature, only through the client's scope.

The signing mode (``SIGNING_KEY`` in the session) hands the therapist's screen to the client: the
page shows the sheet and the signature pad and nothing else, ``SigningModeMiddleware`` sends every
other request back to it, and only the therapist's password ends it.
"""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.template.defaultfilters import pluralize
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.submissions import AlreadySent, already_sent, submitted_once
from audit.services import record_access
from boundaries import services
from boundaries.forms import AcknowledgementForm, LeaveSigningForm, SigningForm, WithdrawAcknowledgementForm
from boundaries.models import (
    AcknowledgedVersion,
    Acknowledgement,
    AcknowledgementDocument,
    AcknowledgementMethod,
    BoundaryAgreement,
    Category,
)
from clients.models import Client
from clients.scoping import get_owned_or_404, get_visible_or_404
from common.forms import add_service_errors

SIGNING_KEY = "alliance_signing_client"


def _sheet(client: Client) -> list[BoundaryAgreement]:
    """The active versions of the client's sheet, in the order of the categories."""
    order = {code: index for index, code in enumerate(Category.values)}
    return sorted(
        BoundaryAgreement.objects.filter(client=client).active().with_acknowledgement(),
        key=lambda agreement: order[agreement.category],
    )


def signing_client_id(request) -> int | None:
    return request.session.get(SIGNING_KEY)


@require_http_methods(["GET", "POST"])
def acknowledgement_new(request, client_pk: int):
    """Record an acknowledgement on paper or verbal, or start the on-screen signing mode."""
    client = get_owned_or_404(Client, request.user, pk=client_pk)
    sheet = _sheet(client)
    if not sheet:
        messages.info(request, f"{client} has no active agreement to acknowledge.")
        return redirect(client)
    data = request.POST if request.method == "POST" else None
    form = AcknowledgementForm(data, request.FILES if data is not None else None)
    if data is not None and form.is_valid():
        try:
            with submitted_once(request.user, form.submission_token) as receipt:
                acknowledgement = services.acknowledgement_record(
                    client=client,
                    method=form.cleaned_data["method"],
                    acknowledged_on=form.cleaned_data["acknowledged_on"],
                    note=form.cleaned_data["note"],
                    document=form.cleaned_data.get("document"),
                    recorded_by=request.user,
                )
                receipt.result_url = acknowledgement.get_absolute_url()
        except AlreadySent as sent:
            return already_sent(request, sent, fallback=client)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            count = len(sheet)
            messages.success(
                request, f"The acknowledgement of {count} agreement{pluralize(count)} was recorded."
            )
            return redirect(acknowledgement)
    if data is not None:
        messages.error(
            request, "The acknowledgement was not recorded: please correct the fields marked below."
        )
    return render(
        request,
        "boundaries/acknowledge.html",
        {
            "client": client,
            "sheet": sheet,
            "form": form,
            "unacknowledged": [a for a in sheet if not a.is_acknowledged],
        },
    )


@require_POST
def signing_start(request, client_pk: int):
    """Hand the screen to the client: from now on only the signing page, until the password."""
    client = get_owned_or_404(Client, request.user, pk=client_pk)
    if not BoundaryAgreement.objects.filter(client=client).active().exists():
        messages.info(request, f"{client} has no active agreement to acknowledge.")
        return redirect(client)
    request.session[SIGNING_KEY] = client.pk
    return redirect("boundaries:signing", client_pk=client.pk)


@never_cache
@require_http_methods(["GET", "POST"])
def signing(request, client_pk: int):
    """The signing mode's one page: the sheet, the pad, the initials; then a word of thanks."""
    client = get_owned_or_404(Client, request.user, pk=client_pk)
    if signing_client_id(request) != client.pk:
        return redirect("boundaries:acknowledge", client_pk=client.pk)
    sheet = _sheet(client)
    data = request.POST if request.method == "POST" else None
    form = SigningForm(data)
    signed = bool(sheet) and all(agreement.is_acknowledged for agreement in sheet)
    if data is not None and not signed and form.is_valid():
        try:
            services.acknowledgement_record(
                client=client,
                method=AcknowledgementMethod.ON_SCREEN,
                acknowledged_on=timezone.localdate(),
                initials=form.cleaned_data["initials"],
                document=form.cleaned_data["signature"],
                recorded_by=request.user,
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            return redirect("boundaries:signing", client_pk=client.pk)
    if data is not None and signed:
        return redirect("boundaries:signing", client_pk=client.pk)
    record_access(request=request, client=client, object_type="agreement_signing")
    return render(
        request,
        "boundaries/signing.html",
        {
            "client": client,
            "sheet": sheet,
            "form": form,
            "signed": signed,
            "leave_form": LeaveSigningForm(request=request),
        },
    )


@require_POST
def signing_leave(request, client_pk: int):
    """End the signing mode with the therapist's password."""
    client = get_owned_or_404(Client, request.user, pk=client_pk)
    form = LeaveSigningForm(request.POST, request=request)
    valid = form.is_valid()
    if not request.user.is_authenticated:  # the guess that locked the account out signed it out
        return redirect("accounts:login")
    if not valid:
        messages.error(request, "The signing mode stays on: " + " ".join(form.errors.get("password", [])))
        return redirect("boundaries:signing", client_pk=client.pk)
    request.session.pop(SIGNING_KEY, None)
    latest = Acknowledgement.objects.filter(client=client).in_force().order_by("-recorded_at").first()
    if latest is not None and all(a.is_acknowledged for a in _sheet(client)):
        messages.success(request, "The signing mode ended; the client's acknowledgement is recorded.")
        return redirect(latest)
    messages.info(request, "The signing mode ended without a signature.")
    return redirect(client)


@require_GET
def acknowledgement_detail(request, pk: int):
    acknowledgement = get_visible_or_404(
        Acknowledgement.objects.select_related("client", "recorded_by", "withdrawn_by"), request.user, pk=pk
    )
    record_access(
        request=request,
        client=acknowledgement.client,
        object_type="acknowledgement",
        object_id=acknowledgement.pk,
    )
    items = AcknowledgedVersion.objects.filter(acknowledgement=acknowledgement).select_related(
        "agreement__client"
    )
    document = AcknowledgementDocument.objects.filter(acknowledgement=acknowledgement).defer("data").first()
    can_change = acknowledgement.client.may_be_changed_by(request.user) and acknowledgement.in_force
    return render(
        request,
        "boundaries/acknowledgement_detail.html",
        {
            "acknowledgement": acknowledgement,
            "client": acknowledgement.client,
            "items": [
                {"item": item, "intact": item.content_hash == item.agreement.compute_content_hash()}
                for item in items
            ],
            "document": document,
            "withdraw_form": WithdrawAcknowledgementForm() if can_change else None,
        },
    )


@never_cache
@require_GET
def acknowledgement_file(request, pk: int):
    """The signature image or the scan, to the client's readers only, with an access record."""
    acknowledgement = get_visible_or_404(
        Acknowledgement.objects.select_related("client"), request.user, pk=pk
    )
    document = AcknowledgementDocument.objects.filter(acknowledgement=acknowledgement).first()
    if document is None:
        raise Http404("No file.")
    record_access(
        request=request,
        client=acknowledgement.client,
        object_type="acknowledgement_file",
        object_id=acknowledgement.pk,
        action="export" if request.GET.get("download") else "view",
    )
    extension = document.content_type.rsplit("/", 1)[-1].replace("jpeg", "jpg")
    disposition = "attachment" if request.GET.get("download") else "inline"
    filename = f"acknowledgement-{acknowledgement.client.code}-{acknowledgement.pk}.{extension}"
    response = HttpResponse(bytes(document.data), content_type=document.content_type)
    response["Content-Disposition"] = f'{disposition}; filename="{filename}"'
    # Whatever the file holds, it runs nothing in this site's origin.
    response["Content-Security-Policy"] = (
        "sandbox; default-src 'none'; img-src 'self'; style-src 'unsafe-inline'"
    )
    response["X-Content-Type-Options"] = "nosniff"
    return response


@require_POST
def acknowledgement_withdraw(request, pk: int):
    acknowledgement = get_owned_or_404(Acknowledgement.objects.select_related("client"), request.user, pk=pk)
    form = WithdrawAcknowledgementForm(request.POST)
    if form.is_valid():
        try:
            services.acknowledgement_withdraw(
                acknowledgement=acknowledgement, by=request.user, reason=form.cleaned_data["reason"]
            )
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, "The acknowledgement was withdrawn; record the correct one.")
            return redirect(reverse("boundaries:acknowledge", args=[acknowledgement.client_id]))
    else:
        messages.error(
            request, "The acknowledgement was not withdrawn: " + " ".join(form.errors.get("reason", []))
        )
    return redirect(acknowledgement)
