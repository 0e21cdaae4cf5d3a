"""The sections of the yearly report the other parts of issue 17 feed:
the simulator and its follow-up (evaluation.followup_queries), and the
barometer's call-back chain (evaluation.chain_queries). Each feature
applies the secrecy rule to its own cells; a None there is a hidden cell
here."""

from decimal import Decimal

from nonrecours.evaluation.chain_funnel import STEPS, TOTAL_LABEL, ChainFunnel, FunnelRow
from nonrecours.evaluation.chain_queries import chain_year
from nonrecours.evaluation.followup_queries import followup_statistics, simulations_count
from nonrecours.evaluation.report import Figure, ReportContext, Section, frequency_rule
from nonrecours.surveys.models import Campaign

SOURCE_SIMULATOR = "Simulateur de droits : simulations comptées par mois"
SOURCE_FOLLOWUP = (
    "Simulateur de droits : suivi à 7 et 30 jours, avec le consentement de la personne"
)
SOURCE_CHAIN = (
    "Baromètre : rappels des répondant·es qui l'ont demandé (chaîne jusqu'au droit ouvert)"
)
TITLE_SIMULATOR = "Le simulateur de droits et le suivi des simulations"
INTRO_SIMULATOR = (
    "Le suivi n'a lieu qu'avec le consentement de la personne ; ses coordonnées sont effacées "
    "après le second message."
)
# The figure of the summary section for each step of the chain.
STEP_KEYS = {"contacted": "contactes", "reached": "joints", "checked": "verifies",
             "referred": "orientes", "opened": "droit_ouvert"}  # fmt: skip


def simulator_section(context: ReportContext) -> Section:
    """Simulations run in the year, and the follow-ups of those whose
    person consented: answered, take-up per benefit, where people got
    stuck."""
    count = simulations_count(context.territory, context.start, context.end)
    stats = followup_statistics(context.territory, context.start, context.end,
                                threshold=context.threshold)  # fmt: skip
    how = "Suivis dont le consentement a été donné dans l'année ; "
    intro = INTRO_SIMULATOR + (
        " Le simulateur n'a pas de données de démonstration : ses chiffres sont ceux de son "
        "usage réel."
        if context.synthetic
        else ""
    )
    figures = [
        Figure("simulateur.simulations", "Simulations", count, "simulations", SOURCE_SIMULATOR,
               "Simulations d'habitant·es faites dans l'année sur le parcours pas à pas du "
               "simulateur, une par page de résultats (la recharger ou revoir ses réponses sans "
               "rien changer ne compte pas) ; ni le mode professionnel ni la vérification des "
               "droits d'un rappel ne comptent. Des actes, pas des personnes : une personne qui "
               "change sa situation compte deux fois.",
               hidden=frequency_rule(count, context.threshold)),
        Figure("simulateur.suivis", "Simulations suivies", stats.followed_up, "personnes",
               SOURCE_FOLLOWUP, how + "une par personne.", hidden=stats.followed_up is None),
        Figure("simulateur.reponses", "Suivis avec une réponse", stats.answered, "personnes",
               SOURCE_FOLLOWUP, how + "au moins une réponse à l'un des deux messages.",
               hidden=stats.answered is None),
    ]  # fmt: skip
    if not stats.followed_up:
        return Section("simulateur", TITLE_SIMULATOR, intro, tuple(figures))
    for benefit in stats.benefits:
        figures += [
            Figure("simulateur.demandes", "Demande faite", benefit.claimed, "personnes",
                   SOURCE_FOLLOWUP, how + "dernière réponse « j'ai fait la demande ».",
                   hidden=benefit.claimed is None, group=benefit.label),
            Figure("simulateur.recours", "Taux de recours après simulation",
                   benefit.take_up_rate, "%", SOURCE_FOLLOWUP,
                   how + "demandes faites divisées par les réponses pour cette prestation.",
                   hidden=benefit.claimed is None or benefit.answers is None,
                   group=benefit.label),
        ]  # fmt: skip
    for reason in stats.reasons:
        figures.append(
            Figure("simulateur.blocage", "Personnes bloquées", reason.count, "personnes",
                   SOURCE_FOLLOWUP, how + "réponses « où avez-vous été bloqué·e ? ».",
                   hidden=reason.count is None, group=f"Blocage : {reason.label}")
        )  # fmt: skip
    return Section("simulateur", TITLE_SIMULATOR, intro, tuple(figures))


def real_campaigns_row(context: ReportContext, funnel: ChainFunnel) -> FunnelRow | None:
    """The funnel of the real campaigns' chains (the demonstration left
    out): the total when no chain is of a demonstration campaign, else the
    sum of the real campaigns' published rows (hidden where one of them
    is; all hidden when a real and a demonstration campaign share a name);
    None when no real campaign has a chain."""
    demo = set(
        Campaign.objects.filter(territory=context.territory, is_synthetic=True).values_list(
            "name", flat=True
        )
    )
    table = next((t for t in funnel.tables if t.key == "campaign"), None)
    if table is None or not any(row.label in demo for row in table.rows):
        return funnel.total
    real = set(
        Campaign.objects.filter(territory=context.territory, is_synthetic=False).values_list(
            "name", flat=True
        )
    )
    rows = [row for row in table.rows if row.label in real]
    if not rows:
        return None
    if any(row.label in demo for row in rows):
        return FunnelRow(TOTAL_LABEL, (None,) * len(STEPS), None)
    counts = tuple(
        None if any(row.counts[k] is None for row in rows) else sum(r.counts[k] or 0 for r in rows)
        for k in range(len(STEPS))
    )
    amounts = [row.yearly_amount for row in rows]
    amount = (
        None
        if any(a is None for a in amounts)
        else sum((a or Decimal(0) for a in amounts), Decimal(0))
    )
    return FunnelRow(TOTAL_LABEL, counts, amount)


def chain_section(context: ReportContext) -> Section:
    """The call-back chain of the year: each step's count (contacted,
    reached, rights checked, referred, right opened) and the yearly amount
    of the rights opened, as evaluation.chain_queries.chain_year publishes
    them."""
    funnel = chain_year(context.territory, context.year)
    title = "Des rappels du baromètre aux droits ouverts"
    total = funnel.total if context.synthetic else real_campaigns_row(context, funnel)
    if total is None or all(count == 0 for count in total.counts):  # hidden is not 0
        return Section("chaine", title, f"Aucune demande de rappel du baromètre n'a été "
                       f"travaillée en {context.year}.", available=False)  # fmt: skip
    how = ("Chaque étape comptée dans l'année où elle a eu lieu, quelle que soit la date de la "
           "demande ; résultats enregistrés jusqu'au 31 mars de l'année suivante ; ")  # fmt: skip
    figures = [
        Figure(f"chaine.{STEP_KEYS.get(key, key)}", f"Personnes {label}", value, "personnes",
               SOURCE_CHAIN, how + "étapes datées par l'équipe.", hidden=value is None)
        for (key, label), value in zip(STEPS, total.counts, strict=False)
    ]  # fmt: skip
    figures.append(
        Figure("chaine.montant", "Montant annuel estimé des droits ouverts",
               total.yearly_amount, "euros par an", SOURCE_CHAIN,
               how + "12 fois les montants mensuels des droits ouverts.",
               hidden=total.yearly_amount is None)
    )  # fmt: skip
    return Section("chaine", title, "Les répondant·es qui ont demandé à être rappelé·es, de "
                   "l'appel au droit ouvert.", tuple(figures))  # fmt: skip
