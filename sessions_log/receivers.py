"""What sessions_log listens to from the floors below it (connected in ``SessionsLogConfig.ready``).

- ``clients.signals.archive_requested`` -> ``unsigned_entries``: a client with unsigned sessions
  or incidents is not archived until they are signed or taken back.
"""

from sessions_log.models import EntryStatus, Incident, Session


def unsigned_entries(sender, *, client, **kwargs) -> str:
    drafts = {"client": client, "status": EntryStatus.DRAFT, "archived_at__isnull": True}
    counts = [
        (model.objects.filter(**drafts).count(), noun)
        for model, noun in ((Session, "session"), (Incident, "incident"))
    ]
    parts = [f"{count} unsigned {noun}{'s' if count > 1 else ''}" for count, noun in counts if count]
    if not parts:
        return ""
    them = "it" if sum(count for count, _ in counts) == 1 else "them"
    return f"{' and '.join(parts)}: sign {them}, or take the draft back."
