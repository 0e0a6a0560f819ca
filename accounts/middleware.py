import time
import zoneinfo

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout, user_logged_in
from django.contrib.auth.views import redirect_to_login
from django.dispatch import receiver
from django.utils import timezone
from django.utils.cache import add_never_cache_headers

from accounts.submissions import already_sent, earlier_result

SIGNED_IN_AT = "alliance_signed_in_at"
LAST_SEEN = "alliance_last_seen"


class PracticeTimezoneMiddleware:
    """Show times in the signed-in user's practice time zone; they are stored in UTC."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and user.practice_id:
            timezone.activate(zoneinfo.ZoneInfo(user.practice.time_zone))
        else:
            timezone.deactivate()
        try:
            return self.get_response(request)
        finally:
            timezone.deactivate()


class SessionLimitsMiddleware:
    """Sign out after ``SESSION_IDLE_SECONDS`` without a request and ``SESSION_MAX_SECONDS`` after
    sign-in, whatever happens in between (HIPAA 164.312(a)(2)(iii), automatic logoff).

    The last request's time is written at most once a minute, so most requests cost no session
    write; the idle limit is therefore exact to within a minute.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            now = int(time.time())
            session = request.session
            signed_in_at = session.get(SIGNED_IN_AT, now)
            last_seen = session.get(LAST_SEEN, now)
            if (
                now - last_seen > settings.SESSION_IDLE_SECONDS
                or now - signed_in_at > settings.SESSION_MAX_SECONDS
            ):
                idle = now - last_seen > settings.SESSION_IDLE_SECONDS
                logout(request)
                messages.info(
                    request,
                    "You were signed out after "
                    + (
                        f"{settings.SESSION_IDLE_SECONDS // 60} minutes without activity."
                        if idle
                        else f"{settings.SESSION_MAX_SECONDS // 3600} hours; please sign in again."
                    ),
                )
                return redirect_to_login(request.get_full_path())
            if now - last_seen >= 60 or SIGNED_IN_AT not in session:
                session[LAST_SEEN] = now
                session.setdefault(SIGNED_IN_AT, now)
        return self.get_response(request)


@receiver(user_logged_in)
def _start_session_clock(sender, request, user, **kwargs):
    if request is not None and hasattr(request, "session"):
        now = int(time.time())
        request.session[SIGNED_IN_AT] = now
        request.session[LAST_SEEN] = now


class NoStoreMiddleware:
    """Pages for a signed-in user hold clinical data: no browser or proxy may keep a copy."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            add_never_cache_headers(response)
        return response


class SentAgainMiddleware:
    """A create form sent again (a double click, the back button, a re-send after a 503) lands on
    what its first send made, before the view runs: the view's own checks might refuse the second
    send because of what the first did (the agreement it revised is no longer active, the flag it
    resolved is closed). After CSRF's check (``process_view`` runs in MIDDLEWARE's order). One
    query, on a POST that carries a form token only.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        if request.method != "POST" or not request.user.is_authenticated:
            return None
        if "submission_token" in request.POST and (earlier := earlier_result(request.user, request.POST)):
            return already_sent(request, earlier, fallback="home")
        return None
