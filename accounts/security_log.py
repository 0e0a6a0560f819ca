"""The security log: one structured line per security event on the ``alliance.security`` logger.

Events: sign-in, failed sign-in, sign-out, lockout, denied object access, exports, role
changes, integrity mismatches. Lines carry who, from where and the request id, never client
data (a client is named by its database id at most).
"""

import logging

from axes.signals import user_locked_out
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.db.models.signals import pre_save
from django.dispatch import receiver

from common.client_ip import client_ip
from common.request_id import current_request_id

logger = logging.getLogger("alliance.security")


def _value(value) -> str:
    text = str(value).replace("\n", " ")
    return f'"{text}"' if " " in text or not text else text


def log_event(event: str, *, request=None, user=None, **fields) -> None:
    if user is None and request is not None:
        user = getattr(request, "user", None)
    parts = {
        "event": event,
        "user": getattr(user, "pk", None)
        if user is not None and getattr(user, "is_authenticated", False)
        else "-",
        "ip": client_ip(request) if request is not None else "-",
        "request_id": current_request_id(),
        **fields,
    }
    logger.info(" ".join(f"{key}={_value(value)}" for key, value in parts.items()))


@receiver(user_logged_in)
def _signed_in(sender, request, user, **kwargs):
    log_event("sign_in", request=request, user=user)


@receiver(user_login_failed)
def _sign_in_failed(sender, credentials, request=None, **kwargs):
    log_event("sign_in_failed", request=request, username=credentials.get("username", ""))


@receiver(user_logged_out)
def _signed_out(sender, request, user, **kwargs):
    log_event("sign_out", request=request, user=user)


@receiver(user_locked_out)
def _locked_out(sender, request, username, ip_address, **kwargs):
    log_event("lockout", request=request, username=username or "")


@receiver(pre_save, sender="accounts.User")
def _role_changed(sender, instance, **kwargs):
    if instance.pk is None:
        return
    before = sender.objects.filter(pk=instance.pk).values("role", "is_active", "is_superuser").first()
    if before is None:
        return
    changed = {
        key: (old, getattr(instance, key)) for key, old in before.items() if getattr(instance, key) != old
    }
    if changed:
        log_event(
            "account_changed",
            subject=instance.pk,
            changes=",".join(f"{key}:{old}->{new}" for key, (old, new) in changed.items()),
        )
