"""Importing submissions collected elsewhere (KoboToolbox, ODK Central,
LimeSurvey) into a campaign: all or nothing, nothing counted twice, nothing
dropped without a word.

A submission is known by the identity its source keeps stable across edits
(importers/files.py). Importing it again is "already present"; a new
version from the source (a supervisor's correction) replaces the stored one
in every count and analysis, the earlier one kept in ResponseRevision; a
submission the source's review now rejects is withdrawn the same way.
"""

import datetime
import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, BinaryIO

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from nonrecours.accounts.models import User
from nonrecours.french import plural
from nonrecours.surveys import queries
from nonrecours.surveys.coarsening import EXPORT_ID_PREFIX, EXPORT_MIN_GROUP, export_ids
from nonrecours.surveys.contacts import contact_from, personal_fields
from nonrecours.surveys.enums import Channel, RevisionReason
from nonrecours.surveys.importers.files import (
    ColumnReport,
    ImportFileError,
    RawRow,
    SourceFormat,
    read_submissions,
)
from nonrecours.surveys.models import Campaign, Contact, Response, ResponseRevision
from nonrecours.surveys.publication import CampaignPublished, publication_guard
from nonrecours.surveys.questionnaire import Questionnaire, QuestionType
from nonrecours.territories.models import Commune

MAX_REPORTED_PROBLEMS = 200
MAX_LISTED = 30  # lines listed per kind in the summary
IMPORT_BATCH = 2000


class ImportRejected(ValueError):
    """A file with bad rows: nothing was stored. ``problems`` are located
    (line, field) and in French."""

    def __init__(self, filename: str, problems: list[str], total: int):
        self.filename = filename
        self.problems = problems
        self.total = total
        more = f"\n… et {total - len(problems)} autres problèmes." if total > len(problems) else ""
        super().__init__(
            f"{filename} : import refusé, rien n'a été enregistré ({total} problème"
            f"{'s' if total > 1 else ''}) :\n" + "\n".join(f"- {p}" for p in problems) + more
        )


def _plural(count: int, word: str, plural_form: str = "") -> str:
    return f"{count} {plural(count, word, plural_form or None)}"


def _listed(items: list[str]) -> str:
    shown = " ; ".join(items[:MAX_LISTED])
    return shown + (f" ; … et {len(items) - MAX_LISTED} autres" if len(items) > MAX_LISTED else "")


@dataclass
class ImportSummary:
    """What an import did, line by line where it matters (French __str__).

    ``refused`` is always 0 for a summary: a file with a refused row raises
    ImportRejected and stores nothing.
    """

    filename: str
    rows: int = 0
    created: int = 0
    already_present: int = 0
    modified: int = 0
    refused: int = 0
    left_out: list[str] = field(default_factory=list)
    without_commune: list[str] = field(default_factory=list)
    withdrawn: list[str] = field(default_factory=list)
    duplicates: list[str] = field(default_factory=list)
    older_versions: list[str] = field(default_factory=list)
    restored_codes: list[str] = field(default_factory=list)
    anonymised_dates: int = 0
    outside_period: list[str] = field(default_factory=list)
    collectors_linked: int = 0
    columns: ColumnReport = field(default_factory=ColumnReport)

    @property
    def ignored_columns(self) -> list[str]:
        """Columns read for nothing at all (neither answers, nor the tool's
        metadata, nor redundant with a column that is read)."""
        return self.columns.unrecognised

    def lines(self) -> list[str]:
        """The summary as French lines, the counts first."""
        counts = (
            f"{self.filename} : {_plural(self.rows, 'ligne lue', 'lignes lues')} ; "
            f"{_plural(self.created, 'réponse ajoutée', 'réponses ajoutées')}, "
            f"{_plural(self.already_present, 'déjà présente', 'déjà présentes')}, "
            f"{_plural(self.modified, 'modifiée', 'modifiées')} (nouvelle version), "
            f"{_plural(len(self.left_out), 'laissée de côté', 'laissées de côté')} "
            f"(statut de revue), {_plural(len(self.withdrawn), 'retirée', 'retirées')}, "
            f"{_plural(self.refused, 'refusée', 'refusées')}."
        )
        out = [counts]
        if self.modified:
            out.append(
                "Versions modifiées : la nouvelle version remplace l'ancienne dans les résultats ; "
                "l'ancienne est gardée dans l'historique."
            )
        if self.left_out:
            out.append(
                "Laissées de côté selon le statut de revue de l'outil de collecte : "
                + _listed(self.left_out)
                + ". Pour les importer quand même : case « Importer aussi les lignes non "
                "approuvées… » de la page d'import, ou option --inclure-non-validees."
            )
        if self.without_commune:
            out.append(
                "Lignes d'un export de nonrecours sans commune (commune de moins de "
                f"{EXPORT_MIN_GROUP} réponses, masquée à l'export), non importées : "
                + _listed(self.without_commune)
                + "."
            )
        if self.withdrawn:
            out.append(
                "Retirées des résultats (importées plus tôt, rejetées depuis dans l'outil ; "
                "gardées dans l'historique) : " + _listed(self.withdrawn) + "."
            )
        if self.duplicates:
            out.append(
                "Lignes en double exact, comptées une fois : " + _listed(self.duplicates) + "."
            )
        if self.older_versions:
            out.append(
                "Versions plus anciennes que celle déjà importée, non reprises : "
                + _listed(self.older_versions)
                + "."
            )
        if self.restored_codes:
            out.append(
                "Codes commune qui avaient perdu leur zéro initial (restaurés) : "
                + _listed(self.restored_codes)
                + "."
            )
        if self.anonymised_dates:
            out.append(
                f"{_plural(self.anonymised_dates, 'réponse')} d'une enquête LimeSurvey anonymisée "
                "(dates remplacées par le 01/01/1980 par LimeSurvey) : la date d'import est "
                "enregistrée comme date de saisie."
            )
        if self.outside_period:
            out.append(
                f"{_plural(len(self.outside_period), 'réponse datée', 'réponses datées')} hors de "
                "la période de la campagne (gardées ; vérifiez la campagne et la date, un tableur "
                "a pu lire 10/1 comme le 10 janvier) : " + _listed(self.outside_period) + "."
            )
        if self.columns.unknown_options:
            out.append(
                "Colonnes d'options inconnues du questionnaire, vérifiées vides : "
                + ", ".join(self.columns.unknown_options)
                + "."
            )
        if self.collectors_linked:
            out.append(
                f"{_plural(self.collectors_linked, 'réponse rattachée', 'réponses rattachées')} "
                "au compte de l'enquêteur·rice qui l'a collectée."
            )
        redundant: dict[str, list[str]] = {}
        for column, read_instead in self.columns.redundant.items():
            redundant.setdefault(read_instead, []).append(column)
        for read_instead, columns in redundant.items():
            out.append(
                f"Colonnes redondantes avec la colonne « {read_instead} », lue à leur place et "
                f"vérifiée avec elles : {_plural(len(columns), 'colonne')} d'options "
                f"(« {columns[0]} »" + (f" … « {columns[-1]} »)." if len(columns) > 1 else ").")
            )
        if self.columns.metadata:
            out.append(
                "Colonnes techniques de l'outil, non utilisées : "
                + ", ".join(self.columns.metadata)
                + "."
            )
        if self.columns.unrecognised:
            out.append(
                "Colonnes ignorées, aucune question de ce nom dans le questionnaire : "
                + ", ".join(self.columns.unrecognised)
                + "."
            )
        return out

    def __str__(self) -> str:
        return "\n".join(self.lines())


def _import_key(source: SourceFormat, campaign: Campaign, identity: str) -> str:
    key = f"{source.value}:{campaign.slug}:{identity}"
    if len(key) > 100:
        key = f"{source.value}:{hashlib.sha256(key.encode()).hexdigest()}"
    return key


@dataclass
class _Pending:
    row: RawRow
    key: str
    answers: dict[str, Any]
    contact: dict[str, Any]
    commune: Commune
    agent: User | None


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
    personal = personal_fields(questionnaire)
    commune_question = _commune_question(questionnaire)
    own = _OwnExport(campaign)
    agents = {u.username.casefold(): u for u in queries.territory_field_agents(campaign.territory)}
    summary = ImportSummary(filename=filename, columns=parsed.columns)
    problems: list[str] = []
    total_problems = 0
    seen: dict[str, tuple[int, int]] = {}
    versions_seen: dict[str, int] = {}  # version id -> its line
    pending: list[_Pending] = []
    to_withdraw: list[tuple[str, str, str]] = []  # (key, version, "ligne N (état)")

    def problem(text: str) -> None:
        nonlocal total_problems
        total_problems += 1
        if len(problems) < MAX_REPORTED_PROBLEMS:
            problems.append(text)

    with transaction.atomic():
        for row in parsed.rows:
            summary.rows += 1
            if row.left_out and not include_unreviewed:
                summary.left_out.append(f"ligne {row.line} ({row.review})")
                if row.identity:
                    to_withdraw.append(
                        (
                            _import_key(source, campaign, row.identity),
                            row.version,
                            f"ligne {row.line} ({row.review})",
                        )
                    )
                continue
            summary.restored_codes += row.notes
            if not row.identity:
                problem(f"ligne {row.line} : identifiant de soumission vide")
                continue
            if row.identity.startswith(EXPORT_ID_PREFIX) and not row.answers.get(commune_question):
                summary.without_commune.append(f"ligne {row.line}")
                continue
            for text in row.problems:
                problem(text)
            clean, errors = questionnaire.validate(
                row.answers, communes=communes, require_personal=False
            )
            for name, message in errors.items():
                problem(f"ligne {row.line}, champ « {name} » : {message}")
            key = _import_key(source, campaign, row.identity)
            fingerprint = _fingerprint(row.version, clean)
            if key in seen:
                first_line, first_print = seen[key]
                if first_print == fingerprint:
                    summary.duplicates.append(f"ligne {row.line} (copie de la ligne {first_line})")
                else:
                    problem(
                        f"lignes {first_line} et {row.line} : même identifiant de soumission "
                        f"« {row.identity} » avec des réponses différentes"
                    )
                continue
            seen[key] = (row.line, fingerprint)
            for earlier in (row.previous_version, row.version):
                if earlier and earlier in versions_seen:
                    problem(
                        f"lignes {versions_seen[earlier]} et {row.line} : deux versions de la "
                        f"même soumission (« {earlier} ») ; le fichier ne doit contenir que la "
                        "dernière version de chaque soumission"
                    )
            if row.version:
                versions_seen[row.version] = row.line
            if row.problems or errors or total_problems:
                continue  # keep checking the rest, store nothing more
            contact = {name: clean.pop(name) for name in list(clean) if name in personal}
            pending.append(
                _Pending(
                    row=row,
                    key=key,
                    answers=clean,
                    contact=contact,
                    commune=communes[clean["commune"]],
                    agent=agents.get(row.collector.casefold()) if row.collector else None,
                )
            )
            if len(pending) >= IMPORT_BATCH:
                _store(pending, campaign, source, filename, now, summary, problem, own)
                pending.clear()
        if not total_problems:
            _store(pending, campaign, source, filename, now, summary, problem, own)
        if not total_problems and to_withdraw:
            _withdraw(campaign, to_withdraw, filename, summary)
        if total_problems:
            raise ImportRejected(filename, problems, total_problems)
        if summary.rows == 0:
            raise ImportRejected(filename, ["aucune ligne de réponse dans le fichier"], 1)
        _not_published(campaign, filename)  # a publication that got in meanwhile
    return summary


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


def _revision(stored: Response, reason: RevisionReason, filename: str) -> ResponseRevision:
    return ResponseRevision(
        campaign_id=stored.campaign_id,
        idempotency_key=stored.idempotency_key,
        source_version=stored.source_version,
        questionnaire_id=stored.questionnaire_id,
        commune_id=stored.commune_id,
        answers=stored.answers,
        started_at=stored.started_at,
        submitted_at=stored.submitted_at,
        source_file=stored.source_file,
        source_row=stored.source_row,
        collector=stored.collector,
        reason=reason,
        recorded_from=filename[:300],
    )


def _store(
    pending: list[_Pending],
    campaign: Campaign,
    source: SourceFormat,
    filename: str,
    now: datetime.datetime,
    summary: ImportSummary,
    problem: Callable[[str], None],
    own: "_OwnExport",
) -> None:
    """Store a batch: new submissions created, newer versions replacing the
    stored ones, older versions and unchanged ones reported, the rest
    refused (the same version with other answers, a version whose order
    cannot be told, a submission of another campaign)."""
    if not pending:
        return
    found = _stored_matches(pending, campaign, own)
    withheld = campaign.questionnaire.questionnaire().contact_questions
    elsewhere = dict(
        Response.objects.filter(source_identity__in=[p.row.identity for p in pending])
        .exclude(campaign=campaign)
        .values_list("source_identity", "campaign__slug")
    )
    new: list[_Pending] = []
    for item in pending:
        row = item.row
        if row.identity in elsewhere:
            problem(
                f"ligne {row.line} : la soumission « {row.identity} » a déjà été importée dans "
                f"la campagne « {elsewhere[row.identity]} »"
            )
            continue
        stored, history, own_export = found.get(item.key, (None, set(), False))
        if stored is None:
            _count_dates(summary, row, campaign)
            new.append(item)
            continue
        if own_export or stored.channel != Channel.IMPORT:  # its own export, read back
            if _without(stored.answers, withheld) == _without(item.answers, withheld):
                summary.already_present += 1
            else:
                problem(
                    f"ligne {row.line} : la réponse « {row.identity} » a été saisie "
                    f"({stored.get_channel_display().lower()}) dans nonrecours ; un import ne "
                    "la modifie pas"
                )
            continue
        order = "older" if row.version and row.version in history else _order(source, row, stored)
        if order == "same":
            if stored.answers == item.answers:
                summary.already_present += 1
            else:
                problem(
                    f"ligne {row.line} : la soumission « {row.identity} » a déjà été importée "
                    f"({stored.source_file or stored.get_channel_display()}"
                    + (f", ligne {stored.source_row}" if stored.source_row else "")
                    + ") avec d'autres réponses, sans nouvelle version de l'outil de collecte. "
                    "Une correction doit être faite dans l'outil (elle y crée une nouvelle "
                    "version), ou l'identifiant ne désigne pas la même soumission (enquête "
                    "LimeSurvey : vérifiez l'identifiant d'enquête)."
                )
            continue
        if order == "older":
            summary.older_versions.append(f"ligne {row.line}")
            continue
        if order == "unknown":
            problem(
                f"ligne {row.line} : la soumission « {row.identity} » a déjà été importée dans une "
                f"autre version (« {stored.source_version} ») et rien ne dit laquelle est la plus "
                "récente ; importez le dernier export complet de l'outil"
            )
            continue
        _replace(stored, item, filename, now, summary, campaign)
    created = Response.objects.bulk_create(
        [
            Response(
                campaign=campaign,
                questionnaire=campaign.questionnaire,
                commune=item.commune,
                channel=Channel.IMPORT,
                agent=item.agent,
                answers=item.answers,
                idempotency_key=item.key,
                started_at=item.row.started_at,
                submitted_at=item.row.submitted_at or now,
                received_at=now,
                source_file=filename[:300],
                source_row=item.row.line,
                source_identity=item.row.identity,
                source_version=item.row.version,
                source_version_rank=item.row.version_rank,
                replaces_version=item.row.previous_version,
                review_state=item.row.review,
                collector=item.row.collector,
            )
            for item in new
        ],
        batch_size=500,
    )
    Contact.objects.bulk_create(
        [
            contact_from(response, item.contact)
            for response, item in zip(created, new, strict=True)
            if item.contact
        ],
        batch_size=500,
    )
    summary.created += len(new)
    summary.collectors_linked += sum(item.agent is not None for item in new)


def _without(answers: Any, names: frozenset[str]) -> dict[str, Any]:
    """The answers an export carries (the call-back questions left out)."""
    return {k: v for k, v in answers.items() if k not in names} if isinstance(answers, dict) else {}


@dataclass
class _OwnExport:
    """The export ids of the campaign's responses (coarsening.export_ids),
    computed once per import, when a row carries one."""

    campaign: Campaign
    _ids: dict[str, int] | None = None

    def ids(self) -> dict[str, int]:
        if self._ids is None:
            self._ids = export_ids(self.campaign)
        return self._ids


def _stored_matches(
    pending: list[_Pending], campaign: Campaign, own: _OwnExport
) -> dict[str, tuple[Response, set[str], bool]]:
    """For each pending key, the stored response of the same submission,
    the versions already in its history, and whether the row comes from
    this campaign's own export. A submission is found by its key (among
    the campaign's imported ones: models.AGENT_KEYS), by its export id
    (coarsening.export_id) or, in an export made before export ids, by its
    key, or by a version id: its own or the one it replaces, current or in
    the history (Kobo edits without `meta/rootUuid` only name the version
    they replace)."""
    keys = [p.key for p in pending]
    identities = [p.row.identity for p in pending]
    by_export_id: dict[str, int] = {}
    if any(i.startswith(EXPORT_ID_PREFIX) for i in identities):
        by_export_id = own.ids()
    exported_pks = {by_export_id[i] for i in identities if i in by_export_id}
    versions = {v for p in pending for v in (p.row.version, p.row.previous_version) if v}
    revised = dict(
        ResponseRevision.objects.filter(campaign=campaign, source_version__in=versions).values_list(
            "source_version", "idempotency_key"
        )
    )
    responses = list(
        Response.objects.filter(
            Q(campaign=campaign, channel=Channel.IMPORT, idempotency_key__in=keys)
            | Q(campaign=campaign, pk__in=exported_pks)
            | Q(campaign=campaign, idempotency_key__in=identities)
            | Q(campaign=campaign, source_version__in=versions)
            | Q(campaign=campaign, replaces_version__in=versions)
            | Q(
                campaign=campaign,
                channel=Channel.IMPORT,
                idempotency_key__in=set(revised.values()),
            )
        ).select_related("commune")
    )
    by_pk = {r.pk: r for r in responses}
    by_key = {r.idempotency_key: r for r in responses if r.channel == Channel.IMPORT}
    by_own_key = {r.idempotency_key: r for r in responses}
    by_version = {r.source_version: r for r in responses if r.source_version}
    by_replaced = {r.replaces_version: r for r in responses if r.replaces_version}
    history: dict[str, set[str]] = {}
    for key, version in ResponseRevision.objects.filter(
        campaign=campaign, idempotency_key__in=list(by_key)
    ).values_list("idempotency_key", "source_version"):
        history.setdefault(key, set()).add(version)
    found: dict[str, tuple[Response, set[str], bool]] = {}
    for item in pending:
        row = item.row
        read_back = by_pk.get(by_export_id.get(row.identity, 0)) or by_own_key.get(row.identity)
        stored = (
            by_key.get(item.key)
            or read_back
            or (by_version.get(row.version) if row.version else None)
            or (by_version.get(row.previous_version) if row.previous_version else None)
            or (by_replaced.get(row.version) if row.version else None)
            or by_key.get(revised.get(row.version, ""))
            or by_key.get(revised.get(row.previous_version, ""))
        )
        if stored is not None and stored.campaign_id == campaign.pk:
            history_of = history.get(stored.idempotency_key, set())
            found[item.key] = (
                stored,
                history_of,
                stored is read_back and stored is not by_key.get(item.key),
            )
    return found


def _order(source: SourceFormat, row: RawRow, stored: Response) -> str:
    """Whether a row is the stored version ("same"), a later one ("newer"),
    an earlier one ("older"), or cannot be placed ("unknown"), from what the
    source says: the version it replaces (`deprecatedID`), the number of
    edits (Central `Edits`), the last action's date (LimeSurvey), or the
    first version (whose id is the submission's identity)."""
    incoming, current = row.version, stored.source_version
    if incoming == current:
        return "same"
    if row.previous_version and row.previous_version == current:
        return "newer"
    if incoming and incoming == stored.replaces_version:
        return "older"
    if source == SourceFormat.LIMESURVEY:
        if incoming and current:  # UTC ISO 8601: the text order is the time order
            return "newer" if incoming > current else "older"
        return "newer" if incoming else "unknown"
    if row.version_rank is not None and stored.source_version_rank is not None:
        if row.version_rank != stored.source_version_rank:
            return "newer" if row.version_rank > stored.source_version_rank else "older"
        return "unknown"
    root = stored.source_identity or row.identity
    if incoming == root:
        return "older"  # the first version, and a later one is stored
    if current == root or not current:
        return "newer"
    return "unknown"


def _replace(
    stored: Response,
    item: _Pending,
    filename: str,
    now: datetime.datetime,
    summary: ImportSummary,
    campaign: Campaign,
) -> None:
    """A newer version: the stored state goes to the history (unless only
    the version id changed), the row's replaces it."""
    row = item.row
    changed = stored.answers != item.answers
    if changed:
        ResponseRevision.objects.bulk_create([_revision(stored, RevisionReason.REPLACED, filename)])
        _count_dates(summary, row, campaign)
    had_contact_consent = stored.answers.get("consentement_recontact") == "oui"
    stored.answers = item.answers
    stored.commune = item.commune
    stored.started_at = row.started_at
    stored.submitted_at = row.submitted_at or now
    stored.received_at = now
    stored.source_file = filename[:300]
    stored.source_row = row.line
    stored.source_version = row.version
    stored.source_version_rank = row.version_rank
    stored.replaces_version = row.previous_version or stored.replaces_version
    stored.review_state = row.review
    stored.collector = row.collector or stored.collector
    stored.agent = item.agent or stored.agent
    stored.save()
    if not changed:
        summary.already_present += 1
        return
    if item.contact and not had_contact_consent:
        contact_from(stored, item.contact).save()
    summary.modified += 1
    summary.collectors_linked += item.agent is not None


def _count_dates(summary: ImportSummary, row: RawRow, campaign: Campaign) -> None:
    if row.anonymised_date:
        summary.anonymised_dates += 1
    elif row.submitted_at is not None and not (
        campaign.starts_on <= timezone.localdate(row.submitted_at) <= campaign.ends_on
    ):
        summary.outside_period.append(f"ligne {row.line}")


def _withdraw(
    campaign: Campaign,
    to_withdraw: list[tuple[str, str, str]],
    filename: str,
    summary: ImportSummary,
) -> None:
    """Submissions imported before and now rejected by the source's review
    leave the results; their last state is kept as a revision."""
    labels = {key: label for key, _, label in to_withdraw}
    by_version = {version: label for _, version, label in to_withdraw if version}
    stored = list(
        Response.objects.filter(
            Q(idempotency_key__in=list(labels)) | Q(source_version__in=list(by_version)),
            campaign=campaign,
            channel=Channel.IMPORT,
        )
    )
    if not stored:
        return
    ResponseRevision.objects.bulk_create(
        [_revision(response, RevisionReason.WITHDRAWN, filename) for response in stored]
    )
    Response.objects.filter(pk__in=[r.pk for r in stored]).delete()
    summary.withdrawn += [
        labels.get(r.idempotency_key) or by_version[r.source_version] for r in stored
    ]


__all__ = ["ImportFileError", "ImportRejected", "ImportSummary", "responses_import"]
