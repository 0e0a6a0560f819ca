"""What supervision listens to from the floors below it (connected in ``SupervisionConfig.ready``).

- ``clients.signals.records_changed`` -> ``evaluate_after_save``: the rules run for the client
  whose records were saved (client details, agreements, sessions, incidents, signatures), after
  the save has committed.
- ``sessions_log.signals.entry_revised`` -> ``note_entry_revised``: an addendum to an entry a
  supervisor returned is noted on the flags that returned it, in the addendum's transaction.
- ``clients.signals.archive_requested`` -> ``open_flags``: a client with open flags is not
  archived until the supervisor has resolved or dismissed them.
"""

from supervision.engine import evaluate_for_client
from supervision.models import Flag
from supervision.services import flag_entry_revised


def evaluate_after_save(sender, *, client, **kwargs) -> None:
    evaluate_for_client(client)


def note_entry_revised(sender, *, entry, by, addendum, **kwargs) -> None:
    flag_entry_revised(entry=entry, by=by, addendum=addendum)


def open_flags(sender, *, client, **kwargs) -> str:
    count = Flag.objects.filter(client=client).open().count()
    if not count:
        return ""
    if count == 1:
        return "1 open flag: the supervisor resolves or dismisses it first."
    return f"{count} open flags: the supervisor resolves or dismisses them first."
