"""Signals by which the record-keeping apps let higher floors react, without knowing them.

``records_changed`` (``client=``): something that a rule may read about ``client`` was saved, its
client row included. The services of clients, boundaries and sessions_log send it through
``send_records_changed`` once their transaction commits; supervision connects the rule engine
to it (``supervision/receivers.py``).

``archive_requested`` (``client=``): a client is about to be archived. Each receiver returns what
must be settled first, as one sentence ("2 open flags: …"), or "" when nothing. The higher apps
answer for their own rows: sessions_log for unsigned entries (``sessions_log/receivers.py``),
supervision for open flags (``supervision/receivers.py``). ``clients.services.client_archive``
refuses while any answer is not empty.

``client_viewed``: see below.
"""

from django.db import transaction
from django.dispatch import Signal

records_changed = Signal()
archive_requested = Signal()


def archive_obstacles(client) -> list[str]:
    """What the apps that listen to ``archive_requested`` say must be settled before archiving."""
    return [answer for _, answer in archive_requested.send(sender=type(client), client=client) if answer]


def send_records_changed(client) -> None:
    """Send ``records_changed`` for ``client`` after the current transaction commits.

    ``robust``: the save is already committed, so a failing receiver is logged, never raised
    into the request that made the save.
    """
    transaction.on_commit(lambda: records_changed.send(sender=type(client), client=client), robust=True)


# Sent by the clients app's own pages that show a client's data, with ``request=``, ``client=``,
# ``object_type=`` and ``object_id=``; audit writes the access record (``audit/receivers.py``).
# Pages on the floors above audit call ``audit.services.record_access`` themselves.
client_viewed = Signal()
