"""`nonrecours evaluation report`: the three formats, the provisional
current year, and French errors that write nothing."""

import csv
import datetime
import io

import openpyxl
import pytest
import time_machine
from django.core.management import CommandError, call_command

from tests.evaluation.report_data import FROZEN, YEAR, build_year

pytestmark = pytest.mark.django_db


@pytest.fixture
def territory(arras):
    with time_machine.travel(FROZEN, tick=False):
        build_year(arras)
    return arras


def run(*args: str) -> str:
    out = io.StringIO()
    with time_machine.travel(FROZEN, tick=False):
        call_command("evaluation", *args, stdout=out)
    return out.getvalue()


def test_csv_xlsx_and_pdf(territory, tmp_path):
    base = ["report", "--territory", territory.siren, "--year", str(YEAR)]
    out = run(*base, "--format", "csv", "--output", str(tmp_path / "r.csv"))
    assert "Rapport annuel 2025 de Communauté urbaine d'Arras écrit dans" in out
    assert "masqués par le secret statistique" in out
    text = (tmp_path / "r.csv").read_text(encoding="utf-8-sig")
    rows = list(csv.reader(io.StringIO(text), delimiter=";"))
    assert rows[0][:4] == ["partie", "ligne", "chiffre", "valeur"]
    sent = next(r for r in rows if r[2] == "Orientations envoyées")
    assert sent[3] == "72"
    run(*base, "--format", "xlsx", "--output", str(tmp_path / "r.xlsx"))
    book = openpyxl.load_workbook(tmp_path / "r.xlsx")
    assert book.sheetnames == ["rapport", "notes"]
    values = [[c.value for c in row] for row in book["rapport"].iter_rows()]
    assert ["Orientations envoyées", 72] in [[r[2], r[3]] for r in values]
    assert "secret" in [r[3] for r in values]
    run(*base, "--format", "pdf", "--output", str(tmp_path / "r.pdf"))
    assert (tmp_path / "r.pdf").read_bytes().startswith(b"%PDF")


def test_the_current_year_is_written_provisional(territory, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    out = io.StringIO()
    with time_machine.travel(datetime.datetime(2025, 7, 1, 9, tzinfo=datetime.UTC), tick=False):
        call_command(
            "evaluation", "report", "--territory", territory.siren, "--year", "2025",
            "--format", "csv", stdout=out,
        )  # fmt: skip
    assert "Rapport provisoire" in out.getvalue()
    written = tmp_path / f"rapport-annuel-{territory.siren}-2025-provisoire.csv"
    assert "rapport provisoire" in written.read_text(encoding="utf-8-sig").splitlines()[0]


@pytest.mark.parametrize(
    ("siren", "year", "message"),
    [
        ("999999999", "2025", "Aucun territoire importé n'a le code SIREN 999999999"),
        (None, "deux-mille", "quatre chiffres"),
        (None, "2031", "n'a pas commencé"),
        (None, "2012", "2020 au plus tôt"),
    ],
)
def test_errors_are_french_and_write_nothing(territory, tmp_path, siren, year, message):
    output = tmp_path / "r.csv"
    with pytest.raises(CommandError, match=message):
        run("report", "--territory", siren or territory.siren, "--year", year, "--format", "csv",
            "--output", str(output))  # fmt: skip
    assert not output.exists()


def test_an_unknown_format_is_refused_in_french(territory):
    with pytest.raises(CommandError, match="pdf|csv|xlsx"):
        run("report", "--territory", territory.siren, "--year", "2025", "--format", "docx")
