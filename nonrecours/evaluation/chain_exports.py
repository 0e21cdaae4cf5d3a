"""The funnel of the chains as files that open in a spreadsheet: always the
published view (chain_queries.chain_year, the secrecy rule applied,
stopped at the year's cut-off), only for a whole civil year published (from
1 April of the following year): two exports never overlap and two exports
of one year are the same, so their difference cannot give back a hidden
cell — the rule of outreach.achievement_exports. A CSV whose first line is its header, or an
XLSX workbook with a « données » sheet and a « notes » sheet. Every text
cell goes through csvtext.spreadsheet_safe() (no formula runs);
« secret » marks a hidden value."""

import csv
import datetime
import io
from decimal import Decimal

from django.conf import settings
from django.utils import timezone

from nonrecours import french
from nonrecours.csvtext import spreadsheet_safe
from nonrecours.evaluation.chain_funnel import (
    OVERALL_RATE_HEADER,
    RATE_HEADERS,
    STEP_HEADERS,
    STEPS,
    ChainFunnel,
    FunnelError,
    FunnelRow,
)
from nonrecours.evaluation.chain_queries import chain_year
from nonrecours.evaluation.chain_rights import published_on
from nonrecours.referrals.exports import SECRET, XLSX
from nonrecours.territories.models import Territory
from nonrecours.workbooks import data_and_notes_xlsx

__all__ = [
    "HEADER",
    "XLSX",
    "chain_csv",
    "chain_export_check",
    "chain_notes",
    "chain_rows",
    "chain_xlsx",
]

Cell = str | int | float | None

HEADER = [
    "tableau",
    "ligne",
    *STEP_HEADERS,
    *RATE_HEADERS,
    OVERALL_RATE_HEADER,
    "montant des droits ouverts (€ par an)",
]


def chain_export_check(year: int, *, today: datetime.date) -> None:
    """Raises FunnelError (French) unless civil year ``year`` is published
    by ``today`` (from 1 April of the following year,
    chain_rights.published_on): an export covers a whole year, stopped at
    its cut-off."""
    if today < published_on(year):
        raise FunnelError(
            f"Les chiffres de {year} sont arrêtés au 31 mars {year + 1} et s'exportent à "
            f"partir du {french.date_text(published_on(year))} : deux exports qui se "
            "chevauchent ou qui changent redonneraient, par différence, ce que le secret "
            "statistique masque."
        )


def _count(value: int | None) -> Cell:
    return SECRET if value is None else value


def _euros(value: Decimal | None) -> Cell:
    return SECRET if value is None else int(value.quantize(Decimal(1)))


def _rate(rate: float | None, counts: tuple[int | None, ...]) -> Cell:
    """A rate, « secret » when one of its counts is hidden, empty when its
    base is 0."""
    if rate is None:
        return SECRET if None in counts else None
    return rate


def _line(table: str, row: FunnelRow) -> list[Cell]:
    pairs = zip(row.counts, row.counts[1:], strict=False)
    rates = [_rate(rate, pair) for rate, pair in zip(row.rates, pairs, strict=True)]
    overall = _rate(row.overall_rate, (row.counts[0], row.counts[-1]))
    return [
        table,
        row.label,
        *(_count(c) for c in row.counts),
        *rates,
        overall,
        _euros(row.yearly_amount),
    ]


def chain_rows(funnel: ChainFunnel) -> list[list[Cell]]:
    """The data lines, without HEADER: the total, each table's rows, then
    the rights opened by benefit (people in the « droit ouvert » column,
    their amount in euros per year). « secret » for a hidden value (a rate
    is « secret » when either of its counts is hidden, empty when its base
    is 0)."""
    lines = [_line("Ensemble", funnel.total)]
    for table in funnel.tables:
        lines += [_line(table.title, row) for row in table.rows]
    width = len(STEPS)
    for row in funnel.benefits:
        blanks: list[Cell] = [None] * (width - 1)
        lines.append(
            [
                "Droits ouverts par prestation",
                row.label,
                *blanks,
                _count(row.people),
                *([None] * width),
                _euros(row.yearly_amount),
            ]
        )
    return lines


def chain_notes(funnel: ChainFunnel, *, generated_at: datetime.datetime) -> list[tuple[str, str]]:
    """The notes of an export, as (heading, French text): what it is, the
    territory, the year, the method, the rule."""
    local = timezone.localtime(generated_at)
    territory = funnel.territory
    return [
        (
            "fichier",
            "Parcours des demandes de rappel du baromètre, de l'appel au droit ouvert : vue "
            "publiée (secret statistique appliqué).",
        ),
        ("territoire", f"{territory.name} (SIREN {territory.siren})"),
        (
            "période",
            f"étapes du parcours qui ont eu lieu {funnel.period_text}, quelle que soit la date "
            f"de la demande ; résultats enregistrés jusqu'au {funnel.cutoff_text} inclus",
        ),
        ("généré le", f"{french.date_text(local.date())} à {local:%H:%M}"),
        (
            "méthode",
            "Chaque demande de rappel traitée (« Appeler ») est un parcours. Chaque étape est "
            "comptée dans l'année où elle a eu lieu : contactées (premier appel noté dans "
            "l'année), jointes, droits vérifiés avec la personne (simulateur pré-rempli de "
            "ses réponses), orientées (première orientation), droit ouvert (jour où le "
            "premier résultat « droit ouvert » a été enregistré). Une demande de 2024 "
            "travaillée en 2026 compte en 2026. Les taux de passage rapportent chaque étape à "
            "la précédente dans l'année (pas une cohorte suivie). Montant : montant mensuel "
            "du résultat × 12, en euros par an. Chiffres arrêtés au 31 mars de l'année "
            "suivante : seuls comptent les résultats en vigueur à cette date (une correction "
            "plus tardive n'est pas appliquée). Quand la demande de rappel est effacée "
            f"({settings.NONRECOURS_CONTACT_RETENTION_DAYS} jours après le premier appel, ou "
            "après la fin de la campagne), le parcours garde une copie de ses droits ouverts ; "
            "les résultats enregistrés ensuite ne sont pas comptés.",
        ),
        (
            "règle de diffusion",
            f"celle du baromètre : aucune case ne décrit moins de {funnel.threshold} "
            f"personnes. « {SECRET} » : valeur masquée parce qu'elle en compte moins de "
            f"{funnel.threshold}, ou parce qu'avec le total, les autres lignes ou les autres "
            "étapes elle permettrait de retrouver une valeur masquée. Seules les années "
            "entières s'exportent, à partir du 1er avril de l'année suivante.",
        ),
    ]


def _csv_cell(value: Cell) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return french.number(value, 1, grouping=False)
    return str(spreadsheet_safe(value))


def chain_csv(territory: Territory, year: int, *, today: datetime.date | None = None) -> str:
    """The published funnel of ``year`` as CSV text: « ; » between cells,
    decimal comma, HEADER first, then chain_rows(). Raises FunnelError
    (French) for a year not over (chain_export_check)."""
    chain_export_check(year, today=today or timezone.localdate())
    funnel = chain_year(territory, year)
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, delimiter=";")
    writer.writerow(HEADER)
    for line in chain_rows(funnel):
        writer.writerow([_csv_cell(value) for value in line])
    return buffer.getvalue()


def chain_xlsx(
    territory: Territory,
    year: int,
    *,
    today: datetime.date | None = None,
    generated_at: datetime.datetime | None = None,
) -> bytes:
    """The published funnel of ``year`` as an XLSX workbook
    (workbooks.data_and_notes_xlsx): sheet « données » (HEADER, chain_rows(),
    numbers as numbers), sheet « notes » (chain_notes). Raises FunnelError
    (French) for a year not over."""
    chain_export_check(year, today=today or timezone.localdate())
    funnel = chain_year(territory, year)
    return data_and_notes_xlsx(
        sheet="données",
        header=[HEADER],
        rows=chain_rows(funnel),
        notes=chain_notes(funnel, generated_at=generated_at or timezone.now()),
        freeze="C2",
        widths={"A": 30, "B": 35},
        notes_widths=(25, 110),
    )
