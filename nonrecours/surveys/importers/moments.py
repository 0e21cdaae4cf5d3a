"""Dates and times as collection tools and French spreadsheets write them.

A cell that holds a moment is read in one of these forms, or refused: it is
never replaced by "now" nor by nothing.

- ISO 8601 with or without a zone, `T` or a space, fractions of a second,
  `Z` (KoboToolbox, ODK Central, LimeSurvey, our own exports);
- French spreadsheet display `dd/mm/yyyy hh:mm[:ss]` or `dd/mm/yyyy`, and
  the same with a two-digit year (a Central export opened and saved again);
- a spreadsheet serial number (days since 1899-12-30, the 1900 date system
  of Excel and LibreOffice), as a cell that lost its date format holds;
- a typed XLSX cell (openpyxl gives a datetime; see tables.py).

The reading of the cell is nonrecours/cells.py's (shared with the
screening of households); this module adds the zone and the plausibility.
A moment without a zone is read in the zone its column implies (the
servers' `_submission_time` / `SubmissionDate` are UTC, the devices' own
`start` / `end` local time).
"""

import datetime

from nonrecours.cells import read_datetime_cell
from nonrecours.errors import UserError
from nonrecours.surveys.questionnaire import check_moment
from nonrecours.textrules import shown

# LimeSurvey's anonymised surveys write this for every date.
LIMESURVEY_ANONYMISED = datetime.datetime(1980, 1, 1)  # noqa: DTZ001


class MomentError(UserError, ValueError):
    """A cell that is not a readable, plausible moment (French message)."""


def read_moment(
    value: str, *, naive_zone: datetime.tzinfo, now: datetime.datetime
) -> datetime.datetime | None:
    """The aware moment a cell holds, None for an empty cell.

    Raises MomentError (French, quoting the value) for an unreadable value
    or one outside the plausible range (questionnaire.check_moment).
    """
    text = value.strip()
    if not text:
        return None
    parsed = read_datetime_cell(text)
    if parsed is None:
        raise MomentError(
            f"date « {shown(text)} » illisible (formats lus : 2026-10-01T10:00:00+02:00, "
            "01/10/2026 10:00, numéro de série de tableur)"
        )
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=naive_zone)
    try:
        return check_moment(parsed, now=now, what="la date")
    except ValueError as error:
        raise MomentError(str(error)) from None


def is_anonymised(value: str) -> bool:
    """True for LimeSurvey's placeholder date of anonymised surveys."""
    parsed = read_datetime_cell(value.strip())
    return parsed is not None and parsed.replace(tzinfo=None) == LIMESURVEY_ANONYMISED
