"""Give every entry returned before revision requests existed its request, and every "revised"
event its addendum.

A return's request is the return event's comment, by its actor, at its time; it is answered by
the first addendum to the entry at or after that time. A "revised" event names the newest
addendum to its entry at or before the event's time.
"""

from django.db import migrations


def link_returns(apps, schema_editor):
    FlagEvent = apps.get_model("supervision", "FlagEvent")
    RevisionRequest = apps.get_model("sessions_log", "RevisionRequest")
    Addendum = apps.get_model("sessions_log", "Addendum")
    returns = FlagEvent.objects.filter(kind="returned", revision_request__isnull=True).exclude(
        incident__isnull=True, session__isnull=True
    )
    for event in returns.select_related("incident", "session").order_by("pk"):
        entry = {"incident_id": event.incident_id} if event.incident_id else {"session_id": event.session_id}
        client_id = (event.incident or event.session).client_id
        answer = (
            Addendum.objects.filter(created_at__gte=event.created_at, **entry)
            .order_by("created_at", "pk")
            .first()
        )
        event.revision_request = RevisionRequest.objects.create(
            client_id=client_id,
            requested_by_id=event.actor_id,
            requested_at=event.created_at,
            request=event.comment.strip() or "(No words were recorded with this return.)",
            addendum=answer,
            **entry,
        )
        event.save(update_fields=["revision_request"])
    for event in FlagEvent.objects.filter(kind="revised", addendum__isnull=True).order_by("pk"):
        entry = {"incident_id": event.incident_id} if event.incident_id else {"session_id": event.session_id}
        if not (event.incident_id or event.session_id):
            continue
        event.addendum = (
            Addendum.objects.filter(created_at__lte=event.created_at, **entry)
            .order_by("-created_at", "-pk")
            .first()
        )
        if event.addendum is not None:
            # The text the event used to carry is now the addendum's own, shown in full.
            event.comment = ""
            event.save(update_fields=["addendum", "comment"])


def unlink_returns(apps, schema_editor):
    FlagEvent = apps.get_model("supervision", "FlagEvent")
    RevisionRequest = apps.get_model("sessions_log", "RevisionRequest")
    FlagEvent.objects.filter(kind="revised", addendum__isnull=False, comment="").update(
        comment="An addendum was added to the returned entry."
    )
    FlagEvent.objects.update(revision_request=None, addendum=None)
    RevisionRequest.objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [
        ("supervision", "0004_plans_replies_readings"),
        ("sessions_log", "0007_copy_incident_follow_ups"),
    ]

    operations = [migrations.RunPython(link_returns, unlink_returns)]
