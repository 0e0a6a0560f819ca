"""Whether a client code identifies the client: a date (of birth, most likely) or a name in it.

Pure functions: they read the code, the practice's pattern and today's date, and Faker's name
lists, nothing else. The intake and the client's edit page refuse a new code that
``identifying_reason`` has a reason against (``clients.forms.ClientForm``); the practice admin's
list of existing codes to correct shows ``reasons_against`` each (``clients.views.client_code_review``).

Dates: a run of six or eight digits read as YYYYMMDD, DDMMYYYY, MMDDYYYY, YYMMDD, DDMMYY or
MMDDYY, or three runs of digits joined by hyphens, dots or slashes read as year-month-day,
day-month-year or month-day-year (RS-1985-03-12, RS-12.03.85), a day from 1900 to today. Left
alone on purpose, as ordinary numbering: seven digits (a year and a three-digit number,
RS-2024012), more than eight, and six beginning with 00 (RS-000123, zero-padded, rather than a
day in 2000).

Names: a code with no digit at all, or a part of three letters or more that is a given or family
name in Faker's person lists for the locales below. Two-letter initials (RS, KB) are never
compared, and neither is a part the practice's own pattern requires as it is (``^WEST-[0-9]+$``
makes WEST the practice's, not the client's).
"""

import datetime
import functools
import importlib
import re
import unicodedata
from dataclasses import dataclass

from django.utils import dateformat, timezone

# Faker's person providers (faker/providers/person/<locale>): its given and family names.
NAME_LOCALES = (
    "en_US",
    "en_GB",
    "en_IE",
    "es_ES",
    "es_MX",
    "fr_FR",
    "de_DE",
    "it_IT",
    "pt_BR",
    "pt_PT",
    "nl_NL",
    "pl_PL",
)
SHORTEST_NAME = 3

_DIGIT_CHAIN = re.compile(r"[0-9]+(?:[-./][0-9]+)*")
_SEPARATOR = re.compile(r"[-./]")
_LETTERS = re.compile(r"[A-Z]+")
_WORD = re.compile(r"[^\W\d_]+")
# Letters with no accent to strip: Unicode does not decompose them into a plain letter and a mark.
_UNDECOMPOSED = str.maketrans({"Ł": "L", "Ø": "O", "Đ": "D", "Æ": "AE", "Œ": "OE", "Þ": "TH"})
# Stand-ins for a letter part when asking whether the practice's pattern requires it as it is.
_FILLERS = "XAQ"

# How a run of digits is read, by its length: the slices holding the year, the month and the day.
_COMPACT = {
    8: (
        (slice(0, 4), slice(4, 6), slice(6, 8)),  # YYYYMMDD
        (slice(4, 8), slice(2, 4), slice(0, 2)),  # DDMMYYYY
        (slice(4, 8), slice(0, 2), slice(2, 4)),  # MMDDYYYY
    ),
    6: (
        (slice(0, 2), slice(2, 4), slice(4, 6)),  # YYMMDD
        (slice(4, 6), slice(2, 4), slice(0, 2)),  # DDMMYY
        (slice(4, 6), slice(0, 2), slice(2, 4)),  # MMDDYY
    ),
}
# Three separated runs: which of them holds the year, the month and the day.
_SEPARATED = (
    (0, 1, 2),  # 1985-03-12
    (2, 1, 0),  # 12.03.1985, 12.03.85
    (2, 0, 1),  # 03/12/1985
)


@dataclass(frozen=True)
class Reason:
    """Why a code identifies the client: ``code`` is the form error's code, ``text`` follows the
    client code in a sentence, ``advice`` says what to choose instead."""

    code: str
    text: str
    advice: str


def identifying_reason(
    code: str, *, pattern: str | None = None, today: datetime.date | None = None
) -> Reason | None:
    """The reason ``code`` looks like a date or a name, or None; ``pattern`` is the practice's."""
    code = _plain(code)
    today = today or timezone.localdate()
    if (day := _date_in(code, today)) is not None:
        return Reason(
            "looks_like_date",
            f"looks like a date of birth ({dateformat.format(day, 'j F Y')})",
            "and a number that is not a date",
        )
    if found := _names_in(code, pattern):
        kinds = {kind for _, kind in found}
        kind = kinds.pop() if len(kinds) == 1 else "name"
        parts = ", ".join(part for part, _ in found)
        return Reason("looks_like_name", f"looks like a {kind} ({parts})", "and letters that are not a name")
    if not any(character.isdigit() for character in code):
        return Reason(
            "looks_like_name",
            "has no number, so it reads as a name or initials",
            "and a number that is not a date",
        )
    return None


def reasons_against(code: str, *, practice, today: datetime.date | None = None) -> list[str]:
    """Everything wrong with an existing ``code`` of ``practice``: what identifies the client, and
    a mismatch with the practice's pattern; an empty list for a good code."""
    reasons = []
    if reason := identifying_reason(code, pattern=practice.client_code_pattern, today=today):
        reasons.append(reason.text)
    if not re.search(practice.client_code_pattern, code):
        reasons.append(f"does not follow the practice's pattern ({practice.client_code_help})")
    return reasons


def _plain(text: str) -> str:
    """``text`` in capitals without accents: LÓPEZ is LOPEZ, ŁUKASZ is LUKASZ."""
    decomposed = unicodedata.normalize("NFKD", text.upper().translate(_UNDECOMPOSED))
    return "".join(character for character in decomposed if not unicodedata.combining(character))


# Dates


def _date_in(code: str, today: datetime.date) -> datetime.date | None:
    for chain in _DIGIT_CHAIN.findall(code):
        runs = _SEPARATOR.split(chain)
        for run in runs:
            if (day := _compact_date(run, today)) is not None:
                return day
        for start in range(len(runs) - 2):
            if (day := _separated_date(runs[start : start + 3], today)) is not None:
                return day
    return None


def _compact_date(run: str, today: datetime.date) -> datetime.date | None:
    if len(run) == 6 and run.startswith("00"):
        return None  # zero padding (RS-000123), not a day in the year 2000
    for year, month, day in _COMPACT.get(len(run), ()):
        found = _date(run[year], run[month], run[day], today)
        if found is not None:
            return found
    return None


def _separated_date(runs: list[str], today: datetime.date) -> datetime.date | None:
    for year, month, day in _SEPARATED:
        if len(runs[year]) in (2, 4) and len(runs[month]) <= 2 and len(runs[day]) <= 2:
            found = _date(runs[year], runs[month], runs[day], today)
            if found is not None:
                return found
    return None


def _date(year: str, month: str, day: str, today: datetime.date) -> datetime.date | None:
    """The day those digits name, from 1900 to ``today``; a two-digit year in either century."""
    years = [int(year)] if len(year) == 4 else [2000 + int(year), 1900 + int(year)]
    for candidate in years:
        try:
            found = datetime.date(candidate, int(month), int(day))
        except ValueError:  # month or day 00, 13th month, 31 April
            continue
        if datetime.date(1900, 1, 1) <= found <= today:
            return found
    return None


# Names


def _names_in(code: str, pattern: str | None) -> list[tuple[str, str]]:
    """The letter parts of ``code`` that are names, each with its kind (given name, family name)."""
    given, family = _names()
    found = []
    for part in _LETTERS.finditer(code):
        word = part.group()
        if len(word) < SHORTEST_NAME or _required_by(pattern, code, part):
            continue
        if word in given and word in family:
            found.append((word, "name"))
        elif word in given:
            found.append((word, "given name"))
        elif word in family:
            found.append((word, "family name"))
    return found


def _required_by(pattern: str | None, code: str, part: re.Match) -> bool:
    """Whether ``pattern`` accepts ``code`` only with this part as it is: then it is the practice's."""
    if not pattern or not re.search(pattern, code):
        return False
    for filler in _FILLERS:
        other = code[: part.start()] + filler * len(part.group()) + code[part.end() :]
        if re.search(pattern, other):
            return False
    return True


@functools.cache
def _names() -> tuple[frozenset[str], frozenset[str]]:
    """Given names and family names of ``NAME_LOCALES``, in capitals without accents.

    Read from every list a locale's provider has of first or last names (``first_names_female``,
    pl_PL's ``unisex_last_names``...), defined or inherited: some are tuples, some weighted dicts
    whose keys are the names. Each word of three letters or more counts, and a name of several
    words counts whole too (O'Connor: CONNOR and OCONNOR); lower-case particles (van, de) do not.
    """
    given, family = set(), set()
    for locale in NAME_LOCALES:
        provider = importlib.import_module(f"faker.providers.person.{locale}").Provider
        for attribute in dir(provider):
            into = given if "first_name" in attribute else family if "last_name" in attribute else None
            names = getattr(provider, attribute)
            if into is not None and isinstance(names, (tuple, list, dict)):
                for name in names:
                    into.update(_name_words(name))
    return frozenset(given), frozenset(family)


def _name_words(name: str) -> set[str]:
    words = [_plain(word) for word in _WORD.findall(name) if word[0].isupper()]
    words = [re.sub(r"[^A-Z]", "", word) for word in words]
    return {word for word in (*words, "".join(words)) if len(word) >= SHORTEST_NAME}
