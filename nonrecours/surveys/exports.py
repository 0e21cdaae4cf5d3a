"""Answers of a campaign as CSV, XLSX or Parquet, with their codebook.

The columns follow KoboToolbox's "XML values and headers" export (one
column per question, codes as values, multiple choices as space-separated
codes, `_uuid`, `start`, `end`), so an export imports back as is. Contact
details of call-back requests are never exported.
"""

import csv
import io
import zipfile
from collections.abc import Iterator
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell

from nonrecours.surveys.limesurvey import limesurvey_codes
from nonrecours.surveys.models import Campaign
from nonrecours.surveys.questionnaire import Question, Questionnaire, QuestionType

META_COLUMNS = [
    "_uuid", "campagne", "version_questionnaire", "canal", "start", "end",
    "commune_nom", "strate",
]  # fmt: skip
CODEBOOK_COLUMNS = [
    "question", "section", "libelle", "type", "obligatoire", "condition_affichage",
    "code", "libelle_reponse", "odenore", "indicateurs", "code_limesurvey_question",
    "code_limesurvey_reponse", "version_questionnaire", "empreinte",
]  # fmt: skip


def _questions(questionnaire: Questionnaire) -> list[Question]:
    return [q for q in questionnaire.questions if not q.personal]


def columns(questionnaire: Questionnaire) -> list[str]:
    return META_COLUMNS + [q.name for q in _questions(questionnaire)]


def rows(campaign: Campaign) -> Iterator[dict[str, Any]]:
    questionnaire = campaign.questionnaire.questionnaire()
    questions = _questions(questionnaire)
    responses = (
        campaign.responses.select_related("commune", "questionnaire")
        .order_by("submitted_at", "pk")
        .iterator(chunk_size=2000)
    )
    for response in responses:
        answers = response.answers
        row: dict[str, Any] = {
            "_uuid": response.idempotency_key,
            "campagne": campaign.slug,
            "version_questionnaire": response.questionnaire.version,
            "canal": response.channel,
            "start": response.started_at.isoformat() if response.started_at else "",
            "end": response.submitted_at.isoformat(),
            "commune_nom": response.commune.name,
            "strate": response.commune.stratum,
        }
        for question in questions:
            value = answers.get(question.name, "")
            if question.type == QuestionType.SELECT_MULTIPLE and isinstance(value, list):
                value = " ".join(value)
            row[question.name] = value
        yield row


def codebook(questionnaire: Questionnaire) -> list[dict[str, Any]]:
    entries = []
    feeds: dict[str, list[str]] = {}
    for indicator in questionnaire.indicators:
        for name in indicator.numerator.questions():
            feeds.setdefault(name, []).append(indicator.id)
    lime = limesurvey_codes(questionnaire)
    for question in _questions(questionnaire):
        base = {
            "code_limesurvey_question": lime[question.name].question,
            "question": question.name,
            "section": question.section,
            "libelle": question.label,
            "type": question.type.value,
            "obligatoire": "oui" if question.required else "non",
            "condition_affichage": question.relevant.to_xlsform() if question.relevant else "",
            "indicateurs": " ".join(feeds.get(question.name, [])),
            "version_questionnaire": questionnaire.version,
            "empreinte": questionnaire.checksum,
        }
        if not question.choices:
            entries.append(
                {**base, "code": "", "libelle_reponse": "", "odenore": "",
                 "code_limesurvey_reponse": ""}
            )  # fmt: skip
        for choice in question.choices:
            entries.append(
                {
                    **base,
                    "code": choice.code,
                    "libelle_reponse": choice.label,
                    "odenore": choice.odenore or "",
                    "code_limesurvey_reponse": lime[question.name].answers[choice.code],
                }
            )
    return entries


def _csv_bytes(
    header: list[str], records: Iterator[dict[str, Any]] | list[dict[str, Any]]
) -> bytes:
    buffer = io.StringIO(newline="")
    writer = csv.DictWriter(buffer, fieldnames=header, lineterminator="\n")
    writer.writeheader()
    writer.writerows(records)
    return buffer.getvalue().encode("utf-8")


README = """Réponses de la campagne « {name} » ({slug}), questionnaire version {version}.
reponses : une ligne par réponse, une colonne par question (codes de réponse ;
choix multiples : codes séparés par des espaces). Les coordonnées des demandes
de rappel ne sont jamais exportées.
codebook : chaque question, son libellé, ses codes de réponse et leur libellé,
la condition d'affichage (XLSForm), le codage ODENORE des raisons du non-recours.
{synthetic}"""


def _readme(campaign: Campaign, questionnaire: Questionnaire) -> str:
    synthetic = (
        "ATTENTION : données de démonstration SYNTHÉTIQUES.\n" if campaign.is_synthetic else ""
    )
    return README.format(
        name=campaign.name, slug=campaign.slug, version=questionnaire.version, synthetic=synthetic
    )


def export_csv_zip(campaign: Campaign) -> bytes:
    questionnaire = campaign.questionnaire.questionnaire()
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("reponses.csv", _csv_bytes(columns(questionnaire), rows(campaign)))
        archive.writestr("codebook.csv", _csv_bytes(CODEBOOK_COLUMNS, codebook(questionnaire)))
        archive.writestr("LISEZMOI.txt", _readme(campaign, questionnaire))
    return buffer.getvalue()


def export_parquet_zip(campaign: Campaign) -> bytes:
    questionnaire = campaign.questionnaire.questionnaire()
    header = columns(questionnaire)
    data: dict[str, list[Any]] = {name: [] for name in header}
    for row in rows(campaign):
        for name in header:
            data[name].append(str(row[name]))
    table = pa.table({name: pa.array(values, type=pa.string()) for name, values in data.items()})
    table = table.replace_schema_metadata(
        {"campagne": campaign.slug, "questionnaire_version": str(questionnaire.version),
         "synthetique": "oui" if campaign.is_synthetic else "non"}
    )  # fmt: skip
    answers = io.BytesIO()
    pq.write_table(table, answers)
    book = io.BytesIO()
    pq.write_table(pa.Table.from_pylist(codebook(questionnaire)), book)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("reponses.parquet", answers.getvalue())
        archive.writestr("codebook.parquet", book.getvalue())
        archive.writestr("LISEZMOI.txt", _readme(campaign, questionnaire))
    return buffer.getvalue()


def _text_cell(sheet: Any, value: Any) -> Any:
    """A cell that a spreadsheet never runs: text starting with = stays text."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@"):
        cell = WriteOnlyCell(sheet, value=value)
        cell.data_type = "s"
        return cell
    return value


def export_xlsx(campaign: Campaign) -> bytes:
    questionnaire = campaign.questionnaire.questionnaire()
    workbook = Workbook(write_only=True)
    answers = workbook.create_sheet("reponses")
    header = columns(questionnaire)
    answers.append(header)
    for row in rows(campaign):
        answers.append([_text_cell(answers, row[name]) for name in header])
    book = workbook.create_sheet("codebook")
    book.append(CODEBOOK_COLUMNS)
    for entry in codebook(questionnaire):
        book.append([entry[name] for name in CODEBOOK_COLUMNS])
    notes = workbook.create_sheet("lisezmoi")
    for line in _readme(campaign, questionnaire).splitlines():
        notes.append([line])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


EXPORTERS = {
    "csv": (export_csv_zip, "zip", "application/zip"),
    "xlsx": (
        export_xlsx,
        "xlsx",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ),
    "parquet": (export_parquet_zip, "zip", "application/zip"),
}
