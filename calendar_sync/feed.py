"""A user's private iCalendar feed of their dates: follow-ups due, agreement reviews, meetings.

Summaries carry only the kind of item and the client's pseudonymous code, never clinical text:
a calendar app may copy them anywhere (a phone, a cloud account, a lock screen).
"""

import datetime

import icalendar
from django.conf import settings
from django.utils import timezone

from accounts.models import Role
from boundaries.models import BoundaryAgreement
from sessions_log.models import FollowUp
from supervision.models import Meeting

# Dates further back than this are of no use in a calendar; the feed stays small.
DAYS_BACK = 30


def _all_day(uid: str, day: datetime.date, summary: str, stamp: datetime.datetime) -> icalendar.Event:
    event = icalendar.Event()
    event.add("uid", uid)
    event.add("dtstamp", stamp)
    event.add("dtstart", day)
    event.add("dtend", day + datetime.timedelta(days=1))
    event.add("summary", summary)
    event.add("transp", "TRANSPARENT")
    return event


def feed_for(user) -> bytes:
    """The user's open follow-ups with a due date, their clients' agreement reviews, and their
    supervision meetings, from ``DAYS_BACK`` days ago on (four queries)."""
    now = timezone.now()
    since = timezone.localdate() - datetime.timedelta(days=DAYS_BACK)
    domain = settings.SITE_URL.split("//")[-1].split("/")[0] or "alliance"
    calendar = icalendar.Calendar()
    calendar.add("prodid", "-//Alliance//Private feed//EN")
    calendar.add("version", "2.0")
    calendar.add("x-wr-calname", "Alliance")
    follow_ups = (
        FollowUp.objects.for_user(user)
        .without_archived_clients()
        .open()
        .filter(owner=user, due_on__gte=since)
        .select_related("client")
        .order_by("due_on", "pk")
    )
    for follow_up in follow_ups:
        subject = follow_up.client.code if follow_up.client_id else "caseload"
        calendar.add_component(
            _all_day(
                f"follow-up-{follow_up.pk}@{domain}", follow_up.due_on, f"Follow-up due · {subject}", now
            )
        )
    if user.role == Role.THERAPIST:
        reviews = (
            BoundaryAgreement.objects.owned_by(user)
            .active()
            .filter(next_review_on__gte=since)
            .select_related("client")
            .order_by("next_review_on", "pk")
        )
        for agreement in reviews:
            calendar.add_component(
                _all_day(
                    f"agreement-review-{agreement.pk}@{domain}",
                    agreement.next_review_on,
                    f"Agreement review · {agreement.client.code}",
                    now,
                )
            )
    meetings = (
        Meeting.objects.for_user(user)
        .filter(archived_at__isnull=True, starts_at__date__gte=since)
        .order_by("starts_at", "pk")
    )
    for meeting in meetings:
        event = icalendar.Event()
        event.add("uid", f"meeting-{meeting.pk}@{domain}")
        event.add("dtstamp", now)
        event.add("dtstart", meeting.starts_at)
        event.add("dtend", meeting.ends_at)
        event.add("summary", f"Supervision meeting ({meeting.get_format_display().lower()})")
        calendar.add_component(event)
    return calendar.to_ical()
