"""E-mail about follow-ups, queued in the transaction that assigns them.

Messages name the client's pseudonymous code, the due date and a link; the follow-up's own text
stays in Alliance (it may hold clinical detail).
"""

import datetime
import zoneinfo
from collections import defaultdict

from django.conf import settings
from django.utils import timezone

from accounts.models import Practice, User
from common import mail
from common.dates import date_text
from sessions_log.models import FollowUp


def _about(follow_up: FollowUp) -> str:
    if follow_up.client_id:
        return f"client {follow_up.client.code}"
    return f"the caseload of {follow_up.therapist}"


def notify_follow_up_assigned(follow_up: FollowUp) -> None:
    """Tell an owner who did not set the follow-up themselves that it is theirs."""
    about = _about(follow_up)
    due = date_text(follow_up.due_on) if follow_up.due_on else "no date"
    mail.send(
        subject=f"[Alliance] A follow-up for you ({about}), due {due}",
        body=(
            f"{follow_up.created_by} gave you a follow-up ({follow_up.get_origin_display().lower()}) "
            f"about {about}, due {due}.\n\n"
            f"Open it in Alliance: {settings.SITE_URL.rstrip('/')}{follow_up.get_absolute_url()}\n"
        ),
        recipients=[follow_up.owner.email],
        practice_id=follow_up.practice_id,
        tag=f"follow_up:{follow_up.pk}",
    )


def send_follow_up_digest(*, now: datetime.datetime | None = None) -> int:
    """One e-mail per owner (queued) listing their follow-ups past due; returns how many.

    "Past due" is judged in each practice's time zone, as the rule follow_up_overdue judges it.
    """
    now = now or timezone.now()
    by_owner: dict[User, list[FollowUp]] = defaultdict(list)
    for practice in Practice.objects.filter(follow_ups__done_at__isnull=True).distinct():
        today = now.astimezone(zoneinfo.ZoneInfo(practice.time_zone)).date()
        for follow_up in (
            # Not those of an archived incident or client: they are out of every list.
            FollowUp.objects.filter(practice=practice, owner__is_active=True)
            .unarchived()
            .overdue(today)
            .select_related("owner", "client")
            .order_by("due_on", "pk")
        ):
            by_owner[follow_up.owner].append(follow_up)
    sent = 0
    for owner, follow_ups in by_owner.items():
        if not owner.email:
            continue
        lines = [
            f"- {_about(follow_up)} · due {date_text(follow_up.due_on)} · "
            f"{settings.SITE_URL.rstrip('/')}{follow_up.get_absolute_url()}"
            for follow_up in follow_ups
        ]
        count = len(follow_ups)
        mail.send(
            subject=f"[Alliance] {count} follow-up{'s' if count != 1 else ''} past due",
            body="These follow-ups of yours are past their due date and not marked done:\n\n"
            + "\n".join(lines)
            + "\n",
            recipients=[owner.email],
            practice_id=owner.practice_id,
        )
        sent += 1
    return sent
