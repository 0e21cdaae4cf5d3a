"""`nonrecours barometer national` (surveys.national): every territory's
barometer as the dashboard computes it, one task per territory, on local
processes or a Dask cluster; failures reported, the others done."""

import csv
import json
import os
import signal
import threading
from io import StringIO

import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.core.management.base import CommandError
from hypothesis import given, settings
from hypothesis import strategies as st

from nonrecours.analysis.files import as_json_rows
from nonrecours.surveys.actions import demo_campaign_create
from nonrecours.surveys.barometer import campaign_barometer
from nonrecours.surveys.models import Campaign
from nonrecours.surveys.national import (
    RESULTS_FILE,
    SUMMARY_FILE,
    TERRITORIES_FOLDER,
    barometer_national,
    known_version,
)
from nonrecours.surveys.national_task import COMPUTED, FAILED, UNCHANGED
from nonrecours.surveys.weighting import Weighting
from nonrecours.territories import actions
from tests.conftest import ARRAS_SIREN, LENS_SIREN, arras_territory
from tests.factories import CampaignFactory, TerritoryFactory

# A third, rural EPCI: the CC du Sud-Artois.
ARTOIS_SIREN = "200035442"
ANSWERS = 300


def _three_territories() -> dict[str, Campaign]:
    """Arras, Lens-Liévin and the Sud-Artois, each with a
    synthetic campaign of ANSWERS answers (the demo's generator)."""
    territories = [
        arras_territory(),
        actions.territory_import(siren=LENS_SIREN).territory,
        actions.territory_import(siren=ARTOIS_SIREN).territory,
    ]
    campaigns = {}
    for seed, territory in enumerate(territories, start=1):
        campaign, _ = demo_campaign_create(
            territory=territory, responses=ANSWERS, seed=seed, slug=f"vague-{territory.siren}"
        )
        campaigns[territory.siren] = campaign
    return campaigns


def _dashboard_rows(campaign: Campaign, weighting: Weighting | None = None) -> list[dict]:
    cache.clear()
    barometer = campaign_barometer(campaign, weighting=weighting, potential=False)
    return as_json_rows(barometer.analysis.rows)


def _read(folder, siren: str) -> dict:
    return json.loads((folder / TERRITORIES_FOLDER / f"{siren}.json").read_text(encoding="utf-8"))


def _summary(folder) -> dict[str, dict[str, str]]:
    with (folder / SUMMARY_FILE).open(encoding="utf-8") as handle:
        return {row["siren"]: row for row in csv.DictReader(handle)}


@pytest.mark.django_db
def test_each_territory_gets_exactly_the_dashboards_figures(tmp_path):
    campaigns = _three_territories()
    out = StringIO()
    call_command(
        "barometer", "national", "--sortie", str(tmp_path), "--workers", "1", "--silencieux",
        stdout=out,
    )  # fmt: skip
    assert "3 territoires : 3 calculés" in out.getvalue()
    assert f"{3 * ANSWERS}" in out.getvalue().replace("\u202f", "")
    for siren, campaign in campaigns.items():
        data = _read(tmp_path, siren)
        assert data["territoire"]["siren"] == siren
        assert data["campagne"]["identifiant"] == campaign.slug
        assert data["reponses"] == ANSWERS
        assert data["resultats"] == _dashboard_rows(campaign)
    with (tmp_path / RESULTS_FILE).open(encoding="utf-8") as handle:
        table = list(csv.DictReader(handle))
    assert {row["siren"] for row in table} == set(campaigns)
    assert len(table) == sum(len(_read(tmp_path, s)["resultats"]) for s in campaigns)
    assert {row["statut"] for row in _summary(tmp_path).values()} == {COMPUTED}


@pytest.mark.django_db
def test_secrecy_is_the_dashboards_with_the_threshold_asked(tmp_path):
    campaigns = _three_territories()
    call_command(
        "barometer", "national", "--sortie", str(tmp_path), "--workers", "1", "--silencieux",
        "--threshold", "60", stdout=StringIO(),
    )  # fmt: skip
    for campaign in campaigns.values():
        rows = _read(tmp_path, campaign.territory.siren)["resultats"]
        assert rows == _dashboard_rows(campaign, Weighting(threshold=60))
        assert any(r["suppressed"] and r["n"] is None and r["estimate"] for r in rows) or any(
            r["suppressed"] for r in rows
        )
    with (tmp_path / RESULTS_FILE).open(encoding="utf-8") as handle:
        hidden = [row for row in csv.DictReader(handle) if row["masque"] == "oui"]
    assert hidden and all(row["effectif"] == "" for row in hidden)


@pytest.mark.django_db
def test_a_failing_territory_is_reported_and_the_others_are_done(tmp_path):
    campaigns = _three_territories()
    # An empty wave, the territory's latest: no answer to analyse.
    empty = TerritoryFactory(siren="999999999", name="Communauté sans réponse")
    CampaignFactory(territory=empty, slug="vague-vide")
    # Stale file of an earlier run for the empty territory: removed, never
    # mixed with this run's results.
    (tmp_path / TERRITORIES_FOLDER).mkdir(parents=True)
    (tmp_path / TERRITORIES_FOLDER / "999999999.json").write_text("{}", encoding="utf-8")
    summary = barometer_national(folder=tmp_path, workers=1)
    by_siren = {o.siren: o for o in summary.outcomes}
    assert by_siren["999999999"].status == FAILED
    assert "« vague-vide » n'a aucune réponse" in by_siren["999999999"].reason
    assert not (tmp_path / TERRITORIES_FOLDER / "999999999.json").exists()
    assert all(by_siren[s].status == COMPUTED for s in campaigns)
    assert any("Communauté sans réponse (SIREN 999999999)" in line for line in summary.lines())
    assert _summary(tmp_path)["999999999"]["statut"] == FAILED


@pytest.mark.django_db
def test_weights_that_do_not_converge_fail_that_territory_only(tmp_path):
    campaigns = _three_territories()
    # Bounds no calibration of Arras's uneven sample can meet.
    summary = barometer_national(
        folder=tmp_path,
        sirens=[ARRAS_SIREN, "123456789"],
        workers=1,
        weighting=Weighting(bounds=(0.99, 1.01)),
    )
    by_siren = {o.siren: o for o in summary.outcomes}
    assert set(by_siren) == {ARRAS_SIREN, "123456789"}
    assert by_siren["123456789"].status == FAILED
    assert "territoire inconnu (SIREN « 123456789 »)" in by_siren["123456789"].reason
    assert by_siren[ARRAS_SIREN].status == FAILED
    assert "calage" in by_siren[ARRAS_SIREN].reason.lower()
    assert "Traceback" not in by_siren[ARRAS_SIREN].reason
    assert campaigns  # the other two were not asked for


@pytest.mark.django_db
def test_rerunning_keeps_what_did_not_change_and_recomputes_what_did(tmp_path):
    campaigns = _three_territories()
    barometer_national(folder=tmp_path, workers=1)
    first = _read(tmp_path, LENS_SIREN)
    Campaign.objects.filter(pk=campaigns[LENS_SIREN].pk).update(ends_on="2024-12-20")
    again = barometer_national(folder=tmp_path, workers=1)
    status = {o.siren: o.status for o in again.outcomes}
    assert status == {ARRAS_SIREN: UNCHANGED, ARTOIS_SIREN: UNCHANGED, LENS_SIREN: COMPUTED}
    assert _read(tmp_path, LENS_SIREN)["resultats"] == first["resultats"]
    assert _read(tmp_path, LENS_SIREN)["version_des_donnees"] != first["version_des_donnees"]
    forced = barometer_national(folder=tmp_path, workers=1, recompute=True)
    assert {o.status for o in forced.outcomes} == {COMPUTED}
    with (tmp_path / RESULTS_FILE).open(encoding="utf-8") as handle:
        assert {row["siren"] for row in csv.DictReader(handle)} == set(campaigns)


@pytest.mark.django_db(transaction=True)
def test_two_local_processes_give_the_same_figures(tmp_path):
    campaigns = _three_territories()
    summary = barometer_national(folder=tmp_path, workers=2, recompute=True)
    assert {o.status for o in summary.outcomes} == {COMPUTED}
    workers = {o.worker for o in summary.outcomes}
    assert 1 <= len(workers) <= 2 and all(w.split(":")[1].isdigit() for w in workers)
    assert all(0 < peak for peak in summary.peaks.values())
    for siren, campaign in campaigns.items():
        assert _read(tmp_path, siren)["resultats"] == _dashboard_rows(campaign)


@pytest.mark.django_db(transaction=True)
def test_a_dask_scheduler_computes_each_territory_in_its_workers(tmp_path):
    from distributed import LocalCluster

    campaigns = _three_territories()
    # Threads of this process: the workers read the same (test) database.
    with LocalCluster(
        n_workers=1, threads_per_worker=1, processes=False, dashboard_address=":0"
    ) as cluster:
        summary = barometer_national(folder=tmp_path, scheduler=cluster.scheduler_address)
    assert {o.status for o in summary.outcomes} == {COMPUTED}
    for siren, campaign in campaigns.items():
        assert _read(tmp_path, siren)["resultats"] == _dashboard_rows(campaign)


@pytest.mark.django_db
@pytest.mark.parametrize("stop", [signal.SIGTERM, signal.SIGINT])
def test_a_stopped_run_keeps_what_was_computed_and_says_how_to_finish(tmp_path, monkeypatch, stop):
    """`systemctl stop` (SIGTERM) or Ctrl-C after the first territory: its
    file is kept, no partial file stays, the tables are not half written,
    the message says to run the command again; a new run finishes the
    others without computing the first again."""
    if threading.current_thread() is not threading.main_thread():
        pytest.skip("les signaux ne sont reçus que par le fil principal")
    from nonrecours.surveys import national

    _three_territories()
    computed = national.territory_barometer
    runs = []

    def stopped_after_one(*args, **kwargs):
        runs.append(args[0].siren)
        if len(runs) == 2:
            if stop == signal.SIGINT:
                # Ctrl-C as Python delivers it (a real SIGINT would reach
                # pytest-xdist's worker first).
                raise KeyboardInterrupt
            os.kill(os.getpid(), stop)
        return computed(*args, **kwargs)

    monkeypatch.setattr(national, "territory_barometer", stopped_after_one)
    stderr = StringIO()
    with pytest.raises(SystemExit) as stopped:
        call_command("barometer", "national", "--sortie", str(tmp_path), "--workers", "1",
                     "--silencieux", stderr=stderr)  # fmt: skip
    assert stopped.value.code == (130 if stop == signal.SIGINT else 128 + stop)
    reason = "Interrompu" if stop == signal.SIGINT else "Arrêté (SIGTERM)"
    assert f"{reason} : les territoires déjà calculés sont gardés dans {tmp_path}" in (
        stderr.getvalue()
    )
    assert [p.name for p in tmp_path.iterdir()] == [TERRITORIES_FOLDER]
    assert [p.name for p in (tmp_path / TERRITORIES_FOLDER).iterdir()] == [f"{runs[0]}.json"]
    runs.clear()
    monkeypatch.setattr(national, "territory_barometer", computed)
    summary = barometer_national(folder=tmp_path, workers=1)
    assert sorted(o.status for o in summary.outcomes) == [COMPUTED, COMPUTED, UNCHANGED]


@pytest.mark.django_db
def test_bad_options_are_refused_in_french(tmp_path, monkeypatch):
    from nonrecours.rights import cluster

    monkeypatch.setattr(cluster, "CONNECT_TIMEOUT", "1s")  # 30 s in real life
    with pytest.raises(CommandError, match="attendu « processes »"):
        call_command("barometer", "national", "--sortie", str(tmp_path), "--scheduler", "local")
    with pytest.raises(CommandError, match="entre 1 et 512"):
        call_command("barometer", "national", "--sortie", str(tmp_path), "--workers", "0")
    blocked = tmp_path / "fichier"
    blocked.write_text("", encoding="utf-8")
    with pytest.raises(CommandError, match="--sortie : dossier"):
        call_command("barometer", "national", "--sortie", str(blocked / "x"), "--silencieux")
    with pytest.raises(CommandError, match="grappe Dask injoignable"):
        call_command(
            "barometer", "national", "--sortie", str(tmp_path), "--silencieux",
            "--scheduler", "tcp://127.0.0.1:9",
        )  # fmt: skip


@pytest.mark.django_db(transaction=True)
def test_the_scale_generator_at_a_tiny_size(tmp_path):
    """`make scale` (benchmarks/national.py) in a few seconds: real EPCIs,
    answers loaded (COPY on PostgreSQL) by two processes, (a) and (b)."""
    from benchmarks import national as scale

    specs = scale.load_territories(2)
    assert len(specs) == 2 and all(spec.communes for spec in specs)
    assert scale.load_answers(specs, 40, processes=2) == 80
    for spec in specs:
        assert Campaign.objects.get(pk=spec.campaign_id).responses.count() == 40
    figures = scale.run_barometer(tmp_path / "national", 2)
    assert figures["territoires"] == 2
    assert figures["reponses"] == 40 * figures["territoires_calcules"]
    path = tmp_path / "foyers.csv"
    scale.write_households(path, 30, [code for code, *_ in specs[0].communes])
    run = scale.screen_on_cluster(path, 1, "2026-11", processes=False)
    assert run["foyers"] == 30 and run["foyers_en_erreur"] == 0
    assert run["pic_memoire_par_worker_mio"][0] > 0
    assert len(run["memoire_par_worker_mio_par_dixieme"][0]) == 10


@settings(max_examples=60, deadline=None)
@given(content=st.binary(max_size=300))
def test_any_earlier_file_is_only_a_hint(tmp_path_factory, content):
    """A territory's file left by an earlier run (or by anyone) never stops
    a run: unreadable, it just means « compute again »."""
    path = tmp_path_factory.mktemp("ancien") / "200033579.json"
    path.write_bytes(content)
    assert isinstance(known_version(path), str)


@pytest.mark.django_db
def test_named_territories_are_quoted_safely(tmp_path):
    summary = barometer_national(folder=tmp_path, sirens=["12\u202e34\n", " ", "999"], workers=1)
    assert [o.status for o in summary.outcomes] == [FAILED, FAILED]
    text = "\n".join(summary.lines())
    assert "\u202e" not in text and "12\ufffd34" in text
