"""Reads of local aids: those of a claimant's commune, evaluated on their
situation beside the national benefits the simulator found.

One query a situation (the aids of the commune still valid today); the
conditions are read once per process and aid version, then evaluated in
pure Python (localaids/evaluation.py): about a millisecond in all. Many
situations (the barometer's respondents): the aids of all their communes
in one query (current_aids_by_commune), then evaluate_aids for each.
"""

import datetime
import threading
from collections.abc import Collection, Iterable
from dataclasses import dataclass

from django.db.models import Q
from django.utils import timezone

from nonrecours.french import amount
from nonrecours.localaids.aidfile import is_web_url
from nonrecours.localaids.enums import InstitutionKind, Period, Status
from nonrecours.localaids.evaluation import evaluate
from nonrecours.localaids.models import LocalAid, LocalAidCommune
from nonrecours.localaids.rules import Conditions, Outcome, Verdict, parse_conditions
from nonrecours.rights.engine import SimulationResult
from nonrecours.rights.situation import Situation

STATUS_LABELS = {
    "eligible": "Vous y avez probablement droit",
    "to_check": "À vérifier",
    "not_eligible": "Pas de droit trouvé",
}


@dataclass(frozen=True)
class LocalAidResult:
    """A local aid and what the simulator says of it for one situation.

    ``status``: "eligible", "to_check" (a condition the simulator cannot
    know, or an aid « à confirmer ») or "not_eligible"; ``outcome`` holds
    the conditions met, unknown and failed (French phrases).
    ``apply_url`` and ``source_url`` are http(s) addresses or "" (an
    address of another scheme stored without validation is dropped: the
    page links to them)."""

    slug: str
    label: str
    description: str
    institution: str
    institution_kind: str
    amount_text: str
    how_to_apply: str
    apply_url: str
    source_url: str
    verified_on: datetime.date
    valid_until: datetime.date | None
    confirmed: bool
    status: str
    outcome: Outcome

    @property
    def status_label(self) -> str:
        return STATUS_LABELS[self.status]

    @property
    def eligible(self) -> bool:
        return self.status == "eligible"

    @property
    def institution_kind_label(self) -> str:
        return str(InstitutionKind(self.institution_kind).label)


def amount_text(aid: LocalAid) -> str:
    """« 1 500 € une fois », « jusqu'à 30 € par mois », or the in-kind text."""
    if aid.amount is None:
        return aid.in_kind
    value = float(aid.amount)
    decimals = 0 if value == int(value) else 2
    euros = amount(value, decimals)
    text = f"{'jusqu’à ' if aid.amount_up_to else ''}{euros}"
    if aid.amount_period:
        text += f" {Period(aid.amount_period).label}"
    if aid.amount_note:
        text += f" ({aid.amount_note})"
    if aid.in_kind:
        text += f", et {aid.in_kind}"
    return text


_CONDITIONS: dict[tuple[int, datetime.datetime], Conditions] = {}
_LOCK = threading.Lock()


def _conditions(aid: LocalAid) -> Conditions | None:
    key = (aid.pk, aid.updated_at)
    with _LOCK:
        known = _CONDITIONS.get(key)
    if known is not None:
        return known
    conditions, problems = parse_conditions(aid.conditions)
    if problems:
        return None  # checked on save: only a database edited by hand gets here
    with _LOCK:
        if len(_CONDITIONS) > 5000:
            _CONDITIONS.clear()
        _CONDITIONS[key] = conditions
    return conditions


def current_aids_of(commune: str, today: datetime.date | None = None) -> list[LocalAid]:
    """The aids whose area covers this commune (INSEE code) and whose
    validity date is not past; one query."""
    day = today or timezone.localdate()
    return list(
        LocalAid.objects.filter(communes__commune_code=commune)
        .filter(Q(valid_until__isnull=True) | Q(valid_until__gte=day))
        .order_by("label")
    )


def current_aids_by_commune(
    communes: Collection[str], today: datetime.date | None = None
) -> dict[str, list[LocalAid]]:
    """For each of these communes (INSEE codes) that has any, the aids
    whose area covers it and whose validity date is not past on ``today``
    (default: the local date), by label, as current_aids_of gives them;
    one query for all (an aid covering several communes is one object)."""
    day = today or timezone.localdate()
    links = (
        LocalAidCommune.objects.filter(commune_code__in=list(communes))
        .filter(Q(aid__valid_until__isnull=True) | Q(aid__valid_until__gte=day))
        .select_related("aid")
        .order_by("aid__label", "aid__pk")
    )
    aids: dict[int, LocalAid] = {}
    by_commune: dict[str, list[LocalAid]] = {}
    for link in links:
        aid = aids.setdefault(link.aid_id, link.aid)
        by_commune.setdefault(link.commune_code, []).append(aid)
    return by_commune


def local_aids_for(
    situation: Situation,
    national_results: SimulationResult | None,
    *,
    today: datetime.date | None = None,
) -> list[LocalAidResult]:
    """The local aids of the situation's commune, each evaluated: eligible
    ones first, then those to check, then the others (each group by
    label). ``national_results``: the simulation of the same situation
    (its found benefits count for the conditions « prestations » and the
    CAF family quotient), None when it was not run. An unknown commune
    ("") has no local aid. Aids past their validity date (``today``,
    default: the local date) are left out. One query, no error raised."""
    if not situation.commune:
        return []
    return evaluate_aids(current_aids_of(situation.commune, today), situation, national_results)


def evaluate_aids(
    aids: Iterable[LocalAid],
    situation: Situation,
    national_results: SimulationResult | None,
) -> list[LocalAidResult]:
    """These aids (already fetched: no query) evaluated on the situation,
    sorted as local_aids_for sorts them; ``national_results`` as there.
    The caller chooses the aids (commune covered, validity date)."""
    found: dict[str, float] | None = None
    uncertain: set[str] = set()
    if national_results is not None:
        found = {b.benefit.id: b.monthly or 0.0 for b in national_results.found}
        # Neither received nor refused: « non calculable » (a stale scale, a
        # missing income) or a range that starts at 0.
        uncertain = {b.benefit.id for b in national_results.not_computable} | {
            b.benefit.id
            for b in national_results.found
            if b.is_range and b.low is not None and b.low <= 0
        }
    results: list[LocalAidResult] = []
    for aid in aids:
        conditions = _conditions(aid)
        if conditions is None:
            outcome = Outcome(Verdict.UNKNOWN, unknown=("conditions illisibles, à vérifier",))
        else:
            outcome = evaluate(conditions, situation, found, uncertain=uncertain)
        confirmed = aid.status == Status.CONFIRMED
        if outcome.verdict == Verdict.NO:
            status = "not_eligible"
        elif outcome.verdict == Verdict.UNKNOWN or not confirmed:
            status = "to_check"
        else:
            status = "eligible"
        results.append(
            LocalAidResult(
                slug=aid.slug,
                label=aid.label,
                description=aid.description,
                institution=aid.institution_name,
                institution_kind=aid.institution_kind,
                amount_text=amount_text(aid),
                how_to_apply=aid.how_to_apply,
                apply_url=aid.apply_url if is_web_url(aid.apply_url) else "",
                source_url=aid.source_url if is_web_url(aid.source_url) else "",
                verified_on=aid.verified_on,
                valid_until=aid.valid_until,
                confirmed=confirmed,
                status=status,
                outcome=outcome,
            )
        )
    order = {"eligible": 0, "to_check": 1, "not_eligible": 2}
    return sorted(results, key=lambda r: order[r.status])
