"""The security log: one structured line per security event on the ``alliance.security`` logger.

Events: sign-in, failed sign-in, sign-out, lockout, denied object access, exports, role
changes, integrity mismatches. Lines carry who, from where and the request id, never client
data (a client is named by its database id at most).

The event's fields travel on the log record (``extra``), never inside the message text, and the
JSON formatter of ``LOGGING`` writes each as a key of one JSON object per line: a username with
quotes, line breaks or ``user=1`` in it stays inside its own string and cannot forge a field or a
line. The message is the event's name.
"""

import logging

from axes.signals import user_locked_out
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.db.models.signals import pre_save
from django.dispatch import receiver

from common.client_ip import client_ip
from common.request_id import current_client_ip, current_request_id

logger = logging.getLogger("alliance.security")


# A field may not overwrite what the record already holds (logging refuses it): it gets a "_".
_RECORD_ATTRIBUTES = frozenset(vars(logging.makeLogRecord({}))) | {"message", "asctime"}


def log_event(event: str, *, request=None, user=None, **fields) -> None:
    if user is None and request is not None:
        user = getattr(request, "user", None)
    signed_in = user is not None and getattr(user, "is_authenticated", False)
    record = {
        "event": event,
        "user": user.pk if signed_in else None,
        # Without a request at hand (a queryset helper, a signal), the one being handled.
        "ip": client_ip(request) if request is not None else current_client_ip(),
        "request_id": current_request_id(),
        **fields,
    }
    logger.info(
        event, extra={f"{key}_" if key in _RECORD_ATTRIBUTES else key: value for key, value in record.items()}
    )


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
