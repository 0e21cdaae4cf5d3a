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

import os
from dataclasses import dataclass
from typing import Any

from django.template.loader import render_to_string
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from nonrecours import french
from nonrecours.evaluation.report import (
    DEMONSTRATION,
    LEFT_OUT,
    SECRET,
    Figure,
    Section,
    YearlyReport,
)
from nonrecours.evaluation.report_rights import TOTAL


def figure_text(figure: Figure) -> str:
    """The value as a French reader reads it: « secret » when hidden, its
    note (« budget non saisi ») or « — » when it does not apply, « 1 234 »,
    « 12 345 € », « 45 % », « +3,2 points », or the entered text."""
    if figure.hidden:
        return SECRET
    value = figure.value
    if value is None:
        return figure.note or "—"  # « budget non saisi », « aucun droit ouvert »
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


# Tables of up to this many rows are never split across pages.
SHORT_TABLE = 8
# The first column's header of a cross table, by its first figure.
CORNERS = {
    "barometre.reponses": "Vague",
    "barometre.part": "Indicateur",
    "droits.nombre": "Prestation",
    "simulateur.demandes": "Prestation",
    "simulateur.blocage": "Où les personnes ont été bloquées",
    "budget.ligne": "Poste de dépense",
    "budget.total": "Budget",
    "partenaires.role": "Partenaire",
    "conventions.etat": "Convention",
}


@dataclass(frozen=True)
class ShownRow:
    """A row of a table: its header (a figure's label in a list table, a
    group's in a cross table) and its cells (figure, text)."""

    label: str
    cells: tuple[tuple[Figure, str], ...]


@dataclass(frozen=True)
class ShownTable:
    """A table of a section: ``cross`` (one row per group, one column per
    figure: ``columns`` their labels, ``corner`` the first column's header)
    or a list (one row per figure, ``columns`` empty)."""

    cross: bool
    corner: str
    columns: tuple[str, ...]
    rows: tuple[ShownRow, ...]

    @property
    def headers(self) -> tuple[tuple[str, bool], ...]:
        """The value columns' headers, each with whether it holds texts
        (aligned left) rather than numbers."""
        if not self.cross:
            return (("Valeur", False),)
        first = self.rows[0].cells
        return tuple((label, f.textual) for label, (f, _) in zip(self.columns, first, strict=True))

    @property
    def short(self) -> bool:
        """Kept on one page (a header never left alone at a page's foot)."""
        return len(self.rows) <= SHORT_TABLE


@dataclass(frozen=True)
class ShownMethod:
    """A method given once, for the figures (their labels) that share it;
    ``labels`` empty when every figure of the section does."""

    labels: tuple[str, ...]
    text: str


@dataclass(frozen=True)
class ShownSection:
    section: Section
    tables: tuple[ShownTable, ...]
    charts: tuple[SafeString, ...]
    sources: tuple[str, ...]
    methods: tuple[ShownMethod, ...]


def section_tables(section: Section) -> tuple[ShownTable, ...]:
    """The figures as tables: those of no row ("" group) as a list; each
    run of rows (groups) holding the same figures as a cross table, one
    line per row — a label, a source or a method is never repeated on
    every line."""
    runs: list[tuple[tuple[str, ...], list[str]]] = []
    for group in section.groups:
        keys = tuple(f.key for f in section.figures if f.group == group)
        if group and runs and runs[-1][1][0] and runs[-1][0] == keys:
            runs[-1][1].append(group)
        else:
            runs.append((keys, [group]))
    tables = []
    for keys, groups in runs:
        members = [[f for f in section.figures if f.group == g] for g in groups]
        if not groups[0]:
            rows = tuple(ShownRow(f.label, ((f, figure_text(f)),)) for f in members[0])
            tables.append(ShownTable(False, "Chiffre", (), rows))
            continue
        rows = tuple(
            ShownRow(group, tuple((f, figure_text(f)) for f in figures))
            for group, figures in zip(groups, members, strict=True)
        )
        columns = tuple(f.label for f in members[0])
        tables.append(ShownTable(True, CORNERS.get(keys[0], "Ligne"), columns, rows))
    return tuple(tables)


def section_methods(section: Section) -> tuple[tuple[str, ...], tuple[ShownMethod, ...]]:
    """The section's sources, each once, and its methods, each once with
    the labels of the figures it applies to (none when all share it)."""
    sources = tuple(dict.fromkeys(f.source for f in section.figures))
    by_method: dict[str, dict[str, None]] = {}
    for figure in section.figures:
        by_method.setdefault(figure.method, {})[figure.label] = None
    every = len(by_method) == 1
    # A part every method begins with (« Orientations envoyées dans l'année
    # civile ; ») is said once, first.
    common = "" if every else os.path.commonprefix(list(by_method))
    common = common[: common.rfind(" ; ") + 3] if " ; " in common else ""
    methods = tuple(
        ShownMethod(() if every else tuple(labels), text[len(common) :])
        for text, labels in by_method.items()
    )
    if common:
        methods = (ShownMethod((), common[:-3] + "."), *methods)
    return sources, methods


# Both charts: each label above its bar, wrapped (never cut) to fit a
# phone's width; drawn in a box this wide (SVG units). DejaVu Sans at 12
# units is about 7.2 units a character: 54 characters a line.
CHART_WIDTH, PLOT_WIDTH, LEFT, LINE, WRAP = 420, 330, 12, 14, 54
# Indicators per barometer chart: each chart is kept on one page, so a
# long list is cut in charts that follow each other across pages.
CHART_ROWS = 5


def _svg(label: str, height: float, parts: list[str]) -> SafeString:
    return mark_safe(  # noqa: S308 (every text of `parts` is escaped by its caller)
        f'<svg viewBox="0 0 {CHART_WIDTH} {height:.0f}" role="img" aria-label="{escape(label)}" '
        'xmlns="http://www.w3.org/2000/svg" class="chart">' + "".join(parts) + "</svg>"
    )


def wrapped(text: str, width: int = WRAP) -> list[str]:
    """``text`` in lines of at most ``width`` characters, cut between words
    (a word longer than a line is cut in pieces)."""
    lines: list[str] = []
    current = ""
    for word in text.split():
        while len(word) > width:
            if current:
                lines.append(current)
                current = ""
            lines.append(word[:width])
            word = word[width:]
        if current and len(current) + 1 + len(word) > width:
            lines.append(current)
            current = word
        else:
            current = f"{current} {word}" if current else word
    return [*lines, current] if current or not lines else lines


def _label(y: float, lines: list[str]) -> str:
    return "".join(
        f'<text x="{LEFT}" y="{y + 11 + LINE * n:.0f}" font-size="12" fill="#1b1f24">'
        f"{escape(line)}</text>"
        for n, line in enumerate(lines)
    )


def _secret(y: float, why: str) -> str:
    return f'<text x="{LEFT + 4}" y="{y + 12:.0f}" font-size="11" fill="#3d4650">{why}</text>'


def rights_chart(section: Section) -> SafeString:
    """Horizontal bars of the rights opened per benefit (the total line
    left out), « secret » written instead of a hidden bar."""
    rows = [f for f in section.figures if f.key == "droits.nombre" and f.group != TOTAL]
    largest = max((int(f.value) for f in rows if isinstance(f.value, int)), default=0) or 1
    parts = []
    y = 4.0
    for figure in rows:
        lines = wrapped(figure.group)
        parts.append(_label(y, lines))
        bar = y + LINE * len(lines) + 2
        if figure.hidden or not isinstance(figure.value, int):
            parts.append(_secret(bar, f"{SECRET} (secret statistique)"))
        else:
            width = PLOT_WIDTH * figure.value / largest
            parts.append(
                f'<rect x="{LEFT}" y="{bar:.0f}" width="{width:.1f}" height="14" fill="#2e2a6b"/>'
                f'<text x="{LEFT + width + 6:.1f}" y="{bar + 12:.0f}" font-size="12" '
                f'fill="#1b1f24">{escape(french.number(figure.value))}</text>'
            )
        y = bar + 22
    label = "Droits ouverts par prestation, en nombre de droits, détaillés dans le tableau qui suit"
    return _svg(label, y + 4, parts)


def _barometer_chart(rows: list[tuple[str, float | None, float | None, float | None, bool]],
                     label: str) -> SafeString:  # fmt: skip
    top = 22.0
    parts = []
    y = top
    bands = []
    for name, estimate, low, high, hidden in rows:
        lines = wrapped(name)
        parts.append(_label(y, lines))
        bar = y + LINE * len(lines) + 2
        bands.append(bar)
        if hidden or estimate is None:
            why = f"{SECRET} (secret statistique)" if hidden else "aucune réponse"
            parts.append(_secret(bar, why))
        else:
            width = PLOT_WIDTH * estimate
            x_low, x_high = LEFT + PLOT_WIDTH * (low or 0.0), LEFT + PLOT_WIDTH * (high or 0.0)
            parts.append(
                f'<rect x="{LEFT}" y="{bar:.0f}" width="{width:.1f}" height="13" fill="#7b74c9"/>'
                f'<line x1="{x_low:.1f}" y1="{bar + 6.5:.1f}" x2="{x_high:.1f}" '
                f'y2="{bar + 6.5:.1f}" stroke="#000" stroke-width="1.5"/>'
                f'<text x="{max(x_high, LEFT + width) + 5:.1f}" y="{bar + 11:.0f}" '
                f'font-size="12" fill="#1b1f24">{escape(french.percent(estimate))}</text>'
            )
        y = bar + 20
    # Grid lines only across the bars, never through a label.
    grid = []
    for tick in (0, 25, 50, 75, 100):
        x = LEFT + PLOT_WIDTH * tick / 100
        grid.append(
            f'<text x="{x:.1f}" y="{top - 8:.0f}" font-size="10" text-anchor="middle" '
            f'fill="#3d4650">{tick} %</text>'
        )
        grid += [
            f'<line x1="{x:.1f}" y1="{bar - 2:.0f}" x2="{x:.1f}" y2="{bar + 15:.0f}" '
            'stroke="#c8ccd2" stroke-width="1"/>'
            for bar in bands
        ]
    return _svg(label, y + 2, grid + parts)


def barometer_charts(section: Section) -> tuple[SafeString, ...]:
    """The barometer's indicators: each estimate as a bar with its 95 %
    interval (as surveys.report's charts, with room for long labels), in
    charts of CHART_ROWS indicators at most; « secret » for a hidden one."""
    rows = list(section.intervals)
    chunks = [rows[k : k + CHART_ROWS] for k in range(0, len(rows), CHART_ROWS)]
    charts = []
    for n, chunk in enumerate(chunks, start=1):
        part = f" (partie {n} sur {len(chunks)})" if len(chunks) > 1 else ""
        label = (
            f"Indicateurs du baromètre{part} : parts estimées avec leur intervalle de confiance "
            "à 95 %, détaillées dans le tableau qui suit"
        )
        charts.append(_barometer_chart(chunk, label))
    return tuple(charts)


def shown_sections(report: YearlyReport) -> list[ShownSection]:
    """Each section with its tables (section_tables), its charts (SVG; none
    for most), and its sources and methods each given once
    (section_methods)."""
    shown = []
    for section in report.sections:
        charts: tuple[SafeString, ...] = ()
        if section.chart == "droits" and section.figures:
            charts = (rights_chart(section),)
        elif section.chart == "barometre" and section.intervals:
            charts = barometer_charts(section)
        sources, methods = section_methods(section)
        shown.append(ShownSection(section, section_tables(section), charts, sources, methods))
    return shown


def report_context(report: YearlyReport) -> dict[str, Any]:
    """What the templates of the report need (document and page)."""
    return {
        "report": report,
        "territory": report.territory,
        "shown_sections": shown_sections(report),
        "demonstration_title": DEMONSTRATION,
        "left_out": LEFT_OUT,
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
