"""Copy each incident's follow-up (its four columns) into a FollowUp task.

Nothing is lost or changed on the incidents: the columns stay, signed as they were (see
``Incident.legacy_signed_fields``). Who created a copied follow-up and who marked it done were
never kept, so those stay blank; "done on" becomes noon of that day in the practice's time zone
(or the moment of migrating, for a follow-up marked done this morning).
An incident with no follow-up owner gets its client's therapist, as the form always offered.
"""

import datetime
import zoneinfo

from django.db import migrations
from django.utils import timezone


def copy_follow_ups(apps, schema_editor):
    Incident = apps.get_model("sessions_log", "Incident")
    FollowUp = apps.get_model("sessions_log", "FollowUp")
    incidents = (
        Incident.objects.exclude(follow_up__regex=r"^\s*$")
        .filter(follow_ups__isnull=True)
        .select_related("client__practice")
        .order_by("pk")
    )
    batch = []
    now = timezone.now()
    for incident in incidents.iterator(chunk_size=2000):
        client = incident.client
        done_at = None
        if incident.follow_up_done_on is not None:
            zone = zoneinfo.ZoneInfo(client.practice.time_zone)
            noon = datetime.datetime.combine(incident.follow_up_done_on, datetime.time(12), tzinfo=zone)
            # Marked done this morning: not "done" at a time still to come.
            done_at = min(noon, now)
        batch.append(
            FollowUp(
                practice_id=client.practice_id,
                therapist_id=client.therapist_id,
                client_id=client.pk,
                origin="incident",
                incident_id=incident.pk,
                action=incident.follow_up.strip(),
                owner_id=incident.follow_up_owner_id or client.therapist_id,
                due_on=incident.follow_up_due,
                created_by_id=None,
                created_at=incident.documented_at,
                done_at=done_at,
            )
        )
        if len(batch) >= 2000:
            FollowUp.objects.bulk_create(batch)
            batch = []
    FollowUp.objects.bulk_create(batch)


def copy_back_completion(apps, schema_editor):
    """Going back: a copied follow-up marked done since is marked done on its incident."""
    FollowUp = apps.get_model("sessions_log", "FollowUp")
    Incident = apps.get_model("sessions_log", "Incident")
    for follow_up in FollowUp.objects.filter(
        origin="incident", done_at__isnull=False, incident__follow_up_due__isnull=False
    ).select_related("practice"):
        day = follow_up.done_at.astimezone(zoneinfo.ZoneInfo(follow_up.practice.time_zone)).date()
        Incident.objects.filter(pk=follow_up.incident_id, follow_up_done_on__isnull=True).update(
            follow_up_done_on=day
        )


class Migration(migrations.Migration):
    dependencies = [("sessions_log", "0006_follow_up_tasks_and_revision_requests")]

    operations = [migrations.RunPython(copy_follow_ups, copy_back_completion)]
