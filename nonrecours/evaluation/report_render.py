"""The yearly report as a printable document: one HTML template
(evaluation/report_document.html, self-contained: styles and SVG charts
inline, no outside resource) shown as it is, or laid out on A4 by
WeasyPrint for the PDF (ADR 005, as the barometer's report). The page of
the product includes the same body (evaluation/report_body.html).

Charts are SVG drawn here, each with a text alternative and followed by
the table of its figures: rights opened by benefit (bars) and the
barometer's indicators (estimates with their 95 % interval, as
surveys.report.interval_chart draws them, with room for long labels).
A hidden cell is drawn as « secret », never as a bar.
"""

from dataclasses import dataclass
from typing import Any

from django.template.loader import render_to_string
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from nonrecours import french
from nonrecours.evaluation.report import SECRET, Figure, Section, YearlyReport
from nonrecours.evaluation.report_rights import TOTAL


def figure_text(figure: Figure) -> str:
    """The value as a French reader reads it: « secret » when hidden, « — »
    when it does not apply, « 1 234 », « 12 345 € », « 45 % », « +3,2
    points », or the entered text."""
    if figure.hidden:
        return SECRET
    value = figure.value
    if value is None:
        return "—"
    if isinstance(value, str):
        return value
    if figure.unit == "%":
        return french.percent(float(value), 1)
    if figure.unit == "points de %":
        points = 100 * float(value)
        return f"{'+' if points > 0 else ''}{french.number(points, 1)} points"
    if figure.unit.startswith("euros"):
        return french.amount(float(value)) + figure.unit[len("euros") :]
    unit = figure.unit
    if unit.endswith("s") and " " not in unit and not french.is_plural(float(value)):
        unit = unit[:-1]  # « 1 organisation », « 0 personne »
    return f"{french.number(float(value))} {unit}".strip()


@dataclass(frozen=True)
class ShownGroup:
    """A row header (``label``, "" for none) and its figures with their text."""

    label: str
    figures: tuple[tuple[Figure, str], ...]


@dataclass(frozen=True)
class ShownSection:
    section: Section
    groups: tuple[ShownGroup, ...]
    chart: SafeString | str


def _short(label: str, limit: int = 42) -> str:
    return label if len(label) <= limit else label[: limit - 1] + "…"


# Both charts: each label on its own line above its bar, so that long
# labels fit a phone's width; drawn in a box this wide (SVG units).
CHART_WIDTH, PLOT_WIDTH, LEFT, ROW_HEIGHT = 420, 330, 12, 38


def _svg(label: str, height: int, parts: list[str]) -> SafeString:
    return mark_safe(  # noqa: S308 (every text of `parts` is escaped by its caller)
        f'<svg viewBox="0 0 {CHART_WIDTH} {height}" role="img" aria-label="{escape(label)}" '
        'xmlns="http://www.w3.org/2000/svg" class="chart">' + "".join(parts) + "</svg>"
    )


def _label(y: float, text: str) -> str:
    return (
        f'<text x="{LEFT}" y="{y + 11}" font-size="12" fill="#1b1f24">'
        f"{escape(_short(text, 60))}</text>"
    )


def _secret(y: float, why: str) -> str:
    return f'<text x="{LEFT + 4}" y="{y + 28}" font-size="11" fill="#3d4650">{why}</text>'


def rights_chart(section: Section) -> SafeString:
    """Horizontal bars of the rights opened per benefit (the total line
    left out), « secret » written instead of a hidden bar."""
    rows = [f for f in section.figures if f.key == "droits.nombre" and f.group != TOTAL]
    largest = max((int(f.value) for f in rows if isinstance(f.value, int)), default=0) or 1
    parts = []
    for index, figure in enumerate(rows):
        y = 4 + index * ROW_HEIGHT
        parts.append(_label(y, figure.group))
        if figure.hidden or not isinstance(figure.value, int):
            parts.append(_secret(y, f"{SECRET} (secret statistique)"))
            continue
        width = PLOT_WIDTH * figure.value / largest
        parts.append(
            f'<rect x="{LEFT}" y="{y + 16}" width="{width:.1f}" height="14" fill="#2e2a6b"/>'
            f'<text x="{LEFT + width + 6:.1f}" y="{y + 28}" font-size="12" fill="#1b1f24">'
            f"{escape(french.number(figure.value))}</text>"
        )
    label = "Droits ouverts par prestation, en nombre de droits, détaillés dans le tableau qui suit"
    return _svg(label, 8 + ROW_HEIGHT * len(rows), parts)


def barometer_chart(section: Section) -> SafeString:
    """The barometer's indicators: each estimate as a bar with its 95 %
    interval (as surveys.report's charts, with room for long labels);
    « secret » for a hidden one."""
    top, row_height = 22, 32  # a little tighter: 15 to 20 indicators
    height = top + row_height * len(section.intervals) + 6
    parts = []
    for tick in (0, 25, 50, 75, 100):
        x = LEFT + PLOT_WIDTH * tick / 100
        parts.append(
            f'<line x1="{x:.1f}" y1="{top - 4}" x2="{x:.1f}" y2="{height - 4}" stroke="#c8ccd2" '
            f'stroke-width="1"/><text x="{x:.1f}" y="{top - 8}" font-size="10" '
            f'text-anchor="middle" fill="#3d4650">{tick} %</text>'
        )
    for index, (label, estimate, low, high, hidden) in enumerate(section.intervals):
        y = top + index * row_height
        parts.append(_label(y, label))
        if hidden or estimate is None:
            parts.append(
                _secret(y, f"{SECRET} (secret statistique)" if hidden else "aucune réponse")
            )
            continue
        bar = PLOT_WIDTH * estimate
        x_low, x_high = LEFT + PLOT_WIDTH * (low or 0.0), LEFT + PLOT_WIDTH * (high or 0.0)
        parts.append(
            f'<rect x="{LEFT}" y="{y + 16}" width="{bar:.1f}" height="13" fill="#7b74c9"/>'
            f'<line x1="{x_low:.1f}" y1="{y + 22.5}" x2="{x_high:.1f}" y2="{y + 22.5}" '
            'stroke="#000" stroke-width="1.5"/>'
            f'<text x="{max(x_high, LEFT + bar) + 5:.1f}" y="{y + 28}" font-size="12" '
            f'fill="#1b1f24">{escape(french.percent(estimate))}</text>'
        )
    label = (
        "Indicateurs du baromètre : parts estimées avec leur intervalle de confiance à 95 %, "
        "détaillées dans le tableau qui suit"
    )
    return _svg(label, height, parts)


def shown_sections(report: YearlyReport) -> list[ShownSection]:
    """Each section with its figures grouped by row and their texts, and
    its chart (a SafeString, or "" for none)."""
    shown = []
    for section in report.sections:
        groups = tuple(
            ShownGroup(group, tuple((f, figure_text(f)) for f in section.figures
                                    if f.group == group))
            for group in section.groups
        )  # fmt: skip
        chart: SafeString | str = ""
        if section.chart == "droits" and section.figures:
            chart = rights_chart(section)
        elif section.chart == "barometre" and section.intervals:
            chart = barometer_chart(section)
        shown.append(ShownSection(section, groups, chart))
    return shown


def report_context(report: YearlyReport) -> dict[str, Any]:
    """What the templates of the report need (document and page)."""
    return {
        "report": report,
        "territory": report.territory,
        "shown_sections": shown_sections(report),
    }


def report_html(report: YearlyReport, *, for_print: bool = False) -> str:
    """The self-contained HTML document of the report (A4 page rules for
    WeasyPrint when ``for_print``)."""
    return render_to_string(
        "evaluation/report_document.html", {**report_context(report), "for_print": for_print}
    )


def _no_fetch(url: str, *args: Any, **kwargs: Any) -> dict[str, Any]:
    raise ValueError(f"Le rapport est autonome : aucune ressource externe ({url}).")


def report_pdf(report: YearlyReport) -> bytes:
    """The report as an A4 PDF (WeasyPrint; nothing fetched from outside)."""
    from weasyprint import HTML  # imported here: it loads Pango, needed only for the PDF

    document = HTML(string=report_html(report, for_print=True), url_fetcher=_no_fetch)
    pdf: bytes = document.write_pdf()
    return pdf
