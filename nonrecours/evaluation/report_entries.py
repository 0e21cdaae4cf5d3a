"""The sections of the yearly report the team enters: the budget spent and
the cost per right opened, the partners involved, the data-sharing
agreements (evaluation.report_models, read by report_queries). They
describe money and organisations, not people: never hidden, except the
cost per right opened, hidden with the count of rights it divides by."""

from decimal import Decimal

from nonrecours import french
from nonrecours.evaluation.report import Figure, ReportContext, Section
from nonrecours.evaluation.report_queries import (
    budget_lines,
    entries_counted,
    year_agreements,
    year_partners,
)
from nonrecours.evaluation.report_rights import rights_of

SOURCE_ENTERED = "Rapport annuel : saisi par l'équipe du territoire"
SOURCE_COST = "Rapport annuel : budget saisi, droits ouverts des orientations"
NOT_ENTERED = "budget non saisi"


def budget_section(context: ReportContext) -> Section:
    """Each budget line of the year (euros), their total, and the cost per
    right opened = total ÷ rights opened (report_rights: every benefit), in
    euros per right; None when no budget is entered or no right opened,
    hidden when the count of rights is."""
    lines = list(entries_counted(budget_lines(context.territory, context.year),
                                 synthetic=context.synthetic))  # fmt: skip
    spent = sum((line.amount for line in lines), Decimal(0))
    figures = [
        Figure("budget.ligne", "Montant dépensé", line.amount, "euros", SOURCE_ENTERED,
               "Montant dépensé dans l'année, saisi par l'équipe.", group=line.label,
               note=f"financeur : {line.funder}" if line.funder else "")
        for line in lines
    ]  # fmt: skip
    figures.append(
        Figure("budget.total", "Budget dépensé", spent if lines else None, "euros",
               SOURCE_ENTERED, "Somme des lignes du budget de l'année.", group="Total",
               note="" if lines else NOT_ENTERED)
    )  # fmt: skip
    total = rights_of(context).total
    # One reading whatever the year: no budget → « budget non saisi » (there
    # is nothing to hide); no right opened → « aucun droit ouvert »; the
    # count of rights hidden → the cost is secret with it.
    cost, note, hidden = None, "", False
    if not lines:
        note = NOT_ENTERED
    elif total.rights is None:
        hidden = True
    elif total.rights == 0:
        note = "aucun droit ouvert"
    else:
        cost = (spent / total.rights).quantize(Decimal("0.01"))
    figures.append(
        Figure(
            "budget.cout_par_droit", "Coût par droit ouvert", cost, "euros par droit",
            SOURCE_COST,
            "Budget dépensé divisé par les droits ouverts de l'année (toutes prestations, partie "
            "« Droits ouverts par prestation ») ; masqué quand ce nombre l'est.",
            hidden=hidden, group="Total", note=note,
        )
    )  # fmt: skip
    intro = (
        f"Budget dépensé saisi : {french.amount(float(spent))}."
        if lines
        else "Aucune ligne de budget n'a été saisie pour cette année : le coût par droit "
        "ouvert ne peut pas être calculé."
    )
    return Section("budget", "Budget dépensé et coût par droit ouvert", intro, tuple(figures))


def partners_section(context: ReportContext) -> Section:
    """The partners entered for the year (name, role) and the data-sharing
    agreements that concern it (partner, purpose, status and dates)."""
    partners = list(entries_counted(year_partners(context.territory, context.year),
                                    synthetic=context.synthetic))  # fmt: skip
    agreements = list(entries_counted(year_agreements(context.territory, context.year),
                                      synthetic=context.synthetic))  # fmt: skip
    figures = [
        Figure("partenaires.nombre", "Partenaires impliqués", len(partners), "organisations",
               SOURCE_ENTERED, "Partenaires saisis pour l'année."),
        Figure("conventions.nombre", "Conventions d'échange de données", len(agreements),
               "conventions", SOURCE_ENTERED,
               "Conventions signées au plus tard le 31 décembre (ou en préparation) et non "
               "terminées avant le 1er janvier."),
    ]  # fmt: skip
    for partner in partners:
        figures.append(
            Figure("partenaires.role", "Rôle", partner.role or "—", "", SOURCE_ENTERED,
                   "Saisi par l'équipe.", group=partner.name)
        )  # fmt: skip
    for agreement in agreements:
        dates = [f"objet : {agreement.purpose}"]
        if agreement.signed_on:
            dates.append(f"signée le {french.date_text(agreement.signed_on)}")
        if agreement.ends_on:
            dates.append(f"jusqu'au {french.date_text(agreement.ends_on)}")
        figures.append(
            Figure("conventions.etat", "État", agreement.get_status_display(), "",
                   SOURCE_ENTERED, "Saisi par l'équipe.",
                   group=f"Convention avec {agreement.partner}", note=", ".join(dates))
        )  # fmt: skip
    return Section("partenaires", "Partenaires et conventions d'échange de données",
                   "Saisis par l'équipe du territoire.", tuple(figures))  # fmt: skip
