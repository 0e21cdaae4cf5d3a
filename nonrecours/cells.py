"""Dates and moments as a cell of a collection tool's export or of a French
spreadsheet holds them, in one place (no Django).

A cell is read in one of these forms, or not at all (None): it is never
replaced by "now" nor by a guess.

- ISO 8601 with or without a zone, `T` or a space, fractions of a second,
  `Z` (KoboToolbox, ODK Central, LimeSurvey, our own exports);
- French spreadsheet display `dd/mm/yyyy hh:mm[:ss]` or `dd/mm/yyyy`, and
  the same with a two-digit year (a Central export opened and saved again);
- a spreadsheet serial number of five digits (days since 1899-12-30, the
  1900 date system of Excel and LibreOffice: 1927-05-18 to 2173-10-14), as
  a cell that lost its date format holds.

Used by the survey importer (surveys/importers/moments.py) and the
screening of households (rights/screening.py).
"""

import datetime
import re

from nonrecours.french import parse_number

_MAX_LENGTH = 40
_FRENCH = re.compile(
    r"^(?P<d>\d{1,2})/(?P<m>\d{1,2})/(?P<y>\d{4}|\d{2})"
    r"(?:[ T]+(?P<H>\d{1,2})[:h](?P<M>\d{2})(?::(?P<S>\d{2})(?:[.,](?P<f>\d{1,6}))?)?)?$"
)
_SERIAL = re.compile(r"^\d{5}(?:[.,]\d+)?$")
# Wall-clock (naive) values: the zone is the caller's to set.
_SPREADSHEET_EPOCH = datetime.datetime(1899, 12, 30)  # noqa: DTZ001


def read_datetime_cell(text: str) -> datetime.datetime | None:
    """The moment a cell holds, or None when it is in none of the forms
    above (an empty cell included).

    The result is naive (wall-clock time) unless the cell is ISO 8601 with a
    zone (`+02:00`, `Z`): then it is aware, in that zone. A two-digit year
    is read as 20yy. Surrounding spaces are ignored; never raises.
    """
    text = text.strip()
    if not text or len(text) > _MAX_LENGTH:
        return None
    try:
        return datetime.datetime.fromisoformat(text.replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        pass
    french = _FRENCH.match(text)
    if french:
        year = int(french["y"])
        if len(french["y"]) == 2:
            year += 2000
        fraction = (french["f"] or "0").ljust(6, "0")
        try:
            return datetime.datetime(  # noqa: DTZ001
                year,
                int(french["m"]),
                int(french["d"]),
                int(french["H"] or 0),
                int(french["M"] or 0),
                int(french["S"] or 0),
                int(fraction),
            )
        except ValueError:
            return None
    if _SERIAL.match(text):
        try:
            return _SPREADSHEET_EPOCH + datetime.timedelta(days=parse_number(text))
        except (ValueError, OverflowError):  # digits other than 0-9 (« ١٢٣٤٥ »)
            return None
    return None


def read_date_cell(text: str) -> datetime.date | None:
    """The calendar day a cell holds, or None when it holds none.

    Read as `read_datetime_cell`, with these limits, because a day (a birth
    date) must not be guessed: the time, if any, is midnight (`1991-05-15
    00:00:00`, as a spreadsheet saves a date cell), there is no zone, and
    the year has four digits (`15/05/91` could be 1991 or 2091). Never
    raises.
    """
    moment = read_datetime_cell(text)
    if moment is None or moment.tzinfo is not None or moment.time() != datetime.time():
        return None
    french = _FRENCH.match(text.strip())
    if french and len(french["y"]) == 2:
        return None
    return moment.date()
