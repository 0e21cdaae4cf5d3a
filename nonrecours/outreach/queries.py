"""Reads of the aller-vers (outreach) app for its pages and commands."""

import datetime
from dataclasses import dataclass
from typing import Any

from django.db.models import Max, Q, QuerySet
from django.utils import timezone

from nonrecours.outreach.enums import VisitStatus
from nonrecours.outreach.models import BusCalendar, BusVisit, PriorityArea
from nonrecours.outreach.priorities import FACTORS, PlacePriority, PriorityIndex
from nonrecours.surveys.maps import CLASS_KEYS, estimate_class
from nonrecours.territories.maps import MapClass, ProjectedMap, project_features
from nonrecours.territories.models import Commune, Territory


@dataclass(frozen=True)
class PriorityMap:
    """The index as a choropleth of the communes (class keys of
    surveys.maps: the score ÷ 100 in five classes of 20 points) with the
    QPV as points; `legend` in order; `rows` for the SVG."""

    projected: ProjectedMap
    legend: tuple[str, ...]
    places: dict[str, PlacePriority]  # INSEE code -> the commune's line

    @property
    def rows(self) -> list[tuple[Any, PlacePriority]]:
        return [(f, self.places[f.key]) for f in self.projected.features]


def priority_map(index: PriorityIndex) -> PriorityMap:
    """The map of `index`: each member commune with a contour in the class
    of its score; each QPV as a point at its stop."""
    geometries: dict[str, dict[str, Any]] = {
        c.insee_code: c.geometry
        for c in Commune.objects.members_of(index.territory)
        if isinstance(c.geometry, dict)
    }
    places = {p.key: p for p in index.places if p.kind == "commune" and p.key in geometries}
    items = [
        (code, geometries[code], MapClass(key, key, ""))
        for code, place in sorted(places.items())
        for key in [estimate_class(place.score / 100)]
    ]
    areas = PriorityArea.objects.filter(territory=index.territory).order_by("code")
    points = [(a.code, a.longitude, a.latitude) for a in areas]
    return PriorityMap(projected=project_features(items, points), legend=CLASS_KEYS, places=places)


def priority_index_data(index: PriorityIndex) -> dict[str, Any]:
    """The index as JSON data (`nonrecours outreach priorities --out`):
    the territory, the barometer's campaign, every factor with its weight
    and whether it is used, the missing ones with why (French), and the
    places ranked, each with its score (0–100), its reasons and its values
    (scaled 0–1, French text, taken from the stratum or not)."""
    return {
        "territoire": {"siren": index.territory.siren, "nom": index.territory.name},
        "campagne": index.campaign.slug if index.campaign else None,
        "facteurs": [
            {
                "cle": f.key,
                "libelle": f.label,
                "source": f.source,
                "mise_a_l_echelle": f.scaling,
                "poids": index.weights[f.key],
                "utilise": f.key in index.used,
            }
            for f in FACTORS
        ],
        "absents": [{"facteur": label, "raison": why} for label, why in index.missing],
        "points_d_accueil": index.help_points,
        "lieux": [
            {
                "rang": p.rank,
                "cle": p.key,
                "type": p.kind,
                "nom": p.name,
                "code_insee": p.insee_code,
                "population": p.population,
                "strate": p.stratum,
                "indice": round(p.score, 2),
                "pourquoi": p.reasons,
                "facteurs": {
                    v.factor: {
                        "valeur": round(v.scaled, 4),
                        "texte": v.text,
                        "de_la_strate": v.from_stratum,
                        "points": round(p.contributions[v.factor], 2),
                    }
                    for v in p.values
                },
            }
            for p in index.places
        ],
    }


def calendar_last_day(calendar: BusCalendar) -> datetime.date:
    """The last day of a saved calendar: its last week's Sunday, or a later
    visit the team moved beyond it (not cancelled)."""
    end = calendar.start + datetime.timedelta(days=7 * calendar.weeks - 1)
    moved = (
        calendar.visits.exclude(status=VisitStatus.CANCELLED)
        .filter(day__gt=end)
        .aggregate(last=Max("day"))["last"]
    )
    return max(end, moved) if moved else end


@dataclass(frozen=True)
class Governed:
    """A published calendar and the days it governs: its own, from its
    start to its last day, except ``ceded`` — the windows of calendars
    published after it, each from the later one's start or its publication
    day, whichever is later (days already gone stay with the calendar that
    ran them), to its last day."""

    calendar: BusCalendar
    last_day: datetime.date
    ceded: tuple[tuple[datetime.date, datetime.date], ...]

    def governs(self, day: datetime.date) -> bool:
        """Whether ``day``'s visits are this calendar's to show."""
        return not any(first <= day <= last for first, last in self.ceded)

    def segments(self) -> list[tuple[datetime.date, datetime.date]]:
        """Its period minus the ceded windows, as (first, last) days."""
        pieces = [(self.calendar.start, self.last_day)]
        for first, last in sorted(self.ceded):
            pieces = [
                part
                for a, b in pieces
                for part in ((a, min(b, first - datetime.timedelta(days=1))),
                             (max(a, last + datetime.timedelta(days=1)), b))
                if part[0] <= part[1]
            ]  # fmt: skip
        return pieces


def governed_calendars(territory: Territory) -> list[Governed]:
    """The territory's published calendars (not demonstration ones), by
    publication, each with the days it governs: a calendar published over
    another's weeks takes them over from its own start — or from its
    publication, for days already gone —, the earlier one keeps the rest
    (its days already run, its weeks before the new one)."""
    published = list(
        BusCalendar.objects.filter(
            territory=territory, published_at__isnull=False, is_synthetic=False
        ).order_by("published_at", "pk")
    )
    lasts = {c.pk: calendar_last_day(c) for c in published}
    governed = []
    for n, calendar in enumerate(published):
        ceded = tuple(
            (max(later.start, timezone.localtime(later.published_at).date()), lasts[later.pk])
            for later in published[n + 1 :]
            if later.published_at is not None
        )
        governed.append(Governed(calendar, lasts[calendar.pk], ceded))
    return governed


def _running_q(territory: Territory) -> tuple[Q, bool]:
    """The visits the bus makes, as a Q on BusVisit, and whether a real
    calendar is published: each published calendar's visits on the days it
    governs (governed_calendars); while none is, the demonstration's."""
    governed = governed_calendars(territory)
    if not governed:
        return Q(calendar__territory=territory, calendar__is_synthetic=True), False
    q = Q(pk__in=[])  # always false: OR-ed with each calendar's own days
    for entry in governed:
        own = Q(calendar=entry.calendar)
        for first, last in entry.ceded:
            own &= ~Q(day__range=(first, last))
        q |= own
    return q, True


def running_visits(territory: Territory) -> QuerySet[BusVisit]:
    """The visits the bus makes: of each published calendar, on the days it
    governs (governed_calendars); while none is published, those of the
    demonstration calendars."""
    running, _ = _running_q(territory)
    return BusVisit.objects.filter(running)


def operating_visits(territory: Territory) -> QuerySet[BusVisit]:
    """The visits that count for what the bus achieved: the running ones
    (running_visits), and any visit of a real calendar whose activity was
    noted (people received, hours of presence) — a calendar replaced in
    mid-season keeps what it achieved; a draft, never logged, counts for
    nothing; the demonstration counts for nothing once a real calendar is
    published."""
    running, real = _running_q(territory)
    noted = Q(visitors__isnull=False) | Q(arrived_at__isnull=False)
    if real:
        noted &= Q(calendar__is_synthetic=False)
    return BusVisit.objects.filter(calendar__territory=territory).filter(running | noted).distinct()
