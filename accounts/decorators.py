"""Re-authentication ("sudo mode", after healthchecks' ``require_sudo_mode``): an action that lets
a lot of client data leave Alliance asks the signed-in user for their password again, at most
once every ``RECENT_PASSWORD_FOR``.

It is the password that is asked, of users with a second factor too: a wrong one is a failed
sign-in for django-axes (through ``authenticate()``), so guessing it here counts towards the same
lockout as guessing it on the sign-in page, and a lockout here signs the session out. The time of
the last re-entry is kept in the session: another session (another browser) asks again.
"""

import datetime
from functools import wraps
from urllib.parse import urlencode

from axes.utils import reset as reset_failures
from django.conf import settings
from django.contrib.auth import authenticate, logout
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone

from common.client_ip import client_ip

RECENT_PASSWORD_FOR = datetime.timedelta(minutes=5)
CONFIRMED_AT_KEY = "alliance_password_confirmed_at"


def has_recent_password(request) -> bool:
    confirmed_at = request.session.get(CONFIRMED_AT_KEY)
    if confirmed_at is None:
        return False
    age = timezone.now() - datetime.datetime.fromtimestamp(confirmed_at, tz=datetime.UTC)
    return datetime.timedelta(0) <= age <= RECENT_PASSWORD_FOR


def mark_recent_password(request) -> None:
    request.session[CONFIRMED_AT_KEY] = timezone.now().timestamp()


def check_password_again(request, password: str) -> bool:
    """Whether ``password`` is the signed-in user's, asked as the sign-in page asks it.

    Through ``authenticate()``: while the user is locked out even the right password is refused,
    and a wrong one is a failure that django-axes counts (and logs, as ``sign_in_failed``). The
    failure that locks the account out also ends this session; ``AxesMiddleware`` then answers
    with the lockout page. A right one clears the count, as a sign-in does.
    """
    user = request.user
    username = user.get_username()
    authenticated = authenticate(request, username=username, password=password)
    if authenticated is not None and authenticated.pk == user.pk:
        if settings.AXES_ENABLED and settings.AXES_RESET_ON_SUCCESS:
            reset_failures(ip=client_ip(request), username=username)
        return True
    if getattr(request, "axes_locked_out", False):
        logout(request)
    return False


def require_recent_password(view=None, *, guard=None):
    """Send a user who has not re-entered their password within ``RECENT_PASSWORD_FOR`` to
    ``accounts:confirm_password``, which brings them back here afterwards.

    ``guard(request, *args, **kwargs)`` runs first when the password is to be asked, and raises
    for a visitor the view would refuse: a stranger gets the view's 404 (or a 403), never a
    password page. The view itself still checks as always.
    """

    def decorator(view):
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            if has_recent_password(request):
                return view(request, *args, **kwargs)
            if guard is not None:
                guard(request, *args, **kwargs)
            query = urlencode({"next": request.get_full_path()})
            return redirect(f"{reverse('accounts:confirm_password')}?{query}")

        return wrapper

    return decorator if view is None else decorator(view)
