"""One way of writing dates and times (config/formats/en/formats.py), and the ISO the inputs keep."""

import datetime
import zoneinfo

import pytest
from django import forms
from django.template import Context, Template
from django.utils import timezone
from django.utils.formats import date_format, get_format

from common.dates import date_text, datetime_text, time_text
from common.widgets import DateInput
from sessions_log.forms import DateTimeLocalInput

LONDON = zoneinfo.ZoneInfo("Europe/London")
# 23:30 in London on 2 July is 22:30 UTC: the day shown depends on the zone.
LATE = datetime.datetime(2026, 7, 2, 22, 30, tzinfo=datetime.UTC)


def test_the_language_code_en_us_takes_the_practice_formats():
    assert get_format("DATE_FORMAT") == "j M Y"
    assert date_format(datetime.date(2026, 12, 3)) == "3 Dec 2026"
    assert (
        date_format(datetime.datetime(2026, 12, 3, 14, 5, tzinfo=datetime.UTC), "DATETIME_FORMAT")
        == "3 Dec 2026, 14:05"
    )
    assert date_format(datetime.date(2026, 12, 3), "SHORT_DATE_FORMAT") == "3 Dec 2026"
    assert get_format("FIRST_DAY_OF_WEEK") == 1


def test_templates_write_plain_and_named_dates_alike():
    template = Template(
        '{{ day }} | {{ day|date:"DATE_FORMAT" }} | {{ moment }} | {{ moment|date:"TIME_FORMAT" }}'
    )

    with timezone.override(LONDON):
        text = template.render(Context({"day": datetime.date(2026, 3, 9), "moment": LATE}))

    assert text == "9 Mar 2026 | 9 Mar 2026 | 2 Jul 2026, 23:30 | 23:30"


def test_the_helpers_write_moments_in_the_current_time_zone():
    with timezone.override(LONDON):
        assert date_text(LATE) == "2 Jul 2026"
        assert datetime_text(LATE) == "2 Jul 2026, 23:30"
        assert datetime_text(LATE, zone=True) == "2 Jul 2026, 23:30 BST"
        assert time_text(LATE) == "23:30"
    assert date_text(datetime.date(2026, 12, 3)) == "3 Dec 2026"
    assert time_text(datetime.time(9, 5)) == "09:05"


def test_the_date_pickers_get_and_give_back_iso():
    assert DateInput().format_value(datetime.date(2026, 12, 3)) == "2026-12-03"
    assert (
        DateTimeLocalInput().format_value(datetime.datetime(2026, 12, 3, 14, 5, tzinfo=datetime.UTC))
        == "2026-12-03T14:05"
    )
    assert forms.DateField().clean("2026-12-03") == datetime.date(2026, 12, 3)
    with timezone.override(LONDON):
        assert forms.DateTimeField().clean("2026-12-03T14:05") == datetime.datetime(
            2026, 12, 3, 14, 5, tzinfo=LONDON
        )


@pytest.mark.parametrize("typed", ["3 Dec 2026", "3 December 2026"])
def test_a_date_as_shown_is_read_back(typed):
    assert forms.DateField().clean(typed) == datetime.date(2026, 12, 3)


def test_a_month_first_date_is_refused_rather_than_misread():
    with pytest.raises(forms.ValidationError):
        forms.DateField().clean("12/03/2026")
