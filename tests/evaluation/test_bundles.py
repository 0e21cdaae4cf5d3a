"""Indicator bundles: the export of a published wave, its import as another
territory's bundle (all or nothing, located French errors), and the
comparison with its flags."""

import copy
import datetime
import json

import pytest
import time_machine

from nonrecours.analysis.disclosure import DEFAULT_THRESHOLD
from nonrecours.evaluation import bundles_actions, bundles_queries
from nonrecours.evaluation.bundle_models import ExternalBundle
from nonrecours.evaluation.bundles_format import (
    FORMAT_VERSION,
    bundle_json,
    bundle_of,
    formulations_hash,
    weighting_variables,
)
from nonrecours.evaluation.bundles_validate import BundleRefused
from nonrecours.surveys import actions
from nonrecours.surveys.publication import campaign_publish, published_results
from nonrecours.territories.models import Territory
from tests.conftest import ARRAS_SIREN, LENS_SIREN
from tests.factories import TerritoryFactory

pytestmark = pytest.mark.django_db
NOW = datetime.datetime(2025, 1, 15, 10, tzinfo=datetime.UTC)
_cache: dict[str, str] = {}


@pytest.fixture
def published(arras):
    """Arras's demonstration wave (300 answers), published on 15/01/2025."""
    with time_machine.travel(NOW, tick=False):
        campaign, _ = actions.demo_campaign_create(territory=arras, responses=300, seed=1)
        return campaign_publish(campaign=campaign, user=None)


@pytest.fixture
def exported(published) -> dict:
    """The published wave's bundle, as the other instance's file would hold it."""
    return json.loads(bundle_json(bundle_of(published)))


def as_other_territory(bundle: dict, siren: str = LENS_SIREN, name: str = "CA de Lens-Liévin"):
    """The same bundle as if another instance (another territory) exported it."""
    other = copy.deepcopy(bundle)
    other["territoire"] = {"siren": siren, "nom": name}
    return other


def encoded(bundle: dict) -> bytes:
    return json.dumps(bundle, ensure_ascii=False).encode("utf-8")


def test_the_bundle_holds_every_released_cell_and_never_a_hidden_one(published, exported):
    results = published_results(published)
    every = [*results.rows, *results.commune_rows, *results.tables]
    released = [r for r in every if not r.suppressed and r.estimate is not None]
    hidden = [r for r in every if r.suppressed]
    assert hidden, "la vague a des cases masquées : le test peut échouer"
    assert len(exported["cellules"]) == len(released)
    keys = {(c["indicateur"], c["ventilation"], c["code_domaine"]) for c in exported["cellules"]}
    assert not keys & {(r.indicator, r.by, r.domain) for r in hidden}
    assert min(c["effectif"] for c in exported["cellules"]) >= published.threshold
    assert exported["version_format"] == FORMAT_VERSION
    assert exported["territoire"] == {
        "siren": "200033579",
        "nom": published.campaign.territory.name,
    }
    assert exported["questionnaire"]["version"] == published.campaign.questionnaire.version
    assert exported["questionnaire"]["empreinte"] == published.campaign.questionnaire.checksum
    # Every margin kept is read as a variable (surveys.weighting's texts).
    margins = exported["ponderation"]["description"]
    kept = [m for m in margins if m.startswith("population")]
    assert exported["ponderation"]["variables"][0] == "zone"
    assert len(exported["ponderation"]["variables"]) == len(kept) >= 1
    assert exported["empreinte_formulations"] == formulations_hash(exported["indicateurs"])
    overall = next(
        c for c in exported["cellules"]
        if c["indicateur"] == "situation_financiere_difficile" and c["ventilation"] == "ensemble"
    )  # fmt: skip
    row = next(
        r for r in results.rows
        if r.indicator == "situation_financiere_difficile" and r.by == "ensemble"
    )  # fmt: skip
    assert overall["estimation"] == row.estimate and overall["effectif"] == row.n == 300


def test_weighting_variables_are_read_from_the_margins():
    margins = [
        "population municipale de 12 zones de calage",
        "calage par sexe croisé avec l'âge écarté : trop peu de réponses",
        "population par sexe (INSEE)",
        "population par tranche d'âge (INSEE)",
    ]
    assert weighting_variables(margins) == ["zone", "sexe", "age"]


def test_one_instance_s_bundle_imported_into_another_then_replaced(arras, exported):
    other = as_other_territory(exported)
    done = bundles_actions.bundle_import(territory=arras, data=encoded(other), filename="lens.json")
    assert not done.replaced
    assert "importé : CA de Lens-Liévin (SIREN 246200364)" in done.summary()
    stored = ExternalBundle.objects.get()
    assert stored.content == other
    assert (stored.siren, stored.wave_slug) == (LENS_SIREN, exported["vague"]["identifiant"])
    assert stored.territory == arras
    # The same territory's same wave again: replaced, not doubled.
    other["vague"]["nom"] = "Vague 2024 (corrigée)"
    again = bundles_actions.bundle_import(
        territory=arras, data=encoded(other), filename="lens-2.json"
    )
    assert again.replaced
    assert ExternalBundle.objects.get().wave_name == "Vague 2024 (corrigée)"


def test_a_bundle_of_a_territory_of_this_instance_is_refused(arras, exported):
    with pytest.raises(BundleRefused, match="est un territoire de cette installation"):
        bundles_actions.bundle_import(
            territory=arras, data=encoded(exported), filename="arras.json"
        )
    assert not ExternalBundle.objects.exists()


def test_two_territories_importing_the_same_wave_hold_two_bundles(arras, exported):
    """An imported bundle is the importing territory's: another territory
    importing the same SIREN and wave neither sees, replaces nor removes
    it (security review of issue 17, part 6)."""
    other_team = TerritoryFactory(name="CC de l'Autre Rive", communes=0)
    mine = as_other_territory(exported)
    mine["vague"]["nom"] = "Vague vue d'Arras"
    theirs = as_other_territory(exported)
    theirs["vague"]["nom"] = "Vague vue de l'Autre Rive"
    bundles_actions.bundle_import(territory=arras, data=encoded(mine), filename="a.json")
    done = bundles_actions.bundle_import(
        territory=other_team, data=encoded(theirs), filename="b.json"
    )
    assert not done.replaced  # the same SIREN and wave, but not its own: a new bundle
    assert ExternalBundle.objects.count() == 2
    arras_bundle = bundles_queries.imported_bundles(arras).get()
    other_bundle = bundles_queries.imported_bundles(other_team).get()
    assert arras_bundle.wave_name == "Vague vue d'Arras"
    assert other_bundle.wave_name == "Vague vue de l'Autre Rive"
    assert (arras_bundle.siren, arras_bundle.wave_slug) == (
        other_bundle.siren,
        other_bundle.wave_slug,
    )
    # Each comparison reads its own bundle only.
    names = {line.name for t in bundles_queries.comparison(arras) for line in t.lines}
    assert "CA de Lens-Liévin — Vague vue d'Arras" in names
    assert not any("Autre Rive" in name for name in names)
    names = {line.name for t in bundles_queries.comparison(other_team) for line in t.lines}
    assert names == {"CA de Lens-Liévin — Vague vue de l'Autre Rive"}
    # By id, another territory's bundle is as unknown as a missing one.
    assert bundles_queries.imported_bundle(other_team, arras_bundle.pk) is None
    assert bundles_queries.imported_bundle(arras, arras_bundle.pk) == arras_bundle
    # Deleting the importing territory takes its bundles, not the others'.
    other_team.delete()
    assert list(ExternalBundle.objects.all()) == [arras_bundle]


def refusal(bundle: dict | bytes, filename: str = "lot.json") -> list[str]:
    data = bundle if isinstance(bundle, bytes) else encoded(bundle)
    with pytest.raises(BundleRefused) as refused:
        bundles_actions.bundle_import(
            territory=Territory.objects.get(siren=ARRAS_SIREN), data=data, filename=filename
        )
    assert not ExternalBundle.objects.exists()
    return [p.message for p in refused.value.problem_list()]


def test_a_wrong_format_version_is_refused(exported):
    other = as_other_territory(exported)
    other["version_format"] = 99
    assert refusal(other) == [
        "lot.json, version_format : version du format « 99 » inconnue : cette installation lit "
        "la version 1 (mettez à jour l'installation qui lit, ou exportez à nouveau le lot)"
    ]


def test_a_missing_field_is_named_with_its_place(exported):
    other = as_other_territory(exported)
    del other["cellules"][3]["estimation"]
    del other["vague"]["debut"]
    assert refusal(other) == [
        "lot.json, vague.debut : champ manquant",
        "lot.json, cellules[3].estimation : champ manquant",
    ]


def test_a_nan_estimate_is_refused_where_it_is(exported):
    other = as_other_territory(exported)
    other["cellules"][5]["estimation"] = "__NAN__"
    data = bundle_json(other).replace('"__NAN__"', "NaN").encode("utf-8")
    assert b": NaN," in data
    assert refusal(data) == [
        "lot.json, cellules[5].estimation : nombre invalide (nan) : une part entre 0 et 1 est "
        "attendue"
    ]


def test_a_cell_under_the_secrecy_threshold_smuggled_in_is_refused(exported):
    other = as_other_territory(exported)
    smuggled = dict(
        other["cellules"][0], code_domaine="62999", domaine="Commune masquée", effectif=4
    )
    smuggled["ventilation"] = "commune"
    other["cellules"].append(smuggled)
    at = len(other["cellules"]) - 1
    assert refusal(other) == [
        f"lot.json, cellules[{at}].effectif : 4 répondant·es : une case sous le seuil du secret "
        f"statistique ({DEFAULT_THRESHOLD}) ne peut pas être publiée"
    ]
    # A bundle lowering its own threshold does not lower this instance's.
    other["publication"]["seuil_secret_statistique"] = 2
    assert f"({DEFAULT_THRESHOLD})" in refusal(other)[0]


def test_other_broken_files_are_refused_with_their_place(exported):
    assert refusal(b"\xff\xfe", "x.json") == [
        "x.json, fichier : le fichier n'est pas du texte UTF-8 (un fichier JSON est attendu)"
    ]
    assert refusal(b'{"format": ', "x.json")[0].startswith("x.json, ligne 1 : JSON illisible")
    for empty in (b"", b" \n", b"\xef\xbb\xbf"):
        assert refusal(empty, "x.json") == [
            "x.json, fichier : vide (un lot d'indicateurs JSON est attendu)"
        ]
    assert refusal(b"[]", "x.json") == [
        "x.json, format : ce fichier n'est pas un lot d'indicateurs (« format » : "
        "« nonrecours-lot-indicateurs » attendu)"
    ]
    other = as_other_territory(exported, siren="12345")
    other["cellules"][0]["estimation"] = 1.5
    other["indicateurs"][0]["libelle"] = "Autre libellé"  # the hash no longer matches
    problems = refusal(other)
    assert problems == [
        "lot.json, territoire.siren : neuf chiffres attendus, pas « 12345 »",
        "lot.json, cellules[0].estimation : une part entre 0 et 1 est attendue (0.25 = 25 %), "
        "pas 1.5",
    ]
    other = as_other_territory(exported)
    other["indicateurs"][0]["empreinte_formulation"] = "0" * 64
    assert refusal(other) == [
        "lot.json, empreinte_formulations : ne correspond pas aux empreintes des indicateurs : "
        "fichier modifié après l'export ?"
    ]


def test_the_comparison_flags_what_differs(published, exported, arras):
    same = as_other_territory(exported)
    bundles_actions.bundle_import(territory=arras, data=encoded(same), filename="lens.json")
    changed = as_other_territory(exported, siren="200069037", name="CC Autre")
    indicator = changed["indicateurs"][0]
    indicator["empreinte_base"] = "a" * 64
    changed["ponderation"]["variables"] = ["zone"]
    changed["empreinte_formulations"] = formulations_hash(changed["indicateurs"])
    bundles_actions.bundle_import(territory=arras, data=encoded(changed), filename="autre.json")
    key = indicator["indicateur"]
    [table] = bundles_queries.comparison(arras, key)
    reference, *others = table.lines
    assert reference.is_reference and reference.kind == bundles_queries.OWN
    by_name = {line.name.split(" — ")[0]: line for line in others}
    lens, autre = by_name["CA de Lens-Liévin"], by_name["CC Autre"]
    assert lens.comparable and lens.differences == []
    assert lens.estimate == reference.estimate
    assert not autre.comparable
    assert autre.differences == ["même population", "même pondération"]
    assert table.warning
    csv_text = bundles_queries.comparison_csv([table]).decode("utf-8-sig")
    lines = csv_text.splitlines()
    assert lines[0].startswith("indicateur,libelle,ligne,type,periode,estimation")
    assert lines[1].endswith(",référence,référence,référence,référence,référence,")
    assert any(",oui,non,non,non," in line for line in lines)
    # All indicators: one table each, the reference first in each.
    tables = bundles_queries.comparison(arras)
    assert len(tables) == len(exported["indicateurs"])
    assert all(t.lines[0].is_reference for t in tables)
