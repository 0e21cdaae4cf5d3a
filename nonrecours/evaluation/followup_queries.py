"""Reads of the follow-up after a simulation: the take-up of the benefits
the simulator found and where people got stuck, and the number of
simulations (for the yearly report, part 3 of issue 17, which calls exactly
``followup_statistics`` and ``simulations_count``).

The secrecy rule is the project's (nonrecours.analysis.disclosure.protect,
ADR 013): no published count describes fewer than DEFAULT_THRESHOLD (11)
follow-ups, and no hidden one can be computed back by difference from the
published ones (secondary suppression):

- overall: one system whose atoms are the follow-ups not answered, answered
  without a reason, and answered with each reason; cells: all follow-ups,
  those answered, each reason;
- per benefit: one system whose atoms are that benefit's follow-ups by
  answer (claimed, not yet, not needed, none) and the follow-ups without
  that benefit; cells: all follow-ups (as decided overall), the benefit's
  follow-ups, its answers, and each answer. A take-up rate (claimed /
  answered) is shown only when both counts are.
"""

import datetime
from collections import Counter, defaultdict
from dataclasses import dataclass

from django.db.models import Sum
from django.utils import timezone

from nonrecours.analysis.disclosure import DEFAULT_THRESHOLD, Release, Status, protect
from nonrecours.evaluation.followup_enums import BlockedReason, FollowUpAnswer
from nonrecours.evaluation.followup_models import FollowUp, FollowUpBenefit, SimulationTally
from nonrecours.rights.catalogue import benefit as catalogue_benefit
from nonrecours.rights.catalogue import benefits
from nonrecours.territories.models import Territory


@dataclass(frozen=True)
class BenefitFollowUp:
    """One benefit over the period. Counts are follow-ups (one per person
    who consented), None where the secrecy rule hides them; ``take_up_rate``
    = claimed / answers (a share, 0 to 1), None when either is hidden or no
    one answered."""

    benefit_id: str
    label: str
    followed_up: int | None
    answers: int | None
    claimed: int | None
    not_yet: int | None
    not_needed: int | None
    take_up_rate: float | None


@dataclass(frozen=True)
class ReasonCount:
    """How many follow-ups said they got stuck there (None: hidden)."""

    reason: str
    label: str
    count: int | None


@dataclass(frozen=True)
class FollowUpStatistics:
    """The follow-ups whose consent was given from ``start`` to ``end``
    (days included, Europe/Paris), under the secrecy rule (``threshold``).
    ``followed_up``: follow-ups (simulations followed up); ``answered``:
    those with at least one answer; ``benefits``: per benefit found, in the
    catalogue's order; ``reasons``: per reason of the closed list, in its
    order."""

    territory: Territory
    start: datetime.date
    end: datetime.date
    threshold: int
    followed_up: int | None
    answered: int | None
    benefits: tuple[BenefitFollowUp, ...]
    reasons: tuple[ReasonCount, ...]


def _bounds(
    start: datetime.date, end: datetime.date
) -> tuple[datetime.datetime, datetime.datetime]:
    zone = timezone.get_current_timezone()
    low = datetime.datetime.combine(start, datetime.time.min, tzinfo=zone)
    high = datetime.datetime.combine(
        end + datetime.timedelta(days=1), datetime.time.min, tzinfo=zone
    )
    return low, high


def answers_cutoff(year: int) -> datetime.datetime:
    """The end of the answers counted for the follow-ups of ``year``: the
    first instant of 1 April of the following year (Europe/Paris), that is
    answers recorded up to 31 March included. Partners see the year from
    then on, never before."""
    zone = timezone.get_current_timezone()
    return datetime.datetime(year + 1, 4, 1, tzinfo=zone)


def _shown(count: int, status: str) -> int | None:
    return None if status == Status.HIDDEN else count


def _overall(
    total: int, answered: int, reasons: Counter[str], threshold: int
) -> tuple[list[str], list[str]]:
    """Statuses of (all, answered) and of each reason."""
    reason_values = list(BlockedReason.values)
    with_reason = sum(reasons.values())
    sizes = [total - answered, answered - with_reason] + [reasons[r] for r in reason_values]
    atoms = range(len(sizes))
    cells: list[list[int]] = [list(atoms), list(atoms)[1:]]
    cells += [[2 + k] for k in range(len(reason_values))]
    release = Release(atom_sizes=sizes, cells=cells, root=0)
    status = protect(release, threshold)
    return status[:2], status[2:]


def _benefit(total: int, total_status: str, answers: Counter[str], threshold: int) -> list[str]:
    """Statuses of (benefit's follow-ups, answers, claimed, not yet, not
    needed) for one benefit; the overall count keeps its status."""
    values = [FollowUpAnswer.CLAIMED, FollowUpAnswer.NOT_YET, FollowUpAnswer.NOT_NEEDED]
    followed = sum(answers.values())
    sizes = [answers[v] for v in values] + [answers[""], total - followed]
    cells = [[0, 1, 2, 3, 4], [0, 1, 2, 3], [0, 1, 2], [0], [1], [2]]
    release = Release(
        atom_sizes=sizes,
        cells=cells,
        lines=[(2, [3, 4, 5])],
        root=0,
        released=frozenset({0}) if total_status == Status.PUBLISHED else frozenset(),
        hidden=frozenset({0}) if total_status == Status.HIDDEN else frozenset(),
    )
    return protect(release, threshold)[1:]


def _answers_hidden(shown: list[int | None]) -> list[int | None]:
    """A benefit's (followed, answers, claimed, not yet, not needed) with
    the four answer counts hidden together when one is (see the module)."""
    if any(value is None for value in shown[1:]):
        return [shown[0], None, None, None, None]
    return shown


def _reasons_hidden(counts: list[int], statuses: list[str], threshold: int) -> list[int | None]:
    """Each reason's count, None when hidden; when one is hidden, every
    count under the threshold too, zeros included (see the module)."""
    shown = [_shown(c, s) for c, s in zip(counts, statuses, strict=True)]
    if any(value is None for value in shown):
        return [None if c < threshold else value for c, value in zip(counts, shown, strict=True)]
    return shown


def followup_statistics(
    territory: Territory,
    start: datetime.date,
    end: datetime.date,
    *,
    threshold: int = DEFAULT_THRESHOLD,
    recorded_before: datetime.datetime | None = None,
) -> FollowUpStatistics:
    """Take-up of the simulations followed up, per benefit, and where people
    got stuck, for the follow-ups of ``territory`` whose consent was given
    from ``start`` to ``end`` (days included). The latest answer of each
    benefit counts (given after the first or the second message). Counts
    are of follow-ups (people), under the secrecy rule (see the module's
    docstring; Hundepool et al., *Statistical Disclosure Control*, ch. 4).
    ``recorded_before``: only the answers and reasons recorded before that
    instant count (the partners' view of a year over, see
    answers_cutoff); None: all of them. Raises ValueError (French) when
    ``end`` is before ``start`` or the threshold is unusable."""
    if end < start:
        raise ValueError("La fin de la période est avant son début.")
    low, high = _bounds(start, end)
    follow_ups = FollowUp.objects.filter(
        territory=territory, created_at__gte=low, created_at__lt=high
    )
    rows = FollowUpBenefit.objects.filter(follow_up__in=follow_ups).values_list(
        "follow_up_id", "benefit_id", "answer", "answered_at"
    )
    by_benefit: dict[str, Counter[str]] = defaultdict(Counter)
    answered_ids: set[int] = set()
    for follow_up_id, benefit_id, raw, answered_at in rows:
        late = recorded_before is not None and answered_at and answered_at >= recorded_before
        answer = "" if late else raw
        by_benefit[benefit_id][answer] += 1
        if answer:
            answered_ids.add(follow_up_id)
    total = follow_ups.count()
    with_reason = follow_ups.exclude(reason="")
    if recorded_before is not None:
        with_reason = with_reason.filter(answered_at__lt=recorded_before)
    reason_rows = list(with_reason.values_list("pk", "reason"))
    reasons = Counter(reason for _, reason in reason_rows)
    # A reason alone (no benefit answered) is an answer too.
    answered_ids.update(pk for pk, _ in reason_rows)
    (total_status, answered_status), reason_status = _overall(
        total, len(answered_ids), reasons, threshold
    )
    benefits = []
    order = {b: n for n, b in enumerate(_catalogue_order())}
    for benefit_id in sorted(by_benefit, key=lambda b: (order.get(b, len(order)), b)):
        answers = by_benefit[benefit_id]
        status = _benefit(total, total_status, answers, threshold)
        counts = [
            sum(answers.values()),
            sum(n for a, n in answers.items() if a),
            answers[FollowUpAnswer.CLAIMED],
            answers[FollowUpAnswer.NOT_YET],
            answers[FollowUpAnswer.NOT_NEEDED],
        ]
        shown = _answers_hidden([_shown(c, s) for c, s in zip(counts, status, strict=True)])
        rate = None
        if shown[1] and shown[2] is not None:
            rate = shown[2] / shown[1]
        benefits.append(
            BenefitFollowUp(
                benefit_id=benefit_id,
                label=benefit_label(benefit_id),
                followed_up=shown[0],
                answers=shown[1],
                claimed=shown[2],
                not_yet=shown[3],
                not_needed=shown[4],
                take_up_rate=rate,
            )
        )
    return FollowUpStatistics(
        territory=territory,
        start=start,
        end=end,
        threshold=threshold,
        followed_up=_shown(total, total_status),
        answered=_shown(len(answered_ids), answered_status),
        benefits=tuple(benefits),
        reasons=tuple(
            ReasonCount(reason=value, label=label, count=count)
            for (value, label), count in zip(
                BlockedReason.choices,
                _reasons_hidden(
                    [reasons[v] for v in BlockedReason.values], reason_status, threshold
                ),
                strict=True,
            )
        ),
    )


def _catalogue_order() -> list[str]:
    return [b.id for b in benefits()]


def benefit_label(benefit_id: str) -> str:
    try:
        return catalogue_benefit(benefit_id).label
    except StopIteration:  # a benefit since removed from the catalogue
        return benefit_id


def simulations_count(territory: Territory, start: datetime.date, end: datetime.date) -> int:
    """Simulations run for ``territory`` in the months from ``start``'s to
    ``end``'s, both included (SimulationTally counts by month, so a period
    should run from a month's first day to a month's last; a civil year
    does). What is counted: a resident's simulation on the step-by-step
    path, once per results page (asking for the same results again counts
    nothing); never the professional's one-page mode, a reopened
    simulation nor a call-back check of the team. A count of acts, not
    people: a person who simulates twice counts twice. Raises ValueError
    (French) when ``end`` is before ``start``."""
    if end < start:
        raise ValueError("La fin de la période est avant son début.")
    total = SimulationTally.objects.filter(
        territory=territory, month__gte=start.replace(day=1), month__lte=end
    ).aggregate(total=Sum("count"))["total"]
    return int(total or 0)
