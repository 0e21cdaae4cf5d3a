"""Dates as cells of exports and French spreadsheets (nonrecours/cells.py)."""
# ruff: noqa: DTZ001 -- naive wall-clock moments are what read_datetime_cell promises

import datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from nonrecours.cells import read_date_cell, read_datetime_cell

UTC = datetime.UTC


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-10-01T10:00:00+02:00",
         datetime.datetime(2026, 10, 1, 10, tzinfo=datetime.timezone(datetime.timedelta(hours=2)))),
        ("2026-10-01T08:00:00.123Z", datetime.datetime(2026, 10, 1, 8, 0, 0, 123000, tzinfo=UTC)),
        ("01/10/2026 10:00", datetime.datetime(2026, 10, 1, 10)),
        ("1/10/26 10h05:07", datetime.datetime(2026, 10, 1, 10, 5, 7)),
        ("  15/05/1991 ", datetime.datetime(1991, 5, 15)),
        ("36526", datetime.datetime(2000, 1, 1)),  # the 1900 date system
        ("36526,5", datetime.datetime(2000, 1, 1, 12)),
        ("", None),
        ("31/02/2026", None),
        ("demain", None),
        ("1234", None),  # not five digits: a number, not a serial date
        ("9" * 41, None),
    ],
)  # fmt: skip
def test_moments_in_every_form_a_file_holds(text, expected):
    assert read_datetime_cell(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1991-05-15", datetime.date(1991, 5, 15)),
        ("15/05/1991", datetime.date(1991, 5, 15)),
        ("1991-05-15 00:00:00", datetime.date(1991, 5, 15)),
        ("15/05/1991 00:00", datetime.date(1991, 5, 15)),
        ("33373", datetime.date(1991, 5, 15)),
        ("15/05/91", None),  # 1991 or 2091: not guessed
        ("1991-05-15 10:30:00", None),  # a moment, not a day
        ("1991-05-15T00:00:00+02:00", None),
        ("33373,5", None),
        ("", None),
    ],
)
def test_days_are_read_only_when_nothing_is_guessed(text, expected):
    assert read_date_cell(text) == expected


@given(st.text(max_size=50))
def test_any_text_gives_a_moment_or_none_never_an_error(text):
    moment = read_datetime_cell(text)
    assert moment is None or isinstance(moment, datetime.datetime)
    day = read_date_cell(text)
    assert day is None or (moment is not None and day == moment.date())


@pytest.mark.parametrize(
    "text", ["\u0664\u0665\u0666\u0667\u0668", "\uff14\uff15\uff16\uff17\uff18"]
)
def test_a_serial_number_in_other_digits_is_no_date(text):
    """Arabic-Indic or full-width digits match « five digits » but are not
    read as a number (nonrecours.french.parse_number): no date, no error."""
    assert read_datetime_cell(text) is None
    assert read_datetime_cell("45678") is not None
