"""Answers of a campaign as CSV, XLSX or Parquet, with their codebook.

The columns follow KoboToolbox's "XML values and headers" export (one
column per question, codes as values, multiple choices as space-separated
codes, `_uuid`, `start`, `end`), so an export imports back (the answers
whose commune is withheld excepted). The call-back questions (contact
details and the consent to be called back) are never exported, and the
place, time and id of each answer are coarsened (coarsening.py) so that no
call-back request can be tied back to its answers.

An export never fails on what people typed: a text cell is cleaned by
writable_text() (control characters and lone surrogates become U+FFFD) and,
in CSV and XLSX, goes through csvtext.spreadsheet_safe() (no formula runs
when a spreadsheet opens it). Numbers stay numbers. Parquet keeps the
cleaned text as it is: it is read by analysis tools, not spreadsheets.
"""

import csv
import io
import json
import re
import zipfile
from collections.abc import Iterable, Iterator
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
from openpyxl import Workbook

from nonrecours.csvtext import spreadsheet_safe
from nonrecours.surveys import coarsening
from nonrecours.surveys.barometer import campaign_barometer
from nonrecours.surveys.limesurvey import limesurvey_codes
from nonrecours.surveys.models import Campaign, Response
from nonrecours.surveys.open_data import OPEN_DATA_DICTIONARY, open_data_rows
from nonrecours.surveys.questionnaire import Question, Questionnaire, QuestionType

# C0 controls but tab, line feed and carriage return (XML 1.0, hence XLSX,
# cannot hold them; openpyxl raises IllegalCharacterError) and lone
# surrogates (UTF-8 cannot encode them; a JSON answer may hold one).
_UNWRITABLE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff]")
REPLACEMENT = "\ufffd"
# Excel's limit on the characters of a cell; a longer text is cut, marked.
XLSX_MAX_CELL_CHARS = 32_767
TRUNCATED = " […tronqué]"
NO_ANSWERS = "aucune réponse : la campagne n'a encore reçu aucune réponse, rien n'est publié."

META_COLUMNS = [
    "_uuid", "campagne", "version_questionnaire", "canal", "start", "end",
    "commune_nom", "strate", "_submitted_by",
]  # fmt: skip
CODEBOOK_COLUMNS = [
    "question", "section", "libelle", "type", "obligatoire", "condition_affichage",
    "code", "libelle_reponse", "odenore", "indicateurs", "code_limesurvey_question",
    "code_limesurvey_reponse", "version_questionnaire", "empreinte",
]  # fmt: skip


def _questions(questionnaire: Questionnaire) -> list[Question]:
    """The exported questions: all but the call-back ones."""
    withheld = questionnaire.contact_questions
    return [q for q in questionnaire.questions if q.name not in withheld]


def columns(questionnaire: Questionnaire) -> list[str]:
    return META_COLUMNS + [q.name for q in _questions(questionnaire)]


def writable_text(text: str) -> str:
    """``text`` with every character no export format can hold (C0 controls
    but tab, LF and CR; lone surrogates) replaced by U+FFFD."""
    return _UNWRITABLE.sub(REPLACEMENT, text)


def plain_value(value: Any) -> str | int | float | bool:
    """A stored answer as one cell: numbers and booleans as they are, text
    cleaned (writable_text), a list as its items separated by spaces (a
    multiple choice's codes), None as "", anything else as JSON text."""
    if isinstance(value, bool | int | float):
        return value
    if value is None:
        return ""
    if isinstance(value, str):
        return writable_text(value)
    if isinstance(value, list):
        return writable_text(" ".join(str(plain_value(item)) for item in value))
    return writable_text(json.dumps(value, ensure_ascii=False, default=str))


def _clean(record: dict[str, Any]) -> dict[str, Any]:
    return {k: writable_text(v) if isinstance(v, str) else v for k, v in record.items()}


def _spreadsheet_record(record: dict[str, Any]) -> dict[str, Any]:
    return {k: spreadsheet_safe(v) for k, v in _clean(record).items()}


def rows(campaign: Campaign, plan: coarsening.ExportPlan | None = None) -> Iterator[dict[str, Any]]:
    """The export's rows, in the plan's order (coarsening.export_plan):
    ``start`` and ``end`` are the dates of the period the answer was given
    in; a withheld commune leaves ``commune``, ``commune_nom`` and
    ``_submitted_by`` empty (and ``strate`` when it is withheld too)."""
    questionnaire = campaign.questionnaire.questionnaire()
    questions = _questions(questionnaire)
    plan = plan or coarsening.export_plan(campaign)
    stored = campaign.responses.select_related("commune", "questionnaire", "agent")
    for chunk in coarsening.chunked(plan):
        loaded = stored.in_bulk([row.pk for row in chunk])
        for exported in chunk:
            yield _row(campaign, loaded[exported.pk], exported, questions)


def _row(
    campaign: Campaign,
    response: Response,
    exported: coarsening.ExportedRow,
    questions: list[Question],
) -> dict[str, Any]:
    place = exported.place
    answers = response.answers
    row: dict[str, Any] = {
        "_uuid": exported.export_id,
        "campagne": campaign.slug,
        "version_questionnaire": response.questionnaire.version,
        "canal": response.channel,
        "start": place.start.isoformat(),
        "end": place.end.isoformat(),
        "commune_nom": response.commune.name if place.commune_shown else "",
        "strate": response.commune.stratum if place.stratum_shown else "",
        # who collected it: the tool's own name for the collector
        # (KoboToolbox _submitted_by, Central SubmitterName), else our agent
        "_submitted_by": (
            response.collector or (response.agent.username if response.agent is not None else "")
        )
        if place.commune_shown
        else "",
    }
    if not isinstance(answers, dict):  # stored by hand: never trust the shape
        answers = {}
    for question in questions:
        row[question.name] = plain_value(answers.get(question.name, ""))
        if question.type == QuestionType.COMMUNE and not place.commune_shown:
            row[question.name] = ""
    return _clean(row)


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
    return [_clean(entry) for entry in entries]


def _csv_bytes(header: list[str], records: Iterable[dict[str, Any]]) -> bytes:
    """CSV (UTF-8, comma) of ``records``, each text cell spreadsheet-safe."""
    buffer = io.StringIO(newline="")
    writer = csv.DictWriter(buffer, fieldnames=header, lineterminator="\n")
    writer.writerow({name: spreadsheet_safe(writable_text(name)) for name in header})
    writer.writerows(_spreadsheet_record(record) for record in records)
    return buffer.getvalue().encode("utf-8", errors="replace")


README = """Réponses de la campagne « {name} » ({slug}), questionnaire version {version}.
reponses : une ligne par réponse, une colonne par question (codes de réponse ;
choix multiples : codes séparés par des espaces). Les questions de la demande
de rappel (accord pour être recontacté·e, téléphone, courriel) ne sont jamais
exportées.
Pour qu'aucune demande de rappel (commune et semaine) ne puisse être
rapprochée de ses réponses, aucune réponse n'est datée à l'heure près :
start et end sont le premier et le dernier jour de la période où elle a été
donnée (des semaines entières, du lundi au dimanche, élargies dans chaque
commune jusqu'à ce que {minimum} réponses au moins la partagent). Les réponses
d'une commune qui en compte moins de {minimum} sont exportées sans leur commune
(colonnes commune et commune_nom vides), sans _submitted_by, et sans leur
strate si moins de {minimum} réponses la partagent ; elles ne se réimportent
pas. Les lignes sont rangées par commune puis dans un ordre fixe sans lien
avec l'ordre d'arrivée.
_uuid : identifiant de la soumission, propre à cet export (il ne dit rien de
l'ordre d'arrivée ; le même d'un export à l'autre) ; _submitted_by : qui l'a
collectée (identifiant de l'enquêteur·rice, ou nom donné par KoboToolbox /
ODK Central). Une soumission corrigée dans l'outil de collecte n'apparaît que
dans sa dernière version.
codebook : chaque question, son libellé, ses codes de réponse et leur libellé,
la condition d'affichage (XLSForm), le codage ODENORE des raisons du non-recours.
Dans les fichiers CSV et XLSX, un texte qui commence par =, +, -, @, une
tabulation ou un retour à la ligne est précédé d'une apostrophe, pour qu'aucun
tableur ne l'exécute comme une formule. Les caractères de contrôle et les
caractères invalides sont remplacés par « \ufffd » ; dans le classeur XLSX, un
texte de plus de 32 767 caractères (limite d'Excel) est coupé et marqué
« […tronqué] ».
{left_out}{synthetic}"""


def _readme(campaign: Campaign, questionnaire: Questionnaire, plan: coarsening.ExportPlan) -> str:
    synthetic = (
        "ATTENTION : données de démonstration SYNTHÉTIQUES.\n" if campaign.is_synthetic else ""
    )
    left_out = (
        f"{plan.left_out} réponse(s) ne sont pas exportées : elles viennent de communes "
        f"qui, toutes ensemble, comptent moins de {coarsening.EXPORT_MIN_GROUP} réponses.\n"
        if plan.left_out
        else ""
    )
    return README.format(
        name=campaign.name,
        slug=campaign.slug,
        version=questionnaire.version,
        minimum=coarsening.EXPORT_MIN_GROUP,
        left_out=left_out,
        synthetic=synthetic,
    )


def export_csv_zip(campaign: Campaign) -> bytes:
    questionnaire = campaign.questionnaire.questionnaire()
    plan = coarsening.export_plan(campaign)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("reponses.csv", _csv_bytes(columns(questionnaire), rows(campaign, plan)))
        archive.writestr("codebook.csv", _csv_bytes(CODEBOOK_COLUMNS, codebook(questionnaire)))
        archive.writestr("LISEZMOI.txt", _readme(campaign, questionnaire, plan))
    return buffer.getvalue()


def export_parquet_zip(campaign: Campaign) -> bytes:
    questionnaire = campaign.questionnaire.questionnaire()
    plan = coarsening.export_plan(campaign)
    header = columns(questionnaire)
    data: dict[str, list[Any]] = {name: [] for name in header}
    for row in rows(campaign, plan):
        for name in header:
            data[name].append(str(row[name]))  # already cleaned by rows()
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
        archive.writestr("LISEZMOI.txt", _readme(campaign, questionnaire, plan))
    return buffer.getvalue()


def _xlsx_cell(value: Any) -> Any:
    """A cell openpyxl writes and no spreadsheet runs: text cleaned,
    spreadsheet-safe (so never taken for a formula) and cut at Excel's
    limit; numbers as they are."""
    if not isinstance(value, str):
        return value
    text = spreadsheet_safe(writable_text(value))
    if len(text) > XLSX_MAX_CELL_CHARS:
        text = text[: XLSX_MAX_CELL_CHARS - len(TRUNCATED)] + TRUNCATED
    return text


def export_xlsx(campaign: Campaign) -> bytes:
    questionnaire = campaign.questionnaire.questionnaire()
    plan = coarsening.export_plan(campaign)
    workbook = Workbook(write_only=True)
    answers = workbook.create_sheet("reponses")
    header = columns(questionnaire)
    answers.append([_xlsx_cell(name) for name in header])
    for row in rows(campaign, plan):
        answers.append([_xlsx_cell(row[name]) for name in header])
    book = workbook.create_sheet("codebook")
    book.append(CODEBOOK_COLUMNS)
    for entry in codebook(questionnaire):
        book.append([_xlsx_cell(entry[name]) for name in CODEBOOK_COLUMNS])
    notes = workbook.create_sheet("lisezmoi")
    for line in _readme(campaign, questionnaire, plan).splitlines():
        notes.append([_xlsx_cell(line)])
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


def open_data(campaign: Campaign) -> tuple[list[dict[str, Any]], str]:
    """The open data of a campaign: its published indicators (one dict per
    row, columns of OPEN_DATA_DICTIONARY, text cleaned) and a French note,
    NO_ANSWERS for a campaign without answers (then no row), else ""."""
    if not campaign.responses.exists():
        return [], NO_ANSWERS
    barometer = campaign_barometer(campaign, potential=False)
    return [_clean(row) for row in open_data_rows(barometer)], ""


def open_data_json(campaign: Campaign) -> dict[str, Any]:
    """The open data as a JSON object: campaign, synthetic flag, column
    dictionary, indicators and, for a campaign without answers, a note."""
    indicators, note = open_data(campaign)
    payload: dict[str, Any] = {
        "campagne": campaign.slug,
        "synthetique": campaign.is_synthetic,
        "dictionnaire": dict(OPEN_DATA_DICTIONARY),
        "indicateurs": indicators,
    }
    if note:
        payload["note"] = note
    return payload


def open_data_csv_zip(campaign: Campaign) -> bytes:
    """The open data as a .zip: ``<slug>-indicateurs.csv`` (header only, for
    a campaign without answers), ``dictionnaire.csv`` and, when there is a
    note, ``LISEZMOI.txt`` saying it."""
    indicators, note = open_data(campaign)
    dictionary = [{"colonne": n, "description": d} for n, d in OPEN_DATA_DICTIONARY]
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr(
            f"{campaign.slug}-indicateurs.csv",
            _csv_bytes([name for name, _ in OPEN_DATA_DICTIONARY], indicators),
        )
        z.writestr("dictionnaire.csv", _csv_bytes(["colonne", "description"], dictionary))
        if note:
            z.writestr("LISEZMOI.txt", f"Campagne « {campaign.name} » ({campaign.slug}) : {note}\n")
    return archive.getvalue()
