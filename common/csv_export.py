"""CSV downloads: one response helper, with cells a spreadsheet will not run as formulas.

A cell that starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return is a formula to
Excel and LibreOffice (CSV injection); such a cell is written with a leading apostrophe.
"""

import csv
import datetime
import itertools
from collections.abc import Iterable, Sequence

from django.http import HttpResponse, StreamingHttpResponse
from django.utils import timezone

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(value, zone=None) -> str:
    """One cell: blank for None, yes/no, times to the minute in ``zone`` (the current one)."""
    if value is None:
        return ""
    if isinstance(value, datetime.datetime):
        return f"{timezone.localtime(value, zone):%Y-%m-%d %H:%M}"
    if isinstance(value, bool):
        return "yes" if value else "no"
    text = str(value)
    return "'" + text if text.startswith(FORMULA_START) else text


class _Echo:
    """A file-like object whose ``write`` hands the line back, for streaming."""

    def write(self, value):
        return value


def csv_response(filename: str, header: Sequence[str], rows: Iterable[Sequence], *, stream: bool = False):
    """An attachment ``filename`` with ``header`` and ``rows``; ``stream`` for long ones.

    A streamed response writes its rows after the middleware has deactivated the practice's
    time zone, so the zone is taken now and used for every row.
    """
    zone = timezone.get_current_timezone()
    writer = csv.writer(_Echo())
    lines = (
        writer.writerow([csv_cell(value, zone) for value in row]) for row in itertools.chain([header], rows)
    )
    content_type = "text/csv; charset=utf-8"
    response = (
        StreamingHttpResponse(lines, content_type=content_type)
        if stream
        else HttpResponse("".join(lines), content_type=content_type)
    )
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
