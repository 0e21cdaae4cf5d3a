"""The reader of the persons of a situation's plain form (`personnes`,
rights.situation): each person's fields, then the rules over the household
(one claimant, at most one partner, adults of 16 or more).

Problems are French and name their place (« personne 2, naissance : … »);
they are appended to the list given, rights.situation_parse raises them
together.
"""

import datetime
from collections.abc import Mapping
from typing import Any

from nonrecours.rights.situation import Activity, Person, Role, Schooling, Studies
from nonrecours.rights.situation_fields import choice, choices, count, flag, number, resources

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
STUDIES_KEYS = {
    "rattache_foyer_parents",
    "revenus_parents",
    "enfants_a_charge_parents",
    "enfants_etudiants_parents",
    "distance_domicile_familial",
}
# A claimant or a partner is at least this old on the first day of the month
# (a younger person is a child of the household).
ADULT_AGE = 16
OLDEST = 120  # years: an older birth date is a typing error
# Children in one household: more is a typing or file error (the largest
# families France counts have about fifteen), and each one is computed.
MAX_CHILDREN = 20


def read_persons(problems: list[str], raw_persons: Any, day: datetime.date) -> list[Person]:
    """The persons of `personnes` (a non-empty list of mappings) on `day`,
    the first day of the simulated month, in their order; then the
    household's rules. A wrong person is left out, its problems listed."""
    if not isinstance(raw_persons, list) or not raw_persons:
        problems.append("personnes : au moins une personne (le demandeur ou la demandeuse)")
        return []
    persons: list[Person] = []
    for index, raw in enumerate(raw_persons, start=1):
        where = f"personne {index}"
        if not isinstance(raw, Mapping):
            problems.append(f"{where} : attendu un dictionnaire (role, naissance…)")
            continue
        persons.append(_person(problems, where, raw, day))
    _household(problems, persons, day)
    return persons


def _household(problems: list[str], persons: list[Person], day: datetime.date) -> None:
    """One claimant, at most one partner and MAX_CHILDREN children, no
    adult under ADULT_AGE."""
    claimants = [p for p in persons if p.role == Role.CLAIMANT]
    if persons and len(claimants) != 1:
        problems.append(f"personnes : il faut exactement un demandeur (ici {len(claimants)})")
    if sum(1 for p in persons if p.role == Role.PARTNER) > 1:
        problems.append("personnes : un seul conjoint possible")
    children = sum(1 for p in persons if p.role == Role.CHILD)
    if children > MAX_CHILDREN:
        problems.append(f"personnes : {children} enfants ; au plus {MAX_CHILDREN} par foyer")
    for index, person in enumerate(persons, start=1):
        if person.role != Role.CHILD and person.age_on(day) < ADULT_AGE:
            problems.append(
                f"personne {index} : un·e {person.role.value} de moins de {ADULT_AGE} ans"
            )


def _person(problems: list[str], where: str, raw: Mapping[Any, Any], day: datetime.date) -> Person:
    """One person; its problems in the order of its fields."""
    extra = sorted(map(str, set(raw) - PERSON_KEYS))
    if extra:
        problems.append(f"{where} : champ(s) inconnu(s) : {', '.join(extra)}")
    role = choice(problems, f"{where}, role", Role, raw.get("role"), None)
    if role is None:
        problems.append(f"{where}, role : obligatoire ({choices(Role)})")
        role = Role.CHILD
    birth = _birth(problems, where, raw, day)
    activity = choice(
        problems, f"{where}, activite", Activity, raw.get("activite"), Activity.INACTIVE
    )
    schooling = choice(
        problems, f"{where}, scolarite", Schooling, raw.get("scolarite"), Schooling.NONE
    )
    rate = 0.0
    if raw.get("taux_incapacite") not in (None, ""):
        rate = number(problems, f"{where}, taux_incapacite", raw["taux_incapacite"], high=1)
    recent = resources(problems, f"{where}, ressources", _mapping(raw.get("ressources")))
    yearly = _resources_12m(problems, where, raw.get("ressources_12_mois"), recent)
    rsdae = flag(problems, f"{where}, rsdae", raw.get("rsdae"))
    if rsdae and not 0.5 <= rate < 0.8:
        problems.append(
            f"{where}, rsdae : la restriction d'accès à l'emploi ne compte que pour un "
            "taux d'incapacité de 50 à 79 % (taux_incapacite de 0.5 à 0.79)"
        )
    pregnant = flag(problems, f"{where}, enceinte", raw.get("enceinte"))
    shared = flag(problems, f"{where}, garde_alternee", raw.get("garde_alternee"))
    if shared and role != Role.CHILD:
        problems.append(f"{where}, garde_alternee : ne concerne qu'un enfant")
    if pregnant and role == Role.CHILD:
        problems.append(f"{where}, enceinte : ne concerne que le demandeur ou le conjoint")
    studies = _studies(problems, f"{where}, etudes", raw.get("etudes"))
    if studies is not None and activity != Activity.STUDENT:
        problems.append(f"{where}, etudes : ne concerne qu'une personne étudiante")
    return Person(
        role,
        birth,
        activity,
        schooling,
        rate,
        recent,
        resources_12m=yearly,
        rsdae=rsdae,
        pregnant=pregnant,
        shared_custody=shared,
        studies=studies,
    )


def _mapping(raw: Any) -> Any:
    """An absent value (None, "") as an empty mapping; anything else as it is
    (a list or a text then gets its problem: nothing would be counted)."""
    return {} if raw is None or raw == "" else raw


def _birth(
    problems: list[str], where: str, raw: Mapping[Any, Any], day: datetime.date
) -> datetime.date:
    """The birth date (a date or « AAAA-MM-JJ »), not after the month of
    `day` (a child born during the simulated month is counted, see
    rights.inputs), at most OLDEST years before; 1970-01-01 when missing or
    unreadable."""
    birth = raw.get("naissance")
    if isinstance(birth, str):
        try:
            birth = datetime.date.fromisoformat(birth)
        except ValueError:
            problems.append(f"{where}, naissance : « {birth} » ; attendu AAAA-MM-JJ")
            birth = None
    if not isinstance(birth, datetime.date):
        # None from an unreadable text already has its problem; a missing
        # date, null or anything else gets this one.
        if birth is not None or not isinstance(raw.get("naissance"), str):
            problems.append(f"{where}, naissance : date de naissance obligatoire (AAAA-MM-JJ)")
        # Any adult's date would do: the situation is refused anyway, this
        # only spares a second problem about the person's age.
        return datetime.date(1970, 1, 1)  # pragma: no mutate
    if (birth.year, birth.month) > (day.year, day.month):
        problems.append(f"{where}, naissance : {birth.isoformat()} est après le mois simulé")
    elif day.year - birth.year > OLDEST:
        problems.append(f"{where}, naissance : {birth.isoformat()} (plus de {OLDEST} ans)")
    return birth


def _resources_12m(
    problems: list[str], where: str, raw: Any, recent: Mapping[str, float]
) -> dict[str, float] | None:
    """The averages of the last twelve months (None when not given),
    each at least a quarter of the last three months' one: those months are
    part of the twelve. A resource not given for 12 months is taken as
    unchanged over the year (by the engine)."""
    if raw is None:
        return None
    yearly = resources(problems, f"{where}, ressources_12_mois", raw)
    for key, twelve in yearly.items():
        three = recent.get(key, 0.0)
        if 12 * twelve < 3 * three - 0.01:
            problems.append(
                f"{where}, ressources_12_mois, {key} : {twelve:g} € en moyenne sur 12 "
                f"mois, c'est impossible avec {three:g} € par mois sur les 3 derniers "
                f"(ils en font partie) : au moins {three / 4:g} €"
            )
    return yearly


def _studies(problems: list[str], where: str, raw: Any) -> Studies | None:
    """A student's tax household and CROUS criteria (`etudes`), None when
    not given."""
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
        income = number(problems, f"{where}, revenus_parents", raw["revenus_parents"], high=1e8)
    children = count(
        problems, f"{where}, enfants_a_charge_parents", raw, "enfants_a_charge_parents"
    )
    in_higher = count(
        problems, f"{where}, enfants_etudiants_parents", raw, "enfants_etudiants_parents"
    )
    if in_higher > children:
        problems.append(
            f"{where}, enfants_etudiants_parents : {in_higher} étudiant·es pour "
            f"{children} enfant(s) à charge"
        )
    distance = number(
        problems,
        f"{where}, distance_domicile_familial",
        raw.get("distance_domicile_familial", 0),
        high=20_000,
    )
    return Studies(
        attached_to_parents=flag(
            problems, f"{where}, rattache_foyer_parents", raw.get("rattache_foyer_parents")
        ),
        parents_income=income,
        parents_children=children,
        parents_children_higher_education=in_higher,
        # Whole km, as OpenFisca-France's variable: the points' thresholds
        # (30, 250 km…) are whole, so a truncated distance stays on the same
        # side of each.
        distance_km=int(distance),
    )
