"""Screening a partner's file: per-row errors, partitions, local processes
and a Dask cluster give the same results."""

import csv
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from nonrecours.rights.screening import ScreeningFileError, example_csv, screen

BAD_ROWS = (
    "F003,,62041,chateau,,,1990-01-01,chomeur\n"
    "F004,,62041,loge_gratuitement,,,15/05/1991,chomeur\n"
    "F005,,62041,loge_gratuitement,,,1980-01-01,chomeur,2\n"
)


def write(tmp_path, text):
    path = tmp_path / "foyers.csv"
    path.write_text(text, encoding="utf-8")
    return path


def read(path):
    with path.open(encoding="utf-8") as handle:
        return {row["id"]: row for row in csv.DictReader(handle)}


def test_rows_are_computed_and_bad_rows_explained(tmp_path):
    path = write(tmp_path, example_csv() + BAD_ROWS)
    out = tmp_path / "resultats.csv"
    assert screen(path, out, default_month="2026-11", workers=1) == (2, 3)
    rows = read(out)
    assert rows["F001"]["statut"] == "calcule"
    assert float(rows["F001"]["rsa"]) == pytest.approx(573.49)
    assert float(rows["F001"]["aide_logement"]) == 290
    assert rows["F002"]["af"] == "153.01"
    assert rows["F003"]["erreurs"].startswith("ligne 4 : logement, statut : « chateau » inconnu")
    assert "ligne 5 : personne 1, naissance : « 15/05/1991 »" in rows["F004"]["erreurs"]
    assert "ligne 6 : personne 1, taux_incapacite : 2 hors limites" in rows["F005"]["erreurs"]


def test_partitions_on_processes_and_on_dask_give_the_same_file(tmp_path):
    from distributed import LocalCluster

    lines = example_csv().splitlines()
    body = "\n".join(
        line.replace("F001", f"A{i}").replace("F002", f"B{i}")
        for i in range(6)
        for line in lines[1:]
    )
    path = write(tmp_path, lines[0] + "\n" + body + "\n" + BAD_ROWS)
    alone, local, dask = (tmp_path / f"{name}.csv" for name in ("seul", "local", "dask"))
    screen(path, alone, default_month="2026-11", workers=1)
    seen = []
    screen(path, local, default_month="2026-11", workers=2, partition_size=4,
           progress=lambda done, total: seen.append((done, total)))  # fmt: skip
    assert seen[0] == (0, 12) and seen[-1] == (12, 12) and len(seen) == 4
    with LocalCluster(n_workers=1, threads_per_worker=2, processes=False,
                      dashboard_address=None) as cluster:  # fmt: skip
        screen(path, dask, default_month="2026-11", scheduler=cluster.scheduler_address,
               partition_size=5)  # fmt: skip
    assert alone.read_text() == local.read_text() == dask.read_text()


def test_unreadable_files_are_refused_whole(tmp_path):
    with pytest.raises(ScreeningFileError, match="colonnes « id » et « demandeur_naissance »"):
        screen(write(tmp_path, "nom,age\nx,3\n"), tmp_path / "o.csv", default_month="2026-11")
    with pytest.raises(ScreeningFileError, match="colonne\\(s\\) inconnue\\(s\\) : salaire"):
        screen(write(tmp_path, "id,demandeur_naissance,salaire\n1,1990-01-01,3\n"),
               tmp_path / "o.csv", default_month="2026-11")  # fmt: skip
    latin = tmp_path / "latin.csv"
    latin.write_bytes("id,demandeur_naissance,commune\nF\xe9,1990-01-01,62041\n".encode("latin-1"))
    with pytest.raises(ScreeningFileError, match="n'est pas en UTF-8"):
        screen(latin, tmp_path / "o.csv", default_month="2026-11")


def test_screen_command(tmp_path):
    path = write(tmp_path, example_csv())
    out = tmp_path / "resultats.csv"
    stdout, stderr = StringIO(), StringIO()
    call_command("screen", str(path), "--out", str(out), "--mois", "2026-11", "--workers", "1",
                 stdout=stdout, stderr=stderr)  # fmt: skip
    assert "2 foyer(s) calculé(s), 0 en erreur" in stdout.getvalue()
    assert "2/2 foyers (100 %)" in stderr.getvalue()
    with pytest.raises(CommandError, match="fichier introuvable"):
        call_command("screen", str(tmp_path / "absent.csv"), "--out", str(out))


CASE_14 = Path(__file__).parent / "fixtures" / "14-screen-semicolon-two-children.csv"


def test_case_14_a_spreadsheet_file_with_semicolons_is_computed(tmp_path):
    # `;`, CRLF, last column quoted because it holds `;` (two children):
    # csv.Sniffer guessed `,` and the whole file was refused.
    out = tmp_path / "resultats.csv"
    stdout = StringIO()
    call_command("screen", str(CASE_14), "--out", str(out), "--mois", "2026-11", "--workers",
                 "1", "--silencieux", stdout=stdout)  # fmt: skip
    assert "2 foyer(s) calculé(s), 0 en erreur" in stdout.getvalue()
    rows = read(out)
    assert [row["statut"] for row in rows.values()] == ["calcule", "calcule"]
    assert all(not row["erreurs"] and not row["remarques"] for row in rows.values())
    # F001: a single parent, HLM tenant, two children (both were read).
    assert float(rows["F001"]["af"]) == pytest.approx(153.01)  # due from 2 children: both read
    assert float(rows["F001"]["asf"]) > 0 and float(rows["F001"]["aide_logement"]) > 0
    assert float(rows["F001"]["bourse_college"]) > 0  # the college child
    # F002: alone, housed free, no children.
    assert float(rows["F002"]["rsa"]) == pytest.approx(573.49)
    assert float(rows["F002"]["af"]) == 0


def test_a_commune_code_that_lost_its_leading_zero_is_restored_and_said(tmp_path):
    path = write(
        tmp_path,
        "id;commune;logement;loyer;demandeur_naissance;demandeur_activite\r\n"
        "A;1071;locataire_hlm;380;1991-05-15;chomeur\r\n"  # « 01071 », Ain
        "B;1071.0;locataire_hlm;380;1991-05-15;chomeur\r\n"  # as a decimal number
        "C;62041;locataire_hlm;380;1991-05-15;chomeur\r\n"
        "D;99;locataire_hlm;380;1991-05-15;chomeur\r\n",  # no commune « 00099 »
    )
    out = tmp_path / "resultats.csv"
    assert screen(path, out, default_month="2026-11", workers=1) == (3, 1)
    rows = read(out)
    assert rows["A"]["remarques"] == (
        "ligne 2, commune : « 1071 » lu comme « 01071 » (zéro initial restauré)"
    )
    assert "« 1071.0 » lu comme « 01071 »" in rows["B"]["remarques"]
    assert rows["A"]["aide_logement"] == rows["B"]["aide_logement"] != ""
    assert rows["C"]["remarques"] == ""
    assert rows["D"]["statut"] == "erreur"
    assert "commune : « 99 » n'est pas un code INSEE" in rows["D"]["erreurs"]


def test_a_huge_cell_or_a_repeated_column_refuses_the_file_with_its_line(tmp_path):
    with pytest.raises(ScreeningFileError, match="ligne 3 : une cellule dépasse 128 Kio"):
        screen(write(tmp_path, "id,demandeur_naissance\n1,1990-01-01\n2," + "x" * 200_000 + "\n"),
               tmp_path / "o.csv", default_month="2026-11")  # fmt: skip
    with pytest.raises(ScreeningFileError, match="colonne\\(s\\) en double : id"):
        screen(write(tmp_path, "id;demandeur_naissance;id\n1;1990-01-01;2\n"),
               tmp_path / "o.csv", default_month="2026-11")  # fmt: skip


def test_output_never_turns_an_identifier_into_a_formula(tmp_path):
    source = tmp_path / "foyers.csv"
    source.write_text(
        CASE_14.read_text(encoding="utf-8").replace("F001", '=HYPERLINK("http://x")'),
        encoding="utf-8",
    )
    out = tmp_path / "resultats.csv"
    call_command("screen", str(source), "--out", str(out), "--mois", "2026-11", "--workers",
                 "1", "--silencieux", stdout=StringIO())  # fmt: skip
    assert "'=HYPERLINK(" in out.read_text(encoding="utf-8")
    assert "\n=HYPERLINK" not in out.read_text(encoding="utf-8")
