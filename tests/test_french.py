"""French helpers: plural, elision, order of names."""

import pytest

from nonrecours.french import (
    is_plural,
    of,
    plural,
    sentence,
    sort_key,
    with_article,
    without_nested_parentheses,
)


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


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("Communauté urbaine d'Arras", "la Communauté urbaine d'Arras"),
        (
            "Communauté de communes des Campagnes de l'Artois",
            "la Communauté de communes des Campagnes de l'Artois",
        ),
        ("Agglomération du Pays de Dreux", "l'Agglomération du Pays de Dreux"),
        ("Eurométropole de Strasbourg", "l'Eurométropole de Strasbourg"),
        ("Métropole du Grand Paris", "la Métropole du Grand Paris"),
        (
            "Établissement public territorial Plaine Commune",
            "l'Établissement public territorial Plaine Commune",
        ),
        ("Toulouse Métropole", "Toulouse Métropole"),  # a brand, used bare
        ("  Communauté   urbaine d'Arras ", "la Communauté urbaine d'Arras"),
    ],
)
def test_territory_names_take_their_article(name, expected):
    assert with_article(name) == expected


def test_of_after_the_article():
    assert of(with_article("Communauté urbaine d'Arras")) == "de la Communauté urbaine d'Arras"
    assert of(with_article("Agglomération du Boulonnais")) == "de l'Agglomération du Boulonnais"
    assert of("le Pays de Saint-Omer") == "du Pays de Saint-Omer"
    assert of("Le Transloy") == "du Transloy"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("la CAF le vérifiera.", "La CAF le vérifiera."),  # issue 13: was « vérifiera.. »
        ("montant à revoir", "Montant à revoir."),
        ("vraiment ?", "Vraiment\u00a0?"),
        ("", ""),
    ],
)
def test_sentence_ends_with_one_stop(text, expected):
    assert sentence(text) == expected


def test_no_nested_parentheses():
    # issue 13: « (annuel (envoyé au printemps)) »
    assert (
        without_nested_parentheses("annuel (envoyé au printemps)") == "annuel, envoyé au printemps"
    )
    assert without_nested_parentheses("mensuelle") == "mensuelle"


def test_template_filters_phrase_avec_article_sans_parentheses():
    from django.template import Context, Template

    template = Template(
        "{{ reason|phrase }} | Elles aideront {{ name|avec_article }} | "
        "questions {{ name|avec_article|de }} | ({{ frequency|sans_parentheses }})"
    )
    rendered = template.render(
        Context(
            {
                "reason": "la CAF le vérifiera.",
                "name": "Communauté urbaine d'Arras",
                "frequency": "annuel (envoyé au printemps)",
            }
        )
    )
    assert rendered == (
        "La CAF le vérifiera. | Elles aideront la Communauté urbaine d&#x27;Arras | "
        "questions de la Communauté urbaine d&#x27;Arras | (annuel, envoyé au printemps)"
    )


def test_no_line_starts_with_a_semicolon_or_a_colon():
    from nonrecours.french import no_break_before_punctuation

    text = sentence("les premiers mois : 611 € ; ensuite 91 € « à revoir » ? voir https://caf.fr")
    assert " ;" not in text and " :" not in text and " ?" not in text and " »" not in text
    assert "\u00a0;" in text and "\u00a0:" in text and "«\u00a0à" in text
    assert "https://caf.fr" in text
    assert no_break_before_punctuation("a : b") == "a\u00a0: b"


@pytest.mark.django_db
def test_every_list_of_member_communes_is_in_french_order(arras):
    """The questionnaire's commune choices (surveys.queries) and the
    simulator's (territories.queries) are the same communes in the same
    French order; a commune that left the EPCI is in neither."""
    from nonrecours.surveys.queries import territory_communes
    from nonrecours.territories.queries import member_communes

    left = arras.communes.get(name="Wancourt")
    left.is_member = False
    left.save()
    for_simulator = [c.insee_code for c in member_communes(arras)]
    for_questionnaire = [c.insee_code for c in territory_communes(arras)]
    assert for_simulator == for_questionnaire
    assert len(for_simulator) == 45 and left.insee_code not in for_simulator
    assert arras.communes.members().count() == 45 == arras.communes.count() - 1
