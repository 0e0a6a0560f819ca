"""What supervision listens to from the floors below it (connected in ``SupervisionConfig.ready``).

- ``clients.signals.records_changed`` -> ``evaluate_after_save``: the rules run for the client
  whose records were saved (client details, agreements, sessions, incidents, signatures), after
  the save has committed.
- ``sessions_log.signals.entry_revised`` -> ``note_entry_revised``: an addendum to an entry a
  supervisor returned is noted on the flags that returned it, in the addendum's transaction.
"""

from supervision.engine import evaluate_for_client
from supervision.services import flag_entry_revised


def evaluate_after_save(sender, *, client, **kwargs) -> None:
    evaluate_for_client(client)


def note_entry_revised(sender, *, entry, by, addendum, **kwargs) -> None:
    flag_entry_revised(entry=entry, by=by, addendum=addendum)
