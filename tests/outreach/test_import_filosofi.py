"""The Filosofi readers on small files in INSEE's formats (fixtures/): by
commune (wide and long files) and by 200 m square."""

from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from nonrecours.errors import UserError
from nonrecours.outreach.importers.common import MAX_PROBLEMS, OutreachFileError
from nonrecours.outreach.importers.filosofi import (
    CommunePoverty,
    SquarePoverty,
    read_commune_poverty,
    read_square_poverty,
)
from nonrecours.outreach.importers.filosofi_squares import square_centre

FIXTURES = Path(__file__).parent / "fixtures"
CU_ARRAS = {"62041", "62758", "62004", "62764"}
KNOWN = CU_ARRAS | {"59350", "01071"}
WIDE_HEADER = "CODGEO;LIBGEO;NBMENFISC21;NBPERSMENFISC21;MED21;PIMP21;TP6021"


def box(west: float, east: float) -> dict[str, Any]:
    ring = [[west, 50.27], [east, 50.27], [east, 50.31], [west, 50.31], [west, 50.27]]
    return {"type": "Polygon", "coordinates": [ring]}


# Two communes side by side at the longitude of Arras (invented contours).
CONTOURS = {"62041": box(2.74, 2.78), "62758": box(2.78, 2.82)}


def write(tmp_path: Path, name: str, lines: list[str]) -> Path:
    path = tmp_path / name
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def messages(error: pytest.ExceptionInfo[OutreachFileError]) -> list[str]:
    return [problem.message for problem in error.value.problem_list()]


def test_wide_file_gives_rates_as_shares_and_masked_values_as_none() -> None:
    found = read_commune_poverty(
        FIXTURES / "cc_filosofi_2021_COM.csv", known=KNOWN, communes=CU_ARRAS
    )

    assert found == [
        CommunePoverty("62004", 2021, pytest.approx(0.124), 22150.0),
        CommunePoverty("62041", 2021, pytest.approx(0.228), 19540.0),
        # « 14,1 » : a French decimal comma.
        CommunePoverty("62758", 2021, pytest.approx(0.141), 21870.0),
        # « nd » and « s »: not available, secret.
        CommunePoverty("62764", 2021, None, None),
    ]


def test_wide_file_without_filter_keeps_every_commune() -> None:
    found = read_commune_poverty(FIXTURES / "cc_filosofi_2021_COM.csv")

    assert [item.insee_code for item in found] == ["59350", "62004", "62041", "62758", "62764"]


def test_long_file_reads_communes_only_and_its_statuses() -> None:
    found = read_commune_poverty(FIXTURES / "DS_FILOSOFI_CC_2021_data.csv", known=KNOWN)

    assert found == [
        # OBS_STATUS « O » (missing): no median.
        CommunePoverty("62004", 2021, pytest.approx(0.124), None),
        CommunePoverty("62041", 2021, pytest.approx(0.228), 19540.0),
        CommunePoverty("62758", 2021, pytest.approx(0.141), 21870.0),
        # CONF_STATUS « C » (secret): no rate.
        CommunePoverty("62764", 2021, None, 22310.0),
    ]


def test_the_millesime_comes_from_the_columns_suffix(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "cc_filosofi_2017_COM.CSV",
        ["CODGEO;LIBGEO;MED17;TP6017", "62041;Arras;18900;23.5"],
    )

    assert read_commune_poverty(path) == [
        CommunePoverty("62041", 2017, pytest.approx(0.235), 18900.0)
    ]


def test_a_code_that_lost_its_leading_zero_is_restored(tmp_path: Path) -> None:
    path = write(tmp_path, "filo.csv", [WIDE_HEADER, "1071;Chézery;210;480;21000;40;9.5"])

    [found] = read_commune_poverty(path, known=KNOWN)

    assert found.insee_code == "01071"


def test_every_bad_row_of_a_wide_file_is_named(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "filosofi.csv",
        [
            WIDE_HEADER,
            "62041;Arras;20563;39211;19540;44;douze",
            "99999;Nulle part;10;20;19000;40;10",
            ";Sans code;10;20;19000;40;10",
            "62758;Saint-Laurent-Blangy;2810;6235;21870;50;140",
            "62004;Achicourt;3412;7390;-5;52;12.4",
            "62041;Arras;20563;39211;19540;44;22.8",
        ],
    )

    with pytest.raises(OutreachFileError) as error:
        read_commune_poverty(path, known=KNOWN)

    assert messages(error) == [
        "filosofi.csv, ligne 2, colonne TP6021 : « douze » n'est pas un nombre (ex. 1 234,5).",
        "filosofi.csv, ligne 3, colonne CODGEO : code commune « 99999 » inconnu.",
        "filosofi.csv, ligne 4, colonne CODGEO : code commune manquant.",
        "filosofi.csv, ligne 5, colonne TP6021 : taux de pauvreté 140 % hors de 0 à 100.",
        "filosofi.csv, ligne 6, colonne MED21 : niveau de vie médian -5 € invraisemblable.",
        "filosofi.csv, ligne 7 : commune 62041 déjà lue ligne 2.",
    ]


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        (
            "LIBGEO;MED21;TP6021",
            "filo.csv, ligne d'en-tête : colonne(s) absente(s) : CODGEO "
            "(colonnes lues : LIBGEO, MED21, TP6021).",
        ),
        (
            "CODGEO;LIBGEO;NBMENFISC21",
            "filo.csv, ligne d'en-tête : colonne(s) absente(s) : MED<aa> ou TP60<aa> "
            "(ex. MED21, TP6021) (colonnes lues : CODGEO, LIBGEO, NBMENFISC21).",
        ),
        (
            "CODGEO;MED20;TP6021",
            "filo.csv, ligne d'en-tête : colonne(s) absente(s) : un seul millésime "
            "(lu : MED20, TP6021) (colonnes lues : CODGEO, MED20, TP6021).",
        ),
    ],
)
def test_a_wide_file_without_its_columns_is_refused(
    tmp_path: Path, header: str, expected: str
) -> None:
    path = write(tmp_path, "filo.csv", [header, "62041;1;2"])

    with pytest.raises(OutreachFileError) as error:
        read_commune_poverty(path)

    assert messages(error) == [expected]


def test_every_bad_row_of_a_long_file_is_named(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "DS_FILOSOFI_CC_2021_data.csv",
        [
            "GEO;GEO_OBJECT;FILOSOFI_MEASURE;UNIT_MEASURE;UNIT_MULT;CONF_STATUS;OBS_STATUS;"
            "TIME_PERIOD;OBS_VALUE",
            "62041;COM;MED_SL;EUR;0;F;A;2021;dix-neuf mille",
            "62041;COM;PR_MD60;PT;0;F;A;vingt;22.8",
            "62758;COM;PR_MD60;PT;0;F;A;2021;14.1",
            "62758;COM;PR_MD60;PT;0;F;A;2021;14.2",
            "COM-62004;COM;PR_MD60;PT;0;F;A;2021;",
        ],
    )

    with pytest.raises(OutreachFileError) as error:
        read_commune_poverty(path, known=KNOWN)

    assert messages(error) == [
        "DS_FILOSOFI_CC_2021_data.csv, ligne 2, colonne OBS_VALUE : « dix-neuf mille » "
        "n'est pas un nombre (ex. 1 234,5).",
        "DS_FILOSOFI_CC_2021_data.csv, ligne 3, colonne TIME_PERIOD : « vingt » n'est pas "
        "une année.",
        "DS_FILOSOFI_CC_2021_data.csv, ligne 5 : commune 62758, 2021 : mesure déjà lue ligne 4.",
    ]


def test_reading_stops_after_too_many_problems(tmp_path: Path) -> None:
    lines = [WIDE_HEADER] + [f"62041;Arras;1;2;3;4;x{n}" for n in range(80)]

    with pytest.raises(OutreachFileError) as error:
        read_commune_poverty(write(tmp_path, "filo.csv", lines))

    found = messages(error)
    assert len(found) == MAX_PROBLEMS + 1
    assert found[-1] == "filo.csv : lecture arrêtée après 50 problèmes (est-ce le bon fichier ?)."
    assert "… et 21 autre(s) problème(s)." in str(error.value)


def test_a_square_identifier_gives_its_centre() -> None:
    assert square_centre("CRS3035RES200mN2029800E4252400") == (4252500.0, 2029900.0)
    assert square_centre("CRS3035RES1000mN2029000E4252000") is None
    assert square_centre("N2029800E4252400") is None


def test_squares_are_summed_by_the_commune_holding_their_centre() -> None:
    found = read_square_poverty(FIXTURES / "carreaux_200m_met.csv", commune_geometries=CONTOURS)

    assert found == [
        SquarePoverty("62041", people=729.5, poor_households=108.4, households=342.2, squares=3),
        SquarePoverty("62758", people=220.3, poor_households=15.2, households=93.6, squares=2),
    ]
    assert all(type(item.people) is float for item in found)


def test_a_commune_without_square_is_absent() -> None:
    far = {"62041": CONTOURS["62041"], "62764": box(3.5, 3.6)}

    found = read_square_poverty(FIXTURES / "carreaux_200m_met.csv", commune_geometries=far)

    assert [item.insee_code for item in found] == ["62041"]


def test_a_centre_on_a_shared_border_counts_once(tmp_path: Path) -> None:
    # The two contours overlap: the square goes to the first code only.
    overlapping = {"62041": box(2.74, 2.805), "62758": box(2.78, 2.82)}

    found = read_square_poverty(FIXTURES / "carreaux_200m_met.csv", commune_geometries=overlapping)

    assert [(item.insee_code, item.squares) for item in found] == [("62041", 4), ("62758", 1)]


def test_every_bad_square_is_named(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "carreaux.csv",
        [
            "Idcar_200m,I_est_200,Ind,Men,Men_pauv",
            "carreau 12,0,10,4,1",
            "CRS3035RES200mN3045200E3805200,0,dix,4,1",
            "CRS3035RES200mN3044000E3805800,0,10,-4,1",
            "CRS3035RES200mN3046200E3806600,0,10,4,",
            "CRS3035RES200mN2029800E4252400,0,beaucoup,4,1",
        ],
    )

    with pytest.raises(OutreachFileError) as error:
        read_square_poverty(path, commune_geometries=CONTOURS)

    # The last square lies far from the communes: its counts are not read.
    assert messages(error) == [
        "carreaux.csv, ligne 2, colonne Idcar_200m : « carreau 12 » n'est pas un identifiant "
        "de carreau (CRS3035RES200mN…E…).",
        "carreaux.csv, ligne 3, colonne Ind : « dix » n'est pas un nombre (ex. 1 234,5).",
        "carreaux.csv, ligne 4, colonne Men : effectif négatif (-4).",
        "carreaux.csv, ligne 5, colonne Men_pauv : valeur manquante.",
    ]


def test_a_squares_file_without_its_columns_is_refused(tmp_path: Path) -> None:
    path = write(tmp_path, "carreaux.csv", ["idcar_200m,ind,men", "CRS3035RES200mN1E1,1,1"])

    with pytest.raises(OutreachFileError) as error:
        read_square_poverty(path, commune_geometries=CONTOURS)

    assert messages(error) == [
        "carreaux.csv, ligne d'en-tête : colonne(s) absente(s) : Men_pauv "
        "(colonnes lues : idcar_200m, ind, men)."
    ]


def test_no_contour_is_a_programming_error() -> None:
    with pytest.raises(ValueError, match="commune_geometries is empty"):
        read_square_poverty(FIXTURES / "carreaux_200m_met.csv", commune_geometries={})


cells = st.text(alphabet=st.characters(blacklist_categories=["Cs"]), max_size=12)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(rows=st.lists(st.lists(cells, min_size=1, max_size=7), max_size=5))
def test_hostile_cells_give_a_french_refusal_or_figures(
    tmp_path: Path, rows: list[list[str]]
) -> None:
    path = tmp_path / "hostile.csv"
    body = "\n".join(";".join(row) for row in rows)
    path.write_text(WIDE_HEADER + "\n" + body + "\n", encoding="utf-8")
    try:
        found = read_commune_poverty(path, known=KNOWN)
    except UserError as error:
        assert str(error).startswith("hostile.csv")
    else:
        assert all(item.insee_code in KNOWN for item in found)


def test_a_cut_row_is_refused_not_read_as_masked(tmp_path: Path) -> None:
    """An empty cell is a value INSEE masks: a row cut short (its last
    cells missing) must not become masked values."""
    path = write(
        tmp_path,
        "cc_filosofi_2021_COM.csv",
        [WIDE_HEADER, "62041;Arras;20000;40000;20000;50;21", "62758;Saint-Laurent-Blangy;3000"],
    )
    with pytest.raises(OutreachFileError) as refused:
        read_commune_poverty(path, known=KNOWN)
    assert "cc_filosofi_2021_COM.csv, ligne 3 : 3 cellule(s) pour 7 colonnes d'en-tête" in str(
        refused.value
    )
