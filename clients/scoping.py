"""Who may see which client data: the one place where that is decided.

Every model that holds client data gets its queryset from ``ScopedQuerySet``, naming the
paths from a row to its practice and to the therapist who owns the client. ``for_user`` then
keeps only what the role allows:

- therapist: rows of their own clients, and - to read only - rows of a client an emergency
  access grant currently opens to them (``owned_by`` never includes those);
- supervisor: rows of the clients of therapists they supervise under a *current* assignment;
- practice admin: every row of their own practice;
- superuser (a deployment operator, not a practice member): everything;
- anybody else, and every role across practices: nothing.

An archived client stays readable, with all its rows, to whoever could read it before: its
therapist, their current supervisor and the practice admin (issue #14: archiving must not hide a
client from supervision). Nobody changes it (``owned_by`` and ``for_change`` leave it out) and
the lists of pending work leave it out (``without_archived_clients``). A row archived itself - a
draft taken back before signing - stays out of every list and page; only the right-of-access
export reads it (``archived_entries=True``).
"""

from django.db import models
from django.db.models import Q
from django.http import Http404
from django.shortcuts import get_object_or_404

from accounts.models import Role, SupervisionAssignment
from accounts.security_log import log_event
from common import access_trail

NOTHING = Q(pk__in=[])


def visible_q(user, *, practice: str, therapist: str, client: str | None = None) -> Q:
    """A filter selecting the rows whose ``practice``, ``therapist`` and ``client`` paths ``user`` may see."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return NOTHING
    if user.is_superuser:
        return Q()
    if user.practice_id is None:
        return NOTHING
    in_practice = Q(**{practice: user.practice_id})
    if user.role == Role.PRACTICE_ADMIN:
        return in_practice
    if user.role == Role.THERAPIST:
        own = Q(**{therapist: user.pk})
        if client is not None:
            # Imported here: clients.models builds its querysets on this module.
            from clients.models import EmergencyAccess

            granted = EmergencyAccess.objects.current().filter(therapist=user).values("client")
            own |= Q(**{f"{client}__in": granted})
        return in_practice & own
    if user.role == Role.SUPERVISOR:
        supervisees = SupervisionAssignment.objects.current().filter(supervisor=user).values("therapist")
        return in_practice & Q(**{f"{therapist}__in": supervisees})
    return NOTHING


class ScopedQuerySet(models.QuerySet):
    practice_path = "practice"
    therapist_path = "therapist"
    # From a row to its client, for emergency access; None where rows are not about one client.
    client_path: str | None = "client"

    def for_user(self, user, *, archived_entries: bool = False):
        """The rows ``user`` may read, an archived client's included; drafts taken back only
        with ``archived_entries`` (the export holds everything)."""
        queryset = self.filter(
            visible_q(
                user, practice=self.practice_path, therapist=self.therapist_path, client=self.client_path
            )
        )
        return queryset if archived_entries else queryset.without_archived_entries()

    def without_archived_entries(self):
        """Without rows archived themselves (a draft taken back): they count nowhere."""
        if self.client_path == "pk" or not any(
            field.name == "archived_at" for field in self.model._meta.concrete_fields
        ):
            return self
        return self.filter(archived_at__isnull=True)

    def without_archived_clients(self):
        """Without the rows of an archived client: out of the lists of work still to do."""
        if self.client_path == "pk":
            return self.filter(archived_at__isnull=True)
        if self.client_path is None:
            return self
        return self.filter(**{f"{self.client_path}__archived_at__isnull": True})

    def unarchived(self):
        """Without archived rows, nor rows of an archived client: what the rules and digests count."""
        return self.without_archived_entries().without_archived_clients()

    def owned_by(self, user):
        """Rows ``user`` may change: those of their own clients, not archived. Others only read."""
        return self.for_user(user).without_archived_clients().filter(**{self.therapist_path: user.pk})


def get_visible_or_404(queryset, user, *, for_change: bool = False, **lookup):
    """Fetch one object ``user`` may see; anything else, existing or not, is a 404.

    ``for_change``: the caller is about to change it (a supervisor's decision, a follow-up
    marked done), and an archived client's rows are read-only, so those are a 404 too.
    """
    if isinstance(queryset, type):
        queryset = queryset.objects.all()
    allowed = queryset.for_user(user)
    if for_change:
        allowed = allowed.without_archived_clients()
    return _get_or_404(queryset, allowed, user, "change" if for_change else "read", lookup)


def get_owned_or_404(queryset, user, **lookup):
    """Fetch one object ``user`` may change (their own client's); anything else is a 404."""
    if isinstance(queryset, type):
        queryset = queryset.objects.all()
    return _get_or_404(queryset, queryset.owned_by(user), user, "change", lookup)


def _get_or_404(everything, allowed, user, action: str, lookup: dict):
    try:
        found = get_object_or_404(allowed, **lookup)
    except Http404:
        # The user is told nothing; the security log records an attempt on a real object.
        if everything.filter(**lookup).exists():
            log_event(
                "access_denied", user=user, model=everything.model._meta.label_lower, action=action, **lookup
            )
        raise
    # What is handed to a view is shown: audit.middleware writes the access record.
    access_trail.note_shown(found)
    return found
