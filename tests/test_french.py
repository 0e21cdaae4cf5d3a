"""French helpers: plural, elision, order of names."""

import math

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

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


# Numbers, amounts, percentages and dates (CLDR fr_FR through Babel).


def test_numbers_are_grouped_with_a_narrow_no_break_space():
    from nonrecours.french import number

    assert number(1234567.891, 2) == "1\u202f234\u202f567,89"
    assert number(1234) == "1\u202f234"
    assert number(999) == "999"
    assert number(-1234.5, 1) == "-1\u202f234,5"
    assert number(12345) == "12\u202f345"  # an int, exactly
    assert number(10**18) == "1\u202f000\u202f000\u202f000\u202f000\u202f000\u202f000"
    assert number(2.675, 2) == "2,67"  # the binary value is below 2.675
    assert number(0.5) == "0" and number(1.5) == "2"  # ties to the even digit
    assert number(-0.4) == "0" and number(-0.001, 1) == "0,0" and number(-0.0) == "0"
    assert number(-0.06, 1) == "-0,1"
    assert number(1234.56, 1, grouping=False) == "1234,6"


@pytest.mark.parametrize("value", [float("nan"), float("inf"), float("-inf")])
def test_number_refuses_what_is_not_a_finite_number(value):
    from nonrecours.french import number

    with pytest.raises(ValueError, match="n'est pas un nombre fini"):
        number(value)


def test_amounts_in_euros():
    from nonrecours.french import amount, euros_text

    assert amount(1234.56) == "1\u202f234,56\u00a0€"
    assert amount(1500) == "1\u202f500\u00a0€"
    assert amount(8.5) == "8,50\u00a0€"
    assert amount(-0.001) == "0\u00a0€"
    assert amount(-12.3) == "-12,30\u00a0€"
    assert amount(8, 2) == "8,00\u00a0€"
    assert amount(1234.56, 0) == "1\u202f235\u00a0€"
    assert euros_text(573.49) == "573,49\u00a0€"


def test_percentages():
    from nonrecours.french import percent

    assert percent(0.4567) == "46\u00a0%"
    assert percent(0.4567, 1) == "45,7\u00a0%"
    assert percent(0.4567, sign=False) == "46"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1 234,5", 1234.5),
        ("1\u202f234,5", 1234.5),
        ("1\u00a0234,5", 1234.5),
        ("1234.5", 1234.5),
        ("  -3 ", -3.0),
        ("+2", 2.0),
        (",5", 0.5),
        ("2e3", 2000.0),
        ("0,3", 0.3),
    ],
)
def test_parse_number_reads_french_and_plain_numbers(text, expected):
    from nonrecours.french import parse_number

    assert parse_number(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        *("", " ", "abc", "1,234.5", "1.234,5", "inf", "nan", "0x10", "1_000", "1 2 3x"),
        *("--1", "1e", "\u0661\u0662", "\uff11\uff12", "²"),
    ],
)
def test_parse_number_refuses_in_french(text):
    from nonrecours.french import parse_number

    with pytest.raises(ValueError) as refused:
        parse_number(text)
    assert str(refused.value) == f"« {text} » n'est pas un nombre (ex. 1 234,5)."


def test_parse_number_finite_or_not():
    from nonrecours.french import parse_number

    with pytest.raises(ValueError, match="^« 1e400 » n'est pas un nombre fini.$"):
        parse_number("1e400")
    assert parse_number("1e400", finite=False) == float("inf")


def test_dates_are_written_for_people():
    import datetime

    from nonrecours.french import MONTHS, date_text, month_text

    assert date_text(datetime.date(2026, 11, 27)) == "27 novembre 2026"
    assert date_text(datetime.date(2026, 11, 1)) == "1er novembre 2026"
    assert date_text(datetime.date(2027, 2, 5)) == "5 février 2027"
    assert month_text(datetime.date(2026, 8, 14)) == "août 2026"
    assert MONTHS[0] == "janvier" and MONTHS[11] == "décembre" and len(MONTHS) == 12


def test_iso_dates_that_are_not_real_days_are_returned_as_given():
    from nonrecours.french import iso_date_text

    assert iso_date_text("2026-11-31") == "2026-11-31"
    assert iso_date_text("2026-00") == "2026-00"
    assert iso_date_text("2026-11-05") == "5 novembre 2026"


@given(st.floats(allow_nan=False, allow_infinity=False, min_value=-1e15, max_value=1e15))
def test_parse_reads_back_what_number_writes(value):
    from nonrecours.french import number, parse_number

    for decimals in (0, 1, 2, 3):
        written = number(value, decimals)
        assert parse_number(written) == float(f"{value:.{decimals}f}")


@given(st.integers(min_value=-(10**15), max_value=10**15))
def test_parse_reads_back_integers_exactly(value):
    from nonrecours.french import number, parse_number

    assert parse_number(number(value)) == value


@given(st.text(max_size=30))
def test_parse_number_never_fails_otherwise_than_in_french(text):
    from nonrecours.french import parse_number

    try:
        value = parse_number(text)
    except ValueError as refused:
        assert str(refused).startswith(f"« {text} » n'est pas un nombre")
    else:
        assert math.isfinite(value)


@given(st.integers(min_value=-(10**15), max_value=10**15).map(lambda n: n / 1000))
def test_the_template_filters_and_django_agree_on_the_figures(value):
    """The pages use both the project's filters and Django's floatformat (fr
    locale): the digits and the decimal sign are the same; only the space
    between thousands differs (U+202F here, U+00A0 in Django's fr formats),
    and a tie: floatformat rounds the shortest decimal form half up (0.25 →
    « 0,3 »), ``number`` the binary value half to even (« 0,2 »)."""
    from decimal import Decimal

    from django.template.defaultfilters import floatformat
    from django.utils import translation

    from nonrecours.french import number

    assume(abs(Decimal(repr(value)).scaleb(1) % 1) != Decimal("0.5"))

    with translation.override("fr"):
        django = floatformat(value, "1g")
    assert django.replace("\u00a0", "\u202f") == number(value, 1)


def test_short_numbers_keep_only_the_decimals_they_need():
    from nonrecours.french import short_number

    assert short_number(5.0) == "5"
    assert short_number(0.3) == "0,3"
    assert short_number(1234.5678) == "1\u202f234,568"
    assert short_number(-0.0001) == "0"
    assert short_number(2.5, 0) == "2"


def test_parse_decimal_is_exact():
    from decimal import Decimal

    from nonrecours.french import parse_decimal

    assert parse_decimal("1 234,56") == Decimal("1234.56")
    assert parse_decimal("0.1") == Decimal("0.1")
    with pytest.raises(ValueError, match="^« 12 € » n'est pas un nombre"):
        parse_decimal("12 €")


def test_template_filters_nombre_and_euros():
    from decimal import Decimal

    from django.template import Context, Template

    html = Template(
        "{{ n|nombre }}|{{ n|nombre:1 }}|{{ a|euros }}|{{ a|euros:0 }}|{{ d|euros }}|{{ x|nombre }}"
    ).render(Context({"n": 12345.6, "a": 8.5, "d": Decimal("1500.00"), "x": None}))
    assert html == "12\u202f346|12\u202f345,6|8,50\u00a0€|8\u00a0€|1\u202f500\u00a0€|—"
