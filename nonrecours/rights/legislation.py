"""The staleness check of every parameter the simulator reads (ADR 017);
the overlay of current scales is rights.overlay, the parameters read
rights.parameters_read.

A parameter the simulator reads is *stale* at a month when its history
shows a periodic revaluation (median interval between its last changes of
at most 13 months) and the instant the simulation of that month reads it at
(the month itself; or earlier: January of year N-2 for the incomes of the
tax notice) is later than its last change + that interval + one month of
grace: a newer value should exist at that instant. The parameters read by
each benefit, and at which instants, come from a traced run of the reference
cases, kept in rights/parameters_read.txt (rights.parameters_read).
"""

import datetime
import statistics
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from typing import Any

from nonrecours.rights.overlay import OVERLAY_DIR, child_node, date_text, load_yaml, overlaid
from nonrecours.rights.overlay import OverlayError as OverlayError
from nonrecours.rights.parameters_read import PARAMETERS_READ_FILE as PARAMETERS_READ_FILE
from nonrecours.rights.parameters_read import ReadParameter, add_months, month_start, months_between
from nonrecours.rights.parameters_read import parameters_read as parameters_read
from nonrecours.rights.parameters_read import parameters_read_text as parameters_read_text
from nonrecours.rights.parameters_read import trace_parameters_read as trace_parameters_read

# Parameters allowed to be stale, each with its reason (read by the tests).
# Files whose name starts with "_" are not parameters.
ALLOWED_STALE_FILE = OVERLAY_DIR / "_retards_admis.yaml"

CHANGES_LOOKED_AT = 4  # the last 4 changes of value: 3 intervals
PERIODIC_MAX_MONTHS = 13  # a median interval up to this is a periodic revaluation
GRACE_MONTHS = 1  # time for the new text to be published and read
# A series last changed before this date has stopped (two years before the
# first month simulated, rights.system.LEGISLATION_FROM).
REVALUED_SINCE = datetime.date(2022, 1, 1)

# Where the next value of a parameter is published, by path prefix (the
# longest prefix wins); otherwise the last reference OpenFisca cites.
SOURCE_PAGES = {
    "prestations_sociales.prestations_etat_de_sante.invalidite.asi": (
        "circulaire Cnav de revalorisation d'avril : https://legislation.lassuranceretraite.fr/"
    ),
    "prestations_sociales.solidarite_insertion.minima_sociaux.cs": (
        "arrêté annuel des plafonds de la complémentaire santé solidaire (avril) : "
        "https://www.legifrance.gouv.fr/"
    ),
    "prestations_sociales.education.contrat_engagement_jeune": (
        "instruction interministérielle DSS de revalorisation d'avril : "
        "https://bulletins-officiels.social.gouv.fr/"
    ),
    "prestations_sociales": (
        "instructions DSS de revalorisation (janvier, avril) : "
        "https://bulletins-officiels.social.gouv.fr/"
    ),
}


@dataclass(frozen=True)
class StaleParameter:
    path: str
    last_change: datetime.date  # first day of the last value known
    interval_months: int  # usual interval between two revaluations
    benefits: tuple[str, ...]  # benefit ids (catalogue) that read it
    source: str  # where to find the new value

    @property
    def due(self) -> datetime.date:
        """The first day of the month from which the value is late."""
        return add_months(self.last_change, self.interval_months + GRACE_MONTHS)


# --- staleness -------------------------------------------------------------------


@dataclass(frozen=True)
class Revaluation:
    last_change: datetime.date
    interval_months: int
    still_valid_on: datetime.date | None

    def due(self) -> datetime.date:
        """First day of the month from which the value is late."""
        due = add_months(self.last_change, self.interval_months)
        if self.still_valid_on is not None:
            while due <= self.still_valid_on:
                due = add_months(due, self.interval_months)
        return add_months(due, GRACE_MONTHS)


def revaluation(
    history: list[tuple[str, Any]], still_valid_on: str | None = None
) -> Revaluation | None:
    """The usual revaluation of a parameter, from its history
    [(YYYY-MM-DD, value), …] in any order: its last change of value and the
    median interval, in months, between its last CHANGES_LOOKED_AT changes.

    None when the parameter is not revalued periodically: fewer than 3
    changes, a median interval over PERIODIC_MAX_MONTHS, or a last value of
    null (the parameter has ended). A date repeating the previous value is
    not a change. ``still_valid_on`` (OpenFisca's
    ``last_value_still_valid_on``) postpones the due date past it.
    """
    changes: list[datetime.date] = []
    previous: Any = object()
    last_value: Any = None
    for start, value in sorted(history):
        last_value = value
        if value != previous:
            changes.append(datetime.date.fromisoformat(start))
            previous = value
    if last_value is None or len(changes) < 3:
        return None
    recent = changes[-CHANGES_LOOKED_AT:]
    interval = statistics.median(
        months_between(a, b) for a, b in zip(recent, recent[1:], strict=False)
    )
    if interval > PERIODIC_MAX_MONTHS or interval <= 0:
        return None
    valid = datetime.date.fromisoformat(still_valid_on) if still_valid_on else None
    return Revaluation(changes[-1], max(1, round(interval)), valid)


def _leaves(node: Any, path: str) -> Iterator[tuple[str, Any, str]]:
    """The single-value parameters under ``node`` (itself if it is one), with
    their unit ("currency", "/1"…; "" when OpenFisca gives none)."""
    from openfisca_core.parameters import Parameter, ParameterNode, ParameterScale

    if isinstance(node, Parameter):
        yield path, node, str((node.metadata or {}).get("unit") or "")
    elif isinstance(node, ParameterScale):
        metadata = node.metadata or {}
        for index, bracket in enumerate(node.brackets):
            for key, child in bracket.children.items():
                unit = str(metadata.get(f"{key}_unit") or "")
                yield f"{path}.brackets[{index}].{key}", child, unit
    elif isinstance(node, ParameterNode):
        for key, child in node.children.items():
            yield from _leaves(child, f"{path}.{key}")


def _source(path: str, parameter: Any) -> str:
    for prefix in sorted(SOURCE_PAGES, key=len, reverse=True):
        if path == prefix or path.startswith(prefix + "."):
            return SOURCE_PAGES[prefix]
    references = (parameter.metadata or {}).get("reference") or {}
    for key in sorted(references, key=str, reverse=True):
        items = references[key] if isinstance(references[key], list) else [references[key]]
        for item in items:
            if isinstance(item, dict) and item.get("href"):
                return f"texte précédent, {item.get('title', '')} : {item['href']}"
    return "Légifrance : https://www.legifrance.gouv.fr/"


@dataclass(frozen=True)
class _Watched:
    revaluation: Revaluation
    read: "ReadParameter"
    source: str


@cache
def _watched(system: Any) -> dict[str, _Watched]:
    """Every leaf amount under the parameters read that is revalued
    periodically, for ``system``: only amounts in euros (rates are not
    revalued by a coefficient) last changed on or after REVALUED_SINCE
    (older series have stopped: a reform's steps, a formula no longer
    used)."""
    result: dict[str, _Watched] = {}
    for name, read in parameters_read().items():
        node = child_node(system.parameters, name)
        if node is None:
            continue
        for path, parameter, unit in _leaves(node, name):
            if not unit.startswith("currency"):
                continue
            history = [(v.instant_str, v.value) for v in parameter.values_list]
            still = (parameter.metadata or {}).get("last_value_still_valid_on")
            found = revaluation(history, date_text(still) if still else None)
            if found is not None and found.last_change >= REVALUED_SINCE:
                result[path] = _Watched(found, read, _source(path, parameter))
    return result


@cache
def current_system() -> Any:
    """OpenFisca-France with the overlay (a process's own instance)."""
    from openfisca_france import FranceTaxBenefitSystem

    return overlaid(FranceTaxBenefitSystem())


def stale_parameters(month: str, system: Any = None) -> list[StaleParameter]:
    """The parameters the simulator reads that are stale at ``month``
    (AAAA-MM), sorted by path.

    A parameter is stale when it is revalued periodically (``revaluation``)
    and the latest instant the simulation of ``month`` reads it at
    (``ReadParameter.instant``: the month itself, or earlier, January of
    year N-2 for the incomes of the tax notice; never later than the month)
    is on or after its last change + usual interval + GRACE_MONTHS: a newer
    value should already exist at that instant. ``system``: the tax-benefit system the engine uses
    (default: ``current_system()``, OpenFisca-France with the overlay).
    Raises ValueError for a month that is not AAAA-MM.
    """
    day = month_start(month)
    result = []
    for path, watched in _watched(system or current_system()).items():
        if watched.read.instant(day) >= watched.revaluation.due():
            result.append(
                StaleParameter(
                    path,
                    watched.revaluation.last_change,
                    watched.revaluation.interval_months,
                    watched.read.benefits,
                    watched.source,
                )
            )
    return sorted(result, key=lambda s: s.path)


@dataclass(frozen=True)
class AllowedStale:
    path: str  # a parameter, or a node: every parameter under it
    since: str | None  # first month (AAAA-MM) allowed; None: every month
    blocking: bool  # the benefits reading it say « barème non à jour »
    reason: str

    def covers(self, path: str, month: str) -> bool:
        """Whether this entry allows ``path`` to be stale at ``month``."""
        under = path == self.path or path.startswith(self.path + ".")
        return under and (self.since is None or month >= self.since)


@cache
def allowed_stale() -> tuple[AllowedStale, ...]:
    """The stale parameters allowed, each with its reason (ALLOWED_STALE_FILE).
    Raises OverlayError (French, naming the entry) for an entry without
    ``chemin`` or ``raison``, or with a ``depuis`` that is not AAAA-MM."""
    where = ALLOWED_STALE_FILE.name
    data = load_yaml(ALLOWED_STALE_FILE.read_text(encoding="utf-8"), where)
    entries = data.get("retards") if isinstance(data, dict) else None
    if not isinstance(entries, list):
        raise OverlayError([f"{where} : attendu « retards: » suivi d'une liste"])
    result, problems = [], []
    for index, entry in enumerate(entries, start=1):
        at = f"{where}, retard n° {index}"
        if not isinstance(entry, dict):
            problems.append(f"{at} : attendu chemin, raison (et depuis, bloquant)")
            continue
        path, reason, since = entry.get("chemin"), entry.get("raison"), entry.get("depuis")
        if not isinstance(path, str) or not path:
            problems.append(f"{at} : chemin manquant")
        elif not isinstance(reason, str) or not reason.strip():
            problems.append(f"{at} ({path}) : raison manquante")
        elif since is not None and not _is_month(str(since)):
            problems.append(f"{at} ({path}) : depuis « {since} » : attendu AAAA-MM")
        else:
            blocking = entry.get("bloquant", True) is not False
            result.append(AllowedStale(path, None if since is None else str(since), blocking,
                                       " ".join(reason.split())))  # fmt: skip
    if problems:
        raise OverlayError(problems)
    return tuple(result)


def _is_month(text: str) -> bool:
    try:
        month_start(text)
    except ValueError:
        return False
    return 1 <= int(text[5:]) <= 12


def allowance(path: str, month: str) -> AllowedStale | None:
    """The allow-list entry that lets ``path`` be stale at ``month``, if any."""
    return next((entry for entry in allowed_stale() if entry.covers(path, month)), None)


def unknown_scales(month: str, system: Any = None) -> dict[str, list[str]]:
    """For each benefit id whose scale is not known at ``month``: the stale
    parameter paths it reads (the engine says « barème non à jour » instead
    of an amount). Benefits with current scales are absent, and so are
    stale parameters the allow-list marks ``bloquant: false`` (its reason
    says why no amount depends on them)."""
    result: dict[str, list[str]] = {}
    for stale in stale_parameters(month, system):
        entry = allowance(stale.path, month)
        if entry is not None and not entry.blocking:
            continue
        for benefit_id in stale.benefits:
            result.setdefault(benefit_id, []).append(stale.path)
    return result
