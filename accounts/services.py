from django.db import transaction

from accounts.models import Practice, User
from accounts.security_log import log_event


@transaction.atomic
def practice_settings_update(*, practice: Practice, changes: dict, by: User) -> Practice:
    """Save the practice's own settings; the change history (``PracticeHistory``) names ``by``.

    Switching two-factor sign-in on for everyone is a security-log event, written once the
    change is committed.
    """
    locked = Practice.objects.select_for_update().get(pk=practice.pk)
    switched_on = changes.get("require_two_factor_for_all") and not locked.require_two_factor_for_all
    for field, value in changes.items():
        setattr(locked, field, value)
    locked.full_clean()
    locked.save()
    if switched_on:
        transaction.on_commit(lambda: log_event("two_factor_required_for_all", user=by, practice=locked.pk))
    return locked
