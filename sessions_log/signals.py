"""Signals of the session log, for higher floors to connect to.

``entry_revised`` (``entry=``, ``by=``, ``addendum=``): ``by`` added ``addendum`` to the signed
session or incident ``entry`` (any revision request open on it is answered by it already). Sent
inside the transaction that stores the addendum, so a receiver's
writes commit or roll back with it; supervision connects the flags that returned the entry
(``supervision/receivers.py``).
"""

from django.dispatch import Signal

entry_revised = Signal()
