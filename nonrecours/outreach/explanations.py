"""Why each stop is visited as it is in a calendar: one French clause per
stop, to follow its name (« Mairie d'Agny : visitée 3 fois en 12 semaines
(toutes les 4 semaines, comme demandé) »). No Django.

Every clause is computed from the calendar itself, never assumed: the
count of visits, the gaps of a frequency, the stop's priority and rank, the
half-days it could have taken and whether they were free.
"""

import datetime
from collections.abc import Sequence

from nonrecours.french import date_text, no_break_before_punctuation, number, plural
from nonrecours.outreach.calendar_rules import (
    fits,
    frequency_gaps,
    frequency_text,
    open_slots,
)
from nonrecours.outreach.planning import (
    PlannedStop,
    PlanningRules,
    Visit,
    duration_text,
    weekdays_text,
)
from nonrecours.outreach.travel import TravelTimes

# Why a half-day left free was not used, by calendar status.
_UNUSED_REASON = {
    "feasible": ", mais le calcul s'est arrêté avant l'optimum",
    "unknown": ", mais aucun calcul n'a abouti dans le temps imparti",
}


def _rank_text(stop: PlannedStop, stops: Sequence[PlannedStop]) -> str:
    """« priorité 0,12, la plus basse des 52 étapes », « priorité 0,40,
    12e sur 52 »."""
    rank = 1 + sum(1 for other in stops if other.priority > stop.priority)
    lowest = all(other.priority >= stop.priority for other in stops)
    text = f"priorité {number(stop.priority, 2)}"
    if len(stops) == 1:
        return text
    if rank == 1:
        return f"{text}, la plus haute des {len(stops)} étapes"
    if lowest:
        return f"{text}, la plus basse des {len(stops)} étapes"
    return f"{text}, {rank}e sur {len(stops)}"


def _never_open_text(stop: PlannedStop, rules: PlanningRules, travel: TravelTimes) -> str:
    """Why ``stop`` may go on no half-day of the calendar."""
    if not any(fits(stop, half_day, travel) for half_day in rules.half_days):
        longest = max(h.minutes for h in rules.half_days)
        return (
            f"le trajet aller-retour ({duration_text(travel.round_trip(stop.key))}) et le temps "
            f"sur place ({duration_text(stop.service_minutes)}) dépassent chaque demi-journée "
            f"({duration_text(longest)} au plus)"
        )
    partner = rules.stops_needing_partner.get(stop.key)
    if partner is not None:
        return (
            f"{partner}, partenaire demandé, n'est à bord aucun jour où le bus circule "
            f"(à bord : {weekdays_text(rules.partner_weekdays(partner))})"
        )
    return "aucun jour du calendrier ne lui est possible"


class _Context:
    """What the clauses of one calendar share."""

    def __init__(
        self,
        stops: Sequence[PlannedStop],
        rules: PlanningRules,
        travel: TravelTimes,
        visits: Sequence[Visit],
        status: str,
    ) -> None:
        self.stops, self.rules, self.travel, self.status = stops, rules, travel, status
        self.opened = open_slots(stops, rules, travel)
        self.taken: dict[tuple[datetime.date, str], int] = {}
        self.days: dict[str, list[datetime.date]] = {s.key: [] for s in stops}
        for visit in visits:
            slot = (visit.day, visit.half_day)
            self.taken[slot] = self.taken.get(slot, 0) + 1
            if visit.stop_key in self.days and rules.week_of(visit.day) is not None:
                self.days[visit.stop_key].append(visit.day)

    def open_half_days(self, stop: PlannedStop, weeks: range | None = None) -> tuple[int, int]:
        """(half-days ``stop`` may take, those of them with a vehicle
        free), within ``weeks`` when given."""
        possible = free = 0
        for day, half_day in self.opened[stop.key]:
            if weeks is not None and self.rules.week_of(day) not in weeks:
                continue
            possible += 1
            free += self.taken.get((day, half_day.label), 0) < self.rules.vehicles
        return possible, free

    def unused_text(self, possible: int, free: int) -> str:
        """Why the half-days ``stop`` could take were not given to it."""
        if free:
            reason = _UNUSED_REASON.get(self.status, "")
            return f"{free} {plural(free, 'demi-journée')} où elle pouvait aller restai" + (
                f"ent libres{reason}" if free > 1 else f"t libre{reason}"
            )
        if self.status == "greedy":
            return (
                f"{plural(possible, 'la', 'les')} {possible} {plural(possible, 'demi-journée')} "
                f"où elle pouvait aller {plural(possible, 'est prise', 'sont prises')} "
                "par des étapes plus prioritaires ou plus proches"
            )
        return (
            f"{plural(possible, 'la', 'les')} {possible} {plural(possible, 'demi-journée')} "
            f"où elle pouvait aller {plural(possible, 'est prise', 'sont prises')} "
            "par des étapes plus prioritaires ou à visiter plus souvent"
        )

    def unvisited(self, stop: PlannedStop) -> str:
        wanted = (
            f" (une visite est demandée {frequency_text(stop.every_weeks)})"
            if stop.every_weeks is not None
            else ""
        )
        possible, free = self.open_half_days(stop)
        if not possible:
            reason = _never_open_text(stop, self.rules, self.travel)
        elif stop.priority == 0:
            reason = "priorité nulle"
        else:
            reason = f"{_rank_text(stop, self.stops)} ; {self.unused_text(possible, free)}"
        return f"non visitée{wanted} : {reason}"

    def visited(self, stop: PlannedStop) -> str:
        days = self.days[stop.key]
        text = f"visitée {len(days)} fois en {self.rules.weeks} semaines"
        if stop.every_weeks is None:
            text += f" ({_rank_text(stop, self.stops)})"
        else:
            weeks = {self.rules.week_of(day) or 0 for day in days}
            gaps = frequency_gaps(weeks, stop.every_weeks, self.rules.weeks)
            if not gaps:
                text += f" ({frequency_text(stop.every_weeks)}, comme demandé)"
            else:
                text += f", moins souvent que demandé ({frequency_text(stop.every_weeks)}) : "
                text += self.gap_text(stop, gaps)
        if stop.preferred_weekdays:
            liked = sum(1 for day in days if day.weekday() in stop.preferred_weekdays)
            text += (
                f" ; {liked} sur {len(days)} un jour souhaité "
                f"({weekdays_text(stop.preferred_weekdays)})"
            )
        return text

    def gap_text(self, stop: PlannedStop, gaps: list[range]) -> str:
        gap = gaps[0]
        first = self.rules.week_start(gap.start)
        last = self.rules.week_start(gap.stop - 1) + datetime.timedelta(days=6)
        text = f"aucune visite du {date_text(first)} au {date_text(last)}"
        if len(gaps) > 1:
            text += f" (et {len(gaps) - 1} autre{plural(len(gaps) - 1, '', 's')} période"
            text += f"{plural(len(gaps) - 1, '', 's')} sans visite)"
        possible, free = self.open_half_days(stop, gap)
        if not possible:
            return f"{text} ; aucune demi-journée ne lui était possible ces semaines-là"
        if self.status == "greedy":
            return f"{text} ; le calendrier glouton ne tient pas compte des fréquences"
        return f"{text} ; {self.unused_text(possible, free)}"


def explain(
    stops: Sequence[PlannedStop],
    rules: PlanningRules,
    travel: TravelTimes,
    visits: Sequence[Visit],
    status: str,
) -> dict[str, str]:
    """Stop key → a French clause on how often ``visits`` take the bus to
    it and why (every stop of ``stops`` has one). ``status``: the
    calendar's (``planning.STATUS_LABELS``), which says why a free half-day
    was left unused. The gaps of a frequency are found as ``check_calendar``
    finds them (``frequency_gaps``)."""
    context = _Context(stops, rules, travel, visits, status)
    return {
        stop.key: no_break_before_punctuation(
            context.visited(stop) if context.days[stop.key] else context.unvisited(stop)
        )
        for stop in stops
    }
