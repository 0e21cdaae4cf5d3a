"""The funnel of the chains as files that open in a spreadsheet: always the
published view (chain_queries.chain_year, the secrecy rule applied), only
for a whole civil year that is over (two exports never overlap, so their
difference cannot give back a hidden cell — the rule of
outreach.achievement_exports). A CSV whose first line is its header, or an
XLSX workbook with a « données » sheet and a « notes » sheet. Every text
cell goes through csvtext.spreadsheet_safe() (no formula runs);
« secret » marks a hidden value."""

import csv
import datetime
import io
from decimal import Decimal

from django.utils import timezone
from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

from nonrecours import french
from nonrecours.csvtext import spreadsheet_safe
from nonrecours.evaluation.chain_funnel import STEPS, ChainFunnel, FunnelError, FunnelRow
from nonrecours.evaluation.chain_queries import chain_year
from nonrecours.referrals.exports import SECRET, XLSX
from nonrecours.territories.models import Territory

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
    *(f"personnes {label}" for _, label in STEPS),
    *(
        f"taux {after} / {before} (%)"
        for (_, before), (_, after) in zip(STEPS, STEPS[1:], strict=False)
    ),
    "droits ouverts (€ par an)",
]


def chain_export_check(year: int, *, today: datetime.date) -> None:
    """Raises FunnelError (French) unless civil year ``year`` is over by
    ``today``: an export covers a whole year that is over."""
    if year >= today.year:
        raise FunnelError(
            f"L'année {year} n'est pas terminée : seules les années entières passées "
            "s'exportent (deux exports qui se chevauchent redonneraient, par différence, ce "
            "que le secret statistique masque)."
        )


def _count(value: int | None) -> Cell:
    return SECRET if value is None else value


def _euros(value: Decimal | None) -> Cell:
    return SECRET if value is None else int(value.quantize(Decimal(1)))


def _line(table: str, row: FunnelRow) -> list[Cell]:
    rates = [SECRET if rate is None else rate for rate in row.rates]
    return [
        table,
        row.label,
        *(_count(c) for c in row.counts),
        *rates,
        _euros(row.yearly_amount),
    ]


def chain_rows(funnel: ChainFunnel) -> list[list[Cell]]:
    """The data lines, without HEADER: the total, each table's rows, then
    the rights opened by benefit (people in the « droit ouvert » column,
    their amount in euros per year). « secret » for a hidden value (a rate
    is « secret » when either of its counts is hidden, or its base is 0)."""
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
                *([None] * (width - 1)),
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
        ("période", f"demandes de rappel reçues {funnel.period_text}"),
        ("généré le", f"{french.date_text(local.date())} à {local:%H:%M}"),
        (
            "méthode",
            "Chaque demande de rappel traitée (« Appeler ») est un parcours. Étapes : "
            "contactées (au moins un appel), jointes, droits vérifiés avec la personne "
            "(simulateur pré-rempli de ses réponses), orientées (au moins une orientation), "
            "droit ouvert (au moins un résultat « droit ouvert » en vigueur — un résultat "
            "corrigé compte pour sa dernière valeur). Montant : montant mensuel du résultat "
            "× 12, en euros par an. Les étapes sont comptées telles qu'elles sont à la date "
            "du fichier (des résultats peuvent encore arriver).",
        ),
        (
            "règle de diffusion",
            f"celle du baromètre : aucune case ne décrit moins de {funnel.threshold} "
            f"personnes. « {SECRET} » : valeur masquée parce qu'elle en compte moins de "
            f"{funnel.threshold}, ou parce qu'avec le total, les autres lignes ou les autres "
            "étapes elle permettrait de retrouver une valeur masquée. Seules les années "
            "entières passées s'exportent.",
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


def _xlsx_cell(value: Cell) -> Cell:
    if isinstance(value, str):
        return str(spreadsheet_safe(ILLEGAL_CHARACTERS_RE.sub("\ufffd", value)))
    return value


def chain_xlsx(
    territory: Territory,
    year: int,
    *,
    today: datetime.date | None = None,
    generated_at: datetime.datetime | None = None,
) -> bytes:
    """The published funnel of ``year`` as an XLSX workbook: sheet
    « données » (HEADER, chain_rows(), numbers as numbers), sheet « notes »
    (chain_notes). Raises FunnelError (French) for a year not over."""
    chain_export_check(year, today=today or timezone.localdate())
    funnel = chain_year(territory, year)
    workbook = Workbook()
    workbook.remove(workbook.worksheets[0])
    data = workbook.create_sheet("données")
    data.append(HEADER)
    for line in chain_rows(funnel):
        data.append([_xlsx_cell(value) for value in line])
    data.freeze_panes = "C2"
    data.column_dimensions["A"].width = 30
    data.column_dimensions["B"].width = 35
    notes = workbook.create_sheet("notes")
    notes.append(["rubrique", "note"])
    for heading, text in chain_notes(funnel, generated_at=generated_at or timezone.now()):
        notes.append([_xlsx_cell(heading), _xlsx_cell(text)])
    notes.column_dimensions["A"].width = 25
    notes.column_dimensions["B"].width = 110
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
