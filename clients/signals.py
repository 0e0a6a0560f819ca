"""Signals by which the record-keeping apps let higher floors react, without knowing them.

``records_changed`` (``client=``): something that a rule may read about ``client`` was saved, its
client row included. The services of clients, boundaries and sessions_log send it through
``send_records_changed`` once their transaction commits; supervision connects the rule engine
to it (``supervision/receivers.py``).

``client_viewed``: see below.
"""

from django.db import transaction
from django.dispatch import Signal

records_changed = Signal()


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
