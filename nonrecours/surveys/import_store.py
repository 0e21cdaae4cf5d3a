"""Storing a batch of checked submissions: new ones created, newer versions
replacing the stored ones (the earlier kept in ResponseRevision), the rest
reported or refused; submissions the source's review now rejects withdrawn."""

import datetime
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db.models import Q
from django.utils import timezone

from nonrecours.accounts.models import User
from nonrecours.surveys.coarsening import EXPORT_ID_PREFIX, export_ids
from nonrecours.surveys.contacts import contact_from
from nonrecours.surveys.enums import Channel, RevisionReason
from nonrecours.surveys.import_summary import ImportSummary
from nonrecours.surveys.importers.submissions import RawRow, SourceFormat
from nonrecours.surveys.models import Campaign, Contact, Response, ResponseRevision
from nonrecours.territories.models import Commune


@dataclass
class Pending:
    row: RawRow
    key: str
    answers: dict[str, Any]
    contact: dict[str, Any]
    commune: Commune
    agent: User | None


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


def store_batch(
    pending: list[Pending],
    campaign: Campaign,
    source: SourceFormat,
    filename: str,
    now: datetime.datetime,
    summary: ImportSummary,
    problem: Callable[[str], None],
    own: "OwnExport",
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
    new: list[Pending] = []
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
class OwnExport:
    """The export ids of the campaign's responses (coarsening.export_ids),
    computed once per import, when a row carries one."""

    campaign: Campaign
    _ids: dict[str, int] | None = None

    def ids(self) -> dict[str, int]:
        if self._ids is None:
            self._ids = export_ids(self.campaign)
        return self._ids


def _stored_matches(
    pending: list[Pending], campaign: Campaign, own: OwnExport
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
    item: Pending,
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


def withdraw(
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
