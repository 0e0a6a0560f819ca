"""Who viewed what: one append-only row per view, print or export of a page about a client.

A row names the user, the client (none for an export spanning many), the kind and id of the
object, the action, the time, the address and the request id: never any of the content shown.

Rows are written once and never changed: ``save()`` of an existing row, ``delete()`` and the
queryset's ``update()`` and ``delete()`` raise ``AppendOnlyError``, and a database trigger
(django-pgtrigger's ``Protect``, ``append_only``) refuses UPDATE and DELETE on
``audit_accessrecord`` whatever path the SQL comes by, as on the change-history tables. Only the
retention purge lifts it, for its own transaction.
"""

import pgtrigger
from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone

from accounts.models import Practice
from common.dates import datetime_text


class AppendOnlyError(Exception):
    """An attempt to change or delete an access record."""


class AccessAction(models.TextChoices):
    VIEW = "view", "Viewed"
    EXPORT = "export", "Exported"
    PRINT = "print", "Printed"


# The pages each object type links to in the trail, with how their URL takes the id.
OBJECT_URLS = {
    "client": ("clients:detail", "object"),
    "client_edit": ("clients:detail", "object"),
    "timeline": ("clients:timeline", "client"),
    "agreement": ("boundaries:detail", "object"),
    "agreement_print": ("boundaries:print", "client"),
    "agreement_pdf": ("boundaries:print", "client"),
    "agreement_signing": ("boundaries:print", "client"),
    "acknowledgement": ("boundaries:acknowledgement", "object"),
    "acknowledgement_file": ("boundaries:acknowledgement", "object"),
    "session": ("sessions_log:session_detail", "object"),
    "incident": ("sessions_log:incident_detail", "object"),
    "flag": ("supervision:flag_detail", "object"),
    "follow_up": ("follow_up_detail", "object"),
    "supervisee": ("supervision:supervisee", "object"),
    "meeting": ("supervision:meeting_detail", "object"),
}


class AccessRecordQuerySet(models.QuerySet):
    def for_user(self, user):
        """The trail a practice admin reads: their own practice's records; nobody else's."""
        if not user.is_authenticated or not user.is_active or user.practice_id is None:
            return self.none()
        if not user.is_practice_admin:
            return self.none()
        return self.filter(practice_id=user.practice_id)

    def update(self, **kwargs):
        raise AppendOnlyError("Access records cannot be changed.")

    def delete(self):
        raise AppendOnlyError("Access records cannot be deleted.")


class AccessRecord(models.Model):
    practice = models.ForeignKey(Practice, on_delete=models.PROTECT, related_name="access_records")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    client = models.ForeignKey(
        "clients.Client",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text="Empty for an export spanning many clients, or a flag about a therapist.",
    )
    object_type = models.CharField(max_length=40)
    object_id = models.BigIntegerField(null=True, blank=True)
    action = models.CharField(max_length=10, choices=AccessAction, default=AccessAction.VIEW)
    at = models.DateTimeField(default=timezone.now)
    ip = models.GenericIPAddressField(null=True, blank=True)
    request_id = models.CharField(max_length=32, blank=True)

    objects = AccessRecordQuerySet.as_manager()

    class Meta:
        ordering = ["-at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(action__in=AccessAction.values), name="accessrecord_action_valid"
            ),
        ]
        indexes = [
            models.Index(fields=["practice", "at"], name="accessrecord_practice_at_idx"),
            models.Index(fields=["client", "at"], name="accessrecord_client_at_idx"),
        ]
        triggers = [pgtrigger.Protect(name="append_only", operation=pgtrigger.Update | pgtrigger.Delete)]

    def __str__(self) -> str:
        target = f"{self.object_type} {self.object_id}" if self.object_id else self.object_type
        return f"{self.get_action_display()} {target} by user {self.user_id} at {datetime_text(self.at)}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise AppendOnlyError("Access records cannot be changed.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnlyError("Access records cannot be deleted.")

    def object_url(self) -> str:
        """The page the record is about, where there is one page to link to."""
        name, argument = OBJECT_URLS.get(self.object_type, (None, None))
        pk = self.object_id if argument == "object" else self.client_id
        return reverse(name, args=[pk]) if name and pk else ""
