"""Population by sex and age (INSEE-style file) for the barometer's weighting."""

import math
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from nonrecours.territories import actions
from nonrecours.territories.population import (
    AGE_BANDS,
    PopulationFileError,
    default_structure,
    read_structure,
)

HEADER = "NIVGEO;CODGEO;LIBGEO;SEXE;AGED100;NB\n"


def write(tmp_path, text, name="pop.csv"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def every_adult_age(code="62041", count=1, but=()):
    """Rows for every adult age and both sexes (a complete census file),
    but the (sex, age) pairs in `but`."""
    return "".join(
        f"COM;{code};x;{sex};{age};{count}\n"
        for sex in (1, 2)
        for age in range(18, 101)
        if (sex, age) not in but
    )


def test_single_years_are_summed_into_the_questionnaire_bands(tmp_path):
    path = write(
        tmp_path,
        HEADER
        + every_adult_age("62041", 0, but={(1, 18), (1, 24)})
        + every_adult_age("62004", 1, but={(2, 45), (2, 100)})
        + "COM;62041;Arras;1;17;300\n"  # a minor: left out
        + "COM;62041;Arras;1;18;320,5\n"  # decimal comma (INSEE's weighted counts)
        + "COM;62041;Arras;1;24;10\n"
        + "COM;62004;Achicourt;2;45;400\n"
        + "COM;62004;Achicourt;2;100;7\n"  # 100 = 100 or more
        + "COM;59350;Lille;2;45;99999\n",  # not in the territory: left out
    )
    structure = read_structure(path, ["62041", "62004"])
    bands = structure.by_band(AGE_BANDS)
    assert bands["homme"]["18_24"] == pytest.approx(330.5 + 7)
    assert bands["femme"]["45_54"] == 400 + 9
    assert bands["femme"]["75_plus"] == 7 + 25
    assert sum(bands["femme"].values()) + sum(bands["homme"].values()) == pytest.approx(
        737.5 + 2 * 83 - 2
    )
    assert not structure.approximation


def test_ranges_without_commune_column_and_partly_adult_ranges(tmp_path):
    others = "".join(
        f"{sex},{band.replace('_plus', '+').replace('_', '-')},10\n"
        for sex in "FH"
        for band in AGE_BANDS[1:]
    )
    path = write(tmp_path, "sexe,age,effectif\nF,15-19,500\nF,20-24,1\nH,20-24,100\n" + others)
    bands = read_structure(path, ["62041"]).by_band(AGE_BANDS)
    assert bands["femme"]["18_24"] == pytest.approx(201)  # 18 and 19 out of 15–19
    assert bands["homme"]["18_24"] == 100
    assert bands["homme"]["75_plus"] == 10
    # INSEE's wider bands (25-39…) cannot be split: refused at import.
    straddling = write(tmp_path, "sexe,age,effectif\nF,20-29,5\n" + others, "large.csv")
    with pytest.raises(PopulationFileError, match="20-29 chevauche plusieurs tranches"):
        read_structure(straddling, ["62041"])
    # A band with nobody would leave its respondents without weight.
    missing = write(tmp_path, "sexe,age,effectif\nH,18-24,100\n" + others, "trou.csv")
    with pytest.raises(PopulationFileError, match="aucune personne pour : femme 18_24"):
        read_structure(missing, ["62041"])


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("CODGEO;SEXE;NB\n62041;1;3\n", "colonne(s) manquante(s) : AGED100 (ou AGE)"),
        (HEADER + "COM;62041;Arras;3;18;5\n", "pop.csv, ligne 2, colonne « SEXE » : « 3 »"),
        (HEADER + "COM;62041;Arras;1;dix-huit;5\n", "ligne 2, colonne « AGED100 »"),
        (HEADER + "COM;62041;Arras;1;18;-5\n", "ligne 2, colonne « NB » : « -5 »"),
        (HEADER + "COM;62004;Achicourt;1;18;5\n", "absente(s) du fichier : 62041"),
        (HEADER + "COM;59350;Lille;1;18;5\n", "aucune commune du territoire"),
    ],
)
def test_bad_files_say_what_and_where(tmp_path, text, message):
    if text.startswith(HEADER) and "62041;Arras;" in text:  # complete the file but for the error
        text += every_adult_age("62041") + every_adult_age("62004")
    with pytest.raises(PopulationFileError) as error:
        read_structure(write(tmp_path, text), ["62041", "62004"])
    assert message in str(error.value)


def test_default_is_labelled_as_an_approximation():
    structure = default_structure()
    assert structure.approximation
    assert structure.label.startswith("approximation nationale")
    bands = structure.by_band(AGE_BANDS)
    assert set(bands) == {"femme", "homme"} and all(
        v > 0 for b in bands.values() for v in b.values()
    )


def test_territory_keeps_its_file_and_a_bad_file_changes_nothing(arras, tmp_path):
    codes = list(arras.communes.filter(is_member=True).values_list("insee_code", flat=True))
    good = write(tmp_path, HEADER + "".join(every_adult_age(code, 10) for code in codes))
    assert arras.age_sex_structure().approximation
    actions.territory_set_population_structure(territory=arras, path=good)
    arras.refresh_from_db()
    stored = arras.age_sex_structure()
    assert not stored.approximation and "pop.csv" in stored.label
    assert stored.by_band(AGE_BANDS)["femme"]["75_plus"] == 10 * 26 * len(codes)
    bad = write(tmp_path, HEADER + "COM;62041;Arras;9;18;5\n", "mauvais.csv")
    with pytest.raises(CommandError, match="mauvais.csv, ligne 2"):
        call_command("territory", "population-sexe-age", arras.siren, str(bad), stdout=StringIO())
    arras.refresh_from_db()
    assert arras.age_sex_structure() == stored
    out = StringIO()
    call_command("territory", "population-sexe-age", arras.siren, "--approximation", stdout=out)
    assert "Attention : approximation nationale" in out.getvalue()
    arras.refresh_from_db()
    assert arras.population_structure is None


def test_many_bad_rows_give_a_bounded_message(tmp_path):
    rows = "".join(f"COM;62041;Arras;9;{18 + i % 80};5\n" for i in range(500))
    with pytest.raises(PopulationFileError) as error:
        read_structure(write(tmp_path, HEADER + rows), ["62041"])
    lines = str(error.value).splitlines()
    assert len(lines) == 21 and lines[-1] == "… et 480 autre(s) erreur(s)."


def test_commune_codes_that_lost_their_leading_zero_are_restored_and_said(tmp_path):
    # A census table of the Ain saved by a spreadsheet: « 01071 » became 1071.
    text = (
        "CODGEO;SEXE;AGED100;NB\r\n"
        + every_adult_age("1071", 2).replace("COM;", "").replace("x;", "").replace("\n", "\r\n")
        + every_adult_age("01004", 1).replace("COM;", "").replace("x;", "").replace("\n", "\r\n")
    )
    structure = read_structure(write(tmp_path, text), ["01071", "01004"])
    assert structure.by_band(AGE_BANDS)["homme"]["18_24"] == 7 * 3
    assert structure.notes == (
        "pop.csv, ligne 2, colonne « CODGEO » : « 1071 » lu comme « 01071 » "
        "(zéro initial restauré, 166 lignes)",
    )
    # « 01071 » not a member of this territory: its rows are left out, unsaid.
    other = read_structure(write(tmp_path, text, "autre.csv"), ["01004"])
    assert other.by_band(AGE_BANDS)["homme"]["18_24"] == 7 and other.notes == ()


def census(code, rows):
    """A complete file of `code` with the given (sex, age, NB cell) rows."""
    but = {(sex, age) for sex, age, _ in rows}
    return (
        HEADER
        + "".join(f"COM;{code};x;{sex};{age};{nb}\n" for sex, age, nb in rows)
        + (every_adult_age(code, 1, but=but))
    )


@pytest.mark.parametrize(
    ("nb", "message"),
    [
        # Issue #11: two lines of 1e308 summed to inf, stored, and every later
        # weighting had an infinite margin.
        ("1e308", "« 1e308 » dépasse 10\u202f000\u202f000 : effectif invraisemblable."),
        ("1e400", "« 1e400 » n'est pas un nombre fini."),
        ("inf", "« inf » n'est pas un effectif (ex. 1 234,5)."),
        ("nan", "« nan » n'est pas un effectif"),
        ("-0,5", "« -0,5 » est négatif."),
        ("12 345 678", "« 12 345 678 » dépasse 10\u202f000\u202f000"),  # quoted as given
        ("1\u00a0234x", "« 1\u00a0234x » n'est pas un effectif"),
        ("0x10", "« 0x10 » n'est pas un effectif"),
        ("", "«  » n'est pas un effectif"),
    ],
)
def test_a_count_that_is_not_a_plausible_number_is_refused_with_its_place(tmp_path, nb, message):
    path = write(tmp_path, census("62041", [(1, 30, nb)]))
    with pytest.raises(PopulationFileError) as error:
        read_structure(path, ["62041"])
    assert str(error.value).startswith(f"pop.csv, ligne 2, colonne « NB » : {message}")


def test_a_count_over_the_communes_population_is_refused_when_it_is_known(tmp_path):
    path = write(tmp_path, census("62041", [(2, 40, "1 500")]))
    with pytest.raises(PopulationFileError, match="ligne 2, colonne « NB » : « 1 500 » dépasse "
                       "la population de la commune 62041 \\(1\u202f000\\)"):  # fmt: skip
        read_structure(path, ["62041"], populations={"62041": 1_000})
    # Unknown population: the national limit only.
    assert read_structure(path, ["62041"], populations={"62041": None})
    # Without a CODGEO column: the territory's population, when every
    # commune's is known.
    bare = "SEXE;AGED100;NB\n" + "".join(
        line.split(";", 3)[3] for line in census("62041", [(2, 40, "1 500")]).splitlines(True)[1:]
    )
    with pytest.raises(PopulationFileError, match="dépasse la population du territoire"):
        read_structure(write(tmp_path, bare, "nu.csv"), ["62041", "62004"],
                       populations={"62041": 1_000, "62004": 400})  # fmt: skip


def test_french_thousands_separators_and_decimal_comma_are_read(tmp_path):
    rows = [(1, 30, "1 234"), (1, 31, "1\u00a0000,5"), (1, 32, "2\u202f000"), (1, 33, "1.5")]
    bands = read_structure(write(tmp_path, census("62041", rows)), ["62041"]).by_band(AGE_BANDS)
    assert bands["homme"]["25_34"] == pytest.approx(1234 + 1000.5 + 2000 + 1.5 + 6)


def test_a_repeated_commune_sex_and_age_is_refused_naming_both_lines(tmp_path):
    text = census("62041", [(1, 30, "5")]) + "COM;62041;x;H;30;7\n"
    with pytest.raises(PopulationFileError) as error:
        read_structure(write(tmp_path, text), ["62041"])
    assert str(error.value) == (
        f"pop.csv, ligne {text.count(chr(10))}, colonnes « CODGEO », « SEXE », « AGED100 » : "
        "même commune, sexe et âge qu'à la ligne 2 ; ne gardez qu'une des deux lignes."
    )
    # The same code once with, once without its leading zero: one commune.
    text = "CODGEO;SEXE;AGED100;NB\n01071;1;30;5\n1071;1;30;5\n" + every_adult_age(
        "01071", but={(1, 30)}
    ).replace("COM;", "").replace("x;", "")
    with pytest.raises(PopulationFileError, match="ligne 3, .* qu'à la ligne 2"):
        read_structure(write(tmp_path, text, "ain.csv"), ["01071"])
    # Other communes, or the same ages in another commune, are not repeats.
    assert read_structure(write(tmp_path, census("62041", []) + census("62004", [])[len(HEADER):],
                                "deux.csv"), ["62041", "62004"])  # fmt: skip


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.lists(st.text(max_size=12), min_size=1, max_size=4))
def test_any_count_cell_gives_a_finite_structure_or_a_french_refusal(tmp_path, cells):
    # One cell each: no separator, quote nor line break of the CSV itself.
    rows = [
        (1, 30 + i, "".join(c for c in cell if c not in ';"\n\r')) for i, cell in enumerate(cells)
    ]
    try:
        structure = read_structure(write(tmp_path, census("62041", rows)), ["62041"])
    except PopulationFileError as error:
        assert "pop.csv" in str(error)
        return
    assert all(math.isfinite(g.count) and 0 <= g.count <= 10_000_000 for g in structure.groups)


def test_the_command_bounds_each_count_by_its_commune_population(arras, tmp_path):
    small = arras.communes.filter(is_member=True, population__isnull=False).order_by("population")[
        0
    ]
    path = write(tmp_path, census(small.insee_code, [("1", "30", str(small.population + 1))]))
    with pytest.raises(CommandError, match=r"ligne 2.*effectif invraisemblable"):
        call_command("territory", "population-sexe-age", arras.siren, str(path), stdout=StringIO())
    arras.refresh_from_db()
    assert arras.age_sex_structure().approximation
