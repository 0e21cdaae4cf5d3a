"""The report of a barometer campaign, in HTML and PDF.

For the team (build_report), the numbers are those of the dashboard and of
the JSON (the same CampaignAnalysis, computed now); for a published wave
(report_from_publication), those stored when it was published, and only
them. The HTML is one self-contained file (styles and SVG
charts and maps inline, nothing fetched), and the PDF is that HTML laid out
by WeasyPrint (ADR 005).
"""

from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Protocol

from django.db.models import Count
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from nonrecours.analysis.files import OVERALL, ResultRow
from nonrecours.surveys.barometer import (
    Barometer,
    Change,
    DashboardLine,
    LabelledIndicator,
    campaign_barometer,
    dashboard_lines,
)
from nonrecours.surveys.demo import BREAKDOWN_STRATA, published_targets, reference_siren
from nonrecours.surveys.eligibility import SHORT_LABELS, PotentialNonTakeUp, potential_lines
from nonrecours.surveys.enums import Channel
from nonrecours.surveys.maps import IndicatorMap, barometer_map
from nonrecours.surveys.models import Campaign, Publication
from nonrecours.surveys.publication import published_map, published_results
from nonrecours.surveys.questionnaire import THEMES, default_questionnaire
from nonrecours.surveys.subgroups import StratumComparison
from nonrecours.surveys.weighting import MIN_RESPONDENTS
from nonrecours.territories.enums import Stratum
from nonrecours.territories.queries import member_communes

PUBLISHED_YEAR = 2024


@dataclass(frozen=True)
class ReportIndicator:
    id: str
    label: str
    base: str
    overall: ResultRow
    strata: list[tuple[str, ResultRow, Change | None]]
    change: Change | None
    chart: SafeString


@dataclass(frozen=True)
class ReportTheme:
    code: str
    title: str
    indicators: list[ReportIndicator]
    map: IndicatorMap | None


@dataclass(frozen=True)
class PublishedCheck:
    label: str
    domain: str
    published: float
    row: ResultRow

    @property
    def inside(self) -> bool:
        return (
            self.row.ci_low is not None
            and self.row.ci_high is not None
            and self.row.ci_low <= self.published <= self.row.ci_high
        )


@dataclass(frozen=True)
class CommuneLine:
    name: str
    stratum: str
    population: int | None
    population_share: float
    # For the team only: a published report gives no count by commune (a
    # hidden commune's count is not published).
    answers: int | None = None
    answer_share: float | None = None
    own_zone: bool | None = None


@dataclass(frozen=True)
class ReportWave:
    """What the report says of the wave and its territory."""

    slug: str
    name: str
    territory_name: str
    population: int | None
    communes: int
    starts_on: date
    ends_on: date
    is_synthetic: bool
    questionnaire: str


@dataclass(frozen=True)
class ReportMethod:
    """The weighting and the secrecy, as the annex describes them."""

    threshold: int
    margins: tuple[str, ...]
    structure_label: str
    structure_approximation: bool
    options: str
    bounded: int
    converged: bool
    iterations: int
    kish_deff: float
    effective_n: float
    n: int
    weight_range: tuple[float, float] | None = None  # team only: see publication.py


@dataclass
class Report:
    wave: ReportWave
    method: ReportMethod
    generated_on: date
    answers: int
    channels: list[tuple[str, int]]
    headline: list[ReportIndicator]
    themes: list[ReportTheme]
    previous_name: str | None
    comparisons: list[StratumComparison]
    published: list[PublishedCheck] = field(default_factory=list)
    communes: list[CommuneLine] = field(default_factory=list)
    potential: PotentialNonTakeUp | None = None
    potential_lines: list[Any] = field(default_factory=list)
    potential_chart: SafeString = mark_safe("")  # noqa: S308 (empty)
    published_on: date | None = None  # the day a published wave's figures were released

    @property
    def published_inside(self) -> int:
        return sum(1 for check in self.published if check.inside)


def _theme(theme: str, ident: str, defaults: dict[str, str]) -> str:
    """An indicator's theme; questionnaires stored before themes existed
    take the theme of the same indicator in the current questionnaire."""
    if theme != "autres":
        return theme
    return defaults.get(ident, "autres")


def interval_chart(
    title: str, rows: list[tuple[str, ResultRow]], *, first_is_total: bool = True
) -> SafeString:
    """Horizontal bars with their 95 % interval, as inline SVG; the values
    are also in the table that follows each chart."""
    label_width, plot_width, row_height, top = 150, 400, 26, 22
    height = top + row_height * len(rows) + 8
    x0 = label_width
    parts = [
        f'<svg viewBox="0 0 {label_width + plot_width + 60} {height}" role="img" '
        f'aria-label="{escape(title)} : parts estimées avec leur intervalle de confiance à '
        f'95 %, détaillées dans le tableau" xmlns="http://www.w3.org/2000/svg" class="chart">'
    ]
    for tick in (0, 25, 50, 75, 100):
        x = x0 + plot_width * tick / 100
        parts.append(
            f'<line x1="{x:.1f}" y1="{top - 6}" x2="{x:.1f}" y2="{height - 6}" '
            'stroke="#c8ccd2" stroke-width="1"/>'
            f'<text x="{x:.1f}" y="{top - 10}" font-size="10" text-anchor="middle" '
            f'fill="#3d4650">{tick} %</text>'
        )
    for index, (label, row) in enumerate(rows):
        y = top + index * row_height
        total = first_is_total and index == 0
        weight = "700" if total else "400"
        parts.append(
            f'<text x="{label_width - 8}" y="{y + 16}" font-size="12" text-anchor="end" '
            f'font-weight="{weight}" fill="#1b1f24">{escape(label)}</text>'
        )
        if row.suppressed or row.estimate is None:
            why = "masqué (secret statistique)" if row.suppressed else "aucune réponse"
            parts.append(
                f'<text x="{x0 + 4}" y="{y + 16}" font-size="11" fill="#3d4650">{why}</text>'
            )
            continue
        colour = "#2e2a6b" if total else "#7b74c9"
        bar = plot_width * row.estimate
        low = x0 + plot_width * (row.ci_low or 0.0)
        high = x0 + plot_width * (row.ci_high or 0.0)
        parts.append(
            f'<rect x="{x0}" y="{y + 5}" width="{bar:.1f}" height="14" fill="{colour}"/>'
            f'<line x1="{low:.1f}" y1="{y + 12}" x2="{high:.1f}" y2="{y + 12}" '
            'stroke="#000" stroke-width="1.5"/>'
            f'<line x1="{low:.1f}" y1="{y + 6}" x2="{low:.1f}" y2="{y + 18}" stroke="#000" '
            'stroke-width="1.5"/>'
            f'<line x1="{high:.1f}" y1="{y + 6}" x2="{high:.1f}" y2="{y + 18}" stroke="#000" '
            'stroke-width="1.5"/>'
            f'<text x="{max(high, x0 + bar) + 6:.1f}" y="{y + 16}" font-size="12" '
            f'fill="#1b1f24">{round(100 * row.estimate)} %</text>'
        )
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 (every text above is escaped)


def _published_checks(siren: str, rows: list[ResultRow]) -> list[PublishedCheck]:
    if siren != reference_siren():
        return []
    by_domain = {(r.indicator, r.domain): r for r in rows}
    labels = {s.value: str(s.label) for s in Stratum}
    checks = []
    for ident, published in published_targets().items():
        if "value" in published and (ident, OVERALL) in by_domain:
            checks.append(
                PublishedCheck(
                    published["text"], "Ensemble", published["value"], by_domain[(ident, OVERALL)]
                )
            )
        for name, value in (published.get("breakdowns") or {}).items():
            stratum = BREAKDOWN_STRATA[name].value
            if (ident, stratum) in by_domain:
                checks.append(
                    PublishedCheck(
                        published["text"], labels[stratum], value, by_domain[(ident, stratum)]
                    )
                )
    return checks


def _commune_lines(campaign: Campaign, zones: dict[str, str]) -> list[CommuneLine]:
    counts = Counter(
        dict(
            campaign.responses.values_list("commune__insee_code")
            .annotate(n=Count("pk"))
            .values_list("commune__insee_code", "n")
        )
    )
    communes = member_communes(campaign.territory)
    population = sum(c.population or 0 for c in communes) or 1
    answers = sum(counts.values()) or 1
    return [
        CommuneLine(
            name=c.name,
            stratum=c.get_stratum_display(),
            population=c.population,
            population_share=(c.population or 0) / population,
            answers=counts[c.insee_code],
            answer_share=counts[c.insee_code] / answers,
            own_zone=zones.get(c.insee_code) == c.insee_code,
        )
        for c in communes
    ]


class ThemedIndicator(LabelledIndicator, Protocol):
    """An indicator with its theme (questionnaire or publication)."""

    @property
    def theme(self) -> str: ...


def _report_indicator(line: DashboardLine) -> ReportIndicator:
    chart_rows = [("Ensemble", line.overall)] + [(lab, r) for lab, r, _ in line.by_stratum]
    return ReportIndicator(
        id=line.indicator,
        label=line.label,
        base=line.base,
        overall=line.overall,
        strata=line.by_stratum,
        change=line.change,
        chart=interval_chart(line.label, chart_rows),
    )


def _themes(
    indicators: Sequence[ThemedIndicator],
    lines: list[DashboardLine],
    map_of: Callable[[str], IndicatorMap],
) -> list[ReportTheme]:
    """The report's parts: one per theme in THEMES order (an indicator's
    `theme`; see _theme), each with the map of its first indicator;
    `lines` are those of `indicators`, in the same order."""
    defaults = {i.id: i.theme for i in default_questionnaire().indicators}
    by_theme: dict[str, list[ReportIndicator]] = {code: [] for code in THEMES}
    for indicator, line in zip(indicators, lines, strict=True):
        by_theme[_theme(indicator.theme, indicator.id, defaults)].append(_report_indicator(line))
    return [
        ReportTheme(code=code, title=THEMES[code], indicators=found, map=map_of(found[0].id))
        for code, found in by_theme.items()
        if found
    ]


def build_report(campaign: Campaign) -> Report:
    """The team's report of ``campaign``, computed from its answers now."""
    return report_of_barometer(campaign_barometer(campaign))


def report_of_barometer(barometer: Barometer) -> Report:
    """The team's report of a barometer with its potential non-take-up."""
    campaign, analysis, previous = barometer.campaign, barometer.analysis, barometer.previous
    themes = _themes(
        campaign.questionnaire.questionnaire().indicators,
        barometer.lines,
        lambda ident: barometer_map(barometer, ident),
    )
    potential = barometer.potential
    if potential is None:
        raise ValueError("baromètre sans non-recours potentiel")
    lines = [
        (code, SHORT_LABELS.get(code, label), row, strata)
        for code, label, row, strata in potential_lines(potential)
    ]
    channel_labels = dict(Channel.choices)
    channels = [
        (str(channel_labels.get(channel, channel)), n)
        for channel, n in campaign.responses.values_list("channel")
        .annotate(n=Count("pk"))
        .order_by("-n")
        .values_list("channel", "n")
    ]
    raking = analysis.raking
    communes = _commune_lines(campaign, analysis.zones)
    return Report(
        wave=ReportWave(
            slug=campaign.slug,
            name=campaign.name,
            territory_name=campaign.territory.name,
            population=campaign.territory.population,
            communes=len(communes),
            starts_on=campaign.starts_on,
            ends_on=campaign.ends_on,
            is_synthetic=campaign.is_synthetic,
            questionnaire=str(campaign.questionnaire),
        ),
        method=ReportMethod(
            threshold=analysis.weighting.threshold,
            margins=analysis.margins,
            structure_label=analysis.structure_label,
            structure_approximation=analysis.structure_approximation,
            options=analysis.weighting.describe(),
            bounded=raking.bounded,
            converged=raking.converged,
            iterations=raking.iterations,
            kish_deff=raking.kish_deff,
            effective_n=raking.effective_n,
            n=raking.n,
            weight_range=raking.weight_range,
        ),
        generated_on=timezone.localdate(),
        answers=raking.n,
        channels=channels,
        headline=[theme.indicators[0] for theme in themes],
        themes=themes,
        previous_name=previous.name if previous is not None else None,
        comparisons=barometer.comparisons,
        published=_published_checks(campaign.territory.siren, analysis.rows),
        communes=communes,
        potential=potential,
        potential_lines=lines,
        potential_chart=interval_chart(
            "Non-recours potentiel",
            [(label, row) for _, label, row, _ in lines],
            first_is_total=False,
        ),
    )


def report_from_publication(publication: Publication) -> Report:
    """The report of a published wave, drawn from its stored content only
    (publication.published_results): the same figures whatever happened to
    the answers since. Without the simulated potential non-take-up, which
    is not part of what a wave publishes."""
    results = published_results(publication)
    content = results.content
    themes = _themes(
        results.indicators,
        dashboard_lines(results.indicators, results.rows, results.changes),
        lambda ident: published_map(results, ident),
    )
    labels = {i.id: i.label for i in results.indicators}
    others = [s for s in Stratum if s != Stratum.CENTRAL_CITY]
    comparisons = [
        StratumComparison(
            i.id,
            labels[i.id],
            str(Stratum.CENTRAL_CITY.label),
            [(str(s.label), results.comparisons.get((i.id, s.value))) for s in others],
        )
        for i in results.indicators
    ]
    territory = results.territory
    communes = territory["communes"]
    population = sum(c["population"] or 0 for c in communes) or 1
    weighting = results.weighting
    return Report(
        wave=ReportWave(
            slug=results.wave["slug"],
            name=results.wave["name"],
            territory_name=territory["name"],
            population=territory["population"],
            communes=len(communes),
            starts_on=results.starts_on,
            ends_on=results.ends_on,
            is_synthetic=bool(results.wave["synthetic"]),
            questionnaire=results.wave["questionnaire"],
        ),
        method=ReportMethod(
            threshold=publication.threshold,
            margins=tuple(weighting["margins"]),
            structure_label=weighting["structure_label"],
            structure_approximation=weighting["structure_approximation"],
            options=weighting["options"],
            bounded=weighting["bounded"],
            converged=weighting["converged"],
            iterations=weighting["iterations"],
            kish_deff=weighting["kish_deff"],
            effective_n=weighting["effective_n"],
            n=publication.respondents,
        ),
        generated_on=timezone.localdate(),
        published_on=timezone.localdate(publication.published_at),
        answers=publication.respondents,
        channels=[(label, n) for label, n in content["channels"]],
        headline=[theme.indicators[0] for theme in themes],
        themes=themes,
        previous_name=results.previous_name,
        comparisons=comparisons,
        published=_published_checks(territory["siren"], results.rows),
        communes=[
            CommuneLine(
                name=c["name"],
                stratum=str(Stratum(c["stratum"]).label) if c["stratum"] in Stratum.values else "",
                population=c["population"],
                population_share=(c["population"] or 0) / population,
            )
            for c in communes
        ],
    )


def report_html(report: Report, *, for_print: bool = False) -> str:
    context: dict[str, Any] = {
        "report": report,
        "wave": report.wave,
        "method": report.method,
        "for_print": for_print,
        "min_respondents": MIN_RESPONDENTS,
        "published_year": PUBLISHED_YEAR,
    }
    return render_to_string("reports/barometre.html", context)


def _no_fetch(url: str, *args: Any, **kwargs: Any) -> dict[str, Any]:
    raise ValueError(f"Le rapport est autonome : aucune ressource externe ({url}).")


def report_pdf(report: Report) -> bytes:
    from weasyprint import HTML  # imported here: it loads Pango, needed only for the PDF

    # Self-contained: WeasyPrint may fetch nothing (no file, no network).
    document = HTML(string=report_html(report, for_print=True), url_fetcher=_no_fetch)
    pdf: bytes = document.write_pdf()
    return pdf
