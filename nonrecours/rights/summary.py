"""A situation restated for the person who entered it (results page and
PDF recap): short French lines, in the order of the questions."""

from nonrecours.french import euros_text
from nonrecours.rights.resources import RECEIVED_TEXT, RESOURCES
from nonrecours.rights.situation import Activity, Housing, Person, Role, Schooling, Situation

ROLE_TEXT = {Role.CLAIMANT: "Vous", Role.PARTNER: "Conjoint·e", Role.CHILD: "Enfant"}
ACTIVITY_TEXT = {
    Activity.WORKER: "salarié·e",
    Activity.SELF_EMPLOYED: "travailleur·se indépendant·e",
    Activity.JOB_SEEKER: "sans emploi",
    Activity.STUDENT: "étudiant·e",
    Activity.RETIRED: "retraité·e",
    Activity.INACTIVE: "sans activité",
}
SCHOOLING_TEXT = {
    Schooling.NURSERY: "école maternelle",
    Schooling.PRIMARY: "école primaire",
    Schooling.MIDDLE: "collège",
    Schooling.HIGH: "lycée",
    Schooling.HIGHER: "enseignement supérieur",
}
HOUSING_TEXT = {
    Housing.SOCIAL_TENANT: "locataire d'un logement social",
    Housing.TENANT: "locataire d'un logement vide",
    Housing.FURNISHED_TENANT: "locataire d'un meublé",
    Housing.HOSTEL: "en logement-foyer",
    Housing.OWNER: "propriétaire",
    Housing.BUYER: "accédant·e à la propriété",
    Housing.HOUSED_FREE: "hébergé·e gratuitement",
    Housing.HOMELESS: "sans domicile stable",
}


def _person(person: Person, situation: Situation) -> str:
    age = person.age_on(situation.first_day)
    parts = [f"{age} an{'s' if age > 1 else ''}"]
    if person.role == Role.CHILD:
        if person.schooling in SCHOOLING_TEXT:
            parts.append(SCHOOLING_TEXT[person.schooling])
        if person.shared_custody:
            parts.append("en garde alternée")
    else:
        parts.append(ACTIVITY_TEXT[person.activity])
        if person.activity == Activity.STUDENT and person.schooling in SCHOOLING_TEXT:
            parts.append(SCHOOLING_TEXT[person.schooling])
    if person.disability_rate:
        parts.append(f"taux d'incapacité {round(person.disability_rate * 100)} %")
    if person.rsdae:
        parts.append("restriction d'accès à l'emploi reconnue")
    if person.pregnant:
        parts.append("enceinte")
    incomes = [
        f"{RESOURCES[key]} {euros_text(value)}" for key, value in person.resources.items() if value
    ]
    if incomes:
        parts.append("par mois (3 derniers mois) : " + ", ".join(incomes))
    if person.resources_12m:
        yearly = [
            f"{RESOURCES[key]} {euros_text(value)}"
            for key, value in person.resources_12m.items()
            if value
        ]
        parts.append("moyenne des 12 derniers mois : " + (", ".join(yearly) or "aucune ressource"))
    if person.studies is not None:
        studies = person.studies
        if studies.attached_to_parents:
            parts.append("rattaché·e au foyer fiscal des parents")
        if studies.parents_income is not None:
            parts.append(f"revenu brut global des parents {euros_text(studies.parents_income)}")
    return ROLE_TEXT[person.role] + " : " + ", ".join(parts)


def describe(situation: Situation) -> list[str]:
    """The situation as French lines: each person, the housing, the tax
    notice, savings and the benefits already received."""
    lines = [_person(p, situation) for p in situation.persons]
    housing = HOUSING_TEXT[situation.housing]
    if situation.rent:
        housing += f", loyer hors charges {euros_text(situation.rent)} par mois"
    if situation.flat_share:
        housing += ", en colocation"
    if situation.relative_landlord:
        housing += ", loué à un membre de la famille"
    lines.append("Logement : " + housing)
    year = situation.notice_year
    notice = situation.tax_notices.get(year)
    lines.append(
        f"Revenu fiscal de référence {year} (avis d'imposition {year + 1}) : "
        + ("non indiqué" if notice is None else euros_text(notice))
    )
    for other_year, value in sorted(situation.tax_notices.items()):
        if other_year != year:
            lines.append(
                f"Revenu fiscal de référence {other_year} (avis d'imposition {other_year + 1}) : "
                f"{euros_text(value)}, non lu pour ce mois (les aides lisent les revenus {year})"
            )
    if situation.savings:
        lines.append(f"Épargne : {euros_text(situation.savings)}")
    received = [
        f"{RECEIVED_TEXT[key]} {euros_text(value)}" for key, value in situation.received.items()
        if value
    ]  # fmt: skip
    lines.append(
        "Aides déjà perçues chaque mois : " + (", ".join(received) if received else "aucune")
    )
    return lines
