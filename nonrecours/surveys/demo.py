"""Synthetic answers for the demonstration campaign.

The published figures of the CU d'Arras 2024 barometer
(reference/barometre-2024-cua.yaml) are taken as the truth about the
population; answers are drawn so that, once weighted back to the real
population of each commune, they reproduce those figures within sampling
error. The sample itself carries the biases of door-to-door collection:
more women and older people, uneven coverage of communes.

Every answer depends on the respondent's stratum only, never on sex or
age: weighting by commune (or stratum) alone removes the sampling biases,
which is what the tests check.
"""

import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from nonrecours.territories.enums import Stratum

REFERENCE_FILE = Path(__file__).with_name("reference") / "barometre-2024-cua.yaml"

# Publication breakdown names -> our strata.
BREAKDOWN_STRATA = {
    "arras": Stratum.CENTRAL_CITY,
    "zone_rurale": Stratum.RURAL,
    "petites_communes": Stratum.SMALL_COMMUNE,
}
# Where the publication gives breakdowns but no overall figure, the other
# strata sit between the published ones.
SEX_SHARES = {"femme": 0.58, "homme": 0.40, "autre": 0.02}
AGE_SHARES = {
    "18_24": 0.04,
    "25_34": 0.09,
    "35_44": 0.12,
    "45_54": 0.15,
    "55_64": 0.19,
    "65_74": 0.23,
    "75_plus": 0.18,
}


@dataclass(frozen=True)
class DemoCommune:
    insee_code: str
    population: int
    stratum: str


def reference_siren() -> str:
    """The SIREN of the territory whose figures the reference file publishes."""
    data = yaml.safe_load(REFERENCE_FILE.read_text(encoding="utf-8"))
    return str(data["collection"]["epci_siren"])


def published_targets() -> dict[str, dict[str, Any]]:
    data = yaml.safe_load(REFERENCE_FILE.read_text(encoding="utf-8"))
    return {item["id"]: item for item in data["indicators"]}


def stratum_probabilities(
    indicator: Mapping[str, Any], population_shares: Mapping[str, float]
) -> dict[str, float]:
    """Probability of the indicator in each stratum of `population_shares`
    (stratum → share of the population, summing to 1): the published
    breakdown where the publication gives one, and for the other strata
    what makes the overall value the published one. A territory without
    one of the strata the publication breaks down (a metropolis without
    rural communes, a rural community without a central city) just has no
    such stratum: its breakdown is not used. Without a published overall
    value, the other strata get the mean of the published breakdowns.
    Source: the CU d'Arras 2024 barometer (barometre-2024-chiffres.yaml)."""
    published: dict[str, float] = {
        BREAKDOWN_STRATA[name]: float(value)
        for name, value in (indicator.get("breakdowns") or {}).items()
        if name in BREAKDOWN_STRATA
    }
    fixed = {s: v for s, v in published.items() if s in population_shares}
    free = [s for s in population_shares if s not in fixed]
    if "value" in indicator:
        overall = float(indicator["value"])
        fixed_mass = sum(population_shares[s] * v for s, v in fixed.items())
        free_share = sum(population_shares[s] for s in free)
        rest = (overall - fixed_mass) / free_share if free_share else overall
    elif published:
        rest = sum(published.values()) / len(published)
    else:
        raise ValueError(f"indicateur {indicator.get('id')} : ni valeur ni ventilation publiée")
    rest = min(max(rest, 0.01), 0.99)
    return {s: fixed[s] if s in fixed else rest for s in population_shares}


def _choose(rng: random.Random, weights: Mapping[str, float]) -> str:
    return rng.choices(list(weights), weights=list(weights.values()))[0]


def _yes(rng: random.Random, p: float) -> bool:
    return rng.random() < p


class DemoGenerator:
    def __init__(self, communes: Sequence[DemoCommune], seed: int):
        self.rng = random.Random(seed)  # noqa: S311 - reproducible synthetic data, not secrets
        self.communes = list(communes)
        total = sum(c.population for c in communes)
        shares: dict[str, float] = {}
        for commune in communes:
            shares[commune.stratum] = shares.get(commune.stratum, 0.0) + commune.population / total
        self.targets = published_targets()
        self.p = {
            ident: stratum_probabilities(indicator, shares)
            for ident, indicator in self.targets.items()
        }
        # Uneven coverage: each commune's collection effort varies (postal
        # rounds, volunteers), some villages are barely reached.
        self.coverage = {c.insee_code: self.rng.lognormvariate(0, 0.6) for c in communes}
        # The optional situation section has its own draws: the answers that
        # reproduce the published figures stay the same.
        self.situation_rng = random.Random(seed + 1)  # noqa: S311 - synthetic data

    def sample_communes(self, n: int) -> list[DemoCommune]:
        weights = [c.population * self.coverage[c.insee_code] for c in self.communes]
        return self.rng.choices(self.communes, weights=weights, k=n)

    def answers(self, commune: DemoCommune) -> dict[str, Any]:
        rng, s = self.rng, commune.stratum

        def p(ident: str) -> float:
            return self.p[ident][s]

        a: dict[str, Any] = {
            "commune": commune.insee_code,
            "sexe": _choose(rng, SEX_SHARES),
            "tranche_age": _choose(rng, AGE_SHARES),
        }
        a["type_foyer"] = _choose(
            rng,
            {"seul": 0.36, "couple_sans_enfant": 0.30, "couple_avec_enfants": 0.22,
             "monoparental": 0.08, "autre": 0.04},
        )  # fmt: skip
        a["activite"] = _choose(
            rng,
            {"emploi": 0.38, "recherche_emploi": 0.07, "retraite": 0.40, "etudes": 0.04,
             "foyer": 0.05, "invalidite": 0.04, "autre": 0.02},
        )  # fmt: skip
        if _yes(rng, p("situation_financiere_difficile")):
            a["situation_financiere"] = _choose(rng, {"difficile": 0.7, "tres_difficile": 0.3})
            strategies = [
                code
                for code, chance in (
                    ("aide_proches", p("recours_aide_proches")),
                    ("epargne", p("puise_dans_epargne")),
                    ("restrictions", 0.55),
                    ("credit", 0.2),
                    ("associations", 0.12),
                )
                if _yes(rng, chance)
            ]
            a["strategies"] = strategies or ["aucune"]
        else:
            a["situation_financiere"] = _choose(
                rng, {"a_l_aise": 0.15, "ca_va": 0.45, "juste": 0.4}
            )
        sees_closures = _yes(rng, p("constate_fermetures_accueils"))
        a["constate_fermetures"] = (
            "oui" if sees_closures else _choose(rng, {"non": 0.8, "nsp": 0.2})
        )
        if sees_closures:
            a["fermetures_complexifient"] = (
                "oui" if _yes(rng, p("fermetures_complexifient_acces")) else "non"
            )
        a["offre_services_diminue"] = (
            _choose(rng, {"tout_a_fait": 0.45, "plutot": 0.55})
            if _yes(rng, p("offre_services_publics_diminue"))
            else _choose(rng, {"plutot_pas": 0.5, "pas_du_tout": 0.3, "nsp": 0.2})
        )
        a["difficulte_demarches"] = (
            _choose(rng, {"souvent": 0.35, "parfois": 0.65})
            if _yes(rng, p("difficulte_demarches"))
            else "jamais"
        )
        a["demarches_trop_complexes"] = (
            "oui"
            if _yes(rng, p("demarches_trop_complexes"))
            else _choose(rng, {"non": 0.8, "nsp": 0.2})
        )
        a["difficulte_joindre"] = (
            "oui" if _yes(rng, p("difficulte_joindre_administrations")) else "non"
        )
        a["illectronisme"] = "oui" if _yes(rng, p("illectronisme")) else "non"
        for name in ("securite_sociale", "collectivites", "associations", "etat"):
            a[f"confiance_{name}"] = (
                _choose(rng, {"tout_a_fait": 0.3, "plutot": 0.7})
                if _yes(rng, p(f"confiance_{name}"))
                else _choose(rng, {"plutot_pas": 0.5, "pas_du_tout": 0.3, "nsp": 0.2})
            )
        benefits = [
            "rsa",
            "prime_activite",
            "aide_logement",
            "css",
            "aspa",
            "aah",
            "cheque_energie",
        ]
        known = [b for b in benefits if _yes(rng, 0.55)]
        a["prestations_connues"] = known or ["aucune"]
        received = [b for b in known if _yes(rng, 0.25)]
        a["prestations_percues"] = received or ["aucune"]
        if _yes(rng, p("non_recours_declare")):
            a["toutes_prestations_percues"] = "non"
            a["raison_non_recours"] = _choose(
                rng,
                {"ne_connaissait_pas": 0.22, "pensait_pas_droit": 0.2, "ne_savait_pas_ou": 0.08,
                 "trop_complique": 0.16, "pas_la_peine": 0.06, "pas_besoin": 0.04, "image": 0.05,
                 "demande_sans_suite": 0.1, "pas_propose": 0.05, "autre": 0.04},
            )  # fmt: skip
        else:
            a["toutes_prestations_percues"] = _choose(rng, {"oui": 0.8, "nsp": 0.2})
        a["ignorait_droits"] = "oui" if _yes(rng, p("meconnaissance_droits")) else "non"
        if _yes(rng, 0.08):
            a["consentement_recontact"] = "oui"
            # Numbers reserved by ARCEP for fiction (01 99 00 xx xx): never a real line.
            a["contact_telephone"] = f"019900{rng.randrange(0, 10_000):04d}"
        else:
            a["consentement_recontact"] = "non"
        self.add_situation(a)
        return a

    def add_situation(self, a: dict[str, Any]) -> None:
        """The optional section that lets the barometer estimate potential
        non-take-up by simulation: 60 % answer it. The benefits received
        follow a rough likelihood of being entitled, with a take-up rate in
        the range of national studies (about two thirds): synthetic."""
        rng = self.situation_rng
        if not _yes(rng, 0.6):
            return
        difficult = a["situation_financiere"] in ("difficile", "tres_difficile")
        a["logement_statut"] = _choose(
            rng,
            {"locataire_hlm": 0.3 if difficult else 0.12, "locataire_prive": 0.25,
             "proprietaire": 0.2 if difficult else 0.55, "heberge": 0.05, "autre": 0.02},
        )  # fmt: skip
        if a["logement_statut"].startswith("locataire"):
            a["loyer"] = rng.randrange(300, 800, 10)
        if a["type_foyer"] in ("couple_avec_enfants", "monoparental"):
            children = rng.choice([1, 1, 2, 2, 3])
            bands = [rng.choice(["enfants_moins_3", "enfants_3_10", "enfants_11_17"])
                     for _ in range(children)]  # fmt: skip
            for band in ("enfants_moins_3", "enfants_3_10", "enfants_11_17"):
                a[band] = bands.count(band)
        base = {"emploi": 1700, "recherche_emploi": 900, "retraite": 1300, "invalidite": 800}
        income = base.get(a["activite"], 300) * (0.55 if difficult else 1.2)
        if a["type_foyer"].startswith("couple"):
            income *= 1.5
        a["revenus_foyer"] = int(rng.lognormvariate(0, 0.35) * income)
        a["handicap_reconnu"] = "oui" if a["activite"] == "invalidite" and _yes(rng, 0.5) else "non"
        poor = a["revenus_foyer"] < 900
        likely = {
            "rsa": poor and a["activite"] != "retraite",
            "prime_activite": a["activite"] == "emploi" and a["revenus_foyer"] < 2000,
            "aide_logement": a["logement_statut"].startswith("locataire")
            and a["revenus_foyer"] < 1600,
            "css": a["revenus_foyer"] < 1100,
            "aspa": a["activite"] == "retraite" and a["revenus_foyer"] < 1100,
            "aah": a["handicap_reconnu"] == "oui",
            "cheque_energie": a["revenus_foyer"] < 1200,
        }
        received = [b for b, yes in likely.items() if yes and _yes(rng, 0.65)]
        a["prestations_percues"] = received or ["aucune"]
        known = [b for b in a["prestations_connues"] if b != "aucune"]
        a["prestations_connues"] = sorted(set(known) | set(received)) or ["aucune"]
