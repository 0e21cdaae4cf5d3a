"""Importing submissions collected elsewhere (KoboToolbox, ODK Central,
LimeSurvey) into a campaign: all or nothing, nothing counted twice, nothing
dropped without a word.

A submission is known by the identity its source keeps stable across edits
(importers/files.py). Importing it again is "already present"; a new
version from the source (a supervisor's correction) replaces the stored one
in every count and analysis, the earlier one kept in ResponseRevision; a
submission the source's review now rejects is withdrawn the same way.
"""

import hashlib
import json
from collections.abc import Collection
from dataclasses import dataclass, field
from typing import Any, BinaryIO

from django.db import transaction
from django.utils import timezone

from nonrecours.accounts.models import User
from nonrecours.surveys import queries
from nonrecours.surveys.coarsening import EXPORT_ID_PREFIX
from nonrecours.surveys.contacts import personal_fields
from nonrecours.surveys.import_store import OwnExport, Pending, store_batch, withdraw
from nonrecours.surveys.import_summary import ImportRejected, ImportSummary
from nonrecours.surveys.importers.files import read_submissions
from nonrecours.surveys.importers.submissions import ImportFileError, RawRow, SourceFormat
from nonrecours.surveys.models import Campaign
from nonrecours.surveys.publication import CampaignPublished, publication_guard
from nonrecours.surveys.questionnaire import Questionnaire, QuestionType
from nonrecours.territories.models import Commune

MAX_REPORTED_PROBLEMS = 200
IMPORT_BATCH = 2000


def _import_key(source: SourceFormat, campaign: Campaign, identity: str) -> str:
    key = f"{source.value}:{campaign.slug}:{identity}"
    if len(key) > 100:
        key = f"{source.value}:{hashlib.sha256(key.encode()).hexdigest()}"
    return key


def _fingerprint(version: str, answers: dict[str, Any]) -> int:
    """What tells an exact duplicate row (same version, same answers) from a
    conflicting one; a 64-bit hash is enough within one file."""
    return hash((version, json.dumps(answers, sort_keys=True)))


def responses_import(
    *,
    campaign: Campaign,
    stream: BinaryIO,
    filename: str,
    source: SourceFormat,
    survey_id: str = "",
    separator: str = "",
    include_unreviewed: bool = False,
) -> ImportSummary:
    """Import a KoboToolbox / ODK Central (CSV, XLSX) or LimeSurvey (CSV)
    export into ``campaign``.

    All or nothing: every row is validated like an online answer; if any row
    is bad, ImportRejected lists each problem with its line and field and
    nothing is stored (nor changed). Rows the source's review marks as not
    approved, on hold, rejected or incomplete are left out unless
    ``include_unreviewed``; a stored submission now rejected is withdrawn.
    ``survey_id``: the LimeSurvey survey id (else read from the file name);
    ``separator``: the headers' group separator when not `/ - . :`.

    Raises ImportFileError when the file cannot be read as a whole, and
    ImportRejected when the campaign is published (publication_guard).
    """
    _not_published(campaign, filename)
    questionnaire = campaign.questionnaire.questionnaire()
    communes = {c.insee_code: c for c in campaign.territory.communes.members()}
    now = timezone.now()
    parsed = read_submissions(
        stream,
        filename,
        source,
        questionnaire,
        communes=communes,
        now=now,
        survey_id=survey_id,
        separator=separator,
    )
    reading = _Reading(
        campaign=campaign,
        source=source,
        questionnaire=questionnaire,
        communes=communes,
        include_unreviewed=include_unreviewed,
        summary=ImportSummary(filename=filename, columns=parsed.columns),
        personal=personal_fields(questionnaire),
        commune_question=_commune_question(questionnaire),
        agents={
            u.username.casefold(): u for u in queries.territory_field_agents(campaign.territory)
        },
    )
    summary, problem = reading.summary, reading.problem
    own = OwnExport(campaign)
    pending: list[Pending] = []
    with transaction.atomic():
        for row in parsed.rows:
            item = _read_row(reading, row)
            if item is None:
                continue
            pending.append(item)
            if len(pending) >= IMPORT_BATCH:
                store_batch(pending, campaign, source, filename, now, summary, problem, own)
                pending.clear()
        if not problem.total:
            store_batch(pending, campaign, source, filename, now, summary, problem, own)
        if not problem.total and reading.to_withdraw:
            withdraw(campaign, reading.to_withdraw, filename, summary)
        if problem.total:
            raise ImportRejected(filename, problem.listed, problem.total)
        if summary.rows == 0:
            raise ImportRejected(filename, ["aucune ligne de réponse dans le fichier"], 1)
        _not_published(campaign, filename)  # a publication that got in meanwhile
    return summary


@dataclass
class _Problems:
    """The problems of a file: the first MAX_REPORTED_PROBLEMS listed, all
    counted. Called with each problem's French text."""

    listed: list[str] = field(default_factory=list)
    total: int = 0

    def __call__(self, text: str) -> None:
        self.total += 1
        if len(self.listed) < MAX_REPORTED_PROBLEMS:
            self.listed.append(text)


@dataclass
class _Reading:
    """What reading the rows of one file needs and keeps."""

    campaign: Campaign
    source: SourceFormat
    questionnaire: Questionnaire
    communes: dict[str, Commune]
    include_unreviewed: bool
    summary: ImportSummary
    personal: Collection[str]
    commune_question: str
    agents: dict[str, User]
    problem: _Problems = field(default_factory=_Problems)
    seen: dict[str, tuple[int, int]] = field(default_factory=dict)  # key -> (line, fingerprint)
    versions_seen: dict[str, int] = field(default_factory=dict)  # version id -> its line
    to_withdraw: list[tuple[str, str, str]] = field(default_factory=list)  # (key, version, label)


def _read_row(reading: _Reading, row: RawRow) -> Pending | None:
    """A row checked: its problems reported, and what to store when the file
    has had no problem so far (else None: the rest is still checked)."""
    summary, problem = reading.summary, reading.problem
    summary.rows += 1
    if row.left_out and not reading.include_unreviewed:
        label = f"ligne {row.line} ({row.review})"
        summary.left_out.append(label)
        if row.identity:
            key = _import_key(reading.source, reading.campaign, row.identity)
            reading.to_withdraw.append((key, row.version, label))
        return None
    summary.restored_codes += row.notes
    if not row.identity:
        problem(f"ligne {row.line} : identifiant de soumission vide")
        return None
    if row.identity.startswith(EXPORT_ID_PREFIX) and not row.answers.get(reading.commune_question):
        summary.without_commune.append(f"ligne {row.line}")
        return None
    for text in row.problems:
        problem(text)
    clean, errors = reading.questionnaire.validate(
        row.answers, communes=reading.communes, require_personal=False
    )
    for name, message in errors.items():
        problem(f"ligne {row.line}, champ « {name} » : {message}")
    key = _import_key(reading.source, reading.campaign, row.identity)
    if _seen_before(reading, row, key, _fingerprint(row.version, clean)):
        return None
    if row.problems or errors or problem.total:
        return None  # keep checking the rest, store nothing more
    contact = {name: clean.pop(name) for name in list(clean) if name in reading.personal}
    return Pending(
        row=row,
        key=key,
        answers=clean,
        contact=contact,
        commune=reading.communes[clean["commune"]],
        agent=reading.agents.get(row.collector.casefold()) if row.collector else None,
    )


def _seen_before(reading: _Reading, row: RawRow, key: str, fingerprint: int) -> bool:
    """Whether the file had this submission on an earlier line (an exact
    copy is counted once, other answers are a problem); two versions of one
    submission in the file are a problem."""
    if key in reading.seen:
        first_line, first_print = reading.seen[key]
        if first_print == fingerprint:
            reading.summary.duplicates.append(f"ligne {row.line} (copie de la ligne {first_line})")
        else:
            reading.problem(
                f"lignes {first_line} et {row.line} : même identifiant de soumission "
                f"« {row.identity} » avec des réponses différentes"
            )
        return True
    reading.seen[key] = (row.line, fingerprint)
    for earlier in (row.previous_version, row.version):
        if earlier and earlier in reading.versions_seen:
            reading.problem(
                f"lignes {reading.versions_seen[earlier]} et {row.line} : deux versions de la "
                f"même soumission (« {earlier} ») ; le fichier ne doit contenir que la "
                "dernière version de chaque soumission"
            )
    if row.version:
        reading.versions_seen[row.version] = row.line
    return False


def _commune_question(questionnaire: Questionnaire) -> str:
    for question in questionnaire.questions:
        if question.type == QuestionType.COMMUNE:
            return question.name
    return "commune"


def _not_published(campaign: Campaign, filename: str) -> None:
    try:
        publication_guard(campaign)
    except CampaignPublished as published:
        raise ImportRejected(filename, [str(published)], 1) from None


__all__ = ["ImportFileError", "ImportRejected", "ImportSummary", "responses_import"]
