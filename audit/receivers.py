"""What audit listens to from the floors below it (connected in ``AuditConfig.ready``).

- ``clients.signals.client_viewed`` -> ``record_client_viewed``: a page of the clients app showed
  a client's data; one access record, written in the request like every other.
"""

from audit.services import record_access


def record_client_viewed(sender, *, request, client, object_type, object_id=None, **kwargs) -> None:
    record_access(request=request, client=client, object_type=object_type, object_id=object_id)
