"""Screening a partner's file: per-row errors, partitions, local processes
and a Dask cluster give the same results."""

import csv
import os
import signal
import threading
import time
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from nonrecours.rights.screening import ScreeningFileError, example_csv, screen

BAD_ROWS = (
    "F003,,62041,chateau,,,1990-01-01,chomeur\n"
    "F004,,62041,loge_gratuitement,,,15/05/91,chomeur\n"
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
    # Named by the file's columns (« logement », not the situation's
    # « logement, statut »).
    assert rows["F003"]["erreurs"].startswith("ligne 4 : logement : « chateau » inconnu")
    # A two-digit year is not guessed (1991 or 2091?).
    assert rows["F004"]["erreurs"] == (
        "ligne 5 : demandeur_naissance : « 15/05/91 » illisible ; attendu une date : "
        "1991-05-15, 15/05/1991 ou numéro de série de tableur"
    )
    assert "ligne 6 : demandeur_taux_incapacite : 2 hors limites" in rows["F005"]["erreurs"]


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
    # Every household of the file is counted, those in error too.
    assert seen[0] == (0, 15) and seen[-1] == (15, 15) and len(seen) == 5
    with LocalCluster(n_workers=1, threads_per_worker=2, processes=False,
                      dashboard_address=":0") as cluster:  # fmt: skip
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


def test_dates_as_french_spreadsheets_save_them_are_read(tmp_path):
    # Issue #11: a spreadsheet saves a date cell as 15/05/1991, as
    # 1991-05-15 00:00:00, or, format lost, as its serial number.
    path = write(
        tmp_path,
        "id;mois;logement;demandeur_naissance;demandeur_activite;conjoint_naissance;"
        "conjoint_activite;enfants\n"
        "ISO;2026-11;loge_gratuitement;1991-05-15;chomeur;;;\n"
        "FR;2026-11;loge_gratuitement;15/05/1991;chomeur;;;\n"
        "HEURE;2026-11;loge_gratuitement;1991-05-15 00:00:00;chomeur;;;\n"
        "SERIE;2026-11;loge_gratuitement;33373;chomeur;;;\n"  # 1900 system: 36526 = 2000-01-01
        "MOIS;01/11/2026;loge_gratuitement;15/05/1991;chomeur;;;\n"
        "COUPLE;2026-11;loge_gratuitement;15/05/1991;chomeur;02/03/1990 00:00;inactif;"
        '"01/03/2018:primaire;41791:college"\n'
        "AUTRE;2026-11;loge_gratuitement;1991-05-15;chomeur;;;\n",
    )
    out = tmp_path / "resultats.csv"
    assert screen(path, out, default_month="2026-11", workers=1) == (7, 0)
    rows = read(out)
    for key in ("FR", "HEURE", "SERIE", "MOIS"):
        assert rows[key]["rsa"] == rows["ISO"]["rsa"] != "", key
    assert rows["SERIE"]["remarques"] == (
        "ligne 5, demandeur_naissance : « 33373 » lu comme 1991-05-15 (numéro de série de tableur)"
    )
    assert rows["FR"]["remarques"] == ""
    assert float(rows["COUPLE"]["af"]) > 0  # two children, both born dates read
    assert float(rows["COUPLE"]["bourse_college"]) > 0  # 41791 = 2014-06-01


@pytest.mark.parametrize(
    ("cell", "column"),
    [
        ("F\x00", "id"),
        ("chomeur\u202e", "demandeur_activite"),
        ("\u2066x", "logement"),
        ("62\x07041", "commune"),
        ("1991-05-15\x1b", "demandeur_naissance"),
    ],
)
def test_a_cell_with_control_characters_refuses_its_row_never_reaches_the_output(
    tmp_path, cell, column
):
    header = ["id", "commune", "logement", "demandeur_naissance", "demandeur_activite"]
    values = dict(zip(header, ["F1", "62041", "loge_gratuitement", "1991-05-15", "chomeur"],
                      strict=True))  # fmt: skip
    values[column] = cell
    path = write(tmp_path, ",".join(header) + "\n" + ",".join(values.values()) + "\nF2,"
                 "62041,loge_gratuitement,1991-05-15,chomeur\n")  # fmt: skip
    out = tmp_path / "resultats.csv"
    assert screen(path, out, default_month="2026-11", workers=1) == (1, 1)
    text = out.read_text(encoding="utf-8")
    assert cell not in text
    assert not any(char in text for char in "\x00\x07\x1b\u202e\u2066")
    rows = read(out)
    assert rows["ligne 2"]["statut"] == "erreur"
    assert rows["ligne 2"]["erreurs"] == (
        f"ligne 2 : {column} : Le texte contient des caractères de contrôle ou invalides."
    )
    assert rows["F2"]["statut"] == "calcule"


def test_a_repeated_household_id_is_said_with_the_earlier_line(tmp_path):
    path = write(
        tmp_path,
        "id,logement,demandeur_naissance,demandeur_activite\n"
        "F1,loge_gratuitement,1991-05-15,chomeur\n"
        "F2,loge_gratuitement,1990-01-01,chomeur\n"
        "F1,loge_gratuitement,1980-01-01,chomeur\n"
        ",loge_gratuitement,1980-01-01,chomeur\n"
        ",loge_gratuitement,1980-01-01,chomeur\n",
    )
    out = tmp_path / "resultats.csv"
    assert screen(path, out, default_month="2026-11", workers=1) == (5, 0)
    with out.open(encoding="utf-8") as handle:
        remarks = [(row["id"], row["remarques"]) for row in csv.DictReader(handle)]
    assert remarks == [
        ("F1", ""),
        ("F2", ""),
        ("F1", "ligne 4 : id « F1 » déjà vu ligne 2 (foyer en double ?) ; calculé à nouveau"),
        ("ligne 5", ""),  # no id: each line is its own household
        ("ligne 6", ""),
    ]


def test_column_names_are_read_without_case_nor_spaces(tmp_path):
    path = write(tmp_path, " ID ;Demandeur_Naissance; LOGEMENT ;demandeur_activite\n"
                 "F1;1991-05-15;loge_gratuitement;chomeur\n")  # fmt: skip
    out = tmp_path / "resultats.csv"
    assert screen(path, out, default_month="2026-11", workers=1) == (1, 0)
    assert float(read(out)["F1"]["rsa"]) == pytest.approx(573.49)
    with pytest.raises(ScreeningFileError, match="colonnes « id » et « ID » en double"):
        screen(write(tmp_path, "id;ID;demandeur_naissance\n1;2;1990-01-01\n"),
               tmp_path / "o.csv", default_month="2026-11")  # fmt: skip


def test_a_file_broken_at_its_end_is_refused_before_anything_is_computed(tmp_path, monkeypatch):
    # The whole file is read before the first partition goes: a quote never
    # closed on the last line refuses it with no time spent computing, and a
    # result file already there is left as it was, with nothing beside it.
    from nonrecours.rights import screening

    calls = []
    monkeypatch.setattr(screening, "compute_partition",
                        lambda *args: calls.append(args) or [])  # fmt: skip
    body = "".join(f"F{i},1990-01-01\n" for i in range(50))
    out = tmp_path / "resultats.csv"
    out.write_text("ancien résultat\n", encoding="utf-8")
    for broken in (
        'F99,"1990-01-01\nF100,1990-01-01\n',
        "F99," + "x" * 200_000 + "\n",
        "F99,1990-01-01,en trop\n",  # wider than the header
    ):
        with pytest.raises(ScreeningFileError, match="ligne 52"):
            screen(write(tmp_path, "id,demandeur_naissance\n" + body + broken), out,
                   default_month="2026-11", workers=1, partition_size=10)  # fmt: skip
    assert calls == []
    assert out.read_text(encoding="utf-8") == "ancien résultat\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["foyers.csv", "resultats.csv"]


def test_a_failure_while_computing_leaves_the_earlier_result_whole(tmp_path, monkeypatch):
    from nonrecours.rights import screening

    real = screening.compute_partition
    done = []

    def failing(records, month):
        if done:
            raise RuntimeError("panne au milieu")
        done.append(1)
        return real(records, month)

    monkeypatch.setattr(screening, "compute_partition", failing)
    lines = example_csv().splitlines()
    path = write(tmp_path, "\n".join([lines[0], *lines[1:] * 5]) + "\n")
    out = tmp_path / "resultats.csv"
    out.write_text("ancien résultat\n", encoding="utf-8")
    with pytest.raises(RuntimeError):
        screen(path, out, default_month="2026-11", workers=1, partition_size=2)
    assert out.read_text(encoding="utf-8") == "ancien résultat\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["foyers.csv", "resultats.csv"]


class _LaterFirst:
    """An engine on threads where each partition of a window finishes
    before the ones handed over earlier (a longer wait for the earlier),
    counting how many are handed over and not yet read back."""

    def __init__(self, window):
        from concurrent.futures import ThreadPoolExecutor

        self.size, self.held, self.most, self.finished = window, 0, 0, []
        self.pool = ThreadPoolExecutor(max_workers=window)

    def _compute(self, partition, wait):
        time.sleep(wait)
        self.finished.append(partition[0].line)
        return [record.line for record in partition]

    def submit(self, partition):
        self.held += 1
        self.most = max(self.most, self.held)
        wait = 0.02 * (self.size - partition[0].line % self.size)
        return self.pool.submit(self._compute, partition, wait)

    def result(self, future):
        self.held -= 1
        return future.result()

    def window(self):
        return self.size


def test_partitions_come_back_in_file_order_with_a_bounded_window():
    from nonrecours.rights.partitions import computed_in_order
    from nonrecours.rights.screening import Record

    partitions = iter([[Record(line, {})] for line in range(30)])
    engine = _LaterFirst(window=3)
    out = [lines[0] for lines in computed_in_order(engine, partitions)]
    engine.pool.shutdown()
    assert out == list(range(30))
    assert engine.finished != sorted(engine.finished)  # they did finish out of order
    assert engine.most == 3


def test_dask_workers_hold_no_more_than_the_window(tmp_path):
    # A future held keeps its result in the worker: before, every partition's
    # output stayed there until the end (1,000,000 households filled 3 GB).
    from distributed import LocalCluster

    lines = example_csv().splitlines()
    path = write(tmp_path, "\n".join([lines[0], *lines[1:] * 20]) + "\n")
    held = []
    with LocalCluster(n_workers=1, threads_per_worker=1, processes=False,
                      dashboard_address=":0") as cluster:  # fmt: skip
        worker = next(iter(cluster.workers.values()))
        screen(path, tmp_path / "dask.csv", default_month="2026-11",
               scheduler=cluster.scheduler_address, partition_size=2,
               progress=lambda done, total: held.append(len(worker.data)))  # fmt: skip
    assert len(held) == 21
    assert max(held) <= 2  # the window: 2 × 1 thread (before: up to 20)
    with (tmp_path / "dask.csv").open(encoding="utf-8") as handle:
        ids = [row["id"] for row in csv.DictReader(handle)]
    assert ids == ["F001", "F002"] * 20


def test_an_unreachable_cluster_is_one_french_line(tmp_path, monkeypatch):
    from nonrecours.rights import cluster

    monkeypatch.setattr(cluster, "CONNECT_TIMEOUT", "1s")  # 30 s in real life
    path = write(tmp_path, example_csv())
    with pytest.raises(CommandError, match="grappe Dask injoignable à « tcp://127.0.0.1:9 »"):
        call_command("screen", str(path), "--out", str(tmp_path / "o.csv"), "--silencieux",
                     "--scheduler", "tcp://127.0.0.1:9")  # fmt: skip
    assert sorted(p.name for p in tmp_path.iterdir()) == ["foyers.csv"]


def _killed(records, month):
    """A partition whose process is killed (out of memory, `kill -9`)."""
    os.kill(os.getpid(), signal.SIGKILL)


def test_a_computing_process_that_dies_is_one_french_line(tmp_path, monkeypatch):
    from nonrecours.rights import screening

    monkeypatch.setattr(screening, "compute_partition", _killed)
    lines = example_csv().splitlines()
    path = write(tmp_path, "\n".join([lines[0], *lines[1:] * 5]) + "\n")
    out = tmp_path / "resultats.csv"
    out.write_text("ancien\n", encoding="utf-8")
    with pytest.raises(CommandError, match="^Un processus de calcul s'est arrêté brutalement "
                       r"\(mémoire épuisée \? tué par le système \?\) : relancez avec moins "
                       "de processus"):  # fmt: skip
        call_command("screen", str(path), "--out", str(out), "--workers", "2",
                     "--tranche", "2", "--silencieux")  # fmt: skip
    assert out.read_text(encoding="utf-8") == "ancien\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["foyers.csv", "resultats.csv"]


def test_a_dask_worker_lost_again_and_again_is_one_french_line():
    from distributed import KilledWorker

    from nonrecours.rights.partitions import WorkerLost, _DaskEngine

    class Worker:
        address = "tcp://10.0.0.5:40000"

    class Lost:
        released = False

        def result(self):
            raise KilledWorker("compute_partition-1", Worker(), 3)

        def release(self):
            self.released = True

    handle = Lost()
    with pytest.raises(WorkerLost, match="^La grappe Dask a perdu les workers qui calculaient "
                       "une même tranche, 4 fois de suite .*; dernier worker : "
                       "tcp://10.0.0.5:40000 : relancez"):  # fmt: skip
        _DaskEngine(client=None, task=len, arguments=()).result(handle)
    assert handle.released


def test_workers_keeping_dask_s_profile_are_told_how_to_start(caplog):
    # Dask's statistical profile (a tree of call stacks a second, kept 1,000
    # seconds) grew a screening worker by 770 Mio over a million households.
    import dask
    from distributed import Client, LocalCluster

    from nonrecours.rights.cluster import PROFILE_OFF, profiling_notice

    with LocalCluster(n_workers=1, threads_per_worker=1, processes=False,
                      dashboard_address=":0") as cluster, Client(cluster) as client:  # fmt: skip
        notice = profiling_notice(client)
        assert notice is not None and PROFILE_OFF in notice
        assert notice.startswith("1 worker(s) Dask sur 1 gardent le profil")
        assert notice in caplog.text
        with dask.config.set({"distributed.worker.profile.enabled": False}):
            assert profiling_notice(client) is None


@pytest.mark.parametrize(
    ("option", "value", "message"),
    [
        ("--workers", "0", "« 0 » : entre 1 et 512 processus"),
        ("--workers", "abc", "« abc » n'est pas un nombre entier"),
        ("--tranche", "0", "« 0 » : entre 1 et 100\u202f000 foyers"),
        ("--tranche", "-5", "« -5 » : entre 1 et 100\u202f000 foyers"),
    ],
)
def test_bad_numbers_are_refused_in_french(tmp_path, option, value, message):
    path = write(tmp_path, example_csv())
    with pytest.raises(CommandError, match=message):
        call_command("screen", str(path), "--out", str(tmp_path / "o.csv"), option, value)


def test_the_result_keeps_the_mode_of_the_file_it_replaces_or_is_private(tmp_path):
    path = write(tmp_path, example_csv())
    new, kept = tmp_path / "nouveau.csv", tmp_path / "garde.csv"
    kept.write_text("ancien\n", encoding="utf-8")
    kept.chmod(0o640)
    for out in (new, kept):
        screen(path, out, default_month="2026-11", workers=1)
    assert new.stat().st_mode & 0o777 == 0o600  # households' benefits: its owner only
    assert kept.stat().st_mode & 0o777 == 0o640
    assert sorted(p.name for p in tmp_path.iterdir()) == ["foyers.csv", "garde.csv", "nouveau.csv"]


@pytest.mark.parametrize(
    ("out", "message"),
    [
        (".", "nom de fichier résultat attendu"),
        ("dossier", "c'est un dossier"),
        ("absent/resultats.csv", "ce dossier n'existe pas"),
    ],
)
def test_a_result_that_cannot_be_written_is_said_before_reading(tmp_path, out, message):
    (tmp_path / "dossier").mkdir()
    path = write(tmp_path, example_csv())
    with pytest.raises(ScreeningFileError, match=message):
        # « --out . » is Path("."), whose name is empty.
        screen(path, Path(out) if out == "." else tmp_path / out, default_month="2026-11",
               workers=1)  # fmt: skip


def test_a_folder_that_cannot_be_written_is_said_in_french(tmp_path, monkeypatch):
    # (The suite may run as root, whom a read-only folder does not stop.)
    import tempfile

    def refused(**kwargs):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(tempfile, "mkstemp", refused)
    path = write(tmp_path, example_csv())
    with pytest.raises(ScreeningFileError, match="impossible d'y écrire le résultat"):
        screen(path, tmp_path / "r.csv", default_month="2026-11", workers=1)


def test_the_result_never_replaces_the_households_file_nor_a_pipe(tmp_path):
    path = write(tmp_path, example_csv())
    before = path.read_text(encoding="utf-8")
    link = tmp_path / "lien.csv"
    link.symlink_to(path)
    for out in (path, link):
        with pytest.raises(ScreeningFileError, match="c'est le fichier des foyers lui-même"):
            screen(path, out, default_month="2026-11", workers=1)
    assert path.read_text(encoding="utf-8") == before
    pipe = tmp_path / "tube"
    os.mkfifo(pipe)
    with pytest.raises(ScreeningFileError, match="pas un fichier ordinaire"):
        screen(path, pipe, default_month="2026-11", workers=1)


def test_a_result_that_cannot_replace_the_old_one_says_so(tmp_path, monkeypatch):
    path = write(tmp_path, example_csv())
    out = tmp_path / "resultats.csv"
    out.write_text("ancien\n", encoding="utf-8")

    def refused(source, target):
        raise PermissionError(1, "Operation not permitted")

    monkeypatch.setattr(os, "replace", refused)
    with pytest.raises(ScreeningFileError, match="permission refusée.*resté tel quel"):
        screen(path, out, default_month="2026-11", workers=1)
    assert out.read_text(encoding="utf-8") == "ancien\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["foyers.csv", "resultats.csv"]


def test_an_interrupted_run_says_so_in_french(tmp_path, monkeypatch):
    from nonrecours.cli.management.commands import screen as command

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(command, "screen", interrupted)
    stderr = StringIO()
    with pytest.raises(SystemExit) as stopped:
        call_command("screen", str(write(tmp_path, example_csv())), "--out",
                     str(tmp_path / "r.csv"), stderr=stderr)  # fmt: skip
    assert stopped.value.code == 130
    assert "Interrompu" in stderr.getvalue() and "n'a pas été écrit" in stderr.getvalue()


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGHUP])
def test_a_run_stopped_by_the_system_leaves_no_partial_file(tmp_path, monkeypatch, signum):
    """`kill`, `systemctl stop` or a time limit (SIGTERM), a closed terminal
    (SIGHUP) in the middle of the computing: the hidden partial result,
    which names households, is removed; the old result stays as it was;
    the exit code is the shell's (128 + the signal)."""
    if threading.current_thread() is not threading.main_thread():
        pytest.skip("les signaux ne sont reçus que par le fil principal")
    from nonrecours.rights import screening

    computed = screening.compute_partition

    def stopped_after_one(records, month):
        results = computed(records, month)
        os.kill(os.getpid(), signum)
        return results

    monkeypatch.setattr(screening, "compute_partition", stopped_after_one)
    out = tmp_path / "resultats.csv"
    out.write_text("ancien\n", encoding="utf-8")
    stderr = StringIO()
    with pytest.raises(SystemExit) as stopped:
        call_command("screen", str(write(tmp_path, example_csv())), "--out", str(out),
                     "--workers", "1", "--tranche", "1", "--silencieux", stderr=stderr)  # fmt: skip
    assert stopped.value.code == 128 + signum
    name = signal.Signals(signum).name
    assert f"Arrêté ({name}) : {out} n'a pas été écrit (ni remplacé)." in stderr.getvalue()
    assert out.read_text(encoding="utf-8") == "ancien\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["foyers.csv", "resultats.csv"]


@pytest.mark.parametrize("month", ["2026-13", "abc", "1800-01"])
def test_a_wrong_month_option_is_refused_before_reading(tmp_path, month):
    with pytest.raises(CommandError, match=f"« {month} » : attendu AAAA-MM"):
        call_command("screen", str(write(tmp_path, example_csv())), "--out",
                     str(tmp_path / "r.csv"), "--mois", month)  # fmt: skip
    assert not (tmp_path / "r.csv").exists()


def test_a_file_name_cannot_drive_the_terminal(tmp_path):
    name = tmp_path / "\x1b[31mROUGE\x1b]0;titre\x07.csv"
    with pytest.raises(CommandError) as refused:
        call_command("screen", str(name), "--out", str(tmp_path / "r.csv"))
    assert "\x1b" not in str(refused.value) and "\x07" not in str(refused.value)
    assert "\ufffd[31mROUGE" in str(refused.value)


def test_more_than_twenty_children_is_an_error_not_an_amount(tmp_path):
    many = ";".join(["2015-01-01:primaire"] * 21)
    more = ";".join(["42005"] * 95)  # 95 serial dates: within a cell's 2,000 characters
    path = write(tmp_path, "id,logement,demandeur_naissance,demandeur_activite,enfants\n"
                 f'F1,loge_gratuitement,1985-01-01,chomeur,"{many}"\n'
                 f'F2,loge_gratuitement,1985-01-01,chomeur,"{more}"\n')  # fmt: skip
    out = tmp_path / "r.csv"
    assert screen(path, out, default_month="2026-11", workers=1) == (0, 2)
    rows = read(out)
    assert "personnes : 21 enfants ; au plus 20 par foyer" in rows["F1"]["erreurs"]
    assert "personnes : 95 enfants ; au plus 20 par foyer" in rows["F2"]["erreurs"]


def test_a_row_s_errors_name_the_file_s_columns(tmp_path):
    path = write(
        tmp_path,
        "id,logement,loyer,demandeur_naissance,demandeur_salaire_net,conjoint_naissance,"
        "conjoint_activite,enfants,percu_pch\n"
        "F1,locataire_vide,-5,1985-01-01,abc,1980-01-01,astronaute,"
        '"2015-01-01:primaire;2090-01-01:college",x\n',
    )
    out = tmp_path / "r.csv"
    assert screen(path, out, default_month="2026-11", workers=1) == (0, 1)
    errors = read(out)["F1"]["erreurs"]
    for column in ("loyer : ", "demandeur_salaire_net : ", "conjoint_activite : ",
                   "enfants, n° 2 (naissance) : ", "percu_pch : "):  # fmt: skip
        assert column in errors, (column, errors)
    assert "personne " not in errors and "prestations_percues" not in errors


def test_a_file_of_a_header_alone_is_refused_and_leaves_the_earlier_result(tmp_path):
    """Before: « 0 foyer(s) calculé(s) » in green, and the earlier result
    replaced by an empty one."""
    path = write(tmp_path, example_csv().splitlines()[0] + "\n\n")
    out = tmp_path / "resultats.csv"
    out.write_text("ancien résultat\n", encoding="utf-8")
    with pytest.raises(CommandError, match="aucune ligne sous l'en-tête"):
        call_command("screen", str(path), "--out", str(out), "--mois", "2026-11")
    assert out.read_text(encoding="utf-8") == "ancien résultat\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["foyers.csv", "resultats.csv"]
