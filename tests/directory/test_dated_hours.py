"""Dated OpenStreetMap hours in the directory (directory.hours): dated days
and periods written in French, announced changes (a dated rule with a
comment), and entries whose hours will never open again left out of the
search."""

import datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from nonrecours.directory import queries
from nonrecours.directory.hours import (
    PARIS,
    dated_changes,
    has_ended,
    opening_hours_text,
    opening_state,
)
from nonrecours.directory.imports import directory_import
from tests.factories import offer_record, structure_record

SEASON = (
    "2026 Nov 30-2027 Jan 24 Tu[1,3] 09:00-12:30; "
    '2026 Dec 15 off "fermeture exceptionnelle"; 2026 Dec 17 13:30-17:00 "ouverture en plus"'
)


def at(year, month, day, hour) -> datetime.datetime:
    return datetime.datetime(year, month, day, hour, tzinfo=PARIS)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2026 Dec 08 09:00-12:30", "le 8 décembre 2026, de 9\u00a0h à 12\u00a0h\u00a030"),
        ("2026 Dec 01 off", "fermé le 1er décembre 2026"),
        (
            "2026 Dec 01-20 Tu 09:00-12:00",
            "du 1er au 20 décembre 2026, le mardi de 9\u00a0h à 12\u00a0h",
        ),
        (
            "2026 Apr 27-2026 Jun 21 Th 13:30-17:00",
            "du 27 avril au 21 juin 2026, le jeudi de 13\u00a0h\u00a030 à 17\u00a0h",
        ),
        (
            "2026 Nov 30-2027 Jan 24 Tu[1,3] 09:00-12:30",
            "du 30 novembre 2026 au 24 janvier 2027, les premier et troisième mardis du mois "
            "de 9\u00a0h à 12\u00a0h\u00a030",
        ),
    ],
)
def test_dated_hours_are_written_in_french(value, expected):
    assert opening_hours_text(value) == expected


def test_dated_rules_with_a_comment_are_announced_changes():
    changes = dated_changes(SEASON, since=datetime.date(2026, 12, 1))

    assert [(c.day, c.text, c.is_open) for c in changes] == [
        (datetime.date(2026, 12, 15), "fermeture exceptionnelle", False),
        (datetime.date(2026, 12, 17), "ouverture en plus", True),
    ]
    assert dated_changes(SEASON, since=datetime.date(2026, 12, 16))[0].text == "ouverture en plus"
    assert dated_changes("Mo-Fr 09:00-12:00", since=datetime.date(2026, 1, 1)) == []
    assert dated_changes('lundi 9h "texte"', since=datetime.date(2026, 1, 1)) == []
    assert opening_state(SEASON, at(2026, 12, 15, 10)) == "fermé"
    assert opening_state(SEASON, at(2026, 12, 17, 14)) == "ouvert"


def test_hours_with_dates_end_and_hours_without_never_do():
    assert not has_ended(SEASON, at(2027, 1, 19, 10))
    assert has_ended(SEASON, at(2027, 1, 19, 13))  # after the last opening
    assert has_ended(SEASON, at(2027, 2, 2, 10))
    assert not has_ended("Mo-Fr 09:00-12:00", at(2030, 1, 1, 10))
    assert not has_ended("off", at(2030, 1, 1, 10))
    assert not has_ended("ouvert en 2026", at(2030, 1, 1, 10))  # free text
    assert not has_ended("", at(2030, 1, 1, 10))


@given(st.text(max_size=80))
def test_any_value_gives_changes_and_an_end_without_raising(value):
    assert isinstance(dated_changes(value, since=datetime.date(2026, 1, 1)), list)
    assert has_ended(value, at(2026, 6, 1, 10)) in (True, False)


@pytest.mark.django_db
def test_an_offer_whose_dated_hours_are_over_is_not_found(arras):
    directory_import(
        records=[
            structure_record(),
            offer_record(horaires_accueil="2026 Dec 08 09:00-12:30"),
            offer_record(id="nonrecours--structure--autre", nom="Permanence"),
        ],
        territory=arras,
    )

    before = queries.search(arras, now=at(2026, 12, 1, 10))[1]
    after, total = queries.search(arras, now=at(2026, 12, 9, 10))

    assert (before, total) == (2, 1)
    assert [hit.offer.name for hit in after] == ["Permanence"]
    results, _ = queries.search_directory(arras, now=at(2026, 12, 9, 10))
    assert "Accompagnement à l'accès aux droits" not in [r.name for r in results]
