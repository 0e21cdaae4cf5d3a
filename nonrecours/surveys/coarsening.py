"""What the answers export says of each answer's place, time and identity:
coarse enough that no call-back request can be tied back to its answers.

The call-back page shows, for each request, its commune and its week (the
Monday, contacts.week_of). Whoever sees it may also download the answers
export. So the export never lets a request's (commune, week) point to fewer
than EXPORT_MIN_GROUP answers:

- an answer's time is a period of whole weeks (``start`` the Monday of the
  first, ``end`` the Sunday of the last, or today), widened within its
  commune until EXPORT_MIN_GROUP answers share it;
- the answers of a commune that has fewer than EXPORT_MIN_GROUP answers in
  all are exported without their commune (nor who collected them: a postal
  round covers known communes), with their stratum when EXPORT_MIN_GROUP
  such answers share it, else without it either; if even all of them
  together are fewer than EXPORT_MIN_GROUP, they are left out of the export
  (and the LISEZMOI says how many);
- the call-back questions themselves (Questionnaire.contact_questions) are
  never exported (exports.py);
- the submission id is a keyed hash (export_id), and rows come by commune
  then by that hash: neither says in what order answers arrived.

The rule is checked by tests that rebuild the join on the demo data and on
random campaigns (tests/surveys/test_export_unlinkable.py).
"""

import datetime
import itertools
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.conf import settings
from django.utils import timezone
from django.utils.crypto import salted_hmac

from nonrecours.surveys.contacts import week_of
from nonrecours.surveys.models import Campaign, agent_keyed

# The fewest answers a call-back request's commune and week may point to in
# the export. The collection targets give each commune at least 5 answers
# (targets.MINIMUM_PER_COMMUNE): a campaign that reached them exports every
# commune.
EXPORT_MIN_GROUP = 5
EXPORT_ID_PREFIX = "nr-"
_EXPORT_ID_SALT = "nonrecours.surveys.export_id"


@dataclass(frozen=True)
class Answer:
    """What the coarsening needs of one stored answer."""

    pk: int
    commune: int  # the commune's id
    stratum: str
    day: datetime.date  # local date of submission


@dataclass(frozen=True)
class Place:
    """What the export shows of an answer: its commune or not, its stratum
    or not, and the period (whole weeks, dates included) it was given in."""

    commune_shown: bool
    stratum_shown: bool
    start: datetime.date
    end: datetime.date


def places(
    answers: Sequence[Answer], *, today: datetime.date, minimum: int = EXPORT_MIN_GROUP
) -> dict[int, Place]:
    """Each answer's Place, by pk, such that any commune and week of one of
    ``answers`` is compatible (same commune, or commune not shown and same
    or no stratum; period overlapping the week) with at least ``minimum``
    exported answers. An answer missing from the result is left out of the
    export. ``today`` caps the end of the last period (an export never
    announces answers to come)."""
    result: dict[int, Place] = {}
    by_commune: dict[int, list[Answer]] = defaultdict(list)
    for answer in answers:
        by_commune[answer.commune].append(answer)
    withheld: list[Answer] = []
    for group in by_commune.values():
        if len(group) < minimum:
            withheld += group
            continue
        for part in _by_weeks(group, minimum):
            _place(result, part, today, commune_shown=True, stratum_shown=True)
    by_stratum: dict[str, list[Answer]] = defaultdict(list)
    for answer in withheld:
        by_stratum[answer.stratum].append(answer)
    kept = {s: group for s, group in by_stratum.items() if len(group) >= minimum}
    pooled = [a for s, group in by_stratum.items() if len(group) < minimum for a in group]
    if pooled and len(pooled) < minimum and kept:
        # Too few to hide among themselves: the smallest stratum lends its own.
        smallest = min(kept, key=lambda s: (len(kept[s]), s))
        pooled += kept.pop(smallest)
    for group in kept.values():
        _place(result, group, today, commune_shown=False, stratum_shown=True)
    if len(pooled) >= minimum:
        _place(result, pooled, today, commune_shown=False, stratum_shown=False)
    return result


def _by_weeks(group: list[Answer], minimum: int) -> list[list[Answer]]:
    """Consecutive weeks of a commune's answers, merged until each part has
    ``minimum`` answers (a short last part joins the one before)."""
    parts: list[list[Answer]] = []
    current: list[Answer] = []
    ordered = sorted(group, key=lambda a: a.day)
    for _, week in itertools.groupby(ordered, key=lambda a: week_of(a.day)):
        current += week
        if len(current) >= minimum:
            parts.append(current)
            current = []
    if current:
        parts[-1] += current
    return parts


def _place(
    result: dict[int, Place],
    group: list[Answer],
    today: datetime.date,
    *,
    commune_shown: bool,
    stratum_shown: bool,
) -> None:
    first = min(a.day for a in group)
    last = max(a.day for a in group)
    start = week_of(first)
    end = max(min(week_of(last) + datetime.timedelta(days=6), today), last)
    for answer in group:
        result[answer.pk] = Place(commune_shown, stratum_shown, start, end)


def export_id(
    *,
    campaign_id: int,
    agent_id: int | None,
    channel: str,
    key: str,
    secret: str | bytes | None = None,
) -> str:
    """The answers export's id of a submission (``_uuid``): a keyed hash of
    its key in the key's scope (models.AGENT_KEYS), stable from one export
    to the next, saying nothing of the order of arrival. ``secret``: the
    signing key (default SECRET_KEY)."""
    if agent_keyed(channel=channel, agent_id=agent_id):
        scope = f"agent:{agent_id}"
    else:
        scope = f"channel:{channel}"
    digest = salted_hmac(
        _EXPORT_ID_SALT, f"{campaign_id}|{scope}|{key}", secret=secret, algorithm="sha256"
    )
    return EXPORT_ID_PREFIX + digest.hexdigest()[:24]


def export_ids(campaign: Campaign) -> dict[str, int]:
    """Every export id a response of ``campaign`` may carry (under
    SECRET_KEY and each of SECRET_KEY_FALLBACKS), with its pk: an export
    read back is recognised after a key rotation too."""
    secrets = [settings.SECRET_KEY, *settings.SECRET_KEY_FALLBACKS]
    found: dict[str, int] = {}
    rows = campaign.responses.values_list("pk", "agent_id", "channel", "idempotency_key")
    for pk, agent_id, channel, key in rows.iterator(chunk_size=5000):
        for secret in secrets:
            ident = export_id(
                campaign_id=campaign.pk, agent_id=agent_id, channel=channel, key=key, secret=secret
            )
            found[ident] = pk
    return found


@dataclass(frozen=True)
class ExportedRow:
    pk: int
    export_id: str
    place: Place


@dataclass(frozen=True)
class ExportPlan:
    """The rows of an export in their order, and how many answers are left
    out (too few, even all together, to be exported without a commune)."""

    rows: list[ExportedRow]
    left_out: int


def export_plan(campaign: Campaign, *, today: datetime.date | None = None) -> ExportPlan:
    """Which answers of ``campaign`` the export gives, in which order (by
    commune name, answers without a commune last, then by export id), and
    how each is coarsened (places)."""
    today = today or timezone.localdate()
    meta: dict[int, tuple[str, str]] = {}
    answers: list[Answer] = []
    rows = campaign.responses.values_list(
        "pk", "commune_id", "commune__stratum", "commune__name", "submitted_at", "agent_id",
        "channel", "idempotency_key",
    )  # fmt: skip
    for pk, commune, stratum, name, submitted, agent_id, channel, key in rows.iterator(
        chunk_size=5000
    ):
        answers.append(Answer(pk, commune, stratum, timezone.localdate(submitted)))
        ident = export_id(campaign_id=campaign.pk, agent_id=agent_id, channel=channel, key=key)
        meta[pk] = (name, ident)
    placed = places(answers, today=today)
    ordered = sorted(
        (ExportedRow(pk, meta[pk][1], place) for pk, place in placed.items()),
        key=lambda row: _order(row, meta[row.pk][0]),
    )
    return ExportPlan(ordered, len(answers) - len(placed))


def _order(row: ExportedRow, commune_name: str) -> tuple[int, str, str]:
    if row.place.commune_shown:
        return (0, commune_name, row.export_id)
    return (1, "", row.export_id)


def chunked(plan: ExportPlan, size: int = 2000) -> Iterable[list[ExportedRow]]:
    """The plan's rows, ``size`` at a time (to load their answers by batch)."""
    for index in range(0, len(plan.rows), size):
        yield plan.rows[index : index + size]
