"""A claimant's situation, as a person or a professional describes it.

The same format serves the reference cases (rights/cases/*.yaml), the
command `nonrecours simulate FILE`, the web simulator and the screening of
a partner's file (one situation per household):

    mois: 2026-11                  # month of the claim
    commune: "62041"               # INSEE code of the home (checked)
    logement: {statut: locataire_vide, loyer: 450,   # rent without charges
               colocation: false, bailleur_parent: false}
    personnes:
      - {role: demandeur, naissance: 1991-05-15, activite: chomeur,
         ressources: {salaire_net: 0, chomage_net: 820},
         ressources_12_mois: {salaire_net: 900, chomage_net: 300}}
      - {role: enfant, naissance: 2014-06-01, scolarite: college,
         garde_alternee: false}
    avis_imposition:               # tax notices, by year of the incomes
      - {revenus: 2024, revenu_fiscal_reference: 14200}
    epargne: 1500                  # savings of the household (balance)
    prestations_percues: {af: 153.01}   # already received each month

Money is in euros per month: `ressources` are the average of the last three
months, as on a CAF claim; `ressources_12_mois` the average of the last
twelve (a resource absent there: the same over the year). A tax notice gives the annual "revenu
fiscal de référence" of one year of incomes: the family benefits, school
grants, chèque énergie and CEJ read the incomes of year N-2 (the notice
received in N-1). Other person keys: `taux_incapacite` (0 to 1), `rsdae`
(restriction substantielle et durable d'accès à l'emploi reconnue),
`enceinte`, `garde_alternee` (a child), `etudes` (a student: parents'
tax household and the CROUS grant criteria). The legacy key
`revenu_fiscal_reference` is the notice on the incomes of year N-2.
Nothing here imports Django.
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
    SELF_EMPLOYED = "independant"
    JOB_SEEKER = "chomeur"
    STUDENT = "etudiant"
    RETIRED = "retraite"
    INACTIVE = "inactif"


# OpenFisca's `activite`.
ACTIVITY_TO_OPENFISCA = {
    Activity.WORKER: "actif",
    Activity.SELF_EMPLOYED: "actif",
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
    "pension_alimentaire_versee": "pension alimentaire versée",
    "revenus_capital": "revenus du capital (intérêts, dividendes, loyers perçus)",
    # Micro-entrepreneur's monthly turnover (chiffre d'affaires), by kind of
    # activity: OpenFisca-France applies the tax allowance of each kind.
    "ca_micro_vente": "chiffre d'affaires de micro-entreprise (vente de marchandises)",
    "ca_micro_services": "chiffre d'affaires de micro-entreprise (prestations de services)",
    "ca_micro_liberal": "chiffre d'affaires de micro-entreprise (activité libérale)",
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
    "ass",  # allocation de solidarité spécifique (France Travail), the claimant's
    "aeeh",  # allocation d'éducation de l'enfant handicapé
    "pch",  # prestation de compensation du handicap, the claimant's
)


@dataclass(frozen=True)
class Studies:
    """A student's tax household and the criteria of the CROUS grant (bourse
    sur critères sociaux): the parents' revenu brut global of year N-2 (line
    of their tax notice, euros per year), the children they support and the
    distance from the family home to the place of study (km)."""

    attached_to_parents: bool = False  # rattaché·e au foyer fiscal des parents
    parents_income: float | None = None  # euros per year, year N-2
    parents_children: int = 1  # children the parents support, the student included
    parents_children_higher_education: int = 1  # of whom in higher education
    distance_km: int = 0


@dataclass(frozen=True)
class Person:
    role: Role
    birth_date: datetime.date
    activity: Activity = Activity.INACTIVE
    schooling: Schooling = Schooling.NONE
    disability_rate: float = 0.0  # 0 to 1 (0.8 = 80 %)
    resources: Mapping[str, float] = field(default_factory=dict)  # monthly, RESOURCES keys
    # Monthly averages over the last twelve months (None: same as `resources`).
    resources_12m: Mapping[str, float] | None = None
    rsdae: bool = False  # restriction substantielle et durable d'accès à l'emploi
    pregnant: bool = False
    shared_custody: bool = False  # a child in garde alternée
    studies: Studies | None = None

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
    # Revenu fiscal de référence (euros per year) by year of the incomes.
    tax_notices: Mapping[int, float] = field(default_factory=dict)
    received: Mapping[str, float] = field(default_factory=dict)  # monthly, RECEIVED ids
    label: str = ""
    savings: float = 0.0  # euros (balance of the household's savings accounts)
    flat_share: bool = False  # colocation
    relative_landlord: bool = False  # the landlord is a parent or a child

    @property
    def notice_year(self) -> int:
        """The year of the incomes that the family benefits, school grants,
        chèque énergie and CEJ read for this month (N-2; OpenFisca-France's
        `period.n_2`, code de la sécurité sociale art. R532-3)."""
        return int(self.month[:4]) - 2

    @property
    def tax_income_n2(self) -> float | None:
        """The revenu fiscal de référence on the incomes of year N-2, if given."""
        return self.tax_notices.get(self.notice_year)

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
    "avis_imposition",
    "epargne",
    "prestations_percues",
    "libelle",
    "source",
    "calcul",
    "attendu",
}
PERSON_KEYS = {
    "id",
    "role",
    "naissance",
    "activite",
    "scolarite",
    "taux_incapacite",
    "ressources",
    "ressources_12_mois",
    "rsdae",
    "enceinte",
    "garde_alternee",
    "etudes",
}
HOUSING_KEYS = {"statut", "loyer", "colocation", "bailleur_parent"}
STUDIES_KEYS = {
    "rattache_foyer_parents",
    "revenus_parents",
    "enfants_a_charge_parents",
    "enfants_etudiants_parents",
    "distance_domicile_familial",
}
TRUE_WORDS = {"true", "oui", "1", "vrai"}
FALSE_WORDS = {"false", "non", "0", "faux"}


def _flag(problems: list[str], where: str, value: Any) -> bool:
    """A yes/no answer: YAML booleans, « oui »/« non », 1/0."""
    if value is None or value == "":
        return False
    if isinstance(value, bool):
        return value
    word = str(value).strip().lower()
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    problems.append(f"{where} : « {value} » ; attendu oui ou non")
    return False


def _resources(problems: list[str], where: str, raw: Any) -> dict[str, float]:
    if not isinstance(raw, Mapping):
        problems.append(f"{where} : attendu {{salaire_net: …}}")
        return {}
    resources: dict[str, float] = {}
    for key, value in raw.items():
        if key not in RESOURCES:
            problems.append(f"{where} : « {key} » inconnu ; choisir parmi : {', '.join(RESOURCES)}")
            continue
        resources[key] = _number(problems, f"{where}, {key}", value, high=1e6)
    return resources


def _count(problems: list[str], where: str, raw: Mapping[str, Any], key: str) -> int:
    """A number of children, 1 to 20 (1 when absent or wrong)."""
    return int(_number(problems, where, raw.get(key, 1), low=1, high=20) or 1)


def _studies(problems: list[str], where: str, raw: Any) -> Studies | None:
    if raw is None:
        return None
    if not isinstance(raw, Mapping):
        problems.append(f"{where} : attendu {{rattache_foyer_parents: …, revenus_parents: …}}")
        return None
    extra = sorted(set(map(str, raw)) - STUDIES_KEYS)
    if extra:
        problems.append(
            f"{where} : champ(s) inconnu(s) : {', '.join(extra)} ; "
            f"choisir parmi : {', '.join(sorted(STUDIES_KEYS))}"
        )
    income = None
    if raw.get("revenus_parents") not in (None, ""):
        income = _number(problems, f"{where}, revenus_parents", raw["revenus_parents"], high=1e8)
    children = _count(
        problems, f"{where}, enfants_a_charge_parents", raw, "enfants_a_charge_parents"
    )
    in_higher = _count(
        problems, f"{where}, enfants_etudiants_parents", raw, "enfants_etudiants_parents"
    )
    if in_higher > children:
        problems.append(
            f"{where}, enfants_etudiants_parents : {in_higher} étudiant·es pour "
            f"{children} enfant(s) à charge"
        )
    distance = int(
        _number(
            problems,
            f"{where}, distance_domicile_familial",
            raw.get("distance_domicile_familial", 0),
            high=20_000,
        )
    )
    return Studies(
        attached_to_parents=_flag(
            problems, f"{where}, rattache_foyer_parents", raw.get("rattache_foyer_parents")
        ),
        parents_income=income,
        parents_children=children,
        parents_children_higher_education=in_higher,
        distance_km=distance,
    )


def _tax_notices(problems: list[str], data: Mapping[str, Any], month: str) -> dict[int, float]:
    """Tax notices by year of the incomes, from `avis_imposition` (a list of
    {revenus: YEAR, revenu_fiscal_reference: EUROS}) and the legacy
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
            where = f"avis_imposition {index}"
            if not isinstance(notice, Mapping) or set(map(str, notice)) != {
                "revenus",
                "revenu_fiscal_reference",
            }:
                problems.append(
                    f"{where} : attendu {{revenus: année des revenus, "
                    "revenu_fiscal_reference: montant annuel}"
                )
                continue
            income_year = notice["revenus"]
            if (
                isinstance(income_year, bool)
                or not str(income_year).strip().isdigit()
                or not year - 6 <= int(str(income_year).strip()) < year
            ):
                problems.append(
                    f"{where}, revenus : « {income_year} » ; attendu l'année des revenus "
                    f"(de {year - 6} à {year - 1} pour le mois {month})"
                )
                continue
            key = int(str(income_year).strip())
            if key in notices:
                problems.append(f"{where} : deux avis pour les revenus {key}")
                continue
            notices[key] = _number(
                problems, f"{where}, revenu_fiscal_reference", notice["revenu_fiscal_reference"],
                high=1e8,
            )  # fmt: skip
    if data.get("revenu_fiscal_reference") not in (None, ""):
        if year - 2 in notices:
            problems.append(
                f"revenu_fiscal_reference : les revenus {year - 2} sont déjà donnés "
                "dans avis_imposition"
            )
        else:
            notices[year - 2] = _number(
                problems, "revenu_fiscal_reference", data["revenu_fiscal_reference"], high=1e8
            )
    return notices


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
    extra_housing = sorted(set(map(str, housing_data)) - HOUSING_KEYS)
    if extra_housing:
        problems.append(
            f"logement : champ(s) inconnu(s) : {', '.join(extra_housing)} ; "
            f"choisir parmi : {', '.join(sorted(HOUSING_KEYS))}"
        )
    housing = _enum(
        problems, "logement, statut", Housing, housing_data.get("statut"), Housing.HOUSED_FREE
    )
    flat_share = _flag(problems, "logement, colocation", housing_data.get("colocation"))
    relative_landlord = _flag(
        problems, "logement, bailleur_parent", housing_data.get("bailleur_parent")
    )
    if (flat_share or relative_landlord) and housing not in TENANTS:
        problems.append(
            "logement : colocation et bailleur_parent ne concernent qu'un·e locataire "
            f"(statut « {housing.value} »)"
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
        resources = _resources(problems, f"{where}, ressources", raw.get("ressources") or {})
        resources_12m = None
        if raw.get("ressources_12_mois") is not None:
            resources_12m = _resources(
                problems, f"{where}, ressources_12_mois", raw["ressources_12_mois"]
            )
            for key, twelve in resources_12m.items():
                # The last 3 months are in the last 12: their average is at
                # least a quarter of the 3-month one. A resource not given
                # for 12 months is taken as unchanged over the year.
                three = resources.get(key, 0.0)
                if 12 * twelve < 3 * three - 0.01:
                    problems.append(
                        f"{where}, ressources_12_mois, {key} : {twelve:g} € en moyenne sur 12 "
                        f"mois, c'est impossible avec {three:g} € par mois sur les 3 derniers "
                        f"(ils en font partie) : au moins {three / 4:g} €"
                    )
        rsdae = _flag(problems, f"{where}, rsdae", raw.get("rsdae"))
        if rsdae and not 0.5 <= rate < 0.8:
            problems.append(
                f"{where}, rsdae : la restriction d'accès à l'emploi ne compte que pour un "
                "taux d'incapacité de 50 à 79 % (taux_incapacite de 0.5 à 0.79)"
            )
        pregnant = _flag(problems, f"{where}, enceinte", raw.get("enceinte"))
        shared = _flag(problems, f"{where}, garde_alternee", raw.get("garde_alternee"))
        if shared and role != Role.CHILD:
            problems.append(f"{where}, garde_alternee : ne concerne qu'un enfant")
        if pregnant and role == Role.CHILD:
            problems.append(f"{where}, enceinte : ne concerne que le demandeur ou le conjoint")
        studies = _studies(problems, f"{where}, etudes", raw.get("etudes"))
        if studies is not None and activity != Activity.STUDENT:
            problems.append(f"{where}, etudes : ne concerne qu'une personne étudiante")
        persons.append(
            Person(
                role,
                birth,
                activity,
                schooling,
                rate,
                resources,
                resources_12m=resources_12m,
                rsdae=rsdae,
                pregnant=pregnant,
                shared_custody=shared,
                studies=studies,
            )
        )
    claimants = [p for p in persons if p.role == Role.CLAIMANT]
    if persons and len(claimants) != 1:
        problems.append(f"personnes : il faut exactement un demandeur (ici {len(claimants)})")
    if sum(1 for p in persons if p.role == Role.PARTNER) > 1:
        problems.append("personnes : un seul conjoint possible")
    for index, person in enumerate(persons, start=1):
        if person.role != Role.CHILD and person.age_on(day) < 16:
            problems.append(f"personne {index} : un·e {person.role.value} de moins de 16 ans")
    tax_notices = _tax_notices(problems, data, month)
    savings = 0.0
    if data.get("epargne") not in (None, ""):
        savings = _number(problems, "epargne", data["epargne"], high=1e9)
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
        tax_notices=tax_notices,
        received=received,
        label=str(data.get("libelle") or ""),
        savings=savings,
        flat_share=flat_share,
        relative_landlord=relative_landlord,
    )
