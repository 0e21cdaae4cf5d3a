"""The choropleth of an indicator by commune: each commune's class and the
legend's classes, for the dashboard and the report (computed now, or read
from a publication). Colours, patterns and class names are drawn by
www/templatetags/indicator_maps.py."""

from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import QuerySet

from nonrecours.analysis.files import ResultRow
from nonrecours.french import sort_key
from nonrecours.surveys.barometer import Barometer
from nonrecours.territories.maps import MapClass, MapFeature, ProjectedMap, project_features
from nonrecours.territories.models import Commune

# The classes of an indicator's estimate by commune: their upper bounds (a
# share, 0 to 1; the last class has none). How a class is drawn and named
# is the pages' and report's business (www/templatetags/indicator_maps.py).
MAP_BOUNDS = (0.2, 0.4, 0.6, 0.8)
CLASS_KEYS = tuple(f"classe-{number}" for number in range(1, len(MAP_BOUNDS) + 2))
HIDDEN_CLASS = "masquee"
EMPTY_CLASS = "aucune-reponse"


def estimate_class(estimate: float) -> str:
    """The class key (CLASS_KEYS) of an estimated share (0 to 1): the first
    whose upper bound (MAP_BOUNDS) is above it."""
    for key, upper in zip(CLASS_KEYS, MAP_BOUNDS, strict=False):
        if estimate < upper:
            return key
    return CLASS_KEYS[-1]


def indicator_map_classes(
    commune_rows: Iterable[ResultRow], indicator_id: str
) -> dict[str, tuple[str, ResultRow]]:
    """For each commune (INSEE code) of ``commune_rows`` (rows by commune,
    computed now or read from a publication): its class key and row.
    Hidden communes get HIDDEN_CLASS, communes with nobody in the
    indicator's base EMPTY_CLASS, the others the class of their estimate
    (estimate_class)."""
    result = {}
    for row in commune_rows:
        if row.indicator != indicator_id:
            continue
        if row.suppressed:
            result[row.domain] = (HIDDEN_CLASS, row)
        elif row.estimate is None:  # nobody in the indicator's base there
            result[row.domain] = (EMPTY_CLASS, row)
        else:
            result[row.domain] = (estimate_class(row.estimate), row)
    return result


@dataclass(frozen=True)
class IndicatorMap:
    indicator: str
    label: str
    projected: ProjectedMap
    legend: tuple[str, ...]  # class keys, in the legend's order
    communes: list[tuple[Commune, ResultRow]]  # for the data table
    threshold: int  # the disclosure rule's minimum (the hidden class's legend)

    @property
    def rows(self) -> list[tuple[MapFeature, Commune, ResultRow]]:
        by_code = {c.insee_code: (c, r) for c, r in self.communes}
        return [(f, *by_code[f.key]) for f in self.projected.features]


def commune_map(
    communes: QuerySet[Commune],
    commune_rows: Iterable[ResultRow],
    indicator_id: str,
    label: str,
    threshold: int,
) -> IndicatorMap:
    """Choropleth of one indicator over `communes` from its rows by commune
    (computed now, or read from a publication): hidden communes hatched,
    communes with nobody in the indicator's base dotted; the data table
    lists the communes in name order."""
    classes = indicator_map_classes(commune_rows, indicator_id)
    items = []
    table = []
    for commune in sorted(
        communes.filter(insee_code__in=list(classes)), key=lambda c: sort_key(c.name)
    ):
        key, row = classes[commune.insee_code]
        table.append((commune, row))
        if commune.geometry:
            items.append((commune.insee_code, commune.geometry, MapClass(key, key, "")))
    return IndicatorMap(
        indicator=indicator_id,
        label=label,
        projected=project_features(items),
        legend=(*CLASS_KEYS, EMPTY_CLASS, HIDDEN_CLASS),
        communes=table,
        threshold=threshold,
    )


def barometer_map(barometer: Barometer, indicator_id: str) -> IndicatorMap:
    """Choropleth of one indicator of a barometer by commune, for the team
    (see commune_map)."""
    campaign = barometer.campaign
    indicators = {i.id: i for i in campaign.questionnaire.questionnaire().indicators}
    return commune_map(
        Commune.objects.members_of(campaign.territory),
        barometer.analysis.commune_rows,
        indicator_id,
        indicators[indicator_id].label,
        barometer.analysis.weighting.threshold,
    )
