"""Times as Sina states them (page dates and metas, roll-API seconds, feed dates), as UTC
datetimes.

Every function here returns None rather than raising: a date that cannot be a date (year
0001, an offset of +99:99, Unix seconds in the year 3170843, ...) is absent, and the next
source of FORMAT.md's order is used.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from typing import Any

from dateutil import parser as dateparser
from dateutil.tz import tzoffset

BEIJING = tzoffset("CST", 8 * 3600)  # Sina states Beijing time; China has no daylight saving
EARLIEST = datetime(1995, 1, 1, tzinfo=UTC)  # before any Sina page
FUTURE = timedelta(days=2)  # how far ahead of our clock a page's clock may be

_CHINESE_DATE = re.compile(
    r"(\d{4})\s*[年./-]\s*(\d{1,2})\s*[月./-]\s*(\d{1,2})\s*日?\s*(\d{1,2})[:：](\d{2})(?:[:：](\d{2}))?"
)
_RFC822_YEAR = re.compile(r"\d\s+[A-Za-z]{3}\s+(\d+)")
_MAX_TEXT = 200  # longer texts are not one date; dateutil's tokenizer is slow on them
# Errors of the standard library's and dateutil's date arithmetic on impossible values.
_DATE_ERRORS = (ValueError, OverflowError, OSError)


def plausible(moment: datetime | None) -> datetime | None:
    """`moment` in UTC (a naive one is Beijing time) when it can be a Sina publication
    time: after 1995 and not in the future; else None."""
    if moment is None:
        return None
    try:
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=BEIJING)
        moment = moment.astimezone(UTC)
    except _DATE_ERRORS:  # an offset of a day or more; a year 0001 moved out of range
        return None
    if not EARLIEST <= moment <= datetime.now(UTC) + FUTURE:
        return None
    return moment


def parse_time(text: str, visible: bool = False) -> datetime | None:
    """A Beijing-time (or zoned) time string as a UTC datetime, or None.

    `visible` texts ("2018年12月28日 19:55", "2005.08.26 05:39", "作者：…") must hold a
    date and a time; metas are ISO-like and read with python-dateutil.
    """
    text = text.replace("\xa0", " ").strip()
    if not text:
        return None
    if visible:
        match = _CHINESE_DATE.search(text)
        if not match:
            return None
        try:
            return plausible(datetime(*(int(g or 0) for g in match.groups())))
        except _DATE_ERRORS:
            return None
    try:  # ISO 8601, as Sina's metas mostly are, without dateutil's tokenizer
        return plausible(datetime.fromisoformat(text))
    except _DATE_ERRORS:
        pass
    if len(text) > _MAX_TEXT:
        return None
    try:
        return plausible(dateparser.parse(text))
    except _DATE_ERRORS:
        return None


def unix_time(value: Any) -> datetime | None:
    """Unix seconds (the roll API sends them as strings) as a UTC datetime, or None."""
    if isinstance(value, bool) or not isinstance(value, int | str):
        return None
    try:
        return plausible(datetime.fromtimestamp(int(value), UTC))
    except _DATE_ERRORS:
        return None


def feed_time(text: str) -> datetime | None:
    """RFC 822 (RSS) or ISO 8601 (Atom) as UTC, or None; without a zone, Beijing time."""
    try:
        moment = parsedate_to_datetime(text)
    except (TypeError, *_DATE_ERRORS):
        return parse_time(text)
    written = _RFC822_YEAR.search(text)  # RFC 822 reads a year 0001 as 2001, as it does 01
    if written and len(written[1]) > 2 and written[1].lstrip("0") != str(moment.year):
        return None
    return plausible(moment)
