"""French helpers: plural, elision, order of names."""

import pytest

from nonrecours.french import is_plural, of, plural, sort_key


@pytest.mark.parametrize(
    ("count", "expected"),
    [(0, "réponse"), (1, "réponse"), (1.5, "réponse"), (2, "réponses"), (11, "réponses")],
)
def test_plural_follows_french_not_english(count, expected):
    assert plural(count, "réponse") == expected


def test_irregular_plural_and_predicate():
    assert plural(3, "journal", "journaux") == "journaux"
    assert not is_plural(0) and is_plural(-2)


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("Arras", "d'Arras"),
        ("Écurie", "d'Écurie"),
        ("Athies", "d'Athies"),
        ("Ytres", "d'Ytres"),
        ("Bapaume", "de Bapaume"),
        ("Habarcq", "de Habarcq"),
        ("Le Transloy", "du Transloy"),
        ("Les Essarts", "des Essarts"),
        ("La Couture", "de La Couture"),
    ],
)
def test_of_elides_and_contracts(name, expected):
    assert of(name) == expected


def test_names_with_accents_are_not_sorted_last():
    names = ["Wancourt", "Écurie", "Duisans", "Étrun", "Feuchy", "Agny", "œuf", "Oisy"]
    assert sorted(names, key=sort_key) == [
        "Agny",
        "Duisans",
        "Écurie",
        "Étrun",
        "Feuchy",
        "œuf",  # read « oeuf »
        "Oisy",
        "Wancourt",
    ]


def test_template_filters_pluriel_and_de():
    from html import unescape

    from django.template import Context, Template

    template = Template(
        "{{ n }} réponse{{ n|pluriel }}, {{ n }} journa{{ n|pluriel:'l,ux' }}, mairie {{ name|de }}"
    )
    rendered = unescape(template.render(Context({"n": 0, "name": "Arras"})))
    assert rendered == "0 réponse, 0 journal, mairie d'Arras"
    assert template.render(Context({"n": 2, "name": "Le Transloy"})) == (
        "2 réponses, 2 journaux, mairie du Transloy"
    )
    assert Template("{{ items|pluriel }}").render(Context({"items": [1, 2]})) == "s"


@pytest.mark.django_db
def test_member_communes_of_arras_put_accented_names_among_the_others(arras):
    from nonrecours.territories.queries import member_communes

    names = [commune.name for commune in member_communes(arras)]
    assert len(names) == 46
    assert names == sorted(names, key=sort_key)
    accented = [name for name in names if name[0] in "ÉÈ"]
    assert accented, "the CU d'Arras has communes starting with É"
    assert names.index(accented[-1]) < names.index(next(n for n in names if n[0] == "F"))


def test_iso_dates_are_written_for_people():
    from nonrecours.french import iso_date_text

    assert iso_date_text("2026-11") == "novembre 2026"
    assert iso_date_text("2026-11-27") == "27 novembre 2026"
    assert iso_date_text("2026-08-01") == "1er août 2026"
    assert iso_date_text("2026-13") == "2026-13"
    assert iso_date_text("bientôt") == "bientôt"
