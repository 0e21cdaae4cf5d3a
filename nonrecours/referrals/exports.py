"""The referral statistics as a CSV file for the funders: the published
cells only, with the same disclosure as the page."""

import csv
import io
from decimal import Decimal

from nonrecours.csvtext import spreadsheet_safe
from nonrecours.referrals.queries import PARTS, ReferralStatistics, Row

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
        *[_cell(row.parts[key]) for key, _ in PARTS],
        _cell(row.accepted),
        _cell(row.with_outcome),
        _cell(share),
        _cell(row.median_delay_days),
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
            "ou valeur qui permettrait, avec les totaux des lignes et des colonnes, de "
            "retrouver une autre case masquée). Les six parts d'une ligne font son nombre "
            f"d'orientations. Les lignes de moins de {stats.threshold} orientations sont "
            "regroupées dans « Autres »."
        ]
    )
    if not stats.closed:
        writer.writerow(["# Année en cours : chiffres provisoires."])
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
