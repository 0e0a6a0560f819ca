import base64
import datetime
import difflib
from dataclasses import dataclass

from django.contrib import messages
from django.contrib.staticfiles import finders
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Q
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.template.defaultfilters import pluralize
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.formats import date_format
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.models import Role
from accounts.submissions import AlreadySent, already_sent, submitted_once
from audit.services import record_access
from boundaries import services
from boundaries.forms import (
    AgreementForm,
    AgreementRevisionForm,
    EndAgreementForm,
    NewAgreementCategoryForm,
)
from boundaries.models import (
    CORE_CATEGORIES,
    Acknowledgement,
    AcknowledgementDocument,
    AgreementWording,
    BoundaryAgreement,
    Category,
    DocumentKind,
)
from clients.forms import ClientForm
from clients.models import Client, ClientStatus
from clients.scoping import get_owned_or_404, get_visible_or_404
from common.forms import add_service_errors

PRINT_STYLESHEET = "css/print-agreement.css"
OTHER_CATEGORIES = [category for category in Category if category not in CORE_CATEGORIES]


@require_http_methods(["GET", "POST"])
def client_intake(request):
    """One page, one submit: the client and an agreement per category the therapist fills in.

    A page sent with no section filled in is not saved at once: the therapist confirms that the
    client starts without agreements (the page asks, with a second button).
    """
    if request.user.role != Role.THERAPIST:
        raise PermissionDenied("Only therapists record intakes.")
    data = request.POST if request.method == "POST" else None
    form = ClientForm(data, practice=request.user.practice)
    if data is None:
        # A new intake starts in the code field; a page sent back focuses what it says instead.
        form.fields["code"].widget.attrs["autofocus"] = True
    client_valid = data is not None and form.is_valid()
    wordings = list(AgreementWording.objects.for_user(request.user))
    sections = [
        AgreementForm(
            data,
            prefix=category,
            category=category,
            optional=True,
            # A section left without an effective date takes effect on the intake date.
            starts_on=form.cleaned_data.get("intake_date") if data is not None else None,
            wordings=wordings,
        )
        for category in (*CORE_CATEGORIES, *OTHER_CATEGORIES)
    ]
    valid = client_valid and all(section.is_valid() for section in sections)
    agreements = [section.instance for section in sections if section.is_filled] if valid else []
    # Nothing filled in: the page asks first whether the client starts without agreements.
    confirm_empty = valid and not agreements and not data.get("without_agreements")
    if valid and not confirm_empty:
        try:
            with submitted_once(request.user, form.submission_token) as receipt:
                client = services.client_intake(
                    therapist=request.user, client=form.instance, agreements=agreements
                )
                receipt.result_url = client.get_absolute_url()
        except AlreadySent as sent:
            return already_sent(request, sent, fallback="clients:list")
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            count = len(agreements)
            if count:
                messages.success(
                    request, f"Client {client.code} added with {count} agreement{pluralize(count)}."
                )
            else:
                messages.success(
                    request, f"Client {client.code} added without agreements; add them from this page."
                )
            return redirect(client)
    return render(
        request,
        "clients/intake.html",
        {
            "form": form,
            "sections": sections,
            "core_sections": sections[: len(CORE_CATEGORIES)],
            "other_sections": sections[len(CORE_CATEGORIES) :],
            "confirm_empty": confirm_empty,
            "has_errors": bool(form.errors) or any(section.errors for section in sections),
        },
    )


def _refuse_if_discharged(request, client: Client):
    """A redirect back to ``client`` when discharged: their agreements can only be read or ended."""
    if client.status == ClientStatus.DISCHARGED:
        messages.error(
            request, f"{client} was discharged; their agreements can no longer be added or revised."
        )
        return redirect(client)
    return None


@dataclass(frozen=True)
class Change:
    label: str
    before: str
    after: str


def _word_diff(before: str, after: str) -> list[tuple[str, str]]:
    """The words of ``after`` against ``before``, as (kind, text) with kind equal, removed or added."""
    old, new = before.split(), after.split()
    pieces = []
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(a=old, b=new, autojunk=False).get_opcodes():
        if tag == "equal":
            pieces.append(("equal", " ".join(old[i1:i2])))
            continue
        if tag in ("delete", "replace"):
            pieces.append(("removed", " ".join(old[i1:i2])))
        if tag in ("insert", "replace"):
            pieces.append(("added", " ".join(new[j1:j2])))
    return pieces


# What a revision can change besides the terms, as the history names it.
CHANGE_LABELS = {
    "proposed_by": "Proposed by",
    "rationale": "Rationale",
    "effective_date": "Effective",
    "review_interval_days": "Review every (days)",
    "next_review_on": "Next review",
}


def _shown(agreement: BoundaryAgreement, field: str) -> str:
    value = getattr(agreement, field)
    if field == "proposed_by":
        return agreement.get_proposed_by_display()
    if isinstance(value, datetime.date):
        return date_format(value)
    return str(value) if value not in (None, "") else "—"


def _changes(previous: BoundaryAgreement, version: BoundaryAgreement) -> list[Change]:
    """What else than the terms changed from ``previous`` to ``version``."""
    return [
        Change(label=label, before=_shown(previous, field), after=_shown(version, field))
        for field, label in CHANGE_LABELS.items()
        if getattr(previous, field) != getattr(version, field)
    ]


# Reading: the owner, their current supervisor, the practice admin.


def _render_detail(request, agreement: BoundaryAgreement, *, end_form=None):
    versions = list(
        BoundaryAgreement.objects.for_user(request.user)
        .with_acknowledgement()
        .filter(chain=agreement.chain)
        .select_related("recorded_by")
        .order_by("version")
    )
    history = []
    for previous, version in zip([None, *versions], versions, strict=False):
        history.append(
            {
                "version": version,
                "terms_diff": _word_diff(previous.terms, version.terms) if previous else None,
                "changes": _changes(previous, version) if previous else [],
            }
        )
    history.reverse()
    # The rule of owned_by(): only the client's own therapist changes anything.
    can_change = agreement.client.therapist_id == request.user.pk and agreement.is_active
    if can_change and end_form is None:
        end_form = EndAgreementForm(agreement=agreement)
    context = {
        "agreement": agreement,
        "client": agreement.client,
        "active_version": next((v for v in versions if v.is_active), None),
        "history": history,
        "can_change": can_change,
        "end_form": end_form,
    }
    return render(request, "boundaries/detail.html", context)


@require_GET
def agreement_detail(request, pk: int):
    agreement = get_visible_or_404(
        BoundaryAgreement.objects.select_related("client", "recorded_by").with_acknowledgement(),
        request.user,
        pk=pk,
    )
    record_access(request=request, client=agreement.client, object_type="agreement", object_id=agreement.pk)
    return _render_detail(request, agreement)


def _sheet_acknowledgement(agreements: list[BoundaryAgreement]) -> dict | None:
    """The latest acknowledgement in force that covers every agreement of the sheet as printed,
    with its signature as a data URL (the PDF fetches nothing); None if the sheet has none."""
    if not agreements:
        return None
    ids = {agreement.pk for agreement in agreements}
    candidates = (
        Acknowledgement.objects.in_force()
        .filter(client=agreements[0].client_id, items__agreement__in=ids)
        .annotate(covered=Count("items", filter=Q(items__agreement__in=ids)))
        .filter(covered=len(ids))
        .select_related("document")
        .defer("document__data")
        .order_by("-acknowledged_on", "-pk")
    )
    acknowledgement = candidates.first()
    if acknowledgement is None:
        return None
    signature = ""
    document = getattr(acknowledgement, "document", None)
    if document is not None and document.kind == DocumentKind.SIGNATURE:
        data = AcknowledgementDocument.objects.values_list("data", flat=True).get(pk=document.pk)
        signature = "data:image/png;base64," + base64.b64encode(bytes(data)).decode()
    return {"record": acknowledgement, "document": document, "signature": signature}


def _print_context(request, client_pk: int) -> dict:
    client = get_visible_or_404(
        Client.objects.select_related("practice", "therapist"), request.user, pk=client_pk
    )
    order = {code: index for index, code in enumerate(Category.values)}
    agreements = sorted(
        BoundaryAgreement.objects.for_user(request.user).filter(client=client).active(),
        key=lambda agreement: order[agreement.category],
    )
    return {
        "client": client,
        "practice": client.practice,
        "agreements": agreements,
        "acknowledgement": _sheet_acknowledgement(agreements),
        # In the practice's time zone (PracticeTimezoneMiddleware), as on every other page.
        "printed_on": timezone.localdate(),
    }


@never_cache
@require_GET
def agreement_print(request, client_pk: int):
    context = _print_context(request, client_pk)
    record_access(request=request, client=context["client"], object_type="agreement_print", action="print")
    return render(request, "boundaries/print.html", context)


@never_cache
@require_GET
def agreement_pdf(request, client_pk: int):
    context = _print_context(request, client_pk)
    record_access(request=request, client=context["client"], object_type="agreement_pdf", action="export")
    # Imported here: WeasyPrint loads Pango when imported, and only this view needs it.
    from weasyprint import CSS, HTML
    from weasyprint.urls import URLFetcher

    html = render_to_string("boundaries/print.html", {**context, "for_pdf": True}, request=request)
    # The document holds only our own markup and one local stylesheet: fetch nothing else.
    no_fetching = URLFetcher(allowed_protocols=())
    # The signature is inlined as a data: URL, which reads nothing from the network or the disk.
    inline_only = URLFetcher(allowed_protocols=("data",))
    pdf = HTML(string=html, url_fetcher=inline_only).write_pdf(
        stylesheets=[CSS(filename=finders.find(PRINT_STYLESHEET), url_fetcher=no_fetching)]
    )
    filename = f"agreement-{context['client'].code}.pdf"
    return HttpResponse(
        pdf,
        content_type="application/pdf",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


# Changes: only the client's own therapist; anyone else gets a 404.


@require_http_methods(["GET", "POST"])
def agreement_add(request, client_pk: int):
    client = get_owned_or_404(Client, request.user, pk=client_pk)
    if refusal := _refuse_if_discharged(request, client):
        return refusal
    taken = set(BoundaryAgreement.objects.filter(client=client).active().values_list("category", flat=True))
    available = [code for code in Category.values if code not in taken]
    if not available:
        messages.info(request, f"{client} has an active agreement in every category; revise one instead.")
        return redirect(client)
    data = request.POST if request.method == "POST" else None
    category_form = NewAgreementCategoryForm(
        data, available=available, initial={"category": request.GET.get("category", "")}
    )
    chosen = (data or request.GET).get("category")
    form = AgreementForm(
        data,
        category=chosen if chosen in available else available[0],
        wordings=list(AgreementWording.objects.for_user(request.user)),
        wording_categories=available,
    )
    if data is not None and category_form.is_valid() and form.is_valid():
        try:
            with submitted_once(request.user, form.submission_token) as receipt:
                agreement = services.agreement_create(
                    client=client,
                    category=category_form.cleaned_data["category"],
                    recorded_by=request.user,
                    **form.cleaned_data,
                )
                receipt.result_url = agreement.get_absolute_url()
        except AlreadySent as sent:
            return already_sent(request, sent, fallback=client)
        except ValidationError as exc:
            add_service_errors(category_form if "category" in getattr(exc, "error_dict", {}) else form, exc)
        else:
            messages.success(
                request, f"The {agreement.get_category_display().lower()} agreement was recorded."
            )
            return redirect(agreement)
    if data is not None:
        messages.error(request, "The agreement was not saved: please correct the fields marked below.")
    return render(
        request, "boundaries/add.html", {"client": client, "category_form": category_form, "form": form}
    )


@require_http_methods(["GET", "POST"])
def agreement_revise(request, pk: int):
    agreement = get_owned_or_404(BoundaryAgreement.objects.select_related("client"), request.user, pk=pk)
    if not agreement.is_active:
        messages.error(request, "Only the active version of an agreement can be revised.")
        return redirect(agreement)
    if refusal := _refuse_if_discharged(request, agreement.client):
        return refusal
    data = request.POST if request.method == "POST" else None
    form = AgreementRevisionForm(
        data, previous=agreement, wordings=list(AgreementWording.objects.for_user(request.user))
    )
    if data is not None and form.is_valid():
        try:
            with submitted_once(request.user, form.submission_token) as receipt:
                revision = services.agreement_revise(
                    agreement=agreement, recorded_by=request.user, **form.cleaned_data
                )
                receipt.result_url = revision.get_absolute_url()
        except AlreadySent as sent:
            return already_sent(request, sent, fallback=agreement)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(
                request,
                f"Version {revision.version} is now in force; version {agreement.version} is superseded.",
            )
            return redirect(revision)
    if data is not None:
        messages.error(request, "The revision was not saved: please correct the fields marked below.")
    return render(request, "boundaries/revise.html", {"agreement": agreement, "form": form})


@require_POST
def agreement_end(request, pk: int):
    agreement = get_owned_or_404(
        BoundaryAgreement.objects.select_related("client", "recorded_by"), request.user, pk=pk
    )
    if not agreement.is_active:
        messages.error(request, "Only the active version of an agreement can be ended.")
        return redirect(agreement)
    form = EndAgreementForm(request.POST, agreement=agreement)
    if form.is_valid():
        try:
            services.agreement_end(agreement=agreement, ended_on=form.cleaned_data["ended_on"])
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, f"The agreement ended on {date_format(form.cleaned_data['ended_on'])}.")
            return redirect(agreement)
    messages.error(request, "The agreement was not ended: please correct the end date.")
    return _render_detail(request, agreement, end_form=form)
