"""The client's own pages: the list, details, discharge, archive and restore; and the practice
admin's list of client codes to correct.

The pages that read other apps' records about a client (the client page, the timeline, the
export) stand on the top floor, in ``home/``; the intake, which records the agreements too, in
``boundaries/``.
"""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from clients import services
from clients.codes import reasons_against
from clients.forms import ArchiveForm, ClientFilterForm, ClientForm, DischargeForm
from clients.models import Client
from clients.scoping import get_owned_or_404, get_visible_or_404
from clients.signals import client_viewed
from common.forms import StaleEdit


def client_list_context(request, *, per_page: int = 25) -> dict:
    """The filtered, paginated client list, shared by the list page and the therapist home."""
    filter_form = ClientFilterForm(request.GET or None)
    clients = filter_form.filter(
        Client.objects.for_user(request.user).select_related("therapist").order_by("status", "code")
    )
    page = Paginator(clients, per_page).get_page(request.GET.get("page"))
    return {"filter_form": filter_form, "page": page, "clients": page.object_list}


@require_http_methods(["GET"])
def client_list(request):
    return render(request, "clients/list.html", client_list_context(request))


@require_http_methods(["GET", "POST"])
def client_edit(request, pk):
    client = get_owned_or_404(Client, request.user, pk=pk)
    form = ClientForm(request.POST or None, instance=client, practice=client.practice)
    if request.method == "GET":
        client_viewed.send(
            sender=Client, request=request, client=client, object_type="client_edit", object_id=client.pk
        )
    if request.method == "POST" and form.is_valid():
        try:
            services.client_update(client=client, seen_version=form.seen_version, **form.cleaned_data)
        except StaleEdit as exc:
            form.show_conflict(exc.current, what="client's record")
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, "Client details saved.")
            return redirect(client)
    return render(request, "clients/edit.html", {"client": client, "form": form})


@require_POST
def client_discharge(request, pk):
    client = get_owned_or_404(Client, request.user, pk=pk)
    form = DischargeForm(request.POST, client=client)
    if form.is_valid():
        try:
            services.client_discharge(client=client, on=form.cleaned_data["discharged_on"])
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, f"Client {client.code} discharged.")
        return redirect(client)
    return render(request, "clients/discharge.html", {"client": client, "form": form})


@require_POST
def client_archive(request, pk):
    client = get_owned_or_404(Client, request.user, pk=pk)
    form = ArchiveForm(request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(form.errors["reason"]))
        return redirect(client)
    try:
        services.client_archive(client=client, reason=form.cleaned_data["reason"], by=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect(client)
    messages.success(request, f"Client {client.code} archived; the supervisor is told.")
    return redirect("clients:list")


@require_POST
def client_restore(request, pk):
    """The practice admin brings an archived client back; to anyone else it is not there."""
    client = get_visible_or_404(Client, request.user, pk=pk)
    if not request.user.is_practice_admin:
        raise Http404("Only the practice admin restores a client.")
    try:
        services.client_restore(client=client, by=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, f"Client {client.code} restored.")
    return redirect(client)


@require_http_methods(["GET"])
def client_code_review(request):
    """The practice's existing client codes that fail its pattern or look like a name or a date.

    Nothing is changed here: each code is corrected by its client's therapist (``client_edit``).
    One query reads every client of the practice, archived ones included (their codes stay in
    the records until the purge); the checks run in Python, microseconds a code.
    """
    user = request.user
    if not user.is_practice_admin or user.practice_id is None:
        raise PermissionDenied("The client codes to correct are for practice admins.")
    practice = user.practice
    clients = Client.objects.for_user(user).select_related("therapist").order_by("code")
    to_correct = [
        (client, reasons)
        for client in clients
        if (reasons := reasons_against(client.code, practice=practice))
    ]
    return render(request, "clients/code_review.html", {"practice": practice, "to_correct": to_correct})
