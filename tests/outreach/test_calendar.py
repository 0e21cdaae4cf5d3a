"""The bus's calendar of a territory (outreach.calendar) and the
`nonrecours outreach plan` command: stops from the territory, France's
public holidays, JSON and iCalendar."""

import datetime
import json
import re
from io import StringIO
from pathlib import Path

import icalendar
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from nonrecours.outreach import imports
from nonrecours.outreach.calendar import (
    calendar_data,
    calendar_ics,
    french_holidays,
    territory_calendar,
)
from nonrecours.outreach.calendar_rules import check_calendar
from nonrecours.outreach.planning import PlanningError
from nonrecours.outreach.travel import TravelFileError
from nonrecours.territories.enums import Stratum
from nonrecours.territories.models import Commune

pytestmark = pytest.mark.django_db

FIXTURES = Path(__file__).parent / "fixtures"
MONDAY = datetime.date(2026, 4, 27)  # 1 May and 8 May 2026 are Fridays


def test_french_public_holidays_of_the_period():
    assert sorted(french_holidays(MONDAY, 4)) == [
        datetime.date(2026, 5, 1),
        datetime.date(2026, 5, 8),
        datetime.date(2026, 5, 14),  # Ascension
    ]


def test_a_calendar_of_town_halls_and_qpv_keeps_every_rule(arras):
    imports.priority_areas_import(territory=arras, path=FIXTURES / "QP2024_Arras_WGS84.geojson")

    planned = territory_calendar(arras, start=MONDAY, weeks=8, time_limit_seconds=15)

    kinds = [s.kind for s in planned.stops]
    assert kinds.count("mairie") == 46 and kinds.count("qpv") == 3
    calendar = planned.calendar
    assert check_calendar(calendar.visits, planned.stops, planned.rules, planned.travel) == list(
        calendar.violations
    )
    days = {v.day for v in calendar.visits}
    assert not days & planned.rules.holidays
    assert all(d.weekday() < 5 for d in days)
    for code in ("QN06201M", "QN06202M", "QN06203N"):  # every week
        weeks = {planned.rules.week_of(v.day) for v in calendar.visits if v.stop_key == code}
        assert weeks == set(range(8))
    small = set(
        Commune.objects.members_of(arras)
        .filter(stratum__in=[Stratum.SMALL_COMMUNE, Stratum.RURAL])
        .values_list("insee_code", flat=True)
    )
    assert all(s.every_weeks == 8 for s in planned.stops if s.key in small)
    assert not calendar.violations
    assert set(calendar.explanations) == {s.key for s in planned.stops}
    data = calendar_data(planned)
    assert data["jours_feries"] == ["2026-05-01", "2026-05-08", "2026-05-14", "2026-05-25"]
    assert len(data["passages"]) == len(calendar.visits)


def test_the_plan_command_writes_json_and_icalendar(arras, tmp_path):
    out, ics = tmp_path / "calendrier.json", tmp_path / "calendrier.ics"
    stdout = StringIO()
    call_command(
        "outreach", "plan", "--territory", arras.siren, "--weeks", "4",
        "--start", MONDAY.isoformat(), "--small-communes-every", "0", "--time-limit", "5",
        "--out", str(out), "--ics", str(ics), stdout=stdout,
    )  # fmt: skip

    data = json.loads(out.read_text(encoding="utf-8"))
    feed = icalendar.Calendar.from_ical(ics.read_bytes())
    events = [c for c in feed.walk() if c.name == "VEVENT"]
    assert len(events) == len(data["passages"]) > 0
    first = events[0]
    assert str(first["summary"]).startswith("Bus multiservice : Mairie de ")
    assert first.decoded("dtstart").tzinfo is not None
    assert stdout.getvalue().startswith(f"{out} : {len(events)} passage(s) de 2026-04-27 sur 4")


def test_the_plan_command_refuses_in_french(arras, tmp_path):
    out = str(tmp_path / "c.json")
    with pytest.raises(CommandError, match="2026-04-28 n'est pas un lundi"):
        call_command(
            "outreach", "plan", "--territory", arras.siren, "--start", "2026-04-28", "--out", out
        )
    with pytest.raises(CommandError, match="de 4 à 12 semaines, pas 13"):
        call_command(
            "outreach", "plan", "--territory", arras.siren, "--start", MONDAY.isoformat(),
            "--weeks", "13", "--out", out,
        )  # fmt: skip
    matrix = tmp_path / "osrm.json"
    matrix.write_text('{"code": "Ok", "durations": [[0]]}', encoding="utf-8")
    with pytest.raises(CommandError, match="osrm.json"):
        call_command(
            "outreach", "plan", "--territory", arras.siren, "--start", MONDAY.isoformat(),
            "--weeks", "4", "--matrix", str(matrix), "--out", out,
        )  # fmt: skip
    assert not Path(out).exists()


def test_no_commune_with_a_contour_is_a_planning_error(arras):
    Commune.objects.filter(territory=arras).update(geometry=None)
    with pytest.raises(PlanningError, match="aucune commune du territoire n'a de contour"):
        territory_calendar(arras, start=MONDAY, weeks=4)


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (["--weeks", "1000000"], "de 4 à 12 semaines, pas 1000000"),
        (["--start", "9999-12-27"], "9999-12-27 : date de début hors limites."),
        (["--vehicles", "100000"], "véhicules : de 1 à 10, pas 100000."),
        (["--time-limit", "0"], "temps de calcul : de 1 à 600 secondes, pas 0."),
        (["--matrix", "/nulle-part/osrm.json"], "/nulle-part/osrm.json : fichier introuvable."),
    ],
)
def test_plan_options_out_of_bounds_are_refused_in_french(arras, tmp_path, options, message):
    arguments = ["outreach", "plan", "--territory", arras.siren, "--out", str(tmp_path / "c.json")]
    if "--start" not in options:
        arguments += ["--start", MONDAY.isoformat()]
    if "--weeks" not in options:
        arguments += ["--weeks", "4"]
    with pytest.raises(CommandError, match=re.escape(message)):
        call_command(*arguments, *options)


def test_a_matrix_with_a_huge_integer_is_refused(arras, tmp_path):
    planned = territory_calendar(arras, start=MONDAY, weeks=4, time_limit_seconds=2)
    size = len(planned.stops) + 1
    durations = [[0] * size for _ in range(size)]
    durations[0][1] = 10**400
    matrix = tmp_path / "osrm.json"
    matrix.write_text(json.dumps({"code": "Ok", "durations": durations}), encoding="utf-8")

    with pytest.raises(TravelFileError, match="invalide"):
        territory_calendar(arras, start=MONDAY, weeks=4, matrix=matrix)


def test_the_json_gives_the_osrm_coordinates_and_the_ics_its_time_zone(arras, tmp_path):
    planned = territory_calendar(arras, start=MONDAY, weeks=4, time_limit_seconds=5)
    data = calendar_data(planned)

    assert set(data["depot"]) == {"latitude", "longitude"}
    assert all({"latitude", "longitude"} <= set(stop) for stop in data["arrets"])
    assert "Mairie d'Achicourt" in [stop["nom"] for stop in data["arrets"]]
    feed = icalendar.Calendar.from_ical(calendar_ics(planned))
    assert [c["tzid"] for c in feed.walk("VTIMEZONE")] == ["Europe/Paris"]
