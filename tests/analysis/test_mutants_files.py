"""analyse_files at its edges: an interval above 1 cut to 1, the count of a
published row kept in the JSON rows, a wrong value found past an empty cell."""

from pathlib import Path

import pytest

from nonrecours.analysis.files import AnalysisFileError, analyse_files, as_json_rows

MARGINS = "variable,modalite,effectif\nstrate,a,50\nstrate,b,50\n"


def _files(tmp_path: Path, answers: str) -> tuple[Path, Path]:
    (tmp_path / "reponses.csv").write_text(answers)
    (tmp_path / "marges.csv").write_text(MARGINS)
    return tmp_path / "reponses.csv", tmp_path / "marges.csv"


def test_an_interval_above_one_is_cut_to_one(tmp_path: Path) -> None:
    """Stratum a: 10 yes of 11, 0.909 ± 1.96 × 0.089 would pass 1."""
    answers = "strate,y\n" + "a,1\n" * 10 + "a,0\n" + "b,1\n" * 6 + "b,0\n" * 6
    rows = {r.domain: r for r in analyse_files(*_files(tmp_path, answers), by=["strate"]).rows}
    a = rows["a"]
    assert a.estimate == pytest.approx(10 / 11, rel=1e-12)
    assert a.estimate + 1.959963984540054 * a.se > 1.0
    assert a.ci_high == 1.0
    # The published rows keep their counts.
    assert [row["n"] for row in as_json_rows(list(rows.values()))] == [23, 11, 12]


def test_a_wrong_value_past_an_empty_cell_is_the_one_named(tmp_path: Path) -> None:
    with pytest.raises(AnalysisFileError) as error:
        analyse_files(*_files(tmp_path, "strate,y\na,\nb,2\n"), indicators=["y"])
    assert str(error.value) == (
        "reponses.csv, ligne 3, colonne « y » : « 2 » ; attendu 0, 1 ou vide (hors de la base "
        "de l'indicateur)."
    )


@pytest.mark.parametrize(
    ("answers", "margins", "options", "message"),
    [
        ("strate,y\na,1\nb,0\n", "variable\nstrate\n", {},
         "marges.csv : colonne(s) manquante(s) : modalite, effectif."),
        ("strate,y\na,1\nb,0\n", "", {}, "marges.csv : fichier vide ou sans ligne d'en-tête."),
        ("strate,y\na,1\nb,0\n", "variable,modalite,effectif\nstrate,a,10,3\nstrate,b,10\n", {},
         "marges.csv, ligne 2 : 4 cellules pour 3 colonnes d'en-tête (séparateur ou guillemet "
         "en trop ?)."),
        ("strate,y\na,1\nb,0\n", "variable,modalite,effectif\nstrate,a,10\nstrate, a ,5\n", {},
         "marges.csv, ligne 3 : « strate » = « a » apparaît deux fois."),
        # Too large for a float: not a count of people.
        ("strate,y\na,1\nb,0\n", "variable,modalite,effectif\nstrate,a,10\nstrate,b,1e400\n", {},
         "marges.csv, ligne 3, colonne « effectif » : « 1e400 » ; attendu un nombre de "
         "personnes (0 ou plus)."),
        # One respondent is enough to contradict a population of 0.
        ("strate,y\na,1\nb,0\nc,1\n",
         "variable,modalite,effectif\nstrate,a,10\nstrate,b,10\nstrate,c,0\n", {},
         "marges.csv, ligne 4 : « strate » = « c » a une population de 0 mais 1 répondant·e(s) "
         "dans reponses.csv ; corrigez l'effectif ou regroupez cette modalité avec une autre."),
        ("strate,w,y\na,1,1\nb,1,0\n", MARGINS, {"weight": "w", "indicators": ["w"]},
         "reponses.csv : la colonne « w » sert déjà au calage, à la ventilation ou aux poids ; "
         "elle ne peut pas être un indicateur."),
        ("strate,,y\na,x,2\nb,z,3\n", MARGINS, {},
         "reponses.csv : aucune colonne d'indicateur (seulement 0, 1 ou vide) ; colonnes "
         "ignorées : y, (sans nom)."),
        ("strate\na\nb\n", MARGINS, {},
         "reponses.csv : aucune colonne d'indicateur (seulement 0, 1 ou vide)."),
    ],
)  # fmt: skip
def test_refused_files_get_their_exact_message(
    tmp_path: Path, answers: str, margins: str, options: dict[str, object], message: str
) -> None:
    (tmp_path / "reponses.csv").write_text(answers)
    (tmp_path / "marges.csv").write_text(margins)
    with pytest.raises(AnalysisFileError) as error:
        analyse_files(tmp_path / "reponses.csv", tmp_path / "marges.csv", **options)  # type: ignore[arg-type]
    assert str(error.value) == message


def test_a_category_with_no_population_and_no_respondent_is_accepted(tmp_path: Path) -> None:
    answers, margins = _files(tmp_path, "strate,y\na,1\nb,0\n")
    margins.write_text(MARGINS + "strate,c,0\n")
    rows = analyse_files(answers, margins, threshold=1).rows
    assert [(r.domain, r.n, r.estimate) for r in rows] == [("ensemble", 2, 0.5)]
