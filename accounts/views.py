"""The practice's own settings, edited by its admin.

The page is about the role, not about an object: anyone but a practice admin gets a 403, and
an admin only ever reaches their own practice.
"""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from accounts import services
from accounts.forms import PracticeSettingsForm


@require_http_methods(["GET", "POST"])
def practice_settings(request):
    user = request.user
    if not user.is_practice_admin or user.practice_id is None:
        raise PermissionDenied("The practice settings are for practice admins.")
    practice = user.practice
    form = PracticeSettingsForm(request.POST or None, instance=practice)
    if request.method == "POST" and form.is_valid():
        services.practice_settings_update(
            practice=practice,
            changes={field: form.cleaned_data[field] for field in form.Meta.fields},
            by=user,
        )
        messages.success(request, f"Settings of {practice} saved.")
        return redirect("practice:settings")
    return render(request, "accounts/practice_settings.html", {"form": form, "practice": practice})
