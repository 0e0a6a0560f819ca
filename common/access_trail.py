"""What a response showed about clients, so that one place writes the access trail.

``clients.scoping`` notes every object it hands a view (``get_visible_or_404``,
``get_owned_or_404``); ``audit.services.record_access`` notes that a view wrote its record
itself (a timeline, an export: a kind of access of their own). ``audit.middleware`` then writes
one access record for every response that showed a noted object, or a list of client data, and
wrote none: a new view cannot forget it, and the access matrix fails for a client-data URL
that records nothing.
"""

import contextvars
from dataclasses import dataclass, field


@dataclass
class Trail:
    shown: list = field(default_factory=list)
    recorded: bool = False


_trail: contextvars.ContextVar[Trail | None] = contextvars.ContextVar("access_trail", default=None)


def begin() -> contextvars.Token:
    return _trail.set(Trail())


def end(token: contextvars.Token) -> None:
    _trail.reset(token)


def current() -> Trail | None:
    return _trail.get()


def note_shown(obj) -> None:
    """``obj`` (a client or a row about one) was fetched for the response being built."""
    if (trail := _trail.get()) is not None:
        trail.shown.append(obj)


def note_recorded() -> None:
    """The view wrote its own access record for this response."""
    if (trail := _trail.get()) is not None:
        trail.recorded = True
