"""Supervision's periodic tasks, run by the worker (cron times in UTC).

Several workers on several hosts may run the schedule: procrastinate defers each periodic task
once per period (a unique row per task and timestamp), and the queueing lock keeps a slow run
from piling up behind itself. ``manage.py evaluate_flags`` and ``send_overdue_digest`` stay for a
manual run.
"""

import datetime
import logging

from procrastinate.contrib.django import app

from sessions_log.notifications import send_follow_up_digest
from supervision.engine import evaluate_all
from supervision.notifications import send_overdue_digest

logger = logging.getLogger(__name__)


@app.periodic(cron="*/15 * * * *", periodic_id="every-15-minutes", queueing_lock="rule_sweep")
@app.task(name="supervision.rule_sweep")
def rule_sweep(timestamp: int) -> None:
    """The rules whose answer the clock changes (a follow-up now overdue, an incident leaving a window)."""
    result = evaluate_all()
    logger.info(
        "Rule sweep: %d flags opened, %d refreshed, %d closed, %d practices skipped.",
        len(result.opened),
        len(result.refreshed),
        len(result.closed),
        len(result.skipped),
    )


@app.periodic(cron="0 6 * * *", periodic_id="daily", queueing_lock="overdue_digest")
@app.task(name="supervision.overdue_digest")
def overdue_digest(timestamp: int) -> None:
    """Supervisors hear of flags past acknowledgement; owners of follow-ups past due."""
    now = datetime.datetime.fromtimestamp(timestamp, datetime.UTC)
    flags, follow_ups = send_overdue_digest(now=now), send_follow_up_digest(now=now)
    logger.info("Overdue digest: %d e-mails about flags, %d about follow-ups queued.", flags, follow_ups)
