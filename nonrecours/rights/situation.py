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
The keys of `ressources` and `prestations_percues` are listed once, in
rights.resources.

This module holds the checked shape (Situation, Person…) and its error;
`parse_situation` (rights.situation_parse) reads the plain form into it.
Nothing here imports Django.
"""

import datetime
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum

from nonrecours.errors import UserError


class SituationError(UserError, ValueError):
    """A situation that cannot be simulated. `problems`: French texts, each
    starting with its place (« logement, loyer : … »); `source`: what held
    the situation (a file's name, « simulateur »); the message is
    « source : problem ; problem »."""

    def __init__(self, problems: list[str], source: str):
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
    resources: Mapping[str, float] = field(default_factory=dict)  # monthly, rights.resources keys
    # Monthly averages over the last twelve months (None: same as `resources`).
    resources_12m: Mapping[str, float] | None = None
    rsdae: bool = False  # restriction substantielle et durable d'accès à l'emploi
    pregnant: bool = False
    shared_custody: bool = False  # a child in garde alternée
    studies: Studies | None = None

    def age_on(self, day: datetime.date) -> int:
        """Age in whole years on `day`; 0 for a child born after `day` (a
        birth during the simulated month, whose age is taken on its first
        day, as OpenFisca-France's `age`)."""
        years = day.year - self.birth_date.year
        if (day.month, day.day) < (self.birth_date.month, self.birth_date.day):
            years -= 1
        return max(years, 0)


@dataclass(frozen=True)
class Situation:
    month: str  # YYYY-MM
    commune: str  # INSEE code, "" when unknown
    housing: Housing
    rent: float  # monthly, 0 when not a tenant
    persons: tuple[Person, ...]
    # Revenu fiscal de référence (euros per year) by year of the incomes.
    tax_notices: Mapping[int, float] = field(default_factory=dict)
    received: Mapping[str, float] = field(default_factory=dict)  # monthly, rights.resources ids
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
