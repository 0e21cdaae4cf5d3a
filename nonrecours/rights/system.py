"""The tax-benefit system the simulator computes with, and the months whose
legislation it knows.

OpenFisca-France is loaded once per process, with the project's overlay of
current scales (ADR 017) and OpenFisca-Core's fast paths (ADR 019); the
declared incomes are inputs, not computed from a gross wage through the
whole payroll chain (ADR 006).
"""

import functools
from functools import cache
from typing import Any

from nonrecours.rights import speedups
from nonrecours.rights.legislation import unknown_scales
from nonrecours.rights.overlay import overlaid

# Declared incomes become inputs (their formulas would start from gross pay).
INPUT_ONLY = (
    "salaire_net",
    "salaire_imposable",
    "salaire_de_base",
    "chomage_net",
    "chomage_imposable",
    "chomage_brut",
    "retraite_nette",
    "retraite_imposable",
    "indemnites_journalieres",
    "revenus_non_salarie_nets",
    "rpns_imposables",
    "remuneration_apprenti",
    "indemnites_chomage_partiel",
    "pensions_invalidite",
)

# The legislation shipped with openfisca-france 176.1.8 is up to date for
# the months up to this one (latest scales: housing aid October 2026); a
# month further on would silently reuse old scales.
LEGISLATION_FROM = "2024-01"
LEGISLATION_UNTIL = "2027-03"


@cache
def tax_benefit_system() -> Any:
    """OpenFisca-France (this process's own instance) with the project's
    overlay of current scales applied as a reform (ADR 017), and the
    declared incomes as inputs."""
    from openfisca_france import FranceTaxBenefitSystem

    speedups.apply()
    system = overlaid(FranceTaxBenefitSystem())
    for name in INPUT_ONLY:
        system.variables[name].formulas.clear()
    return system


@functools.lru_cache(maxsize=64)
def stale_scales_at(month: str) -> dict[str, list[str]]:
    """Benefit id → stale parameter paths at `month` (rights.legislation)."""
    return unknown_scales(month, tax_benefit_system())
