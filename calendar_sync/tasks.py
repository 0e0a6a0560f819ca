"""The worker's hourly pull of the therapists' calendar feeds (cron times in UTC).

Each feed is pulled and imported on its own: one that fails (refused, unreachable, not a
calendar) is recorded on the feed for the practice admin and does not stop the others.
"""

import logging

from django.utils import timezone
from procrastinate.contrib.django import app

from calendar_sync.fetch import FeedRefused, fetch
from calendar_sync.models import CalendarFeed, ImportSource
from calendar_sync.services import import_calendar

logger = logging.getLogger(__name__)


def pull(feed: CalendarFeed) -> str:
    """Pull one feed and import it; returns what happened, also kept on the feed."""
    try:
        record = import_calendar(
            therapist=feed.therapist, data=fetch(feed.url), source=ImportSource.FEED, by=feed.therapist
        )
        result = record.summary
    except FeedRefused as exc:
        result = str(exc)
    feed.last_pulled_at, feed.last_result = timezone.now(), result[:500]
    feed.save(update_fields=["last_pulled_at", "last_result"])
    return result


@app.periodic(cron="7 * * * *", periodic_id="hourly", queueing_lock="calendar_pull")
@app.task(name="calendar_sync.pull_feeds")
def pull_feeds(timestamp: int) -> None:
    feeds = CalendarFeed.objects.filter(active=True, therapist__is_active=True).select_related(
        "therapist__practice"
    )
    for feed in feeds:
        logger.info("Calendar feed of user %s: %s", feed.therapist_id, pull(feed))


@app.task(name="calendar_sync.pull_feed", queueing_lock="calendar_pull_one")
def pull_feed(feed_id: int) -> None:
    """One feed, now (the practice admin's "Pull now")."""
    feed = CalendarFeed.objects.filter(pk=feed_id, active=True).select_related("therapist__practice").first()
    if feed is not None:
        logger.info("Calendar feed of user %s: %s", feed.therapist_id, pull(feed))
