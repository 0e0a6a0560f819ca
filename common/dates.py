"""Dates and times in words people read: the named formats of config/formats/en/formats.py.

For messages built in Python (errors, e-mail, choice labels, ``__str__``); templates use
``|date:"DATE_FORMAT"`` and ``|date:"DATETIME_FORMAT"``. Machine-read values (CSV, iCalendar,
form inputs, file names) stay ISO 8601 and do not come here.
"""

import datetime

from django.utils import timezone
from django.utils.formats import date_format, time_format


def date_text(value: datetime.date | datetime.datetime) -> str:
    """A date, or the day of a moment in the current time zone: "3 Dec 2026"."""
    if isinstance(value, datetime.datetime):
        value = timezone.localtime(value)
    return date_format(value, "DATE_FORMAT")


def datetime_text(value: datetime.datetime, *, zone: bool = False) -> str:
    """A moment in the current time zone: "3 Dec 2026, 14:30", and "3 Dec 2026, 14:30 CET" with
    ``zone``, for a reader (of an e-mail) who may not know which zone the practice keeps."""
    local = timezone.localtime(value)
    text = date_format(local, "DATETIME_FORMAT")
    return f"{text} {local:%Z}" if zone else text


def time_text(value: datetime.time | datetime.datetime) -> str:
    """A time of day, or that of a moment in the current time zone: "14:30"."""
    if isinstance(value, datetime.datetime):
        value = timezone.localtime(value)
    return time_format(value, "TIME_FORMAT")
