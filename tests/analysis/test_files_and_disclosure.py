import json
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from nonrecours.analysis.disclosure import Cell, suppressed
from nonrecours.analysis.files import AnalysisFileError, analyse_files

FIXTURES = Path(__file__).parent / "fixtures"
ANSWERS = FIXTURES / "strates.csv"
MARGINS = FIXTURES / "strates-marges.csv"


def test_primary_and_secondary_suppression():
    cells = [
        Cell("a|ensemble", 800),
        Cell("a|strate", 5),
        Cell("a|strate", 300),
        Cell("a|strate", 40),
    ]
    assert suppressed(cells) == [False, True, False, True]  # 40 could be recomputed otherwise
    two_hidden = [Cell("b|s", 3), Cell("b|s", 4), Cell("b|s", 500)]
    assert suppressed(two_hidden) == [True, True, False]
    assert suppressed([Cell("c|s", 10), Cell("c|s", 100)], threshold=5) == [False, False]


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
