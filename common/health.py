"""Probes for a load balancer or orchestrator.

``/livez``: the process answers (it never touches the database, so a database outage does not
get every app server restarted). ``/readyz``: this server can serve, meaning the database
answers and every migration is applied; a load balancer sends traffic only while it says 200.
Its body goes on to report the task queue: when a worker was last seen and how long the oldest
ready task has waited. A missing worker does not make the server unready (pages still serve;
mail waits in the queue), so a monitor reads the body: "no worker seen" is the alarm.
Bodies are generic plain text: no versions, hosts or data.
"""

import datetime
import logging

from django.contrib.auth.decorators import login_not_required
from django.db import DatabaseError, connection
from django.db.migrations.executor import MigrationExecutor
from django.http import HttpResponse, HttpResponsePermanentRedirect
from django.templatetags.static import static
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

logger = logging.getLogger(__name__)

# A worker beats every 10 s; one not heard from for this long is gone.
WORKER_SEEN_WITHIN = datetime.timedelta(minutes=5)


def _plain(body: str, status: int = 200) -> HttpResponse:
    return HttpResponse(f"{body}\n", status=status, content_type="text/plain; charset=utf-8")


@login_not_required
@never_cache
@require_safe
def livez(request):
    return _plain("ok")


@login_not_required
@never_cache
@require_safe
def readyz(request):
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        executor = MigrationExecutor(connection)
        pending = executor.migration_plan(executor.loader.graph.leaf_nodes())
    except DatabaseError as exc:
        logger.warning("Not ready: the database is unavailable: %s", exc)
        return _plain("database unavailable", 503)
    if pending:
        logger.warning("Not ready: %d migrations are not applied", len(pending))
        return _plain("migrations pending", 503)
    try:
        queue = _queue_report()
    except DatabaseError as exc:
        logger.warning("Not ready: the database is unavailable: %s", exc)
        return _plain("database unavailable", 503)
    return _plain(f"ok\n{queue}")


def _seconds(delta: datetime.timedelta) -> str:
    return f"{max(int(delta.total_seconds()), 0)} s"


def _queue_report() -> str:
    """Two lines: the worker last seen, and the oldest task ready to run (todo, due now)."""
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT (SELECT max(last_heartbeat) FROM procrastinate_workers),
                   (SELECT min(coalesce(job.scheduled_at, (
                        SELECT min(event.at) FROM procrastinate_events event
                        WHERE event.job_id = job.id AND event.type = 'deferred')))
                    FROM procrastinate_jobs job
                    WHERE job.status = 'todo' AND (job.scheduled_at IS NULL OR job.scheduled_at <= now()))
            """
        )
        last_heartbeat, oldest_ready = cursor.fetchone()
    now = timezone.now()
    if last_heartbeat is None or now - last_heartbeat > WORKER_SEEN_WITHIN:
        worker = f"queue: no worker seen in the last {int(WORKER_SEEN_WITHIN.total_seconds() // 60)} minutes"
    else:
        worker = f"queue: a worker seen {_seconds(now - last_heartbeat)} ago"
    ready = "none" if oldest_ready is None else f"waiting {_seconds(now - oldest_ready)}"
    return f"{worker}\nqueue: oldest ready task {ready}"


@login_not_required
def favicon(request):
    """/favicon.ico for pages that name no icon; resolved per request, as the static manifest
    only exists once collectstatic has run."""
    return HttpResponsePermanentRedirect(static("favicon.svg"))
