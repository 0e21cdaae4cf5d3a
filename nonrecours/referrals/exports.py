"""The referral statistics as files that open directly in a spreadsheet.

For the funders, the published view (the secrecy rule applied, the same as
the page's « vue publiée »): a CSV whose first line is its header, the notes
that go with it (period, rule, generation date, territory, columns) as a
text file, or both in one XLSX workbook, sheets « données » and « notes ».
For the territory team only, the exact view as an XLSX workbook named
« usage interne — ne pas diffuser ». No comment line ever precedes a header;
every text cell goes through csvtext.spreadsheet_safe() (no formula runs).
"""

import csv
import datetime
import io
from dataclasses import dataclass
from decimal import Decimal

from django.utils import timezone

from nonrecours import french
from nonrecours.csvtext import spreadsheet_safe
from nonrecours.referrals.statistics import (
    DIMENSIONS,
    PARTS,
    ReferralDashboard,
    ReferralStatistics,
    Row,
)
from nonrecours.workbooks import data_and_notes_xlsx

PARTS_LABELS = [label for _, label in PARTS]
SECRET = "secret"  # noqa: S105 (the statistical secret, not a password)
HEADER = [
    "tableau",
    "ligne",
    "orientations",
    *PARTS_LABELS,
    "dont acceptées (somme)",
    "dont avec un résultat (somme)",
    "part avec un résultat (%)",
    "délai médian de réponse (jours)",
    "montant annuel estimé des droits ouverts (€)",
]
COLUMNS: tuple[tuple[str, str], ...] = (
    ("tableau", "« ensemble », puis la même année répartie autrement : "
     + ", ".join(title.lower() for _, title, _ in DIMENSIONS) + "."),
    ("ligne", "la ligne du tableau (organisation, offre, commune, mois…)."),
    ("orientations", "orientations envoyées dans l'année ; les six colonnes suivantes les "
     "partagent et en font le total."),
    *((label, f"orientations {label}.") for label in PARTS_LABELS),
    ("dont acceptées (somme)", "acceptées sans résultat encore + avec un résultat sans droit "
     "ouvert + avec au moins un droit ouvert."),
    ("dont avec un résultat (somme)", "avec un résultat sans droit ouvert + avec au moins un "
     "droit ouvert."),
    ("part avec un résultat (%)", "« dont avec un résultat » divisé par « orientations »."),
    ("délai médian de réponse (jours)", "entre l'envoi et l'acceptation ou le refus, pour les "
     "orientations qui ont reçu une réponse."),
    ("montant annuel estimé des droits ouverts (€)", "12 fois la somme des montants mensuels "
     "estimés des droits ouverts."),
)  # fmt: skip
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
INTERNAL_WARNING = (
    "USAGE INTERNE — NE PAS DIFFUSER : chiffres exacts, sans secret statistique, pour "
    "l'équipe du territoire. Ne les transmettez pas aux financeurs et ne les publiez pas : "
    "une case de quelques orientations peut faire reconnaître une personne. Pour les "
    "financeurs, utilisez l'export « pour les financeurs »."
)

Cell = str | int | float | None  # None: hidden by the rule (or, exact view: no answer yet)


def _number(value: int | float | Decimal | None) -> Cell:
    if isinstance(value, Decimal):
        return int(value)
    if isinstance(value, float):
        return round(value, 1)
    return value


def _values(row: Row) -> list[Cell]:
    share = None if row.share_with_outcome is None else 100 * row.share_with_outcome
    return [
        row.n,
        *[row.parts[key] for key, _ in PARTS],
        row.accepted,
        row.with_outcome,
        _number(share),
        _number(row.median_delay_days),
        _number(row.yearly_amount),
    ]


def statistics_rows(stats: ReferralStatistics) -> list[list[Cell]]:
    """The data lines, without the header (HEADER): the total line, then
    every table's rows. Numbers are ints or floats (one decimal); ``None``
    is a hidden value (published view), or a median delay with no answer
    yet (exact view). Under the threshold, the published view has one total
    line whose figures are all hidden."""
    if stats.total is None:
        if stats.exact:
            return []
        return [["ensemble", "Ensemble", *[None] * (len(HEADER) - 2)]]
    lines: list[list[Cell]] = [["ensemble", stats.total.label, *_values(stats.total)]]
    for table in stats.tables:
        lines += [[table.title, row.label, *_values(row)] for row in table.rows]
    return lines


def _csv_cell(value: Cell, exact: bool) -> str:
    if value is None:
        return "" if exact else SECRET
    if isinstance(value, float):
        return french.number(value, 1, grouping=False)
    return str(spreadsheet_safe(value))


def statistics_csv(stats: ReferralStatistics) -> str:
    """The view as CSV text (separator « ; », decimal comma): the header
    on the first line, then statistics_rows(); « secret » for a hidden
    value. The notes are apart: statistics_notes_text()."""
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, delimiter=";")
    writer.writerow(HEADER)
    for line in statistics_rows(stats):
        writer.writerow([_csv_cell(value, stats.exact) for value in line])
    return buffer.getvalue()


def _moment(moment: datetime.datetime) -> str:
    local = timezone.localtime(moment)
    return f"{french.date_text(local.date())} à {local:%H:%M}"


def statistics_notes(
    stats: ReferralStatistics, *, generated_at: datetime.datetime
) -> list[tuple[str, str]]:
    """The notes that go with a data file, as (heading, text) pairs: what
    the file is, territory, period, provisional or not, generation date
    (``generated_at``, an aware datetime, written in French local time),
    the rule, how to read it, and each column. Never an exact count of a
    published view."""
    threshold = stats.threshold
    territory = stats.territory
    notes = [
        (
            "fichier",
            INTERNAL_WARNING
            if stats.exact
            else "Statistiques des orientations entre partenaires, vue publiée pour les "
            "financeurs (secret statistique appliqué).",
        ),
        ("territoire", f"{territory.name} (SIREN {territory.siren})"),
        (
            "période",
            f"orientations envoyées du 1er janvier au 31 décembre {stats.year} (année civile)"
            if stats.year
            else "aucune orientation pour l'instant",
        ),
        (
            "état des chiffres",
            "année close"
            if stats.closed
            else "année en cours : chiffres provisoires, ils changent à chaque réponse et à "
            "chaque résultat",
        ),
        ("généré le", _moment(generated_at)),
    ]
    if stats.exact:
        notes.append(("règle de diffusion", "aucune : ce sont les chiffres exacts."))
    else:
        notes.append(
            (
                "règle de diffusion",
                f"celle du baromètre : aucune case ne décrit moins de {threshold} personnes. "
                f"« {SECRET} » : valeur masquée (secret statistique), parce qu'elle compte "
                f"moins de {threshold} orientations, ou parce qu'avec les totaux des lignes et "
                "des colonnes elle permettrait de retrouver une autre valeur masquée. Les "
                f"lignes de moins de {threshold} orientations sont regroupées dans « Autres » "
                f"(avec la plus petite des autres si ce regroupement reste sous {threshold}). "
                "Le délai médian "
                f"est donné à partir de {threshold} réponses, le montant à partir de "
                f"{threshold} personnes dont le droit a un montant.",
            )
        )
        if stats.total is None:
            notes.append(
                ("contenu", f"moins de {threshold} orientations dans l'année : rien n'est publié.")
            )
    if stats.total is not None:
        notes.append(
            (
                "résultats corrigés",
                f"{stats.outcomes_text}, {stats.corrected_text} par la structure qui a "
                "reçu l'orientation : chaque résultat est compté pour sa dernière valeur.",
            )
        )
    if stats.synthetic:
        notes.append(
            (
                "démonstration",
                "contient des données de démonstration (synthétiques), fabriquées pour "
                "montrer le logiciel.",
            )
        )
    notes += [(f"colonne « {name} »", text) for name, text in COLUMNS]
    return notes


def statistics_notes_text(stats: ReferralStatistics, *, generated_at: datetime.datetime) -> str:
    """statistics_notes() as plain text, one « heading : text » line each."""
    return "".join(
        f"{heading} : {text}\n"
        for heading, text in statistics_notes(stats, generated_at=generated_at)
    )


def statistics_xlsx(stats: ReferralStatistics, *, generated_at: datetime.datetime) -> bytes:
    """The view as an XLSX workbook (workbooks.data_and_notes_xlsx): a data
    sheet (« données », or « données usage interne » for the exact view)
    whose first row is the header, numbers as numbers, « secret » for a
    hidden value (empty in the exact view), then a « notes » sheet
    (statistics_notes)."""
    hidden = None if stats.exact else SECRET
    return data_and_notes_xlsx(
        sheet="données usage interne" if stats.exact else "données",
        header=[HEADER],
        rows=(
            [hidden if value is None else value for value in line]
            for line in statistics_rows(stats)
        ),
        notes=statistics_notes(stats, generated_at=generated_at),
        freeze="C2",
        widths={"A": 30, "B": 40},
        notes_widths=(45, 110),
    )


@dataclass(frozen=True)
class ExportFile:
    content: bytes
    content_type: str
    filename: str


EXPORT_KINDS = ("csv", "xlsx", "notes", "internal")


def statistics_export(
    dashboard: ReferralDashboard, kind: str, *, generated_at: datetime.datetime | None = None
) -> ExportFile:
    """One download of the statistics page. ``kind``: "csv" (published
    view, UTF-8 with a BOM so that Excel reads its accents), "xlsx"
    (published view and its notes), "notes" (the CSV's notes, text) or
    "internal" (the exact view, XLSX, for the team only: the caller checks
    the permission). ``generated_at`` defaults to now. Raises ValueError
    for another kind."""
    moment = generated_at or timezone.now()
    published = dashboard.published
    stem = f"orientations-{published.territory.siren}-{published.year or 'aucune-annee'}"
    if kind == "csv":
        text = "\ufeff" + statistics_csv(published)
        return ExportFile(text.encode(), "text/csv; charset=utf-8", f"{stem}.csv")
    if kind == "notes":
        text = "\ufeff" + statistics_notes_text(published, generated_at=moment)
        return ExportFile(text.encode(), "text/plain; charset=utf-8", f"{stem}-notes.txt")
    if kind == "xlsx":
        return ExportFile(statistics_xlsx(published, generated_at=moment), XLSX, f"{stem}.xlsx")
    if kind == "internal":
        content = statistics_xlsx(dashboard.exact, generated_at=moment)
        return ExportFile(content, XLSX, f"{stem}-usage-interne-ne-pas-diffuser.xlsx")
    raise ValueError(f"Export inconnu : {kind!r} (attendu : {', '.join(EXPORT_KINDS)}).")
