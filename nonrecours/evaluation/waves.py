"""Two waves of a territory's barometer compared, cell by cell (reads only).

Every indicator in every released cell — overall, strata, communes, the
sex and age tables — of two campaigns of one territory: the earlier
wave's estimate, the later one's, the difference with its standard error,
interval, p-value and Benjamini–Hochberg adjusted p-value (the family is
every cell compared on the page), and a French reading. What is compared
is what the secrecy rule released (surveys.release): a published wave is
read from its publication, as it was made public; a wave not yet published
is computed now (surveys.barometer), with the same rule. A cell hidden in
either wave is not compared. The tests are analysis.waves's (ADR 027).
"""

import datetime
from dataclasses import dataclass

from nonrecours.analysis.estimators import Estimate
from nonrecours.analysis.files import OVERALL, ResultRow
from nonrecours.analysis.raking import RakingError
from nonrecours.analysis.waves import ALPHA, WaveChange, benjamini_hochberg, reading, wave_change
from nonrecours.errors import UserError
from nonrecours.surveys.barometer import campaign_barometer
from nonrecours.surveys.models import Campaign
from nonrecours.surveys.publication import GROUP_LABELS, publication_of, published_results
from nonrecours.surveys.weighting import AGE_QUESTION, NOT_GIVEN, SEX_QUESTION
from nonrecours.territories.enums import Stratum
from nonrecours.territories.models import Commune, Territory

TABLE_LABELS = {
    OVERALL: "Ensemble",
    "strate": "Strate",
    "commune": "Commune",
    "sexe": "Sexe",
    "age": "Tranche d'âge",
    "sexe_age": "Sexe et tranche d'âge",
}


class WavesError(UserError, ValueError):
    """Waves that cannot be compared (French message); ``field`` names the
    form's input at fault ("" for the whole)."""

    def __init__(self, message: str, field: str = ""):
        super().__init__(message)
        self.field = field


@dataclass(frozen=True)
class WaveSource:
    """A wave as compared: its released rows (key, commune and sex/age
    tables), its indicators (id, label, base) and whether they come from
    its publication (True) or are computed now (False)."""

    campaign: Campaign
    published: bool
    rows: list[ResultRow]
    indicators: list[tuple[str, str, str]]
    threshold: int


def territory_waves(territory: Territory) -> list[Campaign]:
    """The territory's campaigns that have answers or a publication, the
    latest first (the waves one may compare)."""
    campaigns = Campaign.objects.filter(territory=territory).order_by("-starts_on", "-pk")
    return [c for c in campaigns if publication_of(c) is not None or c.responses.exists()]


def wave_pair(territory: Territory, first_slug: str, second_slug: str) -> tuple[Campaign, Campaign]:
    """The two campaigns named, earlier first (by start day). Raises
    WavesError (French, with the field: "first" or "second") for a slug
    that is not a wave of this territory, or the same wave twice."""
    waves = {c.slug: c for c in territory_waves(territory)}
    for slug, field in ((first_slug, "first"), (second_slug, "second")):
        if slug not in waves:
            raise WavesError(
                f"« {slug[:80]} » n'est pas une vague de {territory.name} qui a des réponses "
                "ou une publication : choisissez dans la liste.",
                field,
            )
    if first_slug == second_slug:
        raise WavesError("Choisissez deux vagues différentes.", "second")
    first, second = waves[first_slug], waves[second_slug]
    if (second.starts_on, second.pk) < (first.starts_on, first.pk):
        first, second = second, first
    return first, second


def wave_source(campaign: Campaign) -> WaveSource:
    """The released rows of ``campaign``: its publication's when published,
    else computed now from its answers. Raises WavesError (French) when it
    has neither, or when its weights cannot be computed."""
    publication = publication_of(campaign)
    if publication is not None:
        results = published_results(publication)
        return WaveSource(
            campaign=campaign,
            published=True,
            rows=[*results.rows, *results.commune_rows, *results.tables],
            indicators=[(i.id, i.label, i.base) for i in results.indicators],
            threshold=publication.threshold,
        )
    if not campaign.responses.exists():
        raise WavesError(f"La vague « {campaign.name} » n'a aucune réponse : rien à comparer.")
    try:
        analysis = campaign_barometer(campaign, potential=False).analysis
    except RakingError as error:
        raise WavesError(
            f"La pondération de la vague « {campaign.name} » n'a pas pu être calculée : {error}"
        ) from None
    questionnaire = campaign.questionnaire.questionnaire()
    return WaveSource(
        campaign=campaign,
        published=False,
        rows=[*analysis.rows, *analysis.commune_rows, *analysis.tables],
        indicators=[(i.id, i.label, i.base) for i in questionnaire.indicators],
        threshold=analysis.weighting.threshold,
    )


def domain_labels(campaign: Campaign) -> dict[tuple[str, str], str]:
    """Words for the cells of a wave's tables, by (table, category code):
    strata, communes of its territory, the sex and age answers."""
    labels = {("strate", s.value): str(s.label) for s in Stratum}
    for code, name in Commune.objects.filter(territory=campaign.territory).values_list(
        "insee_code", "name"
    ):
        labels["commune", code] = name
    questions = {q.name: q for q in campaign.questionnaire.questionnaire().questions}
    for part, question in (("sexe", SEX_QUESTION), ("age", AGE_QUESTION)):
        choices = questions[question].choices if question in questions else ()
        for choice in choices:
            labels[part, choice.code] = GROUP_LABELS.get(choice.code, choice.label)
        labels[part, NOT_GIVEN] = GROUP_LABELS[NOT_GIVEN]
    return labels


def cell_label(labels: dict[tuple[str, str], str], by: str, domain: str) -> str:
    """A cell in words: « Ensemble », a stratum, a commune, or the categories
    of a crossed table joined by « · »."""
    if by == OVERALL:
        return "Ensemble"
    parts = by.split("_")
    codes = domain.split("|")
    return " · ".join(
        labels.get((part, code), code) for part, code in zip(parts, codes, strict=False)
    )


@dataclass(frozen=True)
class ComparedCell:
    """One indicator in one cell, in both waves. ``change`` is None when the
    cell is not compared, ``status`` then says why (French); ``adjusted_p``
    is the Benjamini–Hochberg p-value (NaN when not compared)."""

    indicator: str
    by: str
    domain: str
    label: str
    first: ResultRow | None
    second: ResultRow | None
    change: WaveChange | None
    adjusted_p: float
    reading: str
    status: str


@dataclass(frozen=True)
class WaveComparison:
    """Two waves compared: ``cells`` by indicator (in the later wave's
    order), then table (TABLE_LABELS's order), then as released;
    ``indicators`` (id, label, base) compared; ``missing``: labels of the
    indicators of one wave only."""

    first: WaveSource
    second: WaveSource
    cells: list[ComparedCell]
    indicators: list[tuple[str, str, str]]
    missing: list[str]
    alpha: float

    @property
    def tested(self) -> int:
        return sum(1 for c in self.cells if c.change is not None)

    @property
    def significant(self) -> int:
        return sum(1 for c in self.cells if c.change is not None and c.change.p_value < self.alpha)

    @property
    def significant_adjusted(self) -> int:
        return sum(1 for c in self.cells if c.adjusted_p < self.alpha)


def _status(first: ResultRow | None, second: ResultRow | None) -> str:
    rows = ((first, "A"), (second, "B"))
    for row, name in rows:
        if row is not None and row.suppressed:
            return f"masquée par le secret statistique dans la vague {name}"
    for row, name in rows:
        if row is None:
            return f"absente de la vague {name}"
    for row, name in rows:
        if row is not None and (row.n == 0 or row.estimate is None or row.se is None):
            return f"personne dans la base de l'indicateur dans la vague {name}"
    return ""


def compare_waves(first: Campaign, second: Campaign, *, alpha: float = ALPHA) -> WaveComparison:
    """Every released cell of every indicator of both waves compared
    (see the module's docstring); the wave that starts first is wave A,
    the other wave B (whatever the order given). Raises WavesError (French)
    as wave_source, or for α outside (0, 1)."""
    if not 0 < alpha < 1:
        raise WavesError("Le seuil α doit être strictement entre 0 et 1.", "alpha")
    if (second.starts_on, second.pk) < (first.starts_on, first.pk):
        first, second = second, first
    earlier, later = wave_source(first), wave_source(second)
    earlier_ids = {i[0] for i in earlier.indicators}
    later_ids = {i[0] for i in later.indicators}
    indicators = [i for i in later.indicators if i[0] in earlier_ids]
    missing = [i[1] for i in earlier.indicators if i[0] not in later_ids]
    missing += [i[1] for i in later.indicators if i[0] not in earlier_ids]
    before = {(r.indicator, r.by, r.domain): r for r in earlier.rows}
    after = {(r.indicator, r.by, r.domain): r for r in later.rows}
    labels = domain_labels(second)
    order = {table: n for n, table in enumerate(TABLE_LABELS)}
    keys = list(dict.fromkeys([*after, *before]))
    position = {i[0]: n for n, i in enumerate(indicators)}
    keys = [k for k in keys if k[0] in position]
    keys.sort(key=lambda k: (position[k[0]], order.get(k[1], len(order))))
    pending = []
    for indicator, by, domain in keys:
        a, b = before.get((indicator, by, domain)), after.get((indicator, by, domain))
        status = _status(a, b)
        change = None
        if not status and a is not None and b is not None:
            change = wave_change(
                Estimate(float(a.estimate or 0), float(a.se or 0), a.n),
                Estimate(float(b.estimate or 0), float(b.se or 0), b.n),
                alpha=alpha,
            )
        pending.append((indicator, by, domain, a, b, change, status))
    adjusted = benjamini_hochberg(
        [c[5].p_value if c[5] is not None else float("nan") for c in pending]
    )
    cells = [
        ComparedCell(
            indicator=indicator,
            by=by,
            domain=domain,
            label=cell_label(labels, by, domain),
            first=a,
            second=b,
            change=change,
            adjusted_p=q,
            reading=reading(change.difference, change.p_value, alpha=alpha) if change else "—",
            status=status,
        )
        for (indicator, by, domain, a, b, change, status), q in zip(pending, adjusted, strict=True)
    ]
    return WaveComparison(earlier, later, cells, indicators, missing, alpha)


def _share(value: float | None) -> str:
    return "" if value is None else f"{100 * value:.2f}".replace(".", ",")


def comparison_table(comparison: WaveComparison) -> tuple[list[str], list[list[str]]]:
    """The comparison as a table for a CSV file: French header, one line per
    cell; shares and differences in percentage points with a decimal comma
    (two decimals), p-values with four; empty where hidden."""
    header = [
        "indicateur",
        "libelle",
        "tableau",
        "cellule",
        "code",
        "vague_a",
        "estimation_a_pct",
        "n_a",
        "vague_b",
        "estimation_b_pct",
        "n_b",
        "ecart_points",
        "erreur_type_points",
        "ic95_bas_points",
        "ic95_haut_points",
        "p_valeur",
        "p_valeur_ajustee_bh",
        "lecture",
        "statut",
    ]
    wording = {i[0]: i[1] for i in comparison.indicators}
    names = (comparison.first.campaign.name, comparison.second.campaign.name)
    lines = []
    for cell in comparison.cells:
        change = cell.change
        a, b = cell.first, cell.second

        def shown(row: ResultRow | None) -> tuple[str, str]:
            if row is None or row.suppressed:
                return "", ""
            return _share(row.estimate), str(row.n)

        (ea, na), (eb, nb) = shown(a), shown(b)
        lines.append(
            [
                cell.indicator,
                wording.get(cell.indicator, cell.indicator),
                TABLE_LABELS.get(cell.by, cell.by),
                cell.label,
                cell.domain,
                names[0],
                ea,
                na,
                names[1],
                eb,
                nb,
                _share(change.difference) if change else "",
                _share(change.se) if change else "",
                _share(change.ci_low) if change else "",
                _share(change.ci_high) if change else "",
                f"{change.p_value:.4f}".replace(".", ",") if change else "",
                f"{cell.adjusted_p:.4f}".replace(".", ",") if change else "",
                cell.reading if change else "",
                cell.status or "comparée",
            ]
        )
    return header, lines


def comparison_file_name(comparison: WaveComparison, today: datetime.date) -> str:
    """``comparaison-<a>-<b>-<day>.csv``."""
    a, b = comparison.first.campaign.slug, comparison.second.campaign.slug
    return f"comparaison-{a}-{b}-{today:%Y-%m-%d}.csv"
