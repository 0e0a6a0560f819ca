"""The practice's library of standard agreement wordings, kept by its practice admin.

Therapists start an agreement from one at intake, when adding an agreement and when revising
one (``boundaries.forms.AgreementForm``); what they record is a copy, so changing or removing a
wording here changes no agreement. The pages are the practice admin's alone: anyone else gets a
404, and so does an admin of another practice asking for one of this practice's wordings.
"""

from django.contrib import messages
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.submissions import AlreadySent, already_sent, submitted_once
from boundaries.forms import AgreementWordingForm
from boundaries.models import AgreementWording, Category


def _refuse_unless_practice_admin(user) -> None:
    if not user.is_practice_admin or user.practice_id is None:
        raise Http404


def _wording_or_404(user, pk: int) -> AgreementWording:
    _refuse_unless_practice_admin(user)
    return get_object_or_404(AgreementWording.objects.for_user(user), pk=pk)


@require_GET
def wording_list(request):
    _refuse_unless_practice_admin(request.user)
    wordings = list(AgreementWording.objects.for_user(request.user))
    by_category = [
        (Category(code), [wording for wording in wordings if wording.category == code])
        for code in Category.values
    ]
    return render(
        request,
        "boundaries/wording_list.html",
        {"practice": request.user.practice, "by_category": by_category},
    )


@require_http_methods(["GET", "POST"])
def wording_new(request):
    _refuse_unless_practice_admin(request.user)
    data = request.POST if request.method == "POST" else None
    form = AgreementWordingForm(
        data,
        instance=AgreementWording(practice=request.user.practice),
        initial={"category": request.GET.get("category", "")},
    )
    if data is not None and form.is_valid():
        try:
            with submitted_once(request.user, form.submission_token) as receipt:
                wording = form.save()
                receipt.result_url = reverse("practice:wordings")
        except AlreadySent as sent:
            return already_sent(request, sent, fallback="practice:wordings")
        messages.success(
            request, f"“{wording.title}” added to the {wording.get_category_display().lower()} wordings."
        )
        return redirect("practice:wordings")
    return render(request, "boundaries/wording_form.html", {"form": form, "wording": None})


@require_http_methods(["GET", "POST"])
def wording_edit(request, pk: int):
    wording = _wording_or_404(request.user, pk)
    data = request.POST if request.method == "POST" else None
    form = AgreementWordingForm(data, instance=wording)
    if data is not None and form.is_valid():
        form.save()
        messages.success(request, f"“{wording.title}” saved.")
        return redirect("practice:wordings")
    return render(request, "boundaries/wording_form.html", {"form": form, "wording": wording})


@require_POST
def wording_delete(request, pk: int):
    wording = _wording_or_404(request.user, pk)
    wording.delete()
    messages.success(
        request,
        f"“{wording.title}” removed from the library; agreements that started from it keep their terms.",
    )
    return redirect("practice:wordings")
