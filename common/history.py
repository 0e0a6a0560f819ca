"""Change history (django-pghistory): who changed which row, when, in which request.

Database triggers copy every insert, update and delete of a tracked model into its history table
(``<Model>History``), so a change made by any path, the admin site or a shell included, is
recorded. The history tables are append-only: a trigger refuses UPDATE and DELETE on them.

Each event points at a ``pghistory.Context`` row with the request's metadata: the signed-in
user's id (``user``), the path (``url``) and the request id (``request_id``, the one in the log
lines and on the error pages). Changes made outside a request (management commands, the rule
engine run from cron) have no context. The context rows themselves are not append-only:
pghistory fills in their metadata as the request goes on.
"""

import pghistory
import pghistory.middleware

from common.request_id import current_request_id


def track_changes(*, exclude: list[str] | None = None):
    """Class decorator: record inserts, updates and deletes of the model in ``<Model>History``.

    ``exclude`` names fields kept out of the history (secrets such as the password hash), and
    an update that changes only those records nothing.
    """

    def decorate(model):
        return pghistory.track(
            # New tracker instances per model: pghistory keeps per-model state on them.
            pghistory.InsertEvent(),
            pghistory.UpdateEvent(),
            pghistory.DeleteEvent(),
            exclude=exclude,
            # ``client.history``, not pghistory's ``events``: a flag already has its own events.
            obj_field=pghistory.ObjForeignKey(related_name="history"),
            append_only=True,
            model_name=f"{model.__name__}History",
        )(model)

    return decorate


class HistoryMiddleware(pghistory.middleware.HistoryMiddleware):
    """pghistory's middleware (user and url), plus the request id."""

    def get_context(self, request) -> dict:
        return {**super().get_context(request), "request_id": current_request_id()}
