"""`nonrecours analyse` on the files people really have: other columns,
spreadsheet dialects, and everything that must be refused with its line."""

import csv
import json
from io import StringIO
from pathlib import Path

import numpy as np
import pytest
from django.core.management import CommandError, call_command
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from nonrecours.analysis.answers import AnswersFileError, read_answers
from nonrecours.analysis.files import AnalysisFileError, analyse_files, as_json_rows

FIXTURES = Path(__file__).parent / "fixtures"
MARGINS = "variable,modalite,effectif\nstrate,a,10\nstrate,b,10\n"


def write(path: Path, text: str, *, newline: str = "\n", bom: bool = False) -> Path:
    data = text.replace("\n", newline).encode()
    path.write_bytes(b"\xef\xbb\xbf" + data if bom else data)
    return path


def refused(tmp_path, answers, margins=MARGINS, **options):
    with pytest.raises(AnalysisFileError) as error:
        analyse_files(
            write(tmp_path / "reponses.csv", answers),
            write(tmp_path / "marges.csv", margins),
            **options,
        )
    return str(error.value)


@pytest.mark.parametrize("name", ["strates", "communes"])
def test_file_results_match_r_survey(name):
    """The whole path, file to published rows, against R's reference values."""
    with (FIXTURES / f"{name}-r.csv").open() as f:
        expected = list(csv.DictReader(f))
    by = sorted({r["by"] for r in expected} - {"ensemble"})
    weight = "w0" if name == "strates" else None
    analysis = analyse_files(
        FIXTURES / f"{name}.csv", FIXTURES / f"{name}-marges.csv", by=by, weight=weight,
        threshold=1,
    )  # fmt: skip
    rows = {(r.indicator, r.by, r.domain): r for r in analysis.rows}
    compared = 0
    for reference in expected:
        row = rows[reference["indicator"], reference["by"], reference["domain"]]
        assert row.n == int(reference["n"])
        if row.suppressed:  # beside an empty domain (secondary suppression)
            continue
        assert row.estimate == pytest.approx(float(reference["estimate"]), abs=1e-6)
        assert row.se == pytest.approx(float(reference["se"]), rel=1e-5, abs=1e-9)
        compared += 1
    assert compared >= len(expected) - 2


STRATES_HEADER = "strate,sexe_age,w0,difficile,aide_proches,confiance"


def with_other_columns(tmp_path: Path) -> Path:
    """strates.csv with a commune code, an identifier and free text (commas,
    quotes, a line break, an empty comment) around the survey's columns."""
    lines = (FIXTURES / "strates.csv").read_text().splitlines()
    assert lines[0] == STRATES_HEADER
    out = ["commune,id," + lines[0] + ",commentaire"]
    for i, line in enumerate(lines[1:]):
        comment = ['"trop loin, pas de bus"', '"il a dit ""non""\nen partant"', "", "2"][i % 4]
        out.append(f"0{62041 + i % 3},R{i:04d},{line},{comment}")
    return write(tmp_path / "reponses.csv", "\n".join(out) + "\n")


def published(analysis):
    return json.dumps(as_json_rows(analysis.rows))


def test_other_columns_are_ignored_and_listed(tmp_path):
    margins = FIXTURES / "strates-marges.csv"
    plain = analyse_files(FIXTURES / "strates.csv", margins, by=["strate"], weight="w0")
    wide = analyse_files(with_other_columns(tmp_path), margins, by=["strate"], weight="w0")
    assert wide.indicators == plain.indicators == ["difficile", "aide_proches", "confiance"]
    assert wide.ignored == ["commune", "id", "commentaire"]
    assert plain.ignored == []
    assert published(wide) == published(plain)


def test_chosen_indicators(tmp_path):
    margins = FIXTURES / "strates-marges.csv"
    answers = with_other_columns(tmp_path)
    chosen = ["confiance", "difficile", "confiance"]  # twice: counted once
    analysis = analyse_files(answers, margins, weight="w0", indicators=chosen)
    assert analysis.indicators == ["confiance", "difficile"]
    assert {r.indicator for r in analysis.rows} == {"confiance", "difficile"}
    assert analysis.ignored == ["commune", "id", "aide_proches", "commentaire"]


def test_cli_lists_indicators_and_ignored_columns(tmp_path):
    answers = with_other_columns(tmp_path)
    common = ["analyse", str(answers), "--margins", str(FIXTURES / "strates-marges.csv")]
    stdout, stderr = StringIO(), StringIO()
    call_command(*common, "--weight", "w0", stdout=stdout, stderr=stderr)
    assert json.loads(stdout.getvalue())[0]["indicator"] == "difficile"  # JSON alone
    assert "Indicateurs (colonnes de 0, 1 ou vide) : difficile, aide_proches, confiance." in (
        stderr.getvalue()
    )
    assert (
        "Colonnes ignorées (ni marge, ni ventilation, ni poids, ni indicateur) : commune, id, "
        "commentaire." in stderr.getvalue()
    )
    stdout = StringIO()
    call_command(
        *common, "--weight", "w0", "--indicateurs", "confiance, difficile",
        "--out", str(tmp_path / "r.json"), stdout=stdout,
    )  # fmt: skip
    assert "Indicateurs (choisis) : confiance, difficile." in stdout.getvalue()
    assert "aide_proches" in stdout.getvalue()  # listed among the ignored
    rows = json.loads((tmp_path / "r.json").read_text())
    assert {r["indicator"] for r in rows} == {"confiance", "difficile"}


@pytest.mark.parametrize(
    ("newline", "bom", "separator"), [("\r\n", True, ";"), ("\r\n", False, "\t"), ("\n", True, ",")]
)
def test_spreadsheet_dialects_give_the_same_results(tmp_path, newline, bom, separator):
    text = (FIXTURES / "strates.csv").read_text()
    rows = list(csv.reader(StringIO(text)))
    out = StringIO()
    csv.writer(out, delimiter=separator, lineterminator="\n", quoting=csv.QUOTE_ALL).writerows(rows)
    answers = write(tmp_path / "reponses.csv", out.getvalue(), newline=newline, bom=bom)
    margins = FIXTURES / "strates-marges.csv"
    expected = analyse_files(FIXTURES / "strates.csv", margins, by=["strate"], weight="w0")
    got = analyse_files(answers, margins, by=["strate"], weight="w0")
    assert published(got) == published(expected)


def test_excel_sep_line_and_decimal_comma(tmp_path):
    answers = "sep=;\nstrate;poids;y\na;1,5;1\nb;2;0\na;1;0\nb;0,5;1\n"
    analysis = analyse_files(
        write(tmp_path / "reponses.csv", answers, newline="\r\n"),
        write(tmp_path / "marges.csv", MARGINS),
        weight="poids",
        threshold=1,
    )
    # Each stratum weighs 10: a's yes 1.5 of 2.5, b's yes 0.5 of 2.5, (6 + 2) / 20.
    assert analysis.rows[0].estimate == pytest.approx(0.4)


def test_a_value_beyond_the_sample_is_still_seen(tmp_path):
    """The sample suggests 0/1 columns; a later value decides after all."""
    lines = ["strate,y,z,t"] + [f"{'ab'[i % 2]},{i % 2},1,0" for i in range(30_000)]
    lines += ["a,2,abc,1"]
    margins = write(tmp_path / "marges.csv", MARGINS)
    answers = write(tmp_path / "reponses.csv", "\n".join(lines) + "\n")
    analysis = analyse_files(answers, margins)
    assert analysis.indicators == ["t"]
    assert analysis.ignored == ["y", "z"]
    message = refused(tmp_path, "\n".join(lines) + "\n", indicators=["y"])
    assert message == (
        "reponses.csv, ligne 30002, colonne « y » : « 2 » ; attendu 0, 1 ou vide (hors de la "
        "base de l'indicateur)."
    )


def test_an_empty_column_is_not_an_indicator_unless_chosen(tmp_path):
    answers = "strate,y,vide\na,1,\nb,0,\n"
    margins = write(tmp_path / "marges.csv", MARGINS)
    analysis = analyse_files(write(tmp_path / "reponses.csv", answers), margins)
    assert (analysis.indicators, analysis.ignored) == (["y"], ["vide"])
    chosen = analyse_files(tmp_path / "reponses.csv", margins, indicators=["vide"])
    # Known to be empty (nobody in the base): no figure, nothing to hide.
    assert all(r.n == 0 and r.estimate is None and not r.suppressed for r in chosen.rows)


@pytest.mark.parametrize(
    ("answers", "margins", "options", "message"),
    [
        ("strate,y,y\na,1,0\nb,0,1\n", MARGINS, {},
         "reponses.csv, ligne 1 : colonne(s) en double : « y » ; renommez-les."),
        ("strate, y ,y\na,1,0\nb,0,1\n", MARGINS, {},
         "reponses.csv, ligne 1 : colonne(s) en double : « y »"),
        ("\n\nstrate,strate,y\na,a,0\n", MARGINS, {},
         "reponses.csv, ligne 3 : colonne(s) en double : « strate »"),
        ("strate,w,y\na,1,1\nb,nan,0\n", MARGINS, {"weight": "w"},
         "reponses.csv, ligne 3, colonne « w » : poids « nan » invalide ; attendu un nombre "
         "supérieur à 0."),
        ("strate,w,y\na,inf,1\nb,1,0\n", MARGINS, {"weight": "w"},
         "reponses.csv, ligne 2, colonne « w » : poids « inf » invalide"),
        ("strate,w,y\na,1,1\n\n\nb,0,0\n", MARGINS, {"weight": "w"},
         "reponses.csv, ligne 5, colonne « w » : poids « 0 » invalide"),
        ('strate,w,note,y\na,1,"deux\nlignes",1\nb,-1,,0\n', MARGINS, {"weight": "w"},
         "reponses.csv, ligne 4, colonne « w » : poids « -1 » invalide"),
        ("strate,w,y\na,1,1\nb,,0\n", MARGINS, {"weight": "w"},
         "reponses.csv, ligne 3, colonne « w » : poids manquant ; attendu un nombre "
         "supérieur à 0."),
        ("strate,w,y\na,1,1\nb,un,0\n", MARGINS, {"weight": "w"},
         "reponses.csv, ligne 3, colonne « w » : poids « un » invalide"),
        ("strate,y\na,1\nb,0\n", "variable,modalite,effectif\nstrate,a,10\nstrate,b,nan\n", {},
         "marges.csv, ligne 3, colonne « effectif » : « nan » n'est pas un nombre."),
        ("strate,y\na,1\nb,0\n", "variable,modalite,effectif\nstrate,a,inf\nstrate,b,10\n", {},
         "marges.csv, ligne 2, colonne « effectif » : « inf » n'est pas un nombre."),
        ("strate,y\na,1\nb,0\n", "variable,modalite,effectif\nstrate,a,-3\nstrate,b,10\n", {},
         "marges.csv, ligne 2, colonne « effectif » : « -3 » ; attendu un nombre de personnes"),
        ("strate,y\na,1\nb,0\nb,1\n",
         "variable,modalite,effectif\nstrate,a,10\nstrate,b,0\n", {},
         "marges.csv, ligne 3 : « strate » = « b » a une population de 0 mais 2 répondant·e(s) "
         "dans reponses.csv ; corrigez l'effectif ou regroupez cette modalité avec une autre."),
        ("strate,y\na,1\nb,0\n", MARGINS, {"threshold": 0},
         "Seuil du secret statistique invalide (0) : il faut un nombre entier, au moins 1 "
         "répondant·e par case publiée."),
        ("strate,y\na,1\nb,0\n", MARGINS, {"threshold": -5},
         "Seuil du secret statistique invalide (-5)"),
        ("strate,y\na,1\nb,0,1\n", MARGINS, {},
         "reponses.csv, ligne 3 : 3 cellule(s) au lieu de 2 (le nombre de colonnes de "
         "l'en-tête) ; vérifiez le séparateur et les guillemets de cette ligne."),
        ("strate,y\na,1\nb\n", MARGINS, {}, "reponses.csv, ligne 3 : 1 cellule(s) au lieu de 2"),
        ("strate,y\na,1\nb,2\n", MARGINS, {"indicators": ["y"]},
         "reponses.csv, ligne 3, colonne « y » : « 2 » ; attendu 0, 1 ou vide"),
        ("strate,y\na,1\nb,oui\n", MARGINS, {"indicators": ["y"]},
         "reponses.csv, ligne 3, colonne « y » : « oui » ; attendu 0, 1 ou vide"),
        ("strate,y\na,1\nb,0\n", MARGINS, {"indicators": ["z"]},
         "reponses.csv : colonne « z » introuvable."),
        ("strate,y\na,1\nb,0\n", MARGINS, {"indicators": ["strate"]},
         "reponses.csv : la colonne « strate » sert déjà au calage"),
        ("", MARGINS, {}, "reponses.csv : fichier vide ou sans ligne d'en-tête."),
    ],
)  # fmt: skip
def test_refused_with_a_french_message(tmp_path, answers, margins, options, message):
    assert message in refused(tmp_path, answers, margins, **options)


def test_not_utf8_names_the_line(tmp_path):
    (tmp_path / "reponses.csv").write_bytes("strate,y\na,1\nb,0\n\xe9t\xe9,1\n".encode("latin-1"))
    write(tmp_path / "marges.csv", MARGINS)
    with pytest.raises(AnalysisFileError, match=r"pas en UTF-8 \(ligne 4\)"):
        analyse_files(tmp_path / "reponses.csv", tmp_path / "marges.csv")


def test_nan_weight_no_longer_ends_in_did_not_converge(tmp_path):
    message = refused(tmp_path, "strate,w,y\na,1,1\nb,NaN,0\n", weight="w")
    assert "converg" not in message and "ligne 3" in message


def test_cli_refuses_a_threshold_below_one(tmp_path):
    answers = write(tmp_path / "reponses.csv", "strate,y\na,1\nb,0\n")
    margins = write(tmp_path / "marges.csv", MARGINS)
    with pytest.raises(CommandError, match="Seuil du secret statistique invalide"):
        call_command("analyse", str(answers), "--margins", str(margins), "--threshold", "0")


def test_duplicated_columns_no_longer_crash_the_cli(tmp_path):
    answers = write(tmp_path / "reponses.csv", "strate,y,y\na,1,0\nb,0,1\n")
    margins = write(tmp_path / "marges.csv", MARGINS)
    with pytest.raises(CommandError, match="colonne\\(s\\) en double"):
        call_command("analyse", str(answers), "--margins", str(margins), stdout=StringIO())


cell = st.one_of(
    st.sampled_from(["a", "b", "0", "1", "", "2", "nan", "inf", "-1", '"', ";", "\n", "é", "\x00"]),
    st.text(max_size=5),
)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    rows=st.lists(st.lists(cell, min_size=1, max_size=4), max_size=6),
    separator=st.sampled_from([",", ";", "\t"]),
    weight=st.booleans(),
)
def test_hostile_answers_give_results_or_a_french_error(tmp_path, rows, separator, weight):
    header = separator.join(["strate", "w", "y", "note"][: max(len(r) for r in rows or [[0]])])
    text = "\n".join([header, *(separator.join(r) for r in rows)])
    answers = tmp_path / "reponses.csv"
    answers.write_bytes(text.encode("utf-8", errors="surrogatepass"))
    margins = write(tmp_path / "marges.csv", MARGINS)
    try:
        analysis = analyse_files(answers, margins, weight="w" if weight else None, threshold=1)
    except AnalysisFileError as error:
        assert str(error)
    else:
        assert all(np.isfinite(r.estimate) for r in analysis.rows if r.estimate is not None)


def test_a_detected_non_ascii_escape_character_is_read(tmp_path):
    """Found by hypothesis: CleverCSV may take « ¡ » for an escape character,
    which pyarrow's parser cannot take."""
    answers = write(tmp_path / "reponses.csv", 'strate,note,y\na,¡"x,1\nb,,0\n')
    margins = write(tmp_path / "marges.csv", MARGINS)
    analysis = analyse_files(answers, margins, threshold=1)
    assert (analysis.indicators, analysis.ignored) == (["y"], ["note"])


@pytest.mark.parametrize("text", ["strate;y", "strate;y\n", "\ufeffstrate;y", "strate;y\r\n"])
def test_a_header_alone_is_refused_with_or_without_its_line_break(tmp_path, text):
    """A header without a line break after it used to get pyarrow's English
    « Could not skip initial 1 rows »; then an empty table, which the
    analysis refused with a message about the indicators."""
    path = tmp_path / "reponses.csv"
    path.write_text(text, encoding="utf-8")

    with pytest.raises(AnswersFileError) as refused:
        read_answers(path)

    assert str(refused.value) == (
        "reponses.csv : aucune ligne sous l'en-tête (le fichier n'a que ses noms de colonnes)."
    )


def test_a_last_row_without_its_line_break_is_read(tmp_path):
    path = tmp_path / "reponses.csv"
    path.write_text("strate;y\nrural;1\nurbain;0", encoding="utf-8")

    read = read_answers(path)

    assert read.column("strate").to_pylist() == ["rural", "urbain"]
    assert read.column("y").to_pylist() == [1, 0]


@pytest.mark.parametrize(
    ("answers", "said"),
    [
        (
            "strate,y\na,1\n,\nb,0\n",
            "ligne 3, colonne « strate » : cellule vide : la ligne est vide",
        ),
        (
            "strate,y\na,1\nb,0\n , \n",
            "ligne 4, colonne « strate » : cellule vide : la ligne est vide",
        ),
        ("strate,y\na,1\n,1\nb,0\n", "ligne 3, colonne « strate » : cellule vide ; chaque"),
    ],
)
def test_an_empty_category_is_refused_with_its_line(tmp_path, answers, said):
    """Before: « modalité(s) absente(s) des marges : . », with no line. A
    blank row is to be deleted; a respondent is to be given a category."""
    message = refused(tmp_path, answers, threshold=1)
    assert message.startswith(f"reponses.csv, {said}")
    if "la ligne est vide" in said:
        assert message.endswith("(séparateurs seuls) ; supprimez-la.")
    else:
        assert message.endswith("sans supprimer la personne.")


def test_an_empty_breakdown_category_is_refused_with_its_line(tmp_path):
    answers = "strate,commune,y\na,x,1\nb,,0\n"
    message = refused(tmp_path, answers, by=["commune"], threshold=1)
    assert message.startswith("reponses.csv, ligne 3, colonne « commune » : cellule vide ; chaque")
