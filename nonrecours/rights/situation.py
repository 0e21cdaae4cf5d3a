"""A claimant's situation, as a person or a professional describes it.

The same format serves the reference cases (rights/cases/*.yaml), the
command `nonrecours simulate FILE`, the web simulator and the screening of
a partner's file (one situation per household):

    mois: 2026-11                  # month of the claim
    commune: "62041"               # INSEE code of the home
    logement: {statut: locataire_vide, loyer: 450}
    personnes:
      - {role: demandeur, naissance: 1991-05-15, activite: chomeur,
         ressources: {salaire_net: 0, chomage_net: 0}}
      - {role: enfant, naissance: 2014-06-01, scolarite: college}
    revenu_fiscal_reference: 0     # of year N-2 (optional)
    prestations_percues: {af: 153.01}   # already received each month

Money is in euros per month: resources are the average of the last three
months, as on a CAF claim; the N-2 tax income is the annual "revenu fiscal
de référence" of the tax notice (when absent, twelve times the declared
monthly taxable resources). Nothing here imports Django.
"""

import datetime
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from nonrecours.territories.insee import known_commune_codes


class SituationError(ValueError):
    """A situation that cannot be simulated; each problem (French) says where."""

    def __init__(self, problems: list[str], source: str = "situation"):
        self.problems = problems
        self.source = source
        super().__init__(f"{source} : " + " ; ".join(problems))


class Role(StrEnum):
    CLAIMANT = "demandeur"
    PARTNER = "conjoint"
    CHILD = "enfant"


class Activity(StrEnum):
    WORKER = "salarie"
    JOB_SEEKER = "chomeur"
    STUDENT = "etudiant"
    RETIRED = "retraite"
    INACTIVE = "inactif"


# OpenFisca's `activite`.
ACTIVITY_TO_OPENFISCA = {
    Activity.WORKER: "actif",
    Activity.JOB_SEEKER: "chomeur",
    Activity.STUDENT: "etudiant",
    Activity.RETIRED: "retraite",
    Activity.INACTIVE: "inactif",
}


class Schooling(StrEnum):
    NONE = "aucune"
    NURSERY = "maternelle"
    PRIMARY = "primaire"
    MIDDLE = "college"
    HIGH = "lycee"
    HIGHER = "enseignement_superieur"


class Housing(StrEnum):
    SOCIAL_TENANT = "locataire_hlm"
    TENANT = "locataire_vide"
    FURNISHED_TENANT = "locataire_meuble"
    HOSTEL = "locataire_foyer"
    OWNER = "proprietaire"
    BUYER = "primo_accedant"
    HOUSED_FREE = "loge_gratuitement"
    HOMELESS = "sans_domicile"


TENANTS = {Housing.SOCIAL_TENANT, Housing.TENANT, Housing.FURNISHED_TENANT, Housing.HOSTEL}

RESOURCES = {
    "salaire_net": "salaire net",
    "chomage_net": "allocation chômage nette",
    "retraite_nette": "retraite nette",
    "pension_invalidite": "pension d'invalidité",
    "pension_alimentaire": "pension alimentaire reçue",
    "indemnites_journalieres": "indemnités journalières",
}

# Benefits a household may already receive (monthly amounts), by catalogue id.
RECEIVED = (
    "rsa",
    "prime_activite",
    "aide_logement",
    "af",
    "cf",
    "asf",
    "paje_base",
    "aspa",
    "aah",
    "asi",
)


@dataclass(frozen=True)
class Person:
    role: Role
    birth_date: datetime.date
    activity: Activity = Activity.INACTIVE
    schooling: Schooling = Schooling.NONE
    disability_rate: float = 0.0  # 0 to 1 (0.8 = 80 %)
    resources: Mapping[str, float] = field(default_factory=dict)  # monthly, RESOURCES keys

    def age_on(self, day: datetime.date) -> int:
        years = day.year - self.birth_date.year
        if (day.month, day.day) < (self.birth_date.month, self.birth_date.day):
            years -= 1
        return years


@dataclass(frozen=True)
class Situation:
    month: str  # YYYY-MM
    commune: str  # INSEE code, "" when unknown
    housing: Housing
    rent: float  # monthly, 0 when not a tenant
    persons: tuple[Person, ...]
    tax_income_n2: float | None = None  # revenu fiscal de référence of year N-2
    received: Mapping[str, float] = field(default_factory=dict)  # monthly, RECEIVED ids
    label: str = ""

    @property
    def first_day(self) -> datetime.date:
        year, month = (int(part) for part in self.month.split("-"))
        return datetime.date(year, month, 1)

    @property
    def adults(self) -> tuple[Person, ...]:
        return tuple(p for p in self.persons if p.role != Role.CHILD)

    @property
    def children(self) -> tuple[Person, ...]:
        return tuple(p for p in self.persons if p.role == Role.CHILD)


def _choices(enum: type[StrEnum]) -> str:
    return ", ".join(e.value for e in enum)


def _number(
    problems: list[str], where: str, value: Any, *, low: float = 0.0, high: float | None = None
) -> float:
    if isinstance(value, bool) or value is None:
        problems.append(f"{where} : un nombre est attendu")
        return 0.0
    try:
        number = float(str(value).replace(",", ".").replace("\u202f", "").replace(" ", ""))
    except ValueError:
        problems.append(f"{where} : « {value} » n'est pas un nombre")
        return 0.0
    if number != number or number < low or (high is not None and number > high):
        bound = f"entre {low:g} et {high:g}" if high is not None else f"au moins {low:g}"
        problems.append(f"{where} : {value} hors limites (attendu {bound})")
        return 0.0
    return number


def _enum(problems: list[str], where: str, enum: type[StrEnum], value: Any, default: Any) -> Any:
    if value is None or value == "":
        return default
    try:
        return enum(str(value).strip())
    except ValueError:
        problems.append(f"{where} : « {value} » inconnu ; choisir parmi : {_choices(enum)}")
        return default


KNOWN_KEYS = {
    "mois",
    "commune",
    "logement",
    "personnes",
    "revenu_fiscal_reference",
    "prestations_percues",
    "libelle",
    "source",
    "calcul",
    "attendu",
}
PERSON_KEYS = {"id", "role", "naissance", "activite", "scolarite", "taux_incapacite", "ressources"}


def parse_situation(data: Any, source: str = "situation") -> Situation:
    """A Situation from its plain form (YAML/JSON); raises SituationError
    listing every problem with its place."""
    problems: list[str] = []
    if not isinstance(data, Mapping):
        raise SituationError(
            ["la situation doit être un dictionnaire (clés mois, personnes…)"], source
        )
    unknown = sorted(set(data) - KNOWN_KEYS)
    if unknown:
        problems.append(f"champ(s) inconnu(s) : {', '.join(unknown)}")
    month = str(data.get("mois", "")).strip()
    if not re.fullmatch(r"20\d\d-(0[1-9]|1[0-2])", month):
        problems.append(f"mois : « {month} » ; attendu AAAA-MM, par exemple 2026-11")
        month = "2026-01"
    commune = str(data.get("commune") or "").strip()
    if commune and not re.fullmatch(r"\d[\dAB]\d{3}", commune):
        problems.append(f"commune : « {commune} » n'est pas un code INSEE (5 caractères)")
        commune = ""
    elif commune and commune not in known_commune_codes():
        # An unknown code would still get a housing zone (zone 2 by default).
        problems.append(
            f"commune : « {commune} » n'est pas une commune connue (code INSEE du "
            "code officiel géographique, par exemple 62041 pour Arras)"
        )
        commune = ""
    housing_data = data.get("logement") or {}
    if not isinstance(housing_data, Mapping):
        problems.append("logement : attendu {statut: …, loyer: …}")
        housing_data = {}
    housing = _enum(
        problems, "logement, statut", Housing, housing_data.get("statut"), Housing.HOUSED_FREE
    )
    rent = 0.0
    rent_read = True
    if "loyer" in housing_data:
        before = len(problems)
        rent = _number(problems, "logement, loyer", housing_data["loyer"], high=20_000)
        rent_read = len(problems) == before
    if housing in TENANTS and "loyer" not in housing_data:
        problems.append(
            "logement, loyer : obligatoire pour un·e locataire (montant mensuel hors charges)"
        )
    elif housing in TENANTS and rent_read and rent == 0:
        # A rent of 0 would still open a housing aid (and lower the RSA).
        problems.append(
            "logement, loyer : un·e locataire paie un loyer ; indiquez le loyer mensuel "
            "hors charges (plus de 0 €)"
        )
    persons: list[Person] = []
    raw_persons = data.get("personnes")
    if not isinstance(raw_persons, list) or not raw_persons:
        problems.append("personnes : au moins une personne (le demandeur ou la demandeuse)")
        raw_persons = []
    day = datetime.date(int(month[:4]), int(month[5:7]), 1)
    for index, raw in enumerate(raw_persons, start=1):
        where = f"personne {index}"
        if not isinstance(raw, Mapping):
            problems.append(f"{where} : attendu un dictionnaire (role, naissance…)")
            continue
        extra = sorted(set(raw) - PERSON_KEYS)
        if extra:
            problems.append(f"{where} : champ(s) inconnu(s) : {', '.join(map(str, extra))}")
        role = _enum(problems, f"{where}, role", Role, raw.get("role"), None)
        if role is None:
            problems.append(f"{where}, role : obligatoire ({_choices(Role)})")
            role = Role.CHILD
        birth = raw.get("naissance")
        if isinstance(birth, str):
            try:
                birth = datetime.date.fromisoformat(birth)
            except ValueError:
                problems.append(f"{where}, naissance : « {birth} » ; attendu AAAA-MM-JJ")
                birth = None
        if not isinstance(birth, datetime.date):
            if birth is not None or "naissance" not in raw:
                problems.append(f"{where}, naissance : date de naissance obligatoire (AAAA-MM-JJ)")
            birth = datetime.date(1970, 1, 1)
        elif birth > day:
            problems.append(f"{where}, naissance : {birth.isoformat()} est après le mois simulé")
        elif day.year - birth.year > 120:
            problems.append(f"{where}, naissance : {birth.isoformat()} (plus de 120 ans)")
        activity = _enum(
            problems, f"{where}, activite", Activity, raw.get("activite"), Activity.INACTIVE
        )
        schooling = _enum(
            problems, f"{where}, scolarite", Schooling, raw.get("scolarite"), Schooling.NONE
        )
        rate = 0.0
        if raw.get("taux_incapacite") not in (None, ""):
            rate = _number(problems, f"{where}, taux_incapacite", raw["taux_incapacite"], high=1)
        resources: dict[str, float] = {}
        raw_resources = raw.get("ressources") or {}
        if not isinstance(raw_resources, Mapping):
            problems.append(f"{where}, ressources : attendu {{salaire_net: …}}")
            raw_resources = {}
        for key, value in raw_resources.items():
            if key not in RESOURCES:
                problems.append(
                    f"{where}, ressources : « {key} » inconnu ; choisir parmi : "
                    f"{', '.join(RESOURCES)}"
                )
                continue
            resources[key] = _number(problems, f"{where}, ressources, {key}", value, high=1e6)
        persons.append(Person(role, birth, activity, schooling, rate, resources))
    claimants = [p for p in persons if p.role == Role.CLAIMANT]
    if persons and len(claimants) != 1:
        problems.append(f"personnes : il faut exactement un demandeur (ici {len(claimants)})")
    if sum(1 for p in persons if p.role == Role.PARTNER) > 1:
        problems.append("personnes : un seul conjoint possible")
    for index, person in enumerate(persons, start=1):
        if person.role != Role.CHILD and person.age_on(day) < 16:
            problems.append(f"personne {index} : un·e {person.role.value} de moins de 16 ans")
    tax_income = None
    if data.get("revenu_fiscal_reference") not in (None, ""):
        tax_income = _number(
            problems, "revenu_fiscal_reference", data["revenu_fiscal_reference"], high=1e8
        )
    received: dict[str, float] = {}
    raw_received = data.get("prestations_percues") or {}
    if not isinstance(raw_received, Mapping):
        problems.append("prestations_percues : attendu {rsa: montant mensuel, …}")
        raw_received = {}
    for key, value in raw_received.items():
        if key not in RECEIVED:
            problems.append(
                f"prestations_percues : « {key} » inconnu ; choisir parmi : {', '.join(RECEIVED)}"
            )
            continue
        received[key] = _number(problems, f"prestations_percues, {key}", value, high=1e5)
    if problems:
        raise SituationError(problems, source)
    return Situation(
        month=month,
        commune=commune,
        housing=housing,
        rent=rent,
        persons=tuple(persons),
        tax_income_n2=tax_income,
        received=received,
        label=str(data.get("libelle") or ""),
    )
