"""Probes for a load balancer or orchestrator.

``/livez``: the process answers (it never touches the database, so a database outage does not
get every app server restarted). ``/readyz``: this server can serve, meaning the database
answers and every migration is applied; a load balancer sends traffic only while it says 200.
Bodies are one generic word or phrase in plain text: no versions, hosts or data.
"""

import logging

from django.contrib.auth.decorators import login_not_required
from django.db import DatabaseError, connection
from django.db.migrations.executor import MigrationExecutor
from django.http import HttpResponse, HttpResponsePermanentRedirect
from django.templatetags.static import static
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

logger = logging.getLogger(__name__)


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
    return _plain("ok")


@login_not_required
def favicon(request):
    """/favicon.ico for pages that name no icon; resolved per request, as the static manifest
    only exists once collectstatic has run."""
    return HttpResponsePermanentRedirect(static("favicon.svg"))
