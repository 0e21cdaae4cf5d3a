"""What the yearly report needs entered by hand, as a demonstration
(`nonrecours setup`): the budget spent, the partners involved and the
data-sharing agreements of the last year that is over and of the current
one, so that the report of the demonstration territory shows its cost per
right opened.

Labelled everywhere: every label ends with « (démonstration) »; the amounts
are invented (in the order of a TZNR territory's yearly funding). Nothing
is created for a territory that has entered anything itself."""

import datetime

from django.db import transaction

from nonrecours.evaluation.enums import AgreementStatus
from nonrecours.evaluation.report_actions import agreement_add, budget_line_add, partner_add
from nonrecours.evaluation.report_models import BudgetLine, DataAgreement, ReportPartner
from nonrecours.territories.models import Territory

DEMO = " (démonstration)"
# (spending line, euros for a whole year, funder): invented.
BUDGET: tuple[tuple[str, int, str], ...] = (
    ("Chargée de mission territoire zéro non-recours", 52_000, "État (fonds d'expérimentation)"),
    ("Bus France Services itinérant : fonctionnement", 38_000, "Communauté urbaine"),
    (
        "Baromètre du non-recours : enquête en porte-à-porte",
        14_500,
        "État (fonds d'expérimentation)",
    ),
    ("Formations et forum des partenaires", 6_500, "Département"),
)
# (partner, role): the kinds of partners the Arras experiment names.
PARTNERS: tuple[tuple[str, str], ...] = (
    ("CAF du Pas-de-Calais", "orientations, ouverture des droits, échanges de données"),
    ("CPAM de l'Artois", "complémentaire santé solidaire, orientations"),
    ("MSA Nord-Pas de Calais", "orientations des assurés agricoles"),
    ("Département du Pas-de-Calais", "RSA, accompagnement social"),
    ("CCAS d'Arras", "accueil, domiciliation, orientations"),
    ("France Services de la Communauté urbaine", "bus itinérant, accompagnement numérique"),
    ("Maison de l'Emploi", "accompagnement vers l'emploi"),
)
# (partner, purpose, status, signed on (month, day) of the year before).
AGREEMENTS: tuple[tuple[str, str, AgreementStatus, tuple[int, int] | None], ...] = (
    (
        "CAF du Pas-de-Calais",
        "Listes d'allocataires potentiellement éligibles à la prime d'activité",
        AgreementStatus.SIGNED,
        (3, 14),
    ),
    (
        "CPAM de l'Artois",
        "Retour des droits ouverts à la complémentaire santé solidaire",
        AgreementStatus.PREPARING,
        None,
    ),
)


def _has_entries(territory: Territory) -> bool:
    return any(
        model.objects.filter(territory=territory).exists()
        for model in (BudgetLine, ReportPartner, DataAgreement)
    )


def evaluation_demo_create(*, territory: Territory, today: datetime.date) -> bool:
    """Enter the demonstration's budget (the last year that is over in
    full, the current one pro rata of the months begun), partners (both
    years) and two data-sharing agreements; False, and nothing written,
    when the territory has already entered anything. Amounts in euros."""
    if _has_entries(territory):
        return False
    last = today.year - 1
    with transaction.atomic():
        for year, share in ((last, 1.0), (today.year, today.month / 12)):
            for label, amount, funder in BUDGET:
                budget_line_add(
                    territory=territory,
                    year=year,
                    label=label + DEMO,
                    amount=str(round(amount * share)),
                    funder=funder,
                    user=None,
                )
            for name, role in PARTNERS:
                partner_add(territory=territory, year=year, name=name + DEMO, role=role, user=None)
        for partner, purpose, status, signed in AGREEMENTS:
            agreement_add(
                territory=territory,
                partner=partner + DEMO,
                purpose=purpose,
                status=status,
                signed_on=datetime.date(last, *signed).isoformat() if signed else None,
                user=None,
            )
    return True
