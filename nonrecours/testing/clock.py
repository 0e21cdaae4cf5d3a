"""pytest plugin: `pytest --clock-offset-days=N` runs the whole session with
the clock N days ahead, so a test that silently depends on today's date
fails now rather than on the day the calendar catches up with it.

The clock keeps ticking from the shifted instant (time-machine, `tick=True`).
A test that sets the time itself (`time_machine.travel(...)` or the
`time_machine` fixture) still does: time-machine keeps a stack, and leaving
the inner travel comes back to the shifted clock. Only this Python process is
shifted: a subprocess, the PostgreSQL server and Chromium keep the real clock
(the product reads the time in Python only; the browser tests give the pages'
JavaScript the Python clock, see tests/browser/conftest.py).
"""

import datetime

import pytest
import time_machine

_traveller_key = pytest.StashKey[time_machine.travel]()
_offset_key = pytest.StashKey[datetime.timedelta]()


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--clock-offset-days",
        type=int,
        default=0,
        metavar="N",
        help="avancer l'horloge de N jours (négatif : reculer) pendant toute la session, "
        "pour révéler les tests qui dépendent de la date du jour",
    )


def _clock_offset(config: pytest.Config) -> datetime.timedelta:
    return config.stash.get(_offset_key, datetime.timedelta(0))


@pytest.hookimpl(tryfirst=True)
def pytest_configure(config: pytest.Config) -> None:
    days: int = config.getoption("clock_offset_days")
    if not days:
        return
    offset = datetime.timedelta(days=days)
    traveller = time_machine.travel(offset, tick=True)
    traveller.start()
    config.stash[_traveller_key] = traveller
    config.stash[_offset_key] = offset


def pytest_report_header(config: pytest.Config) -> str | None:
    offset = _clock_offset(config)
    if not offset:
        return None
    today = datetime.datetime.now(datetime.UTC).date()  # already shifted
    return f"horloge : décalée de {offset.days} jours (aujourd'hui : {today.isoformat()})"


def pytest_unconfigure(config: pytest.Config) -> None:
    traveller = config.stash.get(_traveller_key, None)
    if traveller is not None:
        traveller.stop()
        del config.stash[_traveller_key]
