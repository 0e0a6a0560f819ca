"""Two-factor sign-in with django-otp: an authenticator app (TOTP) and one-time backup codes.

After the password, a user with a confirmed device is sent to ``two_factor_verify`` and a user
for whom two-factor is required but who has none is sent to ``two_factor_setup``; until then
``TwoFactorMiddleware`` lets them reach nothing else but sign-out. Who must enrol is decided by
``two_factor_required_for``: supervisors, practice admins and superusers, and everyone in a
practice that requires it for all, unless ``TWO_FACTOR_REQUIRED`` is off (the demo).

What a sign-in still owes is written into the session when the user signs in, so a request
costs no query for it; django-otp's ``is_verified()`` then clears it. A session that owed nothing
is asked again once the requirement reaches it (the practice requires it of everyone).
"""

from base64 import b32encode
from binascii import unhexlify
from urllib.parse import urlencode

import segno
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import user_logged_in
from django.contrib.auth.views import LoginView
from django.db import transaction
from django.dispatch import receiver
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST
from django_otp import DEVICE_ID_SESSION_KEY, user_has_device
from django_otp import login as otp_login
from django_otp.oath import TOTP
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_otp.util import random_hex

from accounts.forms import SignInForm, TwoFactorCodeForm
from accounts.models import Role
from accounts.security_log import log_event
from common.next_url import safe_next_url

# What the signed-in session still owes: a code from the user's device, or an enrolment.
PENDING = "alliance_two_factor_pending"
VERIFY = "verify"
ENROL = "enrol"
# The secret being enrolled (hex) and the backup codes to show once.
ENROLMENT_KEY = "alliance_two_factor_key"
NEW_BACKUP_CODES = "alliance_two_factor_backup_codes"
BACKUP_CODE_COUNT = 10

# Reachable while a code or an enrolment is owed; the static files and probes never reach a view
# that asks (WhiteNoise answers first) or are listed here.
ALLOWED_WHILE_PENDING = {
    VERIFY: {"accounts:two_factor_verify", "accounts:logout", "livez", "readyz", "favicon"},
    ENROL: {
        "accounts:two_factor_setup",
        "accounts:two_factor_backup_codes",
        "accounts:logout",
        "livez",
        "readyz",
        "favicon",
    },
}


def redirect_with_next(url_name: str, next_url: str):
    return redirect(f"{reverse(url_name)}?{urlencode({'next': next_url})}")


def two_factor_required_for(user) -> bool:
    """Whether ``user`` must sign in with a second factor (and so must enrol one)."""
    if not settings.TWO_FACTOR_REQUIRED or not user.is_authenticated:
        return False
    if user.is_superuser or user.role in (Role.SUPERVISOR, Role.PRACTICE_ADMIN):
        return True
    return bool(user.practice_id and user.practice.require_two_factor_for_all)


def is_verified(user) -> bool:
    """django-otp's verdict; False for a user the OTP middleware has not seen."""
    return bool(getattr(user, "is_verified", None) and user.is_verified())


@receiver(user_logged_in)
def _owe_second_factor(sender, request, user, **kwargs):
    """Runs after django-otp's own receiver, which marks a sign-in made with a device as verified."""
    if request is None or not hasattr(request, "session"):
        return
    request.session.pop(PENDING, None)
    if request.session.get(DEVICE_ID_SESSION_KEY):
        return
    if user_has_device(user):
        request.session[PENDING] = VERIFY
    elif two_factor_required_for(user):
        request.session[PENDING] = ENROL


def _owed_since_sign_in(request, user) -> str | None:
    """What a session that owed nothing at sign-in owes now: the practice has since required
    two-factor sign-in of everyone. (A change of role ends the session: ``User.get_session_auth_hash``.)
    No query for most requests: the practice is already loaded for its time zone."""
    if is_verified(user) or not two_factor_required_for(user):
        return None
    pending = request.session[PENDING] = VERIFY if user_has_device(user) else ENROL
    return pending


class TwoFactorMiddleware:
    """Holds a signed-in user at the verification or enrolment page until the second factor is done."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return None
        pending = request.session.get(PENDING)
        if pending is None:
            pending = _owed_since_sign_in(request, user)
            if pending is None:
                return None
        if is_verified(user):
            del request.session[PENDING]
            return None
        match = request.resolver_match
        if match is not None and match.view_name in ALLOWED_WHILE_PENDING[pending]:
            return None
        target = "accounts:two_factor_verify" if pending == VERIFY else "accounts:two_factor_setup"
        return redirect_with_next(target, request.get_full_path())


class SignInView(LoginView):
    """Django's sign-in page, saying so when the demo has switched two-factor sign-in off."""

    authentication_form = SignInForm
    redirect_authenticated_user = True

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), "two_factor_off": not settings.TWO_FACTOR_REQUIRED}


def _next_url(request) -> str:
    return safe_next_url(request, reverse(settings.LOGIN_REDIRECT_URL))


def _totp_device(user) -> TOTPDevice | None:
    return TOTPDevice.objects.devices_for_user(user, confirmed=True).first()


def _backup_device(user) -> StaticDevice | None:
    return StaticDevice.objects.devices_for_user(user, confirmed=True).first()


def _normalise(code: str) -> str:
    return "".join(code.split()).replace("-", "").lower()


def _check_code(request, user, code: str, *, backup_allowed: bool):
    """The device that accepts ``code``, or None with the form error to show.

    Six digits go to the authenticator app, anything else to the backup codes. Each device
    throttles its own failures (django-otp: 1, 2, 4, 8... seconds after successive failures).
    """
    code = _normalise(code)
    device = _totp_device(user) if code.isdigit() else (_backup_device(user) if backup_allowed else None)
    if device is None:
        log_event("two_factor_failed", request=request, user=user, reason="no_such_device")
        return None, "That code is not right. Enter the 6-digit code your authenticator app shows now."
    allowed, details = device.verify_is_allowed()
    if not allowed:
        wait = max(1, int((details["locked_until"] - timezone.now()).total_seconds() + 0.999))
        log_event("two_factor_failed", request=request, user=user, reason="throttled")
        return None, f"Too many wrong codes in a row: wait {wait} seconds, then try again."
    with transaction.atomic():
        device = type(device).objects.select_for_update().get(pk=device.pk)
        accepted = device.verify_token(code)
    if not accepted:
        log_event("two_factor_failed", request=request, user=user, reason="wrong_code")
        return None, "That code is not right. Check the time on your phone and try the newest code."
    return device, None


def _mark_verified(request, device) -> None:
    # A new session key for the stronger sign-in, as at sign-in itself.
    request.session.cycle_key()
    otp_login(request, device)
    request.session.pop(PENDING, None)


def _new_backup_codes(user) -> list[str]:
    device, _ = StaticDevice.objects.get_or_create(user=user, defaults={"name": "Backup codes"})
    device.token_set.all().delete()
    device.throttle_reset(commit=False)
    device.confirmed = True
    device.save()
    codes = [StaticToken.random_token() for _ in range(BACKUP_CODE_COUNT)]
    device.token_set.bulk_create([StaticToken(device=device, token=code) for code in codes])
    return codes


@require_http_methods(["GET", "POST"])
def two_factor_verify(request):
    """The second step of signing in: a code from the authenticator app, or a backup code."""
    user = request.user
    if is_verified(user) or not user_has_device(user):
        request.session.pop(PENDING, None)
        return redirect(_next_url(request))
    form = TwoFactorCodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        device, error = _check_code(request, user, form.cleaned_data["code"], backup_allowed=True)
        if device is not None:
            _mark_verified(request, device)
            log_event(
                "two_factor_verified",
                request=request,
                user=user,
                method="backup_code" if isinstance(device, StaticDevice) else "totp",
            )
            if isinstance(device, StaticDevice):
                left = device.token_set.count()
                messages.warning(
                    request,
                    f"You signed in with a backup code; {left} left. "
                    "Make new ones under Two-factor sign-in if you are running low.",
                )
            return redirect(_next_url(request))
        form.add_error("code", error)
    return render(
        request, "accounts/two_factor_verify.html", {"form": form, "next": request.GET.get("next", "")}
    )


def _qr_code(device: TOTPDevice) -> str:
    """The enrolment QR code as an SVG data: URI, for an <img> (the CSP allows img-src data:)."""
    return segno.make(device.config_url, error="m").svg_data_uri(scale=4, border=4, dark="#000", light="#fff")


@require_http_methods(["GET", "POST"])
def two_factor_setup(request):
    """Enrol an authenticator app, or see and manage the one enrolled."""
    user = request.user
    device = _totp_device(user)
    if device is not None:
        backup = _backup_device(user)
        return render(
            request,
            "accounts/two_factor_manage.html",
            {
                "device": device,
                "backup_codes_left": backup.token_set.count() if backup else 0,
                "required": two_factor_required_for(user),
                "regenerate_form": TwoFactorCodeForm(prefix="regenerate"),
                "disable_form": TwoFactorCodeForm(prefix="disable"),
            },
        )
    # The secret lives in the session until the user proves their app has it; only then is a
    # device stored, so looking at this page writes nothing.
    key = request.session.get(ENROLMENT_KEY)
    if not key:
        key = request.session[ENROLMENT_KEY] = random_hex(20)
    pending = TOTPDevice(user=user, key=key, name="Authenticator app")
    form = TwoFactorCodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        code = _normalise(form.cleaned_data["code"])
        totp = TOTP(pending.bin_key)
        if code.isdigit() and totp.verify(int(code), tolerance=pending.tolerance):
            # The code just used may not sign in again.
            pending.last_t, pending.drift = totp.t(), totp.drift
            with transaction.atomic():
                pending.confirmed = True
                pending.save()
                codes = _new_backup_codes(user)
            del request.session[ENROLMENT_KEY]
            _mark_verified(request, pending)
            request.session[NEW_BACKUP_CODES] = codes
            log_event("two_factor_enrolled", request=request, user=user)
            messages.success(request, "Two-factor sign-in is on. Keep these backup codes somewhere safe.")
            return redirect_with_next("accounts:two_factor_backup_codes", _next_url(request))
        log_event("two_factor_failed", request=request, user=user, reason="enrolment_code")
        form.add_error(
            "code", "That code is not right. Check the time on your phone and enter the newest code."
        )
    return render(
        request,
        "accounts/two_factor_setup.html",
        {
            "form": form,
            "qr_code": _qr_code(pending),
            "secret": " ".join(_chunks(b32encode(unhexlify(key)).decode(), 4)),
            "required": two_factor_required_for(user),
            "next": request.GET.get("next", ""),
        },
    )


def _chunks(text: str, size: int) -> list[str]:
    return [text[i : i + size] for i in range(0, len(text), size)]


@require_http_methods(["GET", "POST"])
def two_factor_backup_codes(request):
    """GET: the backup codes just made, shown this once. POST: replace them (needs a current code)."""
    user = request.user
    if request.method == "POST":
        form = TwoFactorCodeForm(request.POST, prefix="regenerate")
        if _totp_device(user) is not None and form.is_valid():
            device, error = _check_code(request, user, form.cleaned_data["code"], backup_allowed=False)
            if device is not None:
                request.session[NEW_BACKUP_CODES] = _new_backup_codes(user)
                log_event("two_factor_backup_codes_replaced", request=request, user=user)
                messages.success(request, "New backup codes made; the old ones no longer work.")
                return redirect("accounts:two_factor_backup_codes")
            messages.error(request, f"Backup codes not replaced. {error}")
        else:
            messages.error(request, "Backup codes not replaced: enter the code your authenticator app shows.")
        return redirect("accounts:two_factor_setup")
    codes = request.session.pop(NEW_BACKUP_CODES, None)
    if not codes:
        return redirect("accounts:two_factor_setup")
    return render(
        request, "accounts/two_factor_backup_codes.html", {"codes": codes, "next": _next_url(request)}
    )


@require_POST
def two_factor_disable(request):
    """Remove the authenticator app and the backup codes (needs a current code from the app)."""
    user = request.user
    form = TwoFactorCodeForm(request.POST, prefix="disable")
    if _totp_device(user) is None or not form.is_valid():
        messages.error(
            request, "Two-factor sign-in not turned off: enter the code your authenticator app shows."
        )
        return redirect("accounts:two_factor_setup")
    device, error = _check_code(request, user, form.cleaned_data["code"], backup_allowed=False)
    if device is None:
        messages.error(request, f"Two-factor sign-in not turned off. {error}")
        return redirect("accounts:two_factor_setup")
    with transaction.atomic():
        TOTPDevice.objects.filter(user=user).delete()
        StaticDevice.objects.filter(user=user).delete()
    request.session.pop(DEVICE_ID_SESSION_KEY, None)
    log_event("two_factor_disabled", request=request, user=user)
    if two_factor_required_for(user):
        request.session[PENDING] = ENROL
        messages.info(
            request, "Your authenticator app is removed. Set up the new one now: your role requires it."
        )
    else:
        messages.success(request, "Two-factor sign-in is off.")
    return redirect("accounts:two_factor_setup")
