"""The practice's way of writing dates and times, on every page and in every message.

Day first with a short month ("3 Dec 2026, 14:30") reads the same in every English-speaking
country, where "03/12/2026" does not. Templates name these formats (``|date:"DATE_FORMAT"``)
rather than spelling a pattern out, and Python uses ``django.utils.formats.date_format``.
Django looks this module up for "en" and for any "en-*" language code, ``en-us`` included.

Machine-readable values keep ISO 8601: form inputs, ``<time datetime>``, data attributes,
CSV, JSON and iCalendar.
"""

DATE_FORMAT = "j M Y"
DATETIME_FORMAT = "j M Y, H:i"
TIME_FORMAT = "H:i"
SHORT_DATE_FORMAT = DATE_FORMAT
SHORT_DATETIME_FORMAT = DATETIME_FORMAT
YEAR_MONTH_FORMAT = "F Y"
MONTH_DAY_FORMAT = "j F"
FIRST_DAY_OF_WEEK = 1  # Monday

# The first of each list is how a widget without a format of its own writes its value back: ISO,
# which `<input type="date">` needs (`datetime-local` takes "2026-12-03T14:30", see
# sessions_log.forms.DateTimeLocalInput, and DateTimeField reads ISO before these). The
# month-first forms of Django's "en" are left out: a day-first practice would misread them.
DATE_INPUT_FORMATS = [
    "%Y-%m-%d",  # '2026-12-03'
    "%d %b %Y",  # '3 Dec 2026'
    "%d %B %Y",  # '3 December 2026'
]
DATETIME_INPUT_FORMATS = [
    "%Y-%m-%d %H:%M:%S",  # '2026-12-03 14:30:59'
    "%Y-%m-%d %H:%M:%S.%f",  # '2026-12-03 14:30:59.000200'
    "%Y-%m-%d %H:%M",  # '2026-12-03 14:30'
    "%d %b %Y, %H:%M",  # '3 Dec 2026, 14:30'
]
TIME_INPUT_FORMATS = [
    "%H:%M:%S",  # '14:30:59'
    "%H:%M:%S.%f",  # '14:30:59.000200'
    "%H:%M",  # '14:30'
]
