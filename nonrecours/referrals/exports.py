"""The referral statistics as a CSV file for the funders: the published
cells only, with the same disclosure as the page."""

import csv
import io
from decimal import Decimal

from nonrecours.csvtext import spreadsheet_safe
from nonrecours.referrals.enums import OutcomeKind, Status
from nonrecours.referrals.queries import STATUS_ORDER, ReferralStatistics, Row

SECRET = "secret"  # noqa: S105 (the statistical secret, not a password)
HEADER = [
    "tableau",
    "ligne",
    "orientations",
    *[f"statut : {Status(s).label.lower()}" for s in STATUS_ORDER],
    "avec un résultat",
    "part avec un résultat (%)",
    "délai médian de réponse (jours)",
    *[f"résultat : {kind.label.lower()}" for kind in OutcomeKind],
    "personnes avec un droit ouvert",
    "montant annuel estimé des droits ouverts (€)",
]


def _cell(value: int | float | Decimal | None) -> str:
    if value is None:
        return SECRET
    if isinstance(value, float):
        return f"{value:.1f}".replace(".", ",")
    return str(value)


def _line(table: str, row: Row) -> list[str]:
    share = None if row.share_with_outcome is None else 100 * row.share_with_outcome
    return [
        spreadsheet_safe(table),
        spreadsheet_safe(row.label),
        str(row.n),
        *[_cell(row.statuses[s]) for s in STATUS_ORDER],
        _cell(row.with_outcome),
        _cell(share),
        _cell(row.median_delay_days),
        # The outcomes' breakdown is published for the whole territory only.
        *[_cell(row.outcomes[kind]) if row.outcomes else "" for kind in OutcomeKind.values],
        _cell(row.rights_opened),
        _cell(row.yearly_amount),
    ]


def statistics_csv(stats: ReferralStatistics) -> str:
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, delimiter=";")
    period = f"orientations envoyées en {stats.year}" if stats.year else "aucune orientation"
    writer.writerow([f"# Orientations — {stats.territory.name} — {period}"])
    writer.writerow(
        [
            f"# « {SECRET} » : secret statistique (moins de {stats.threshold} personnes, "
            "ou valeur qui permettrait, par différence avec le total d'une ligne ou d'une "
            "colonne, de retrouver une autre case masquée). Les lignes de moins de "
            f"{stats.threshold} orientations sont regroupées dans « Autres »."
        ]
    )
    if stats.synthetic:
        writer.writerow(["# Contient des données de démonstration (synthétiques)."])
    writer.writerow(HEADER)
    if stats.total is None:
        writer.writerow(
            ["ensemble", f"moins de {stats.threshold} orientations : rien n'est publié"]
        )
        return buffer.getvalue()
    writer.writerow(_line("ensemble", stats.total))
    for table in stats.tables:
        for row in table.rows:
            writer.writerow(_line(table.title, row))
    return buffer.getvalue()
