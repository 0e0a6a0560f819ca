"""The password asked again while signed in: the page ``require_recent_password`` sends to, and
the password change, whose old password is checked the same way (``check_password_again``).

A wrong password on either counts towards the sign-in lockout; the one that locks the account
out signs the session out, and the lockout page answers.
"""

from django.conf import settings
from django.contrib.auth import views as auth_views
from django.shortcuts import redirect, render
from django.urls import reverse, reverse_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from accounts.decorators import RECENT_PASSWORD_FOR, mark_recent_password
from accounts.forms import ConfirmPasswordForm, PasswordChangeForm
from accounts.security_log import log_event
from common.next_url import safe_next_url


def _next_url(request) -> str:
    return safe_next_url(request, reverse(settings.LOGIN_REDIRECT_URL))


@never_cache
@require_http_methods(["GET", "POST"])
def confirm_password(request):
    """Ask for the password; once given, it counts for ``RECENT_PASSWORD_FOR`` in this session."""
    user = request.user
    next_url = _next_url(request)
    form = ConfirmPasswordForm(request.POST if request.method == "POST" else None, request=request)
    if request.method == "POST":
        if form.is_valid():
            mark_recent_password(request)
            log_event("password_confirmed", request=request, user=user)
            return redirect(next_url)
        log_event("password_confirm_failed", request=request, user=user)
    return render(
        request,
        "accounts/confirm_password.html",
        {"form": form, "next": next_url, "minutes": int(RECENT_PASSWORD_FOR.total_seconds() // 60)},
    )


class PasswordChangeView(auth_views.PasswordChangeView):
    """Django's, keeping the session that changed the password (``update_session_auth_hash``) and
    ending the user's others (their session hash no longer matches: ``User.get_session_auth_hash``)."""

    form_class = PasswordChangeForm
    success_url = reverse_lazy("accounts:password_change_done")

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "request": self.request}
