"""The register of processing as a CSV file that opens directly in a
spreadsheet: the header on the first line, one line per kind of personal
data, no comment line; `;` separated (French spreadsheets), UTF-8."""

import csv
import io

from nonrecours.csvtext import spreadsheet_safe
from nonrecours.privacy.queries import RegisterLine

HEADER = [
    "Traitement",
    "Déclaré par",
    "Tables",
    "Finalité",
    "Personnes concernées",
    "Catégories de données",
    "Qui y a accès",
    "Destinataires",
    "Durée de conservation",
    "Base légale",
]


def register_csv(lines: list[RegisterLine]) -> str:
    """The register's lines as CSV text (without byte order mark: the view
    adds it for spreadsheets). Every text cell goes through spreadsheet_safe."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow(HEADER)
    for line in lines:
        processing = line.processing
        writer.writerow(
            [
                spreadsheet_safe(cell)
                for cell in (
                    processing.name,
                    line.owner,
                    ", ".join(f"{name} ({label})" for label, name in line.tables),
                    processing.purpose,
                    processing.people,
                    processing.data,
                    processing.seen_by,
                    processing.recipients,
                    line.retention,
                    processing.legal_basis,
                )
            ]
        )
    return buffer.getvalue()
