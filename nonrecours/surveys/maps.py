"""The choropleth of an indicator by commune: its classes, colours and
legend, for the dashboard and the report (computed now, or read from a
publication)."""

from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import QuerySet

from nonrecours.analysis.files import ResultRow
from nonrecours.french import sort_key
from nonrecours.surveys.barometer import Barometer
from nonrecours.territories.maps import MapClass, MapFeature, ProjectedMap, project_features
from nonrecours.territories.models import Commune

MAP_CLASSES = [
    (0.2, "moins de 20 %", "#f2f0f7"),
    (0.4, "de 20 à 40 %", "#cbc9e2"),
    (0.6, "de 40 à 60 %", "#9e9ac8"),
    (0.8, "de 60 à 80 %", "#756bb1"),
    (float("inf"), "80 % et plus", "#54278f"),
]
HIDDEN_CLASS = "masquee"
EMPTY_CLASS = "aucune-reponse"
EMPTY_COLOR = "url(#points)"  # dotted: unlike any class of MAP_CLASSES


def indicator_map_classes(
    commune_rows: Iterable[ResultRow], indicator_id: str
) -> dict[str, tuple[str, str, ResultRow]]:
    """For each commune (INSEE code) of ``commune_rows`` (rows by commune,
    computed now or read from a publication): its class key, colour and
    row. Hidden communes get the hatched class, communes with nobody in the
    indicator's base the dotted EMPTY_CLASS, the others the class of
    MAP_CLASSES their estimate falls in."""
    result = {}
    for row in commune_rows:
        if row.indicator != indicator_id:
            continue
        if row.suppressed:
            result[row.domain] = (HIDDEN_CLASS, "url(#hachures)", row)
            continue
        if row.estimate is None:  # nobody in the indicator's base there
            result[row.domain] = (EMPTY_CLASS, EMPTY_COLOR, row)
            continue
        for upper, label, color in MAP_CLASSES:
            if row.estimate < upper:
                result[row.domain] = (label, color, row)
                break
    return result


@dataclass(frozen=True)
class IndicatorMap:
    indicator: str
    label: str
    projected: ProjectedMap
    legend: list[tuple[str, str]]  # (label, colour or pattern)
    communes: list[tuple[Commune, ResultRow]]  # for the data table

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
        key, color, row = classes[commune.insee_code]
        table.append((commune, row))
        if commune.geometry:
            items.append((commune.insee_code, commune.geometry, MapClass(key, key, color)))
    legend = [(name, color) for _, name, color in MAP_CLASSES]
    legend.append(("aucune réponse dans la base de l'indicateur", EMPTY_COLOR))
    legend.append((f"masquée (moins de {threshold} réponses, ou déductible)", "url(#hachures)"))
    return IndicatorMap(
        indicator=indicator_id,
        label=label,
        projected=project_features(items),
        legend=legend,
        communes=table,
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
