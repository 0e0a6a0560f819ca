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

Archived rows, and the rows of an archived client, are left out for every role.
"""

from django.db import models
from django.db.models import Q
from django.http import Http404
from django.shortcuts import get_object_or_404

from accounts.models import Role, SupervisionAssignment
from accounts.security_log import log_event

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

    def for_user(self, user):
        return self.filter(
            visible_q(
                user, practice=self.practice_path, therapist=self.therapist_path, client=self.client_path
            )
        ).unarchived()

    def unarchived(self):
        """Without archived rows, nor rows of an archived client: they stay, but out of every list."""
        queryset = self
        if any(field.name == "archived_at" for field in self.model._meta.concrete_fields):
            queryset = queryset.filter(archived_at__isnull=True)
        if self.client_path not in (None, "pk"):
            queryset = queryset.filter(**{f"{self.client_path}__archived_at__isnull": True})
        return queryset

    def owned_by(self, user):
        """Rows ``user`` may change: those of their own clients. Others only read."""
        return self.for_user(user).filter(**{self.therapist_path: user.pk})


def get_visible_or_404(queryset, user, **lookup):
    """Fetch one object ``user`` may see; anything else, existing or not, is a 404."""
    if isinstance(queryset, type):
        queryset = queryset.objects.all()
    return _get_or_404(queryset, queryset.for_user(user), user, "read", lookup)


def get_owned_or_404(queryset, user, **lookup):
    """Fetch one object ``user`` may change (their own client's); anything else is a 404."""
    if isinstance(queryset, type):
        queryset = queryset.objects.all()
    return _get_or_404(queryset, queryset.owned_by(user), user, "change", lookup)


def _get_or_404(everything, allowed, user, action: str, lookup: dict):
    try:
        return get_object_or_404(allowed, **lookup)
    except Http404:
        # The user is told nothing; the security log records an attempt on a real object.
        if everything.filter(**lookup).exists():
            log_event(
                "access_denied", user=user, model=everything.model._meta.label_lower, action=action, **lookup
            )
        raise
