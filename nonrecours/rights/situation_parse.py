"""The reader of a situation's plain form (YAML or JSON, the format of
rights.situation): `parse_situation` checks every field and lists every
problem at once, in French, each naming its place, in one SituationError.

The persons are read by rights.situation_person, single values by
rights.situation_fields. Nothing here imports Django.
"""

import datetime
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from nonrecours.rights.resources import RECEIVED
from nonrecours.rights.situation import TENANTS, Housing, Situation, SituationError
from nonrecours.rights.situation_fields import choice, flag, number
from nonrecours.rights.situation_person import read_persons
from nonrecours.territories.insee import known_commune_codes

KNOWN_KEYS = {
    "mois",
    "commune",
    "logement",
    "personnes",
    "revenu_fiscal_reference",
    "avis_imposition",
    "epargne",
    "prestations_percues",
    "libelle",
    "source",
    "calcul",
    "attendu",
}
HOUSING_KEYS = {"statut", "loyer", "colocation", "bailleur_parent"}
# The month read when the one given is wrong, so that the other fields are
# still checked (the situation is refused anyway).
FALLBACK_MONTH = "2026-01"
# A simulated month: « AAAA-MM » from 2000 to 2099.
SIMULATED_MONTH = re.compile(r"20\d\d-(0[1-9]|1[0-2])")


def parse_situation(data: Any, source: str = "situation") -> Situation:
    """A Situation from its plain form (a mapping, as read from YAML/JSON).

    Raises SituationError (its `problems`: French texts, each starting with
    its place, « logement, loyer : … »; `source` names the file or the form)
    listing every problem, when anything is missing, unknown or wrong."""
    if not isinstance(data, Mapping):
        raise SituationError(
            ["la situation doit être un dictionnaire (clés mois, personnes…)"], source
        )
    problems: list[str] = []
    unknown = sorted(map(str, set(data) - KNOWN_KEYS))
    if unknown:
        problems.append(f"champ(s) inconnu(s) : {', '.join(unknown)}")
    month = _month(problems, data)
    commune = _commune(problems, data)
    housing = _housing(problems, data)
    day = datetime.date(int(month[:4]), int(month[5:]), 1)
    persons = read_persons(problems, data.get("personnes"), day)
    tax_notices = _tax_notices(problems, data, month)
    savings = 0.0
    if data.get("epargne") not in (None, ""):
        savings = number(problems, "epargne", data["epargne"], high=1e9)
    received = _received(problems, data.get("prestations_percues"))
    if problems:
        raise SituationError(problems, source)
    return Situation(
        month=month,
        commune=commune,
        housing=housing.status,
        rent=housing.rent,
        persons=tuple(persons),
        tax_notices=tax_notices,
        received=received,
        label=str(data.get("libelle") or ""),
        savings=savings,
        flat_share=housing.flat_share,
        relative_landlord=housing.relative_landlord,
    )


def _month(problems: list[str], data: Mapping[Any, Any]) -> str:
    """`mois`, « AAAA-MM » from 2000 to 2099 (FALLBACK_MONTH when wrong)."""
    month = str(data.get("mois", "")).strip()
    if not SIMULATED_MONTH.fullmatch(month):
        problems.append(f"mois : « {month} » ; attendu AAAA-MM, par exemple 2026-11")
        return FALLBACK_MONTH
    return month


def _commune(problems: list[str], data: Mapping[Any, Any]) -> str:
    """`commune`: the INSEE code of a commune of the official geographic
    code, "" when not given (or wrong)."""
    commune = str(data.get("commune") or "").strip()
    if not commune:
        return ""
    if not re.fullmatch(r"\d[\dAB]\d{3}", commune):
        problems.append(f"commune : « {commune} » n'est pas un code INSEE (5 caractères)")
        # After a problem the situation is refused: this value is never read.
        return ""  # pragma: no mutate
    if commune not in known_commune_codes():
        # An unknown code would still get a housing zone (zone 2 by default).
        problems.append(
            f"commune : « {commune} » n'est pas une commune connue (code INSEE du "
            "code officiel géographique, par exemple 62041 pour Arras)"
        )
        return ""  # pragma: no mutate
    return commune


@dataclass(frozen=True)
class _Housing:
    status: Housing
    rent: float  # euros per month, without charges
    flat_share: bool
    relative_landlord: bool


def _housing(problems: list[str], data: Mapping[Any, Any]) -> _Housing:
    """`logement`: a mapping {statut, loyer, colocation, bailleur_parent};
    absent (None or ""), the household is housed free of charge. A tenant
    pays a rent above 0; flat-share and a relative landlord only concern a
    tenant."""
    raw = data.get("logement")
    if raw is None or raw == "":
        raw = {}
    elif not isinstance(raw, Mapping):
        # A text (« locataire_vide ») would otherwise read as housed free.
        problems.append("logement : attendu {statut: …, loyer: …}")
        raw = {}
    extra = sorted(set(map(str, raw)) - HOUSING_KEYS)
    if extra:
        problems.append(
            f"logement : champ(s) inconnu(s) : {', '.join(extra)} ; "
            f"choisir parmi : {', '.join(sorted(HOUSING_KEYS))}"
        )
    status = choice(problems, "logement, statut", Housing, raw.get("statut"), Housing.HOUSED_FREE)
    flat_share = flag(problems, "logement, colocation", raw.get("colocation"))
    relative_landlord = flag(problems, "logement, bailleur_parent", raw.get("bailleur_parent"))
    if (flat_share or relative_landlord) and status not in TENANTS:
        problems.append(
            "logement : colocation et bailleur_parent ne concernent qu'un·e locataire "
            f"(statut « {status.value} »)"
        )
    rent = 0.0
    if "loyer" in raw:
        before = len(problems)
        rent = number(problems, "logement, loyer", raw["loyer"], high=20_000)
        if status in TENANTS and len(problems) == before and rent == 0:
            # A rent of 0 would still open a housing aid (and lower the RSA).
            problems.append(
                "logement, loyer : un·e locataire paie un loyer ; indiquez le loyer mensuel "
                "hors charges (plus de 0 €)"
            )
    elif status in TENANTS:
        problems.append(
            "logement, loyer : obligatoire pour un·e locataire (montant mensuel hors charges)"
        )
    return _Housing(status, rent, flat_share, relative_landlord)


def _tax_notices(problems: list[str], data: Mapping[Any, Any], month: str) -> dict[int, float]:
    """Tax notices by year of the incomes (euros per year), from
    `avis_imposition` (a list of {revenus: YEAR, revenu_fiscal_reference:
    EUROS}, years N-6 to N-1 of `month`) and the legacy
    `revenu_fiscal_reference` (the notice on the incomes of year N-2)."""
    notices: dict[int, float] = {}
    year = int(month[:4])
    raw = data.get("avis_imposition")
    if raw not in (None, ""):
        if not isinstance(raw, list):
            problems.append(
                "avis_imposition : attendu une liste, par exemple "
                "[{revenus: 2024, revenu_fiscal_reference: 14200}]"
            )
            raw = []
        for index, notice in enumerate(raw, start=1):
            _tax_notice(problems, f"avis_imposition {index}", notice, month, notices)
    if data.get("revenu_fiscal_reference") not in (None, ""):
        if year - 2 in notices:
            problems.append(
                f"revenu_fiscal_reference : les revenus {year - 2} sont déjà donnés "
                "dans avis_imposition"
            )
        else:
            notices[year - 2] = number(
                problems, "revenu_fiscal_reference", data["revenu_fiscal_reference"], high=1e8
            )
    return notices


def _tax_notice(
    problems: list[str], where: str, notice: Any, month: str, notices: dict[int, float]
) -> None:
    """One notice of `avis_imposition`, added to `notices` when right."""
    year = int(month[:4])
    if not isinstance(notice, Mapping) or set(map(str, notice)) != {
        "revenus",
        "revenu_fiscal_reference",
    }:
        problems.append(
            f"{where} : attendu {{revenus: année des revenus, "
            "revenu_fiscal_reference: montant annuel}"
        )
        return
    income_year = notice["revenus"]
    # A boolean reads « True », not digits: refused like any other text.
    if (
        not str(income_year).strip().isascii()  # « ² » is a digit, not an int
        or not str(income_year).strip().isdigit()
        or not year - 6 <= int(str(income_year).strip()) < year
    ):
        problems.append(
            f"{where}, revenus : « {income_year} » ; attendu l'année des revenus "
            f"(de {year - 6} à {year - 1} pour le mois {month})"
        )
        return
    key = int(str(income_year).strip())
    if key in notices:
        problems.append(f"{where} : deux avis pour les revenus {key}")
        return
    notices[key] = number(
        problems, f"{where}, revenu_fiscal_reference", notice["revenu_fiscal_reference"], high=1e8
    )


def _received(problems: list[str], raw: Any) -> dict[str, float]:
    """`prestations_percues`: {benefit id of rights.resources: euros per
    month, 0 to 100,000}; absent (None or ""), none."""
    if raw is None or raw == "":
        return {}
    if not isinstance(raw, Mapping):
        problems.append("prestations_percues : attendu {rsa: montant mensuel, …}")
        return {}
    received: dict[str, float] = {}
    for key, value in raw.items():
        if key not in RECEIVED:
            problems.append(
                f"prestations_percues : « {key} » inconnu ; choisir parmi : {', '.join(RECEIVED)}"
            )
            continue
        received[key] = number(problems, f"prestations_percues, {key}", value, high=1e5)
    return received
