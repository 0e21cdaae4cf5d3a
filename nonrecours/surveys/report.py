"""The published report of a barometer campaign, in HTML and PDF.

The numbers are those of the dashboard and of the JSON (the same
CampaignAnalysis); the HTML is one self-contained file (styles and SVG
charts and maps inline, nothing fetched), and the PDF is that HTML laid out
by WeasyPrint (ADR 005).
"""

from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.db.models import Count
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from nonrecours.analysis.files import OVERALL, ResultRow
from nonrecours.surveys.analysis import (
    MIN_RESPONDENTS,
    CampaignAnalysis,
    Change,
    IndicatorMap,
    StratumComparison,
    campaign_analysis_cached,
    changes_since,
    indicator_map,
    previous_campaign,
    stratum_comparisons,
)
from nonrecours.surveys.demo import BREAKDOWN_STRATA, published_targets, reference_siren
from nonrecours.surveys.eligibility import (
    SHORT_LABELS,
    PotentialNonTakeUp,
    potential_lines,
    potential_non_take_up_cached,
)
from nonrecours.surveys.enums import Channel
from nonrecours.surveys.models import Campaign
from nonrecours.surveys.questionnaire import THEMES, Indicator, default_questionnaire
from nonrecours.territories.enums import Stratum
from nonrecours.territories.models import Commune

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
    answers: int
    population_share: float
    answer_share: float
    own_zone: bool


@dataclass
class Report:
    campaign: Campaign
    analysis: CampaignAnalysis
    generated_on: date
    answers: int
    channels: list[tuple[str, int]]
    headline: list[ReportIndicator]
    themes: list[ReportTheme]
    previous: Campaign | None
    comparisons: list[StratumComparison]
    published: list[PublishedCheck] = field(default_factory=list)
    communes: list[CommuneLine] = field(default_factory=list)
    potential: PotentialNonTakeUp | None = None
    potential_lines: list[Any] = field(default_factory=list)
    potential_chart: SafeString = mark_safe("")  # noqa: S308 (empty)

    @property
    def published_inside(self) -> int:
        return sum(1 for check in self.published if check.inside)


def _theme(indicator: Indicator, defaults: dict[str, str]) -> str:
    """An indicator's theme; questionnaires stored before themes existed
    take the theme of the same indicator in the current questionnaire."""
    if indicator.theme != "autres":
        return indicator.theme
    return defaults.get(indicator.id, "autres")


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
            parts.append(
                f'<text x="{x0 + 4}" y="{y + 16}" font-size="11" fill="#3d4650">'
                "masqué (secret statistique)</text>"
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


def _published_checks(campaign: Campaign, analysis: CampaignAnalysis) -> list[PublishedCheck]:
    if campaign.territory.siren != reference_siren():
        return []
    rows = {(r.indicator, r.domain): r for r in analysis.rows}
    labels = {s.value: str(s.label) for s in Stratum}
    checks = []
    for ident, published in published_targets().items():
        if "value" in published and (ident, OVERALL) in rows:
            checks.append(
                PublishedCheck(
                    published["text"], "Ensemble", published["value"], rows[(ident, OVERALL)]
                )
            )
        for name, value in (published.get("breakdowns") or {}).items():
            stratum = BREAKDOWN_STRATA[name].value
            if (ident, stratum) in rows:
                checks.append(
                    PublishedCheck(
                        published["text"], labels[stratum], value, rows[(ident, stratum)]
                    )
                )
    return checks


def _commune_lines(campaign: Campaign, analysis: CampaignAnalysis) -> list[CommuneLine]:
    counts = Counter(
        dict(
            campaign.responses.values_list("commune__insee_code")
            .annotate(n=Count("pk"))
            .values_list("commune__insee_code", "n")
        )
    )
    communes = list(
        Commune.objects.filter(territory=campaign.territory, is_member=True).order_by("name")
    )
    population = sum(c.population or 0 for c in communes) or 1
    answers = sum(counts.values()) or 1
    return [
        CommuneLine(
            name=c.name,
            stratum=c.get_stratum_display(),
            population=c.population,
            answers=counts[c.insee_code],
            population_share=(c.population or 0) / population,
            answer_share=counts[c.insee_code] / answers,
            own_zone=analysis.zones.get(c.insee_code) == c.insee_code,
        )
        for c in communes
    ]


def build_report(campaign: Campaign) -> Report:
    analysis = campaign_analysis_cached(campaign)
    previous = previous_campaign(campaign)
    changes: dict[tuple[str, str], Change] = {}
    if previous is not None and previous.responses.exists():
        changes = changes_since(analysis, campaign_analysis_cached(previous))
    else:
        previous = None
    rows = {(r.indicator, r.domain): r for r in analysis.rows}
    defaults = {i.id: i.theme for i in default_questionnaire().indicators}
    by_theme: dict[str, list[ReportIndicator]] = {code: [] for code in THEMES}
    for indicator in campaign.questionnaire.questionnaire().indicators:
        strata = [
            (str(s.label), rows[(indicator.id, s.value)], changes.get((indicator.id, s.value)))
            for s in Stratum
        ]
        overall = rows[(indicator.id, OVERALL)]
        chart = interval_chart(
            indicator.label, [("Ensemble", overall)] + [(label, row) for label, row, _ in strata]
        )
        by_theme[_theme(indicator, defaults)].append(
            ReportIndicator(
                id=indicator.id,
                label=indicator.label,
                base=indicator.base,
                overall=overall,
                strata=strata,
                change=changes.get((indicator.id, OVERALL)),
                chart=chart,
            )
        )
    themes = [
        ReportTheme(
            code=code,
            title=THEMES[code],
            indicators=items,
            map=indicator_map(campaign, analysis, items[0].id),
        )
        for code, items in by_theme.items()
        if items
    ]
    potential = potential_non_take_up_cached(campaign, analysis)
    lines = [
        (code, SHORT_LABELS[code], row, strata)
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
    return Report(
        campaign=campaign,
        analysis=analysis,
        generated_on=timezone.localdate(),
        answers=analysis.raking.n,
        channels=channels,
        headline=[theme.indicators[0] for theme in themes],
        themes=themes,
        previous=previous,
        comparisons=stratum_comparisons(campaign, analysis),
        published=_published_checks(campaign, analysis),
        communes=_commune_lines(campaign, analysis),
        potential=potential,
        potential_lines=lines,
        potential_chart=interval_chart(
            "Non-recours potentiel",
            [(label, row) for _, label, row, _ in lines],
            first_is_total=False,
        ),
    )


def report_html(report: Report, *, for_print: bool = False) -> str:
    context: dict[str, Any] = {
        "report": report,
        "campaign": report.campaign,
        "analysis": report.analysis,
        "raking": report.analysis.raking,
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
