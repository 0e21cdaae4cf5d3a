"""The sections of the yearly report (evaluation.report), one small
builder per feature of the product: each reads the published view of its
feature (the secrecy rule already applied by the feature that owns it) and
says, for every figure, where it comes from and how it is counted.

Sections the other parts of issue 17 feed (the call-back chain, the
follow-up of simulations) are in evaluation.report_outcomes; the entered
ones (budget, partners, agreements) in evaluation.report_entries.
"""

from decimal import Decimal

from nonrecours import french
from nonrecours.analysis.files import OVERALL
from nonrecours.analysis.waves import reading
from nonrecours.evaluation.report import Builder, Figure, ReportContext, Section, frequency_rule
from nonrecours.evaluation.report_entries import budget_section, partners_section
from nonrecours.evaluation.report_outcomes import chain_section, simulator_section
from nonrecours.evaluation.report_rights import TOTAL, rights_of, year_referrals
from nonrecours.evaluation.waves import WavesError, compare_waves
from nonrecours.events.enums import EventKind
from nonrecours.events.indicators import year_indicators, year_trainings
from nonrecours.events.models import Event, Registration
from nonrecours.events.queries import person_key
from nonrecours.outreach.achievements import PRESENT, published_achievements
from nonrecours.outreach.models import BusReferral
from nonrecours.outreach.queries import operating_visits
from nonrecours.referrals.models import Referral
from nonrecours.referrals.statistics import referral_statistics
from nonrecours.referrals.statistics_items import referral_items
from nonrecours.surveys.models import Campaign
from nonrecours.surveys.publication import (
    publication_at,
    published_results,
    territory_publications,
)
from nonrecours.training.demo import DEMO_TITLE as GAME_DEMO_TITLE
from nonrecours.training.game_models import GameSession

SOURCE_BAROMETER = "Baromètre du non-recours : résultats publiés de la vague"
SOURCE_REFERRALS = "Orientations : statistiques des orientations, vue publiée pour les financeurs"
SOURCE_OUTCOMES = "Orientations : résultats enregistrés par les structures qui reçoivent"
SOURCE_BUS = "Aller-vers : bilan du bus, vue publiée"
SOURCE_EVENTS = "Forums et formations : présences cochées sur les feuilles d'émargement"
SOURCE_GAME = "Formation : jeu sérieux, bilans anonymes des séances terminées"
RULE = "secret statistique : masqué sous le seuil, ou s'il permettait de retrouver une case masquée"


# ---------- Barometer ----------


def barometer_section(context: ReportContext) -> Section:
    """The barometer's waves whose fieldwork ended in the year (answers of
    each), and the indicators of the latest one as published (estimate,
    interval, change since the previous wave as published with it)."""
    published = territory_publications(context.territory)
    demo = {w.slug for w in published if w.synthetic and not context.synthetic}
    waves = [w for w in published if w.ends_on.year == context.year and w.slug not in demo]
    title = "Le baromètre du non-recours"
    if not waves:
        return Section("barometre", title, "Aucune vague du baromètre n'a été publiée pour une "
                       f"enquête terminée en {context.year}.", available=False)  # fmt: skip
    figures = [
        Figure(
            "barometre.reponses", "Réponses analysées", w.respondents, "réponses",
            f"{SOURCE_BAROMETER} « {w.name} »",
            "Réponses retenues pour l'analyse, comptées à la publication de la vague.",
            group=w.name,
        )
        for w in reversed(waves)
    ]  # fmt: skip
    latest = waves[0]
    results = published_results(publication_at(context.territory.siren, latest.slug))
    source = f"{SOURCE_BAROMETER} « {latest.name} »"
    previous = results.previous_name
    previous_slug = str((results.content.get("previous") or {}).get("slug") or "")
    if previous_slug in demo:
        previous = None  # a demonstration wave is no reference for a real one
    tests = _adjusted_tests(context, previous_slug, latest.slug) if previous else None
    rows = {r.indicator: r for r in results.rows if r.by == OVERALL}
    intervals = []
    for indicator in results.indicators:
        row = rows.get(indicator.id)
        if row is None:
            continue
        hidden = row.suppressed
        note = "" if hidden or row.estimate is None else (
            f"IC 95 % : {french.percent(row.ci_low or 0)} à {french.percent(row.ci_high or 0)} ; "
            f"{french.number(row.n)} réponses ; base : {indicator.base}"
        )  # fmt: skip
        figures.append(
            Figure("barometre.part", "Part estimée", row.estimate, "%", source,
                   "Estimation pondérée (calage sur les marges), avec son intervalle de "
                   "confiance à 95 % (IC 95 %), sur la base de chaque indicateur (sous la part).",
                   hidden=hidden, group=indicator.label, note=note)
        )  # fmt: skip
        intervals.append((indicator.label, row.estimate, row.ci_low, row.ci_high, hidden))
        if previous is None:
            continue
        change = results.changes.get((indicator.id, row.domain))
        tested = None if tests is None else tests[1].get(indicator.id)
        note = ""
        if change is not None and tested is not None:
            p_value, adjusted = tested
            note = (f"{reading(change.difference, adjusted)} (p ajustée = "
                    f"{french.number(adjusted, 3)} ; p = {french.number(p_value, 3)})")  # fmt: skip
        elif change is not None:
            note = "non testée"
        figures.append(
            Figure(
                "barometre.evolution", "Évolution depuis la vague précédente",
                None if change is None else change.difference, "points de %", source,
                f"Part de « {latest.name} » moins celle de « {previous} », en points : "
                "différence des deux estimations pondérées, avec son erreur-type (échantillons "
                "indépendants), test de Wald bilatéral ; lue sur la p-valeur ajustée de "
                "Benjamini–Hochberg (taux de fausses découvertes) sur les "
                f"{tests[0] if tests else 0} cellules comparées entre les deux vagues, comme la "
                "page « Comparer deux vagues » : significative si p ajustée < 0,05.",
                hidden=hidden, group=indicator.label, note=note,
            )
        )  # fmt: skip
    intro = (
        f"Vague la plus récente de l'année : « {latest.name} », enquête du "
        f"{french.date_text(latest.starts_on)} au {french.date_text(latest.ends_on)}."
        + (
            f" Évolutions depuis « {previous} »."
            if previous
            else " Pas de vague précédente publiée."
        )
    )
    return Section("barometre", title, intro, tuple(figures), chart="barometre",
                   intervals=tuple(intervals))  # fmt: skip


def _adjusted_tests(
    context: ReportContext, first: str, second: str
) -> tuple[int, dict[str, tuple[float, float]]] | None:
    """The two waves compared as the waves page compares them
    (evaluation.waves.compare_waves: every released cell, Benjamini–Hochberg
    over all of them): how many cells were tested, and for each indicator
    its overall cell's (p-value, adjusted p-value). None when they cannot
    be compared."""
    campaigns = {
        c.slug: c
        for c in Campaign.objects.filter(territory=context.territory, slug__in=[first, second])
    }
    if first not in campaigns or second not in campaigns:
        return None
    try:
        comparison = compare_waves(campaigns[first], campaigns[second])
    except WavesError:
        return None
    tests = {
        cell.indicator: (cell.change.p_value, cell.adjusted_p)
        for cell in comparison.cells
        if cell.by == OVERALL and cell.change is not None
    }
    return comparison.tested, tests


# ---------- Referrals and rights opened ----------


def referrals_section(context: ReportContext) -> Section:
    """Referrals sent in the year, as the referral statistics publish them
    for the funders, and the outcomes in force with the corrections among
    them, said as the referral dashboard says them. When the report leaves
    the demonstration out and the territory has no real referral, the
    referral statistics (which then show the demonstration's) are not read:
    nothing was sent."""
    stats = referral_statistics(context.territory, year=context.year, threshold=context.threshold)
    counted = (
        context.synthetic
        or Referral.objects.filter(territory=context.territory, is_synthetic=False).exists()
    )
    total = stats.total if counted else None
    any_sent = counted and context.year in stats.years
    method = "Orientations envoyées dans l'année civile (date d'envoi) ; "

    def count(key: str, label: str, attribute: str, how: str) -> Figure:
        value: int | None = None if total is None else getattr(total, attribute)
        shown = value if total is not None else (None if any_sent else 0)
        return Figure(f"orientations.{key}", label, shown, "orientations", SOURCE_REFERRALS,
                      method + how, hidden=any_sent and shown is None)  # fmt: skip

    figures = [
        count("envoyees", "Orientations envoyées", "n", "toutes."),
        count("acceptees", "Orientations acceptées", "accepted",
              "acceptées par la structure qui reçoit."),
        count("avec_resultat", "Orientations avec un résultat", "with_outcome",
              "un résultat enregistré (la dernière valeur quand il a été corrigé)."),
        count("droit_ouvert", "Orientations avec au moins un droit ouvert", "rights_opened",
              "au moins un droit ouvert à ce jour."),
    ]  # fmt: skip
    amount = total.yearly_amount if total is not None else (None if any_sent else Decimal(0))
    figures.append(
        Figure("orientations.montant", "Montant annuel estimé des droits ouverts", amount,
               "euros par an", SOURCE_REFERRALS,
               method + "12 fois la somme des montants mensuels des droits ouverts.",
               hidden=any_sent and amount is None)
    )  # fmt: skip
    # Outcomes in force and corrections: the referral statistics' own
    # counts and secrecy (published only with the total, as on the referral
    # dashboard); none when nothing was sent.
    how = method + "résultats en vigueur, chacun pour sa dernière valeur"
    outcomes, corrected = (
        (stats.outcomes, stats.corrected)
        if total is not None
        else ((None, None) if any_sent else (0, 0))
    )
    note = ""
    if total is not None and outcomes is not None:
        note = f"{stats.corrected_text} par la structure qui a reçu l'orientation"
    elif not any_sent:
        note = f"aucune orientation envoyée en {context.year}"
    for key, label, value, more in (
        ("resultats", "Résultats enregistrés", outcomes, "."),
        ("corriges", "Résultats corrigés", corrected,
         " ; ceux qui en corrigent un plus ancien (motif gardé au journal)."),
    ):  # fmt: skip
        figures.append(
            Figure(f"orientations.{key}", label, value, "résultats", SOURCE_OUTCOMES, how + more,
                   hidden=value is None, note=note if key == "resultats" else "")
        )  # fmt: skip
    return Section("orientations", "Orientations et droits ouverts",
                   "Les orientations envoyées entre partenaires par le circuit des orientations, "
                   "et ce qu'elles ont ouvert.", tuple(figures))  # fmt: skip


def rights_section(context: ReportContext) -> Section:
    """Rights opened by benefit with their yearly amounts
    (evaluation.report_rights)."""
    rights = rights_of(context)
    method = ("Droits ouverts (résultats en vigueur) des orientations envoyées dans l'année, un "
              "par orientation et par prestation ; prestations de moins de "
              f"{context.threshold} droits regroupées.")  # fmt: skip
    figures = []
    for row in (*rights.rows, rights.total):
        figures += [
            Figure("droits.nombre", "Droits ouverts", row.rights, "droits", SOURCE_OUTCOMES,
                   method, hidden=row.rights is None, group=row.label),
            Figure("droits.montant", "Montant annuel estimé", row.yearly_amount, "euros par an",
                   SOURCE_OUTCOMES, "12 fois la somme des montants mensuels estimés des droits "
                   "ouverts (montant saisi, ou repris du simulateur).",
                   hidden=row.yearly_amount is None, group=row.label),
        ]  # fmt: skip
    return Section("droits", "Droits ouverts par prestation",
                   f"Ligne « {TOTAL} » : toutes prestations. Un résultat corrigé compte pour sa "
                   "dernière valeur (partie « Orientations et droits ouverts »).", tuple(figures),
                   chart="droits")  # fmt: skip


# ---------- Aller-vers, forums, trainings ----------


def _small(count: int, threshold: int) -> bool:
    return 0 < count < threshold


def bus_referrals(context: ReportContext) -> tuple[int | None, int | None]:
    """The referrals sent from the bus that the report counts, and those of
    them with a right opened: the referrals of the referrals section (sent
    in the year, real ones unless a demonstration) linked to a half-day of
    presence of the bus in the year — a subset of them by construction.
    Both hidden (None, None) unless neither they, nor what they leave out
    of the year's referrals, nor what they differ by from the bus's own
    figures (its real referrals linked to a half-day of the year, whenever
    sent) is a small group (1 to threshold − 1)."""
    visits = operating_visits(context.territory).filter(
        day__gte=context.start, day__lte=context.until, status__in=PRESENT
    )
    linked = set(BusReferral.objects.filter(visit__in=visits).values_list("referral_id", flat=True))
    year = year_referrals(context.territory, context.year, synthetic=context.synthetic)
    items = referral_items(context.territory, year.order_by("pk"))
    ids = list(year.order_by("pk").values_list("pk", flat=True))
    opened = {pk for pk, item in zip(ids, items, strict=True) if item.part == "right_opened"}
    bus = linked & set(ids)
    # The bus's own figures count these too: real referrals linked to a
    # half-day of the year but sent another year (fictitious ones describe
    # nobody).
    outside = Referral.objects.filter(pk__in=linked - bus, is_synthetic=False).order_by("pk")
    outside_opened = sum(
        1 for item in referral_items(context.territory, outside) if item.part == "right_opened"
    )
    count, with_right = len(bus), len(bus & opened)
    groups = (count, with_right, count - with_right, len(ids) - count,
              len(opened) - with_right, outside.count(), outside_opened)  # fmt: skip
    if any(_small(g, context.threshold) for g in groups):
        return None, None
    return count, with_right


def bus_section(context: ReportContext) -> Section:
    """The bus's year, published view (outreach.achievements), when the
    territory has a bus; its referrals are those of the referrals section
    sent from the bus (bus_referrals). A bus of demonstration only, in a
    report that leaves the demonstration out, is no bus."""
    bus = published_achievements(context.territory, start=context.start, end=context.end,
                                 threshold=context.threshold)  # fmt: skip
    title = "Le bus de l'aller-vers"
    if not bus.rows:
        return Section("bus", title, f"Aucun passage du bus en {context.year}.", available=False)
    if bus.synthetic and not context.synthetic:
        intro = (f"Aucun passage réel du bus en {context.year} : ceux du calendrier de "
                 "démonstration ne sont pas comptés.")  # fmt: skip
        return Section("bus", title, intro, available=False)
    t = bus.total
    how = "Passages prévus ou déplacés de l'année, jusqu'à aujourd'hui au plus tard ; "
    referrals, rights = bus_referrals(context)

    def people(key: str, label: str, value: int | None, unit: str, more: str) -> Figure:
        return Figure(f"bus.{key}", label, value, unit, SOURCE_BUS, how + more,
                      hidden=value is None)  # fmt: skip

    return Section("bus", title, "Ce que le bus a fait sur l'année, tous arrêts ensemble.", (
        people("demi_journees", "Demi-journées de présence", t.half_days, "demi-journées",
               "les demi-journées décrivent le bus, jamais masquées."),
        people("personnes", "Personnes reçues", t.visitors, "personnes",
               "personnes notées au journal du bus."),
        people("premiers_contacts", "Premiers contacts", t.first_contacts, "personnes",
               "personnes venues pour la première fois."),
        people("simulations", "Simulations faites au bus", t.simulations, "simulations",
               "simulations notées au journal."),
        people("orientations", "Orientations envoyées depuis le bus", referrals,
               "orientations", "orientations de la partie « Orientations et droits ouverts » "
               "(envoyées dans l'année) liées à un passage du bus."),
        people("droit_ouvert", "Orientations du bus avec un droit ouvert", rights,
               "orientations", "les mêmes, avec au moins un droit ouvert."),
        Figure("bus.cout", "Coût des demi-journées", t.cost, "euros", SOURCE_BUS,
               how + "chaque demi-journée au coût saisi pour son calendrier ; vide quand un "
               "coût manque."),
    ))  # fmt: skip


def events_section(context: ReportContext) -> Section:
    """Forums and trainings of the year (events), and the serious game's
    sessions (their anonymous summaries)."""
    events = Event.objects.filter(territory=context.territory, kind=EventKind.FORUM,
                                  starts_on__year=context.year)  # fmt: skip
    games = GameSession.objects.filter(territory=context.territory, start_day__year=context.year)
    every_training = year_trainings(context.territory, context.year)
    if not context.synthetic:
        events = events.filter(is_synthetic=False)
        games = games.exclude(title=GAME_DEMO_TITLE)
    forums = list(events)
    trainings = [t for t in every_training if context.synthetic or not t.is_synthetic]
    sessions = [s.summary for s in games if s.summary]
    title = "Forums, formations et jeu sérieux"
    if not forums and not trainings and not sessions:
        return Section("evenements", title, f"Aucun forum, aucune formation ni séance du jeu "
                       f"sérieux en {context.year}.", available=False)  # fmt: skip
    present = {
        person_key(r)
        for r in Registration.objects.filter(event__in=forums, attendances__isnull=False)
    }
    trained_count: int | None
    if len(trainings) == len(every_training):
        trained = year_indicators(context.territory, context.year, exact=False,
                                  today=context.today, threshold=context.threshold)  # fmt: skip
        overall = next((r for r in trained.trained if r.level == "ensemble"), None)
        trained_count = overall.count if overall is not None else 0
    else:
        # Demonstration trainings left out: the people present at the real
        # ones, once each, as for the forums.
        people = {
            person_key(r)
            for r in Registration.objects.filter(event__in=trainings, attendances__isnull=False)
        }
        trained_count = None if frequency_rule(len(people), context.threshold) else len(people)
    how = "Événements dont le premier jour est dans l'année ; "
    figures = [
        Figure("evenements.forums", "Forums des partenaires", len(forums), "forums",
               SOURCE_EVENTS, how + "tous."),
        Figure("evenements.participants_forums", "Participant·es aux forums", len(present),
               "personnes", SOURCE_EVENTS, how + "personnes cochées présentes au moins une "
               "demi-journée, une fois même si elles sont venues à deux forums.",
               hidden=frequency_rule(len(present), context.threshold)),
        Figure("evenements.formations", "Formations", len(trainings), "formations",
               SOURCE_EVENTS, how + "toutes."),
        Figure("evenements.formes", "Professionnel·les formé·es", trained_count, "personnes",
               SOURCE_EVENTS, how + "personnes cochées présentes au moins une demi-journée, "
               "une fois même à deux formations (indicateur « professionnels formés »).",
               hidden=trained_count is None),
        Figure("evenements.seances_jeu", "Séances du jeu sérieux", len(sessions), "séances",
               SOURCE_GAME, "Séances terminées dont la première semaine est dans l'année."),
        Figure("evenements.equipes_jeu", "Équipes du jeu sérieux",
               sum(int(s.get("teams", 0)) for s in sessions), "équipes", SOURCE_GAME,
               "Équipes des séances terminées (sans nom : bilan anonyme)."),
    ]  # fmt: skip
    return Section("evenements", title, "Les professionnel·les réuni·es et formé·es.",
                   tuple(figures))  # fmt: skip


# The people each action reached, gathered in the first section.
REACHED: tuple[tuple[str, str, str], ...] = (
    ("barometre", "barometre.reponses", "Baromètre (réponses)"),
    ("bus", "bus.personnes", "Bus de l'aller-vers (personnes reçues)"),
    ("evenements", "evenements.participants_forums", "Forums (participant·es)"),
    ("evenements", "evenements.formes", "Formations (professionnel·les formé·es)"),
    ("orientations", "orientations.envoyees", "Orientations (envoyées)"),
    ("simulateur", "simulateur.simulations", "Simulateur (simulations)"),
    ("chaine", "chaine.joints", "Rappels du baromètre (personnes jointes)"),
)


def summary_section(sections: list[Section]) -> Section:
    """« Personnes touchées par action »: the figures of the other sections
    that count people reached, one row each (the same figures, secrecy
    included); an action that does not exist this year is left out."""
    by_key = {s.key: s for s in sections}
    figures = []
    for section_key, figure_key, label in REACHED:
        section = by_key.get(section_key)
        if section is None or not section.available:
            continue
        found = [f for f in section.figures if f.key == figure_key]
        if section_key == "barometre" and found:
            values = [f.value for f in found if isinstance(f.value, int)]
            found = [
                Figure(
                    figure_key,
                    "Réponses analysées",
                    sum(values),
                    "réponses",
                    found[0].source,
                    "Somme des réponses des vagues de l'année.",
                )
            ]
        for item in found[:1]:
            figures.append(Figure(item.key, label, item.value, item.unit, item.source,
                                  item.method, hidden=item.hidden, note=item.note))  # fmt: skip
    return Section("actions", "Personnes touchées par chaque action",
                   "Chaque ligne renvoie à sa partie du rapport.", tuple(figures))  # fmt: skip


SECTIONS: tuple[Builder, ...] = (
    barometer_section,
    referrals_section,
    rights_section,
    simulator_section,
    chain_section,
    bus_section,
    events_section,
    budget_section,
    partners_section,
)
