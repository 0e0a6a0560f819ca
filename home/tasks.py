"""The retention purge as a daily periodic task of the worker (03:00 UTC); ``manage.py
purge_archived`` stays for a manual or dry run. The same task forgets old form tokens."""

import logging

from django.conf import settings
from procrastinate.contrib.django import app

from accounts.submissions import forget_old_submissions
from home.retention import client_purge_archived

logger = logging.getLogger(__name__)


@app.periodic(cron="0 3 * * *", periodic_id="daily", queueing_lock="retention_purge")
@app.task(name="home.retention_purge")
def retention_purge(timestamp: int) -> None:
    counts = client_purge_archived(older_than_years=settings.RETENTION_YEARS)
    counts["form tokens"] = forget_old_submissions()
    logger.info("Retention purge: %s.", ", ".join(f"{count} {label}" for label, count in counts.items()))
