"""The conditions of a local aid, and their evaluation on a situation (no Django).

The grammar (French keys, as the situation files; every key optional, all
of them must hold):

    conditions:
      age: {min: 18, max: 30}               # years, on the first day of the month
      activite: [apprenti, demandeur_emploi]  # one of them
      taux_incapacite_min: 0.5              # 0 to 1, as the situation's taux_incapacite
      boursier: true                        # or {echelon_min: 3}
      ressources:
        quotient_familial_max: 700          # CAF family quotient, euros per month
        revenus_mensuels_max: 1500          # household's resources, euros per month
        revenu_fiscal_reference_max: {personne_seule: 28200, couple: 42250}  # N-2, a year
      famille: {parent_isole: true, enfants_min: 1, enfant_de_moins_de: 3}
      logement: [locataire_hlm, locataire_vide]   # situation's housing statuses
      prestations: [rsa, css]               # receives or is entitled to one of them
      a_verifier: ["Avoir obtenu le code de la route."]

The person conditions (age, activite, taux_incapacite_min, boursier) hold
when one person of the household meets them all: the claimant, the partner
or a child (a 17-year-old lycéen for a youth aid). The format follows the
``conditions_generales`` and ``profils`` of aides-jeunes
(github.com/betagouv/aides-jeunes, lib/benefits/compute-javascript.ts) and
the benefit files of openfisca-france-local (ADR 016).

Each condition answers yes, no or unknown (what the simulator cannot know:
an apprenticeship contract, a grant the simulator does not compute); an aid with an unknown
condition, a text in ``a_verifier`` or the status « à confirmer » is « à
vérifier », never « éligible ».
"""

import math
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from enum import IntEnum
from typing import Any

from nonrecours.rights.catalogue import benefits
from nonrecours.rights.situation import Housing, Role, Situation

ACTIVITIES = {
    "salarie": "salarié·e",
    "demandeur_emploi": "demandeur·se d'emploi",
    "etudiant": "étudiant·e",
    "lyceen": "lycéen·ne",
    "apprenti": "apprenti·e",
    "stagiaire": "stagiaire de la formation professionnelle",
    "independant": "travailleur·se indépendant·e",
    "service_civique": "en service civique",
    "retraite": "retraité·e",
    "inactif": "sans activité",
}
HOUSING = {h.value for h in Housing}
CONDITION_KEYS = {
    "age",
    "activite",
    "taux_incapacite_min",
    "boursier",
    "ressources",
    "famille",
    "logement",
    "prestations",
    "a_verifier",
}
RESOURCE_KEYS = {"quotient_familial_max", "revenus_mensuels_max", "revenu_fiscal_reference_max"}
FAMILY_KEYS = {"parent_isole", "enfants_min", "enfant_de_moins_de"}


class Verdict(IntEnum):
    """Ordered: the worst of several conditions is their minimum."""

    NO = 0
    UNKNOWN = 1
    YES = 2


@dataclass(frozen=True)
class Threshold:
    """A ceiling for a person alone and for a couple (euros)."""

    alone: float
    couple: float

    def of(self, situation: Situation) -> float:
        has_partner = any(p.role == Role.PARTNER for p in situation.persons)
        return self.couple if has_partner else self.alone


@dataclass(frozen=True)
class Conditions:
    age_min: int | None = None
    age_max: int | None = None
    activities: tuple[str, ...] = ()
    disability_rate_min: float | None = None
    scholarship: bool = False
    scholarship_level_min: int | None = None
    family_quotient_max: float | None = None
    monthly_income_max: Threshold | None = None
    tax_income_max: Threshold | None = None
    single_parent: bool | None = None
    children_min: int | None = None
    child_under: int | None = None
    housing: tuple[str, ...] = ()
    benefits: tuple[str, ...] = ()
    to_check: tuple[str, ...] = ()

    @property
    def has_person_conditions(self) -> bool:
        return bool(
            self.age_min is not None
            or self.age_max is not None
            or self.activities
            or self.disability_rate_min is not None
            or self.scholarship
        )


@dataclass(frozen=True)
class Outcome:
    """The verdict of an aid's conditions and why: the conditions met, those
    the simulator cannot know, those not met (French phrases)."""

    verdict: Verdict
    met: tuple[str, ...] = ()
    unknown: tuple[str, ...] = ()
    failed: tuple[str, ...] = ()


def _benefit_ids() -> list[str]:
    return [b.id for b in benefits()]


# --- reading the grammar -------------------------------------------------


def _whole(problems: list[str], where: str, value: Any, low: int, high: int) -> int | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        problems.append(f"{where} : un nombre entier est attendu (ici « {value} »)")
        return None
    if value != int(value) or not low <= value <= high:
        problems.append(f"{where} : {value} ; attendu un entier entre {low} et {high}")
        return None
    return int(value)


def _amount(problems: list[str], where: str, value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float) or math.isnan(value):
        problems.append(f"{where} : un montant en euros est attendu (ici « {value} »)")
        return None
    if not 0 <= value <= 1e7:
        problems.append(f"{where} : {value} ; attendu un montant entre 0 et 10 000 000 €")
        return None
    return float(value)


def _threshold(problems: list[str], where: str, value: Any) -> Threshold | None:
    if isinstance(value, Mapping):
        unknown = sorted(map(str, set(value) - {"personne_seule", "couple"}))
        if unknown or not {"personne_seule", "couple"} <= set(value):
            problems.append(
                f"{where} : attendu un montant, ou {{personne_seule: …, couple: …}} "
                f"(ici les clés {', '.join(map(str, value)) or 'aucune'})"
            )
            return None
        alone = _amount(problems, f"{where}, personne_seule", value["personne_seule"])
        couple = _amount(problems, f"{where}, couple", value["couple"])
        if alone is None or couple is None:
            return None
        return Threshold(alone, couple)
    single = _amount(problems, where, value)
    return None if single is None else Threshold(single, single)


def _words(
    problems: list[str], where: str, value: Any, allowed: Collection[str]
) -> tuple[str, ...]:
    items = value if isinstance(value, list) else [value]
    words: list[str] = []
    for item in items:
        if not isinstance(item, str) or item not in allowed:
            problems.append(
                f"{where} : « {item} » inconnu ; choisir parmi : {', '.join(sorted(allowed))}"
            )
        elif item not in words:
            words.append(item)
    if not words and not problems:
        problems.append(f"{where} : au moins une valeur")
    return tuple(words)


def _flag(problems: list[str], where: str, value: Any) -> bool | None:
    if not isinstance(value, bool):
        problems.append(f"{where} : oui ou non attendu (true / false), ici « {value} »")
        return None
    return value


def parse_conditions(data: Any, where: str = "conditions") -> tuple[Conditions, list[str]]:
    """The conditions of their plain form (YAML / JSON, grammar above), and
    the problems found (French, each starting with its place, e.g.
    « conditions, age, min : … »). ``prestations`` are ids of the national
    benefits the simulator knows (rights/benefits.yaml). Never raises."""
    problems: list[str] = []
    if data is None or data == {}:
        return Conditions(), problems
    if not isinstance(data, Mapping):
        return Conditions(), [f"{where} : attendu un dictionnaire (age, ressources, famille…)"]
    unknown = sorted(map(str, set(data) - CONDITION_KEYS))
    if unknown:
        problems.append(
            f"{where} : condition(s) inconnue(s) : {', '.join(unknown)} ; "
            f"possibles : {', '.join(sorted(CONDITION_KEYS))}"
        )
    values: dict[str, Any] = {}
    # In the grammar's order: a problem found earlier changes what _words
    # says of an empty list.
    _read_age(problems, values, where, data)
    if "activite" in data:
        values["activities"] = _words(problems, f"{where}, activite", data["activite"], ACTIVITIES)
    _read_disability(problems, values, where, data)
    _read_scholarship(problems, values, where, data)
    _read_resources(problems, values, where, data)
    _read_family(problems, values, where, data)
    if "logement" in data:
        values["housing"] = _words(problems, f"{where}, logement", data["logement"], HOUSING)
    if "prestations" in data:
        values["benefits"] = _words(
            problems, f"{where}, prestations", data["prestations"], _benefit_ids()
        )
    if "a_verifier" in data:
        texts = data["a_verifier"]
        texts = texts if isinstance(texts, list) else [texts]
        if not all(isinstance(t, str) and t.strip() for t in texts):
            problems.append(f"{where}, a_verifier : une liste de phrases est attendue")
        else:
            values["to_check"] = tuple(t.strip() for t in texts)
    kept = {key: value for key, value in values.items() if value is not None}
    return Conditions(**kept), problems


# Each reader below takes the problems found so far, the values read (by
# Conditions field), the place and the conditions' plain form; it adds to
# both and never raises.


def _read_age(
    problems: list[str], values: dict[str, Any], where: str, data: Mapping[Any, Any]
) -> None:
    age = data.get("age")
    if age is None:
        return
    if not isinstance(age, Mapping) or not age or set(age) - {"min", "max"}:
        problems.append(f"{where}, age : attendu {{min: …, max: …}} (années)")
        return
    if "min" in age:
        values["age_min"] = _whole(problems, f"{where}, age, min", age["min"], 0, 120)
    if "max" in age:
        values["age_max"] = _whole(problems, f"{where}, age, max", age["max"], 0, 120)
    low, high = values.get("age_min"), values.get("age_max")
    if low is not None and high is not None and low > high:
        problems.append(f"{where}, age : min ({low}) plus grand que max ({high})")


def _read_disability(
    problems: list[str], values: dict[str, Any], where: str, data: Mapping[Any, Any]
) -> None:
    if "taux_incapacite_min" not in data:
        return
    rate = data["taux_incapacite_min"]
    if isinstance(rate, bool) or not isinstance(rate, int | float) or not 0 < rate <= 1:
        problems.append(
            f"{where}, taux_incapacite_min : attendu un taux entre 0 et 1 "
            f"(0.5 pour 50 %), ici « {rate} »"
        )
    else:
        values["disability_rate_min"] = float(rate)


def _read_scholarship(
    problems: list[str], values: dict[str, Any], where: str, data: Mapping[Any, Any]
) -> None:
    if "boursier" not in data:
        return
    grant = data["boursier"]
    if isinstance(grant, Mapping):
        if set(grant) != {"echelon_min"}:
            problems.append(f"{where}, boursier : attendu true ou {{echelon_min: …}}")
        else:
            level = _whole(problems, f"{where}, boursier, echelon_min", grant["echelon_min"], 0, 7)
            values["scholarship"] = True
            values["scholarship_level_min"] = level
    elif grant is True:
        values["scholarship"] = True
    else:
        problems.append(f"{where}, boursier : attendu true ou {{echelon_min: …}}")


def _read_resources(
    problems: list[str], values: dict[str, Any], where: str, data: Mapping[Any, Any]
) -> None:
    resources = data.get("ressources")
    if resources is None:
        return
    here = f"{where}, ressources"
    if not isinstance(resources, Mapping) or not resources:
        problems.append(f"{here} : attendu {{quotient_familial_max: …}} ou autre plafond")
        return
    extra = sorted(map(str, set(resources) - RESOURCE_KEYS))
    if extra:
        problems.append(
            f"{here} : plafond(s) inconnu(s) : {', '.join(extra)} ; "
            f"possibles : {', '.join(sorted(RESOURCE_KEYS))}"
        )
    if "quotient_familial_max" in resources:
        values["family_quotient_max"] = _amount(
            problems, f"{here}, quotient_familial_max", resources["quotient_familial_max"]
        )
    if "revenus_mensuels_max" in resources:
        values["monthly_income_max"] = _threshold(
            problems, f"{here}, revenus_mensuels_max", resources["revenus_mensuels_max"]
        )
    if "revenu_fiscal_reference_max" in resources:
        values["tax_income_max"] = _threshold(
            problems,
            f"{here}, revenu_fiscal_reference_max",
            resources["revenu_fiscal_reference_max"],
        )


def _read_family(
    problems: list[str], values: dict[str, Any], where: str, data: Mapping[Any, Any]
) -> None:
    family = data.get("famille")
    if family is None:
        return
    here = f"{where}, famille"
    if not isinstance(family, Mapping) or not family:
        problems.append(f"{here} : attendu {{parent_isole: …, enfants_min: …}}")
        return
    extra = sorted(map(str, set(family) - FAMILY_KEYS))
    if extra:
        problems.append(
            f"{here} : condition(s) inconnue(s) : {', '.join(extra)} ; "
            f"possibles : {', '.join(sorted(FAMILY_KEYS))}"
        )
    if "parent_isole" in family:
        values["single_parent"] = _flag(problems, f"{here}, parent_isole", family["parent_isole"])
    if "enfants_min" in family:
        values["children_min"] = _whole(
            problems, f"{here}, enfants_min", family["enfants_min"], 0, 20
        )
    if "enfant_de_moins_de" in family:
        values["child_under"] = _whole(
            problems, f"{here}, enfant_de_moins_de", family["enfant_de_moins_de"], 1, 25
        )
