import csv
import json
from io import StringIO
from pathlib import Path

import numpy as np
import pytest
from django.core.management import CommandError, call_command

from nonrecours.analysis.files import AnalysisFileError, analyse_files, as_json_rows

FIXTURES = Path(__file__).parent / "fixtures"
ANSWERS = FIXTURES / "strates.csv"
MARGINS = FIXTURES / "strates-marges.csv"


def _members(answers: Path, row) -> np.ndarray:
    """Who is in a published cell, read from the answers file itself."""
    with answers.open(encoding="utf-8") as f:
        lines = list(csv.DictReader(f))
    if row.by == "ensemble":
        return np.ones(len(lines), dtype=bool)
    return np.array([line[row.by] == row.domain for line in lines])


def in_span(published: list[np.ndarray], target: np.ndarray) -> bool:
    """Whether `target` (who a sum is over) is a combination of the
    published sums: its value then follows from them (rank test)."""
    if not published:
        return False
    matrix = np.array(published, dtype=float)
    stacked = np.vstack([matrix, target.astype(float)])
    return bool(np.linalg.matrix_rank(stacked) == np.linalg.matrix_rank(matrix))


def recovered(answers: Path, analysis) -> list[tuple[str, str, str]]:
    """The hidden cells an attacker recovers exactly, on their own
    reasoning: one unknown per respondent in the indicator's base (their
    weighted answer; the weighted totals are known), each published share a
    sum of them; a hidden cell comes back when its sum is a combination of
    the published sums."""
    with answers.open(encoding="utf-8") as f:
        lines = list(csv.DictReader(f))
    found = []
    for indicator in analysis.indicators:
        base = np.array([line[indicator].strip() != "" for line in lines])
        mine = [r for r in analysis.rows if r.indicator == indicator]
        published = [_members(answers, r)[base] for r in mine if r.estimate is not None]
        for row in mine:
            if row.suppressed and in_span(published, _members(answers, row)[base]):
                found.append((indicator, row.by, row.domain))
    return found


def test_no_hidden_cell_comes_back_from_the_published_rows():
    analysis = analyse_files(ANSWERS, MARGINS, by=["strate", "sexe_age"], weight="w0")
    assert any(r.suppressed for r in analysis.rows)  # the attack has something to aim at
    assert recovered(ANSWERS, analysis) == []


def test_an_empty_category_does_not_protect(tmp_path):
    """Stratum a: 5 in the base, b: nobody (known to be empty), c: 30. The
    overall less c would give a: c is hidden too, b stays published empty."""
    lines = ["strate,y"] + ["a,1"] * 3 + ["a,0"] * 2 + ["b,"] * 20 + ["c,1", "c,0"] * 15
    answers = write(tmp_path / "reponses.csv", "\n".join(lines) + "\n")
    margins = write(tmp_path / "marges.csv", "variable,modalite,effectif\n" + "".join(
        f"strate,{s},100\n" for s in "abc"
    ))  # fmt: skip
    analysis = analyse_files(answers, margins, by=["strate"])
    rows = {r.domain: r for r in analysis.rows}
    assert rows["a"].suppressed and rows["a"].estimate is None
    assert rows["b"].n == 0 and not rows["b"].suppressed and rows["b"].estimate is None
    assert rows["c"].suppressed or rows["ensemble"].suppressed
    assert recovered(answers, analysis) == []


def test_breakdowns_are_protected_together(tmp_path):
    """Nobody is a man in stratum b, so stratum a less the men gives the 5
    women of a, a cell no table shows: one of the figures is hidden."""
    lines = ["strate,sexe,y"] + ["a,f,1"] * 5 + ["a,h,1", "a,h,0"] * 15 + ["b,f,0", "b,f,1"] * 15
    answers = write(tmp_path / "reponses.csv", "\n".join(lines) + "\n")
    margins = write(
        tmp_path / "marges.csv",
        "variable,modalite,effectif\nstrate,a,100\nstrate,b,100\n",
    )
    analysis = analyse_files(answers, margins, by=["strate", "sexe"])
    assert not any(r.suppressed and r.n == 0 for r in analysis.rows)
    published = [_members(answers, r) for r in analysis.rows if r.estimate is not None]
    women_of_a = np.array([line.startswith("a,f") for line in lines[1:]])
    assert not in_span(published, women_of_a)
    assert any(r.suppressed for r in analysis.rows)
    assert recovered(answers, analysis) == []


def test_results_match_the_reference_and_hide_small_cells():
    rows = {
        (r.indicator, r.by, r.domain): r
        for r in analyse_files(ANSWERS, MARGINS, by=["strate"], weight="w0").rows
    }
    overall = rows[("difficile", "ensemble", "ensemble")]
    assert overall.estimate == pytest.approx(0.354775993449293, abs=1e-6)  # R survey
    assert overall.ci_low == pytest.approx(overall.estimate - 1.959963984540054 * overall.se)
    tiny = rows[("difficile", "strate", "ile")]
    assert tiny.suppressed and tiny.estimate is None and tiny.n == 2
    assert rows[("difficile", "strate", "petite")].suppressed  # secondary
    assert not rows[("difficile", "strate", "centre")].suppressed
    helped = rows[("aide_proches", "ensemble", "ensemble")]
    assert helped.n < 800  # only those in difficulty are in the base


def test_cli_writes_json(tmp_path):
    out = tmp_path / "resultats.json"
    call_command(
        "analyse", str(ANSWERS), "--margins", str(MARGINS), "--by", "strate", "--weight", "w0",
        "--out", str(out), stdout=StringIO(),
    )  # fmt: skip
    rows = json.loads(out.read_text())
    assert set(rows[0]) == {
        "indicator",
        "by",
        "domain",
        "estimate",
        "se",
        "ci_low",
        "ci_high",
        "n",
        "suppressed",
    }
    assert {r["indicator"] for r in rows} == {"difficile", "aide_proches", "confiance"}


def write(path, text):
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("answers", "margins", "message"),
    [
        ("strate,y\na,1\nb,2\n", "variable,modalite,effectif\nstrate,a,10\nstrate,b,10\n",
         "reponses.csv : aucune colonne d'indicateur (seulement 0, 1 ou vide) ; colonnes "
         "ignorées : y."),
        ("strate,y\na,1\nb,0\n", "variable,modalite,effectif\nstrate,a,10\nstrate,b,dix\n",
         "marges.csv, ligne 3, colonne « effectif » : « dix » n'est pas un nombre."),
        ("strate,y\na,1\nb,0\n",
         "variable,modalite,effectif\nstrate,a,10\nstrate,b,10\nstrate,c,5\n",
         "la modalité « c » (population 5) n'a aucun répondant"),
        ("strate,sexe,y\na,f,1\nb,h,0\n",
         "variable,modalite,effectif\nstrate,a,10\nstrate,b,10\nsexe,f,10\nsexe,h,12\n",
         "Les marges ne décrivent pas la même population"),
        ("sexe,y\nf,1\n", "variable,modalite,effectif\nstrate,a,10\n",
         "colonne « strate » introuvable"),
    ],
)  # fmt: skip
def test_bad_files_are_clear_errors(tmp_path, answers, margins, message):
    with pytest.raises(AnalysisFileError) as error:
        analyse_files(
            write(tmp_path / "reponses.csv", answers), write(tmp_path / "marges.csv", margins)
        )
    assert message in str(error.value)


def test_cli_missing_file(tmp_path):
    with pytest.raises(CommandError, match="absent.csv : fichier introuvable"):
        call_command("analyse", str(tmp_path / "absent.csv"), "--margins", str(MARGINS))


def test_cli_bounds_and_cap(tmp_path):
    plain, capped = tmp_path / "a.json", tmp_path / "b.json"
    common = ["analyse", str(ANSWERS), "--margins", str(MARGINS), "--weight", "w0"]
    call_command(*common, "--out", str(plain), stdout=StringIO())
    call_command(*common, "--plafond", "2", "--out", str(capped), stdout=StringIO())
    before, after = json.loads(plain.read_text()), json.loads(capped.read_text())
    assert [r["n"] for r in before] == [r["n"] for r in after]
    assert [r["estimate"] for r in before] != [r["estimate"] for r in after]
    with pytest.raises(CommandError, match="ne peut pas respecter les bornes"):
        call_command(*common, "--bornes", "0.5:1.5", stdout=StringIO())


def test_a_breakdown_in_two_categories_hides_both(tmp_path):
    """Issue 14: by sex, 5 men and 40 women: the overall less the women
    would give the men, so the women's figure is hidden too; the overall
    stays, with its exact share."""
    lines = ["sexe,y"] + ["h,1"] * 3 + ["h,0"] * 2 + ["f,1"] * 10 + ["f,0"] * 30
    answers = write(tmp_path / "reponses.csv", "\n".join(lines) + "\n")
    margins = write(tmp_path / "marges.csv", "variable,modalite,effectif\nsexe,h,50\nsexe,f,50\n")
    rows = {r.domain: r for r in analyse_files(answers, margins, by=["sexe"]).rows}
    assert [(d, rows[d].suppressed, rows[d].n) for d in ("ensemble", "f", "h")] == [
        ("ensemble", False, 45),
        ("f", True, 40),
        ("h", True, 5),
    ]
    assert rows["ensemble"].estimate == pytest.approx(0.5 * 3 / 5 + 0.5 * 10 / 40)
    assert rows["f"].estimate is rows["f"].se is rows["f"].ci_low is rows["f"].ci_high is None
    published = [r for r in as_json_rows(list(rows.values())) if r["domain"] == "f"]
    assert published[0]["n"] is None and published[0]["suppressed"] is True
    assert recovered(answers, analyse_files(answers, margins, by=["sexe"])) == []


def test_intervals_are_cut_to_zero_and_one(tmp_path):
    lines = ["strate,y"] + ["a,1"] * 12 + ["b,0"] * 11 + ["b,1"]
    answers = write(tmp_path / "reponses.csv", "\n".join(lines) + "\n")
    margins = write(
        tmp_path / "marges.csv", "variable,modalite,effectif\nstrate,a,50\nstrate,b,50\n"
    )
    rows = {r.domain: r for r in analyse_files(answers, margins, by=["strate"]).rows}
    assert rows["a"].estimate == 1.0 and rows["a"].ci_high == 1.0
    assert rows["b"].estimate == pytest.approx(1 / 12)
    assert rows["b"].ci_low == max(0.0, rows["b"].estimate - 1.959963984540054 * rows["b"].se)
    assert rows["b"].ci_high == pytest.approx(rows["b"].estimate + 1.959963984540054 * rows["b"].se)
    assert rows["ensemble"].estimate == pytest.approx(0.5 + 0.5 / 12)


def test_margins_that_cannot_be_met_are_an_error(tmp_path):
    """Two respondents, (a, f) and (b, h): stratum a = 60 and f = 40 cannot
    both hold; the raking does not converge and the analysis says so."""
    answers = write(tmp_path / "reponses.csv", "strate,sexe,y\na,f,1\nb,h,0\n")
    margins = write(
        tmp_path / "marges.csv",
        "variable,modalite,effectif\nstrate,a,60\nstrate,b,40\nsexe,f,40\nsexe,h,60\n",
    )
    with pytest.raises(AnalysisFileError) as error:
        analyse_files(answers, margins)
    assert str(error.value) == (
        "Le calage n'a pas convergé (écart restant 5.00e-01) : des modalités "
        "trop peu représentées sont à regrouper."
    )
    with pytest.raises(AnalysisFileError) as error:
        analyse_files(answers, margins, bounds=(0.1, 10))
    assert str(error.value).startswith(
        "reponses.csv / marges.csv : Le calage ne peut pas respecter les bornes demandées"
    )


def test_read_margins_gives_each_variable_its_categories(tmp_path):
    from nonrecours.analysis.files import read_margins
    from nonrecours.analysis.raking import Margin

    path = write(
        tmp_path / "marges.csv",
        "variable,modalite,effectif\nstrate, a ,1 000,5\nstrate,b,0\nsexe,f,\u202f12\n",
    )
    with pytest.raises(AnalysisFileError, match="ligne 2"):
        read_margins(path)
    path = write(
        tmp_path / "marges.csv",
        'variable,modalite,effectif\nstrate, a ,"1 000,5"\nstrate,b,0\nsexe,f,1\u202f000.5\n',
    )
    assert read_margins(path) == [
        Margin("strate", {"a": 1000.5, "b": 0.0}),
        Margin("sexe", {"f": 1000.5}),
    ]
