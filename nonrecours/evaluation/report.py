"""The yearly report of the experiment, for one territory and one civil
year: what each action reached, the referrals and the rights they opened
by benefit with their yearly amounts, the barometer's indicators and their
change since the previous wave, the budget spent (entered) and the cost per
right opened, the partners and data-sharing agreements (entered).

A report is a list of sections, each built by one small function of
evaluation.report_sections from one feature of the product; each section is
a list of figures, each figure with its value, unit, source in the product
and method in French, and whether the secrecy rule hides it. Every count of
people is the published view of its feature (the secrecy rule of
analysis.disclosure, ADR 013, applied by the feature that owns it, or here
for the table of rights by benefit, evaluation.report_rights): the report
holds no exact small count, so no format can leak one (docs/adr/029).

The current year may be reported before it ends: the report is then marked
« provisoire » (its figures still move), counted up to today.

Demonstration data (`nonrecours setup`): one rule for every section
(evaluation.report_queries.demo_rule). When the territory has any real row
of the kinds the report counts, every synthetic row is left out of every
section (and the report says demonstration data exist and are not
counted); otherwise the report is a demonstration: synthetic rows are
counted and every rendering says « Rapport de démonstration : chiffres
fictifs » first.
Renderings: evaluation.report_files (CSV, XLSX), evaluation.report_render
(HTML, PDF).
"""

import datetime
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal

from django.utils import timezone

from nonrecours.analysis.disclosure import DEFAULT_THRESHOLD, publishable
from nonrecours.errors import UserError
from nonrecours.territories.models import Territory

SECRET = "secret"  # noqa: S105 (the statistical secret, not a password)
DEMONSTRATION = "Rapport de démonstration : chiffres fictifs"
LEFT_OUT = (
    "Les données de démonstration installées avec l'outil ne sont comptées dans aucune partie : "
    "le territoire a ses propres données."
)
Value = int | float | Decimal | str | None


class ReportError(UserError, ValueError):
    """A report that cannot be built (French, naming the field)."""


@dataclass(frozen=True)
class Figure:
    """One cell of the report. ``value``: an int (a count), a float or a
    Decimal (euros, a share 0 to 1 with unit « % », points), a str (an
    entered text, a status), None when hidden (``hidden``) or when it does
    not apply (nothing to divide by…); a hidden figure's value and note are
    cleared whatever it was given. ``unit`` in French (« personnes »,
    « euros par an », « % »); ``source``: the page or feature of the
    product it comes from; ``method``: how it is counted, in French.
    ``group``: the row of a table it belongs to (a benefit, an indicator),
    "" for a figure on its own; ``note``: a French complement (interval,
    « dont 3 résultats corrigés »)."""

    key: str
    label: str
    value: Value
    unit: str
    source: str
    method: str
    hidden: bool = False
    group: str = ""
    note: str = ""

    @property
    def textual(self) -> bool:
        """An entered text (a role, a status), not a number."""
        return isinstance(self.value, str)

    def __post_init__(self) -> None:
        # A hidden figure holds nothing a rendering could write by mistake.
        if self.hidden:
            object.__setattr__(self, "value", None)
            object.__setattr__(self, "note", "")


@dataclass(frozen=True)
class Section:
    """A part of the report, from one feature. ``available`` False: the
    action does not exist (yet) for this territory and year; ``intro``
    then says so. ``chart``: which chart the rendering draws (« droits »,
    « barometre »), "" for none."""

    key: str
    title: str
    intro: str
    figures: tuple[Figure, ...] = ()
    available: bool = True
    chart: str = ""
    # For the barometer's chart: (indicator label, estimate, low, high,
    # hidden), shares 0 to 1 (never a hidden value).
    intervals: tuple[tuple[str, float | None, float | None, float | None, bool], ...] = ()

    def figure(self, key: str, group: str = "") -> Figure:
        """The figure ``key`` (of row ``group``). Raises KeyError."""
        for item in self.figures:
            if item.key == key and item.group == group:
                return item
        raise KeyError(f"{self.key}: {key} {group}")

    @property
    def groups(self) -> list[str]:
        """The rows of the section's table, in order ("" first if any)."""
        seen: dict[str, None] = {}
        for item in self.figures:
            seen.setdefault(item.group, None)
        return list(seen)


@dataclass(frozen=True)
class YearlyReport:
    """The report of ``territory`` for civil ``year``: ``start``..``end``
    (1 January to 31 December) counted up to ``until`` (``end``, or today
    for the current year: then ``provisional``). ``threshold``: the
    secrecy rule's (no published cell under it)."""

    territory: Territory
    year: int
    start: datetime.date
    end: datetime.date
    until: datetime.date
    provisional: bool
    generated_at: datetime.datetime
    threshold: int
    sections: tuple[Section, ...] = field(default_factory=tuple)
    # demonstration: synthetic rows counted (no real data: « chiffres
    # fictifs »); demo_left_out: synthetic rows exist and are left out.
    demonstration: bool = False
    demo_left_out: bool = False

    def section(self, key: str) -> Section:
        """The section ``key``. Raises KeyError."""
        for section in self.sections:
            if section.key == key:
                return section
        raise KeyError(key)

    @property
    def figures(self) -> list[tuple[Section, Figure]]:
        """Every figure of the report with its section, in order."""
        return [(s, f) for s in self.sections for f in s.figures]


@dataclass(frozen=True)
class ReportContext:
    """What every section builder gets."""

    territory: Territory
    year: int
    start: datetime.date
    end: datetime.date
    until: datetime.date
    today: datetime.date
    threshold: int
    # Whether synthetic rows are counted (evaluation.report_queries.demo_rule).
    synthetic: bool = False
    # Figures several sections read, computed once (report_rights.rights_of).
    cache: dict[str, object] = field(default_factory=dict)


def frequency_rule(count: int, threshold: int) -> bool:
    """Whether a count standing alone (no total or other published row
    gives it back) is hidden: 1 to ``threshold`` − 1 (0 is published:
    known empty). analysis.disclosure.publishable, for a lone cell."""
    return 0 < count and not publishable(count, threshold)


def check_report_year(year: object, *, today: datetime.date) -> int:
    """The civil year of a report, from an int or a text. Raises
    ReportError (French, field « annee ») for a text that is not a year,
    a year before 2020 (before the experiment), or a year not begun yet
    (after ``today``'s)."""
    text = str(year).strip() if year is not None else ""
    if not text.isascii() or not text.isdigit() or len(text) != 4:
        raise ReportError(
            f"Année « {text[:20]} » : indiquez une année sur quatre chiffres, par exemple "
            f"{today.year - 1}.",
            field="annee",
        )
    value = int(text)
    if value < 2020:
        raise ReportError(
            f"Année {value} : l'expérimentation et ses données commencent en 2020 au plus tôt.",
            field="annee",
        )
    if value > today.year:
        raise ReportError(
            f"Année {value} : elle n'a pas commencé (nous sommes en {today.year}) ; le rapport "
            "de l'année en cours est possible, il est alors provisoire.",
            field="annee",
        )
    return value


Builder = Callable[[ReportContext], Section]


def yearly_report(
    territory: Territory,
    year: object,
    *,
    threshold: int = DEFAULT_THRESHOLD,
    builders: tuple[Builder, ...] | None = None,
) -> YearlyReport:
    """The yearly report of ``territory`` for civil ``year`` (an int or its
    text), every section from evaluation.report_sections.SECTIONS (or
    ``builders``), in that order, after a first section gathering the
    people each action reached (summary_section). The current year is allowed and marked
    provisional (counted up to today). Raises ReportError (French) for a
    year that is not one or not begun (check_report_year)."""
    from nonrecours.evaluation.report_queries import demo_rule
    from nonrecours.evaluation.report_sections import SECTIONS, summary_section

    today = timezone.localdate()
    checked = check_report_year(year, today=today)
    start, end = datetime.date(checked, 1, 1), datetime.date(checked, 12, 31)
    rule = demo_rule(territory)
    context = ReportContext(
        territory=territory,
        year=checked,
        start=start,
        end=end,
        until=min(end, today),
        today=today,
        threshold=threshold,
        synthetic=rule.synthetic,
    )
    built = [build(context) for build in (SECTIONS if builders is None else builders)]
    return YearlyReport(
        territory=territory,
        year=checked,
        start=start,
        end=end,
        until=context.until,
        provisional=end >= today,
        generated_at=timezone.now(),
        threshold=threshold,
        sections=(summary_section(built), *built),
        demonstration=rule.synthetic and rule.present,
        demo_left_out=rule.left_out,
    )
