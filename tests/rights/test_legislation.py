"""Current scales: the sourced overlay of OpenFisca parameters, and the check
that no parameter the simulator reads has gone stale (ADR 017)."""

import datetime
import shutil
from pathlib import Path

import numpy as np
import pytest
from django.core.management import call_command
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from nonrecours.rights import legislation, overlay, parameters_read
from nonrecours.rights.legislation import revaluation
from nonrecours.rights.overlay import OverlayError, parse_overlay_file

ASI_SEUL = "prestations_sociales.prestations_etat_de_sante.invalidite.asi.plafond_ressource_seul"
CSS_BASE = "prestations_sociales.solidarite_insertion.minima_sociaux.cs.cmu.plafond_base"
CSS_FILE = "prestations_sociales/solidarite_insertion/minima_sociaux/cs/cmu/plafond_base.yaml"


@pytest.fixture(scope="module")
def system():
    """OpenFisca-France with the overlay: the process's own instance that
    `nonrecours rights parameters` reads too (legislation.current_system,
    built once per process: a second one cost 5 to 7 s)."""
    return legislation.current_system()


@pytest.fixture(scope="module")
def baseline(system):
    """OpenFisca-France alone: the system the overlay was applied to (an
    OpenFisca reform keeps it unchanged as its baseline)."""
    from openfisca_france import FranceTaxBenefitSystem

    assert type(system.baseline) is FranceTaxBenefitSystem
    return system.baseline


def value_at(system, path: str, day: str):
    node = system.parameters
    for key in path.split("."):
        node = node.children[key]
    return node(day)


# --- the overlay -------------------------------------------------------------------


def test_overlay_brings_asi_and_css_ceilings_to_their_sourced_values(baseline, system):
    # Circulaire Cnav 2026/10 du 02/04/2026 ; arrêté du 28/03/2025.
    assert value_at(system, ASI_SEUL, "2026-05-01") == 11066.12
    assert value_at(baseline, ASI_SEUL, "2026-05-01") == 10978.3
    assert value_at(system, CSS_BASE, "2025-06-01") == 10339
    assert value_at(baseline, CSS_BASE, "2025-06-01") == 10166
    # Earlier values are OpenFisca's own.
    assert value_at(system, CSS_BASE, "2024-06-01") == 10166


def test_every_overlay_value_carries_its_official_reference(system):
    files = overlay.overlay_files()
    assert files, "surcouche vide : le test ne vérifierait rien"
    for item in overlay.load_overlay(system.baseline):
        for value in item.values:
            assert value.references, (item.file, value.start)
            assert all(r.href.startswith("https://") for r in value.references)


def _css_eligibility(system, resources: float) -> tuple[bool, float]:
    """cmu_c and css_participation_forfaitaire for a person of 40 alone,
    with ``resources`` euros a year, in June 2025."""
    from openfisca_core.simulation_builder import SimulationBuilder

    simulation = SimulationBuilder().build_from_entities(
        system,
        {
            "individus": {"personne": {"date_naissance": {"ETERNITY": "1985-01-15"}}},
            "familles": {"famille": {"parents": ["personne"]}},
            "foyers_fiscaux": {"foyer": {"declarants": ["personne"]}},
            "menages": {"menage": {"personne_de_reference": ["personne"]}},
        },
    )
    month = "2025-06"
    simulation.set_input("css_cmu_base_ressources", month, np.array([resources]))
    simulation.set_input("css_cmu_acs_eligibilite", month, np.array([True]))
    simulation.set_input("rsa", month, np.array([0.0]))
    free = bool(simulation.calculate("cmu_c", month)[0])
    participation = float(simulation.calculate("css_participation_forfaitaire", month)[0])
    return free, participation


def test_a_person_just_under_the_2025_ceiling_gets_the_free_css(baseline, system):
    # 10 300 € a year: under the April 2025 ceiling (10 339 €), over the 2024 one.
    assert _css_eligibility(system, 10_300) == (True, 0.0)
    free, participation = _css_eligibility(baseline, 10_300)
    assert not free and participation > 0  # what OpenFisca 176.1.8 alone says
    assert _css_eligibility(system, 10_400)[0] is False


VALID = """\
values:
  2026-04-01:
    value: 100.5
metadata:
  reference:
    2026-04-01:
      title: Décret n° 2026-1 du 1er janvier 2026, art. 1
      href: https://www.legifrance.gouv.fr/jorf/id/JORFTEXT000000000001
"""


def test_a_valid_file_is_read_in_openfisca_format():
    item = parse_overlay_file(VALID, "a/b/c.yaml")
    assert item.path == "a.b.c"
    assert [(v.start, v.value) for v in item.values] == [("2026-04-01", 100.5)]
    assert item.values[0].references[0].title.startswith("Décret n° 2026-1")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("values: [", "a/b/c.yaml (a.b.c) : ligne"),
        ("description: rien\n", "a/b/c.yaml (a.b.c) : attendu « values:"),
        (VALID.replace("2026-04-01:\n    value", "2026-13-01:\n    value"), "2026-13-01"),
        (VALID.replace("value: 100.5", "value: cent"), "valeur au 2026-04-01 : attendu"),
        (VALID.split("metadata:")[0], "valeur au 2026-04-01 : pas de référence officielle"),
        (
            VALID.replace("      title: Décret n° 2026-1 du 1er janvier 2026, art. 1\n", ""),
            "sans titre",
        ),
        (VALID.replace("https://www.legifrance.gouv.fr", "https://exemple.com"), "site officiel"),
        (VALID.replace("https://www.legifrance", "http://www.legifrance"), "site officiel"),
        ("values: &a {x: *a}", "alias"),
    ],
)
def test_malformed_overlay_files_are_refused_with_located_french_messages(text, message):
    with pytest.raises(OverlayError) as error:
        parse_overlay_file(text, "a/b/c.yaml")
    assert any(message in problem for problem in error.value.problems), error.value.problems


def _overlay_dir(tmp_path: Path, relative: str, text: str) -> Path:
    target = tmp_path / relative
    target.parent.mkdir(parents=True)
    target.write_text(text, encoding="utf-8")
    return tmp_path


def test_an_unknown_path_or_a_node_is_refused(baseline, tmp_path):
    directory = _overlay_dir(tmp_path, "prestations_sociales/inconnu.yaml", VALID)
    (tmp_path / "prestations_sociales/prestations_familiales.yaml").write_text(VALID)
    with pytest.raises(OverlayError) as error:
        overlay.overlaid(baseline, directory)
    problems = "\n".join(error.value.problems)
    assert "prestations_sociales/inconnu.yaml (prestations_sociales.inconnu) : ce paramètre " in (
        problems
    )
    assert "n'existe pas dans OpenFisca-France" in problems
    assert "prestations_familiales) : c'est un nœud" in problems


def test_an_overlay_value_not_after_openfiscas_last_one_is_refused(baseline, tmp_path):
    text = (overlay.OVERLAY_DIR / CSS_FILE).read_text(encoding="utf-8")
    directory = _overlay_dir(tmp_path, CSS_FILE, text.replace("2025-04-01", "2024-04-01"))
    with pytest.raises(OverlayError) as error:
        overlay.overlaid(baseline, directory)
    (problem,) = error.value.problems
    assert problem.startswith(f"{CSS_FILE} ({CSS_BASE}), valeur au 2024-04-01 : ")
    assert "OpenFisca-France connaît déjà une valeur au 2024-04-01" in problem


def test_a_refused_overlay_leaves_nothing_applied(baseline, tmp_path):
    shutil.copytree(overlay.OVERLAY_DIR, tmp_path / "surcouche")
    (tmp_path / "surcouche" / "prestations_sociales" / "inconnu.yaml").write_text(VALID)
    with pytest.raises(OverlayError):
        overlay.overlaid(baseline, tmp_path / "surcouche")
    assert value_at(baseline, CSS_BASE, "2025-06-01") == 10166


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(max_size=300))
def test_any_text_is_read_or_refused_in_french(text):
    try:
        parse_overlay_file(text, "x.yaml")
    except OverlayError as error:
        assert error.problems and all(p.startswith("x.yaml (x) : ") for p in error.problems)


# --- staleness ---------------------------------------------------------------------


def yearly(first: int, last: int, month: int = 4) -> list[tuple[str, float]]:
    return [(f"{year}-{month:02d}-01", 100.0 + year) for year in range(first, last + 1)]


def test_a_yearly_revaluation_is_due_thirteen_months_after_the_last_one():
    found = revaluation(yearly(2019, 2025))
    assert found is not None
    assert (found.last_change, found.interval_months) == (datetime.date(2025, 4, 1), 12)
    assert found.due() == datetime.date(2026, 5, 1)  # April 2026 + 1 month of grace


def test_histories_without_a_periodic_revaluation_are_never_stale():
    assert revaluation([("2010-01-01", 1.0), ("2015-01-01", 2.0), ("2020-01-01", 3.0)]) is None
    assert revaluation(yearly(2023, 2025)[:2]) is None  # two changes only
    assert revaluation([*yearly(2020, 2024), ("2025-04-01", None)]) is None  # ended
    # A date repeating the previous value is not a change.
    repeated = [("2020-04-01", 1.0), ("2021-04-01", 1.5), ("2022-04-01", 1.5), ("2023-04-01", 2.0)]
    found = revaluation([*repeated, ("2024-04-01", 3.0)])
    assert found is not None and found.interval_months == 12  # median of 12, 24, 12
    assert revaluation([("2021-04-01", 1.0), ("2022-04-01", 1.0), ("2023-04-01", 2.0)]) is None


def test_last_value_still_valid_on_postpones_the_due_date():
    found = revaluation(yearly(2019, 2025), still_valid_on="2026-06-30")
    assert found is not None and found.due() == datetime.date(2027, 5, 1)


def test_stale_parameters_names_the_benefits_and_where_to_look(system):
    stale = {s.path: s for s in legislation.stale_parameters("2026-11", system)}
    cej = stale["prestations_sociales.education.contrat_engagement_jeune.montants.montant_mineurs"]
    assert cej.last_change == datetime.date(2025, 4, 1) and cej.interval_months == 12
    assert cej.benefits == ("cej",)
    assert "https://" in cej.source
    assert ASI_SEUL not in stale  # brought to April 2026 by the overlay
    assert ASI_SEUL in {s.path for s in legislation.stale_parameters("2027-05", system)}


def test_a_read_is_judged_at_its_own_instant_never_after_the_simulated_month():
    from openfisca_core import periods

    from nonrecours.rights.parameters_read import ReadParameter, read_at

    march, november = datetime.date(2026, 3, 1), datetime.date(2026, 11, 1)
    # The months of year N computed for a yearly amount (the SMIC of next
    # December): judged at the simulated month, not 9 months later.
    future = read_at(march, periods.period("2026-12"), datetime.date(2026, 12, 1))
    assert future == ReadParameter((), relative=0)
    assert future.instant(datetime.date(2026, 10, 1)) == datetime.date(2026, 10, 1)
    # The incomes of the tax notice (year N-2): January of year N-2 whatever
    # the month simulated (-26 months from March, -34 from November).
    tax = read_at(march, periods.period("2024"), datetime.date(2024, 1, 1))
    assert tax == ReadParameter((), calendar=(-2, 1))
    assert tax.instant(november) == datetime.date(2024, 1, 1)
    assert tax.instant(datetime.date(2027, 3, 1)) == datetime.date(2025, 1, 1)
    # The resources of the last months move with the simulated month.
    previous = read_at(november, periods.period("2026-10"), datetime.date(2026, 10, 1))
    assert previous == ReadParameter((), relative=-1)
    assert previous.instant(march) == datetime.date(2026, 2, 1)
    # A month period reading another instant (January of last year) is a
    # calendar read too.
    other = read_at(november, periods.period("2026-11"), datetime.date(2025, 1, 1))
    assert other == ReadParameter((), calendar=(-1, 1))
    both = tax.merged(previous).merged(ReadParameter(("rsa",), calendar=(0, 10)))
    assert both == ReadParameter(("rsa",), relative=-1, calendar=(0, 10))
    assert both.instant(november) == datetime.date(2026, 10, 1)
    assert both.instant(march) == datetime.date(2026, 3, 1)  # October: after March


@pytest.mark.parametrize("text", ["0", "-1", "N-2/01", "N/10", "N+1/12", "-15,N-2/01"])
def test_instants_read_are_written_and_read_back(text):
    from nonrecours.rights.parameters_read import ReadParameter

    read = ReadParameter.parse(("af", "rsa"), text)
    assert read.text == text and read.benefits == ("af", "rsa")


def test_a_past_read_is_stale_only_if_a_newer_value_was_due_at_that_instant(system, monkeypatch):
    from nonrecours.rights.parameters_read import ReadParameter

    # The SMIC, last revalued in 2026: read at January of year N-2, it is
    # never stale; read at the month itself, it is, a year on.
    smic = "marche_travail.salaire_minimum.smic.smic_b_horaire"
    for instants, stale_in_2027 in (("N-2/01", False), ("0", True)):
        read = {smic: ReadParameter.parse(("rsa",), instants)}
        monkeypatch.setattr(legislation, "parameters_read", lambda read=read: read)
        legislation._watched.cache_clear()
        found = {s.path for s in legislation.stale_parameters("2027-12", system)}
        assert (smic in found) is stale_in_2027, instants
    legislation._watched.cache_clear()


def test_at_the_last_known_month_only_genuinely_missing_scales_block(system):
    # CEJ amounts and CSS ceiling of April 2026 (not found, allowed as
    # blocking from 2026-05); the RSA, family benefits, AAH, ASPA, ASI and
    # housing aid have their 2026 values (OpenFisca-France or the overlay).
    unknown = legislation.unknown_scales("2026-11", system)
    assert set(unknown) == {"cej", "css"}
    assert unknown["css"] == [CSS_BASE]


def test_unknown_scales_gives_the_benefits_that_cannot_be_computed(system):
    assert "cej" in legislation.unknown_scales("2026-11", system)
    assert "cej" not in legislation.unknown_scales("2026-03", system)
    # Allowed as "sans effet": never blocks a benefit.
    r0 = "prestations_sociales.aides_logement.allocations_logement.locatif.formule"
    for paths in legislation.unknown_scales("2026-11", system).values():
        assert not any(path.startswith(r0) for path in paths)


def _months(first: str, last: str) -> list[str]:
    year, month = int(first[:4]), int(first[5:])
    result = []
    while f"{year}-{month:02d}" <= last:
        result.append(f"{year}-{month:02d}")
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return result


def test_no_parameter_the_simulator_reads_is_stale_unless_allowed_with_a_reason(system):
    """Fails when a parameter goes stale within the months the engine
    simulates: add its new value to the overlay (with its reference), or
    allow it in rights/parameters/_retards_admis.yaml with a reason."""
    from nonrecours.rights.system import LEGISLATION_FROM, LEGISLATION_UNTIL

    months = _months(LEGISLATION_FROM, LEGISLATION_UNTIL)
    assert len(months) > 12
    late = {
        f"{month} {stale.path}"
        for month in months
        for stale in legislation.stale_parameters(month, system)
        if legislation.allowance(stale.path, month) is None
    }
    assert not late, "barèmes en retard :\n" + "\n".join(sorted(late))
    # No dead entry: each allowance covers a parameter stale in that range.
    used = {
        entry
        for month in months
        for stale in legislation.stale_parameters(month, system)
        if (entry := legislation.allowance(stale.path, month)) is not None
    }
    unused = [e.path for e in legislation.allowed_stale() if e not in used]
    assert not unused, f"retards admis qui ne servent plus : {unused}"


def test_every_allowance_has_a_reason():
    entries = legislation.allowed_stale()
    assert entries and all(len(entry.reason) > 20 for entry in entries)


# --- the parameters read ---------------------------------------------------------------


def test_parameters_read_cover_every_benefit():
    from nonrecours.rights.catalogue import benefits

    read = legislation.parameters_read()
    assert {benefit for item in read.values() for benefit in item.benefits} == {
        b.id for b in benefits()
    }
    assert CSS_BASE in read and "css" in read[CSS_BASE].benefits


def test_regenerating_the_parameters_read_gives_the_committed_file():
    """Fails when the engine or OpenFisca reads other parameters: run
    « nonrecours rights parameters --regenerer » and commit the file."""
    expected = parameters_read.parameters_read_text(parameters_read.trace_parameters_read())
    assert parameters_read.PARAMETERS_READ_FILE.read_text(encoding="utf-8") == expected


# --- the command -----------------------------------------------------------------------


def test_command_lists_stale_parameters_in_french(capsys):
    call_command("rights", "parameters", "--mois", "2026-11")
    out = capsys.readouterr().out
    assert "2026-11 : " in out and "barème(s) en retard" in out
    assert "contrat_engagement_jeune.montants.montant_mineurs" in out
    assert "dernière valeur connue au 01/04/2025, révisé d'habitude tous les 12 mois" in out
    assert "prestations concernées : cej" in out
    assert "où trouver la nouvelle valeur : " in out


def test_command_says_when_no_scale_is_late(capsys, monkeypatch):
    monkeypatch.setattr(legislation, "stale_parameters", lambda month: [])
    call_command("rights", "parameters", "--mois", "2024-03")
    assert capsys.readouterr().out.strip() == "2024-03 : aucun barème en retard."


def test_command_refuses_a_malformed_month():
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="--mois : mois « 2026-13 » : attendu AAAA-MM"):
        call_command("rights", "parameters", "--mois", "2026-13")
