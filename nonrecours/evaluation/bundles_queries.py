"""Reads of the territories' comparison: a territory's published waves, the
bundles imported from other territories and the national reference, side
by side for one indicator (or all), with the comparability flags.

Each line is compared with the territory's latest published wave (the
« ligne de référence ») on four points (docs/adr/028-lot-d-indicateurs.md):
the same wording (``empreinte_formulation``), the same questionnaire version
(identifier, version and checksum), the same population (``empreinte_base``)
and the same weighting (calibration variables and options). Only the whole
territory's cell (« ensemble ») is compared.

The imported bundles read are the territory's own (those it imported:
``imported_bundles``); the national figures are the installation's.
"""

import csv
import io
from dataclasses import dataclass, field
from typing import Any

from django.db.models import QuerySet

from nonrecours.analysis.files import OVERALL
from nonrecours.csvtext import spreadsheet_safe
from nonrecours.evaluation.bundle_models import ExternalBundle, NationalFigure
from nonrecours.evaluation.bundles_format import bundle_of
from nonrecours.surveys.models import Publication
from nonrecours.territories.models import Territory

OWN, IMPORTED, NATIONAL = "own", "imported", "national"
KIND_LABELS = {
    OWN: "ce territoire",
    IMPORTED: "autre territoire (lot importé)",
    NATIONAL: "référence nationale",
}
FLAGS = (
    ("wording", "même formulation"),
    ("version", "même version du questionnaire"),
    ("base", "même population"),
    ("weighting", "même pondération"),
)


@dataclass(frozen=True)
class Flag:
    label: str
    same: bool


@dataclass(frozen=True)
class Line:
    """One line of the comparison: a wave of a territory, or a national
    figure. Shares between 0 and 1; None when the cell is not in the bundle
    (not asked, or hidden by the secrecy)."""

    name: str
    kind: str
    indicator: str
    wording: str
    base: str
    estimate: float | None
    ci_low: float | None
    ci_high: float | None
    n: int | None
    version: str
    period: str
    synthetic: bool = False
    source: str = ""
    flags: tuple[Flag, ...] = ()
    is_reference: bool = False

    @property
    def kind_label(self) -> str:
        return KIND_LABELS[self.kind]

    @property
    def comparable(self) -> bool:
        return all(f.same for f in self.flags)

    @property
    def differences(self) -> list[str]:
        """The flags that fail, in words (« pas même population »)."""
        return [f.label for f in self.flags if not f.same]


@dataclass(frozen=True)
class IndicatorComparison:
    indicator: str
    label: str
    lines: list[Line] = field(default_factory=list)

    @property
    def warning(self) -> bool:
        return any(not line.comparable for line in self.lines if not line.is_reference)


@dataclass(frozen=True)
class ComparedWave:
    """A bundle read for the comparison (own or imported)."""

    name: str
    kind: str
    bundle: dict[str, Any]

    def indicator(self, key: str) -> dict[str, Any] | None:
        return next((i for i in self.bundle["indicateurs"] if i["indicateur"] == key), None)

    def overall(self, key: str) -> dict[str, Any] | None:
        return next(
            (
                c
                for c in self.bundle["cellules"]
                if c["indicateur"] == key and c["ventilation"] == OVERALL
            ),
            None,
        )

    @property
    def version(self) -> str:
        q = self.bundle["questionnaire"]
        return f"{q['identifiant']} v{q['version']}"

    @property
    def period(self) -> str:
        wave = self.bundle["vague"]
        return f"{wave['debut']} → {wave['fin']}"


def _own_waves(territory: Territory) -> list[ComparedWave]:
    publications = (
        Publication.objects.filter(campaign__territory=territory)
        .select_related("campaign__questionnaire", "campaign__territory")
        .order_by("-campaign__starts_on", "-pk")
    )
    waves = []
    for publication in publications:
        bundle = bundle_of(publication)
        waves.append(ComparedWave(f"{territory.name} — {bundle['vague']['nom']}", OWN, bundle))
    return waves


def imported_bundles(territory: Territory) -> QuerySet[ExternalBundle]:
    """The bundles ``territory`` imported (never another territory's), by
    the name of their territory then latest wave first."""
    return ExternalBundle.objects.filter(territory=territory).order_by(
        "territory_name", "-starts_on", "pk"
    )


def every_imported_bundle() -> QuerySet[ExternalBundle]:
    """Every bundle of the installation, with the territory that imported
    it: for whoever runs the server (``nonrecours bundles list``), never a
    page."""
    return ExternalBundle.objects.select_related("territory").order_by(
        "territory__name", "territory_name", "-starts_on", "pk"
    )


def imported_bundle(territory: Territory, pk: int) -> ExternalBundle | None:
    """The bundle ``pk`` if ``territory`` imported it; None when unknown or
    imported by another territory alike (the caller answers both with the
    same 404: an id says nothing of another territory's comparison)."""
    return imported_bundles(territory).filter(pk=pk).first()


def _imported_waves(territory: Territory) -> list[ComparedWave]:
    return [
        ComparedWave(f"{b.territory_name} — {b.wave_name}", IMPORTED, b.content)
        for b in imported_bundles(territory)
    ]


def _flags(wave: ComparedWave, reference: ComparedWave | None, key: str) -> tuple[Flag, ...]:
    if reference is None:
        return ()
    mine, theirs = reference.indicator(key) or {}, wave.indicator(key) or {}
    both = bool(mine and theirs)
    same = {
        "wording": both and mine["empreinte_formulation"] == theirs["empreinte_formulation"],
        "version": reference.bundle["questionnaire"] == wave.bundle["questionnaire"],
        "base": both and mine["empreinte_base"] == theirs["empreinte_base"],
        "weighting": _weighting(reference.bundle) == _weighting(wave.bundle),
    }
    return tuple(Flag(label, same[name]) for name, label in FLAGS)


def _weighting(bundle: dict[str, Any]) -> tuple[Any, ...]:
    weighting = bundle["ponderation"]
    return (weighting["methode"], tuple(weighting["variables"]), weighting["options"])


def _wave_line(wave: ComparedWave, key: str, reference: ComparedWave | None) -> Line | None:
    described = wave.indicator(key)
    if described is None:
        return None
    cell = wave.overall(key) or {}
    return Line(
        name=wave.name,
        kind=wave.kind,
        indicator=key,
        wording=described["libelle"],
        base=described["base"],
        estimate=cell.get("estimation"),
        ci_low=cell.get("ic95_bas"),
        ci_high=cell.get("ic95_haut"),
        n=cell.get("effectif"),
        version=wave.version,
        period=wave.period,
        synthetic=bool(wave.bundle["vague"]["synthetique"]),
        flags=_flags(wave, reference, key),
        is_reference=wave is reference,
    )


def _national_line(figure: NationalFigure, reference: Line | None) -> Line:
    flags: tuple[Flag, ...] = ()
    if reference is not None:
        same = {
            "wording": figure.wording.casefold() == reference.wording.casefold(),
            "version": False,
            "base": figure.base.casefold() == reference.base.casefold(),
            "weighting": False,
        }
        flags = tuple(Flag(label, same[name]) for name, label in FLAGS)
    return Line(
        name=f"France — {figure.producer} {figure.year}",
        kind=NATIONAL,
        indicator=figure.indicator,
        wording=figure.wording,
        base=figure.base,
        estimate=figure.estimate,
        ci_low=figure.ci_low,
        ci_high=figure.ci_high,
        n=figure.n,
        version=figure.publication,
        period=str(figure.year),
        source=figure.source_url,
        flags=flags,
    )


def compared_waves(territory: Territory) -> list[ComparedWave]:
    """The territory's published waves (latest first), then the bundles it
    imported: what indicator_choices and comparison read (give it to both
    to build the bundles of the territory's waves once)."""
    return [*_own_waves(territory), *_imported_waves(territory)]


def indicator_choices(
    territory: Territory, waves: list[ComparedWave] | None = None
) -> list[tuple[str, str]]:
    """(indicator id, label) of every indicator of the territory's published
    waves and of the bundles it imported, the territory's first."""
    seen: dict[str, str] = {}
    for wave in compared_waves(territory) if waves is None else waves:
        for item in wave.bundle["indicateurs"]:
            seen.setdefault(item["indicateur"], item["libelle"])
    return list(seen.items())


def comparison(
    territory: Territory, indicator: str | None = None, waves: list[ComparedWave] | None = None
) -> list[IndicatorComparison]:
    """For ``indicator`` (None: every indicator), the lines side by side:
    the territory's published waves (latest first, the first being the
    reference of the flags), the bundles it imported that have the indicator,
    then the national figures attached to it. A table with no line of the
    territory compares with no reference (no flags)."""
    waves = compared_waves(territory) if waves is None else waves
    own = [w for w in waves if w.kind == OWN]
    reference = own[0] if own else None
    labels = dict(indicator_choices(territory, waves))
    keys = [indicator] if indicator else list(labels)
    figures: dict[str, list[NationalFigure]] = {}
    for figure in NationalFigure.objects.exclude(indicator=""):
        figures.setdefault(figure.indicator, []).append(figure)
    tables = []
    for key in keys:
        lines = [line for w in waves if (line := _wave_line(w, key, reference))]
        first = lines[0] if lines and lines[0].is_reference else None
        lines += [_national_line(f, first) for f in figures.get(key, [])]
        tables.append(IndicatorComparison(key, labels.get(key, key), lines))
    return tables


def unattached_figures() -> list[NationalFigure]:
    """The national figures attached to no indicator: shown apart, as context."""
    return list(NationalFigure.objects.filter(indicator=""))


CSV_COLUMNS = [
    "indicateur", "libelle", "ligne", "type", "periode", "estimation", "ic95_bas", "ic95_haut",
    "effectif", "base", "questionnaire", "meme_formulation", "meme_version", "meme_population",
    "meme_ponderation", "comparable", "source",
]  # fmt: skip


def _yes_no(line: Line, position: int) -> str:
    if line.is_reference:
        return "référence"
    if not line.flags:
        return ""
    return "oui" if line.flags[position].same else "non"


def comparison_csv(tables: list[IndicatorComparison]) -> bytes:
    """The comparison as CSV (UTF-8 with BOM, comma, decimal point, as the
    open data of a wave), one line per line of each table."""
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for table in tables:
        for line in table.lines:
            comparable = "référence" if line.is_reference else ""
            if not line.is_reference and line.flags:
                comparable = "oui" if line.comparable else "non"
            values = [
                table.indicator, table.label, line.name, line.kind_label, line.period,
                line.estimate, line.ci_low, line.ci_high, line.n, line.base, line.version,
                *(_yes_no(line, at) for at in range(len(FLAGS))), comparable, line.source,
            ]  # fmt: skip
            writer.writerow(["" if v is None else spreadsheet_safe(v) for v in values])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")
