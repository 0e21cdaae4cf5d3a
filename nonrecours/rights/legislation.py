"""Current scales: a dated, sourced overlay of OpenFisca-France's parameters,
and the staleness check of every parameter the simulator reads (ADR 017).

The overlay (rights/parameters/**.yaml) mirrors OpenFisca-France's own
parameter files: the file ``prestations_sociales/.../asi/plafond_ressource_seul.yaml``
extends the parameter ``prestations_sociales.….asi.plafond_ressource_seul``,
in OpenFisca's format (``values: {date: {value: …}}`` and
``metadata: {reference: {date: {title, href}}}``). It is applied as an
OpenFisca reform: the package itself is never patched.

A parameter the simulator reads is *stale* at a month when its history
shows a periodic revaluation (median interval between its last changes of
at most 13 months) and the instant the simulation of that month reads it at
(the month itself; or earlier: January of year N-2 for the incomes of the
tax notice) is later than its last change + that interval + one month of
grace: a newer value should exist at that instant. The parameters read by
each benefit, and at which instants, come from a traced run of the reference
cases, kept in rights/parameters_read.txt (``nonrecours rights parameters
--regenerer`` writes it again; a test checks it has not drifted).
"""

import datetime
import math
import re
import statistics
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import yaml

OVERLAY_DIR = Path(__file__).with_name("parameters")
PARAMETERS_READ_FILE = Path(__file__).with_name("parameters_read.txt")
# Parameters allowed to be stale, each with its reason (read by the tests).
# Files whose name starts with "_" are not parameters.
ALLOWED_STALE_FILE = OVERLAY_DIR / "_retards_admis.yaml"

CHANGES_LOOKED_AT = 4  # the last 4 changes of value: 3 intervals
PERIODIC_MAX_MONTHS = 13  # a median interval up to this is a periodic revaluation
GRACE_MONTHS = 1  # time for the new text to be published and read
# A series last changed before this date has stopped (two years before the
# first month simulated, engine.LEGISLATION_FROM).
REVALUED_SINCE = datetime.date(2022, 1, 1)

# Where official references live: an overlay value cites one of these.
OFFICIAL_DOMAINS = (
    "legifrance.gouv.fr",
    "bulletins-officiels.social.gouv.fr",
    "sante.gouv.fr",
    "solidarites.gouv.fr",
    "travail-emploi.gouv.fr",
    "education.gouv.fr",
    "legislation.lassuranceretraite.fr",
    "legislation.cnav.fr",
    "boss.gouv.fr",
    "service-public.fr",
    "caf.fr",
    "ameli.fr",
    "securite-sociale.fr",
    "msa.fr",
)

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

# Variables the engine computes besides each benefit's own variable.
EXTRA_VARIABLES = {
    "css": ("css_participation_forfaitaire",),
    "aide_logement": ("aide_logement_non_calculable",),
}

OVERLAY_MAX_BYTES = 256 * 1024


class OverlayError(ValueError):
    """The overlay refused: ``problems`` are French, each naming its file
    and parameter path."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("surcouche de paramètres refusée :\n- " + "\n- ".join(problems))


@dataclass(frozen=True)
class Reference:
    title: str
    href: str


@dataclass(frozen=True)
class OverlayValue:
    start: str  # YYYY-MM-DD, first day the value applies
    value: float | int | bool
    references: tuple[Reference, ...]


@dataclass(frozen=True)
class OverlayParameter:
    path: str  # OpenFisca dotted path
    file: str  # relative to OVERLAY_DIR
    values: tuple[OverlayValue, ...]
    still_valid_on: str | None  # metadata.last_value_still_valid_on


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
        return _add_months(self.last_change, self.interval_months + GRACE_MONTHS)


# --- dates -------------------------------------------------------------------


def _add_months(day: datetime.date, months: int) -> datetime.date:
    index = day.year * 12 + day.month - 1 + months
    return datetime.date(index // 12, index % 12 + 1, 1)


def _months_between(start: datetime.date, end: datetime.date) -> int:
    return (end.year - start.year) * 12 + end.month - start.month


def _month_start(month: str) -> datetime.date:
    """'2026-11' → 2026-11-01; ValueError (French) for anything else."""
    try:
        if len(month) != 7 or month[4] != "-":
            raise ValueError
        return datetime.date(int(month[:4]), int(month[5:]), 1)
    except ValueError:
        raise ValueError(f"mois « {month[:20]} » : attendu AAAA-MM, par exemple 2026-11") from None


# --- the overlay ---------------------------------------------------------------


def overlay_files(directory: Path = OVERLAY_DIR) -> list[Path]:
    """The overlay's parameter files, sorted (names starting with "_" are not
    parameters)."""
    return sorted(
        path
        for path in directory.rglob("*.yaml")
        if not any(part.startswith("_") for part in path.relative_to(directory).parts)
    )


def _official(href: str) -> bool:
    parts = urlsplit(href)
    host = (parts.hostname or "").lower()
    return parts.scheme == "https" and any(
        host == domain or host.endswith("." + domain) for domain in OFFICIAL_DOMAINS
    )


def _references(raw: Any, where: str, problems: list[str]) -> tuple[Reference, ...]:
    items = raw if isinstance(raw, list) else [raw]
    result = []
    for item in items:
        if not isinstance(item, dict):
            problems.append(f"{where} : référence illisible (attendu title et href)")
            continue
        title, href = item.get("title"), item.get("href")
        if not isinstance(title, str) or not title.strip():
            problems.append(f"{where} : référence sans titre (title)")
            continue
        if not isinstance(href, str) or not _official(href):
            problems.append(
                f"{where} : le lien (href) de « {title.strip()[:80]} » doit être une adresse "
                "https d'un site officiel (" + ", ".join(OFFICIAL_DOMAINS[:4]) + "…)"
            )
            continue
        result.append(Reference(title.strip(), href))
    return tuple(result)


def _date_text(raw: Any) -> str | None:
    text = raw.isoformat() if isinstance(raw, datetime.date) else str(raw)
    try:
        return datetime.date.fromisoformat(text).isoformat() if len(text) == 10 else None
    except ValueError:
        return None


class _DatesAsTextLoader(yaml.SafeLoader):
    """Safe YAML whose dates stay text (OpenFisca's files key values by date)."""


_DatesAsTextLoader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def _load_yaml(text: str, where: str) -> Any:
    if len(text.encode("utf-8", "surrogatepass")) > OVERLAY_MAX_BYTES:
        raise OverlayError([f"{where} : plus de {OVERLAY_MAX_BYTES // 1024} Ko"])
    try:
        for event in yaml.parse(text, Loader=_DatesAsTextLoader):
            if isinstance(event, yaml.AliasEvent):
                raise OverlayError([f"{where} : les alias YAML (*nom) ne sont pas acceptés"])
        return yaml.load(text, Loader=_DatesAsTextLoader)  # noqa: S506 - a SafeLoader
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        at = f"ligne {mark.line + 1}, colonne {mark.column + 1}" if mark else "fichier"
        problem = str(getattr(error, "problem", None) or "syntaxe")[:120]
        raise OverlayError([f"{where} : {at} : YAML illisible ({problem})"]) from None
    except RecursionError:
        raise OverlayError([f"{where} : trop de niveaux d'imbrication"]) from None


def parse_overlay_file(text: str, relative: str) -> OverlayParameter:
    """One overlay file (OpenFisca's parameter format) as an OverlayParameter.

    ``relative`` is its path under OVERLAY_DIR, which gives the parameter's
    dotted path. Raises OverlayError (French, naming the file and the path)
    for unreadable YAML, a missing ``values``, a date that is not
    AAAA-MM-JJ, a value that is not a finite number or a boolean, or a value
    without an official reference (title and https href on an official
    site) at its date. Whether the path exists is checked against OpenFisca
    by ``load_overlay``.
    """
    path = relative.removesuffix(".yaml").replace("/", ".")
    where = f"{relative} ({path})"
    data = _load_yaml(text, where)
    if not isinstance(data, dict) or not isinstance(data.get("values"), dict) or not data["values"]:
        raise OverlayError(
            [f"{where} : attendu « values: {{date: {{value: …}}}} » (format OpenFisca)"]
        )
    metadata = data.get("metadata") or {}
    if not isinstance(metadata, dict):
        raise OverlayError([f"{where} : metadata doit être un dictionnaire"])
    raw_references = metadata.get("reference") or {}
    if not isinstance(raw_references, dict):
        raise OverlayError([f"{where} : metadata.reference doit associer chaque date à ses textes"])
    references = {_date_text(key): value for key, value in raw_references.items()}
    problems: list[str] = []
    values = []
    for raw_date, item in data["values"].items():
        start = _date_text(raw_date)
        if start is None:
            problems.append(f"{where} : date « {str(raw_date)[:20]} » : attendu AAAA-MM-JJ")
            continue
        at = f"{where}, valeur au {start}"
        value = item.get("value") if isinstance(item, dict) else None
        if isinstance(value, bool) or (isinstance(value, int | float) and math.isfinite(value)):
            pass
        else:
            problems.append(f"{at} : attendu « value: » suivi d'un nombre")
            continue
        if start not in references:
            problems.append(
                f"{at} : pas de référence officielle (metadata.reference.{start} : "
                "title et href du décret, de l'arrêté ou de la circulaire)"
            )
            continue
        cited = _references(references[start], at, problems)
        if cited:
            values.append(OverlayValue(start, value, cited))
    still_valid = metadata.get("last_value_still_valid_on")
    still_valid_on = _date_text(still_valid) if still_valid is not None else None
    if still_valid is not None and still_valid_on is None:
        problems.append(f"{where} : last_value_still_valid_on : attendu AAAA-MM-JJ")
    if problems:
        raise OverlayError(problems)
    return OverlayParameter(
        path=path,
        file=relative,
        values=tuple(sorted(values, key=lambda v: v.start)),
        still_valid_on=still_valid_on,
    )


def _is_value_parameter(node: Any) -> bool:
    from openfisca_core.parameters import Parameter

    return isinstance(node, Parameter)


def _child(parameters: Any, path: str) -> Any | None:
    """The parameter, scale or node at dotted ``path``, or None."""
    node = parameters
    for key in path.split("."):
        children = getattr(node, "children", None)
        if not isinstance(children, dict) or key not in children:
            return None
        node = children[key]
    return node


def load_overlay(system: Any, directory: Path = OVERLAY_DIR) -> list[OverlayParameter]:
    """Every overlay file, checked against ``system`` (OpenFisca-France
    without the overlay).

    Raises OverlayError listing every problem, each naming its file and
    parameter path: a file ``parse_overlay_file`` refuses, a path OpenFisca
    does not know or that is not a single value (a node or a scale), or a
    date on or before OpenFisca's own last value (an overlay only extends:
    once OpenFisca has the value, remove it from the overlay).
    """
    problems: list[str] = []
    result = []
    for file in overlay_files(directory):
        relative = file.relative_to(directory).as_posix()
        try:
            item = parse_overlay_file(file.read_bytes().decode("utf-8-sig"), relative)
        except UnicodeDecodeError:
            problems.append(f"{relative} : le texte n'est pas en UTF-8")
            continue
        except OverlayError as error:
            problems.extend(error.problems)
            continue
        where = f"{relative} ({item.path})"
        parameter = _child(system.parameters, item.path)
        if parameter is None:
            problems.append(f"{where} : ce paramètre n'existe pas dans OpenFisca-France")
            continue
        if not _is_value_parameter(parameter):
            problems.append(
                f"{where} : c'est un nœud ou un barème à tranches d'OpenFisca, pas une valeur "
                "simple : la surcouche ne complète que des valeurs simples"
            )
            continue
        known = [v.instant_str for v in parameter.values_list]
        last = max(known) if known else ""
        for value in item.values:
            if value.start <= last:
                problems.append(
                    f"{where}, valeur au {value.start} : OpenFisca-France connaît déjà une valeur "
                    f"au {last} ; la surcouche ne fait que prolonger (retirez cette valeur)"
                )
        result.append(item)
    if problems:
        raise OverlayError(problems)
    return result


def overlaid(system: Any, directory: Path = OVERLAY_DIR) -> Any:
    """``system`` with the overlay applied, as an OpenFisca reform (a new
    tax-benefit system; ``system`` is left unchanged).

    Each overlay value starts at its date and holds until a later one; its
    references are added to the parameter's ``metadata["reference"]``, and
    ``last_value_still_valid_on`` replaces OpenFisca's when given. Raises
    OverlayError as ``load_overlay`` does; nothing is applied then.
    """
    from openfisca_core import periods
    from openfisca_core.reforms import Reform

    items = load_overlay(system, directory)

    def modify(parameters: Any) -> Any:
        for item in items:
            parameter: Any = _child(parameters, item.path)  # checked by load_overlay
            for value in item.values:
                parameter.update(start=periods.instant(value.start), value=value.value)
                parameter.metadata.setdefault("reference", {})[value.start] = [
                    {"title": r.title, "href": r.href} for r in value.references
                ]
            if item.still_valid_on:
                parameter.metadata["last_value_still_valid_on"] = item.still_valid_on
        return parameters

    class CurrentScales(Reform):  # type: ignore[misc]
        name = "Barèmes à jour (surcouche nonrecours)"

        def apply(self) -> None:
            self.modify_parameters(modifier_function=modify)

    return CurrentScales(system)


# --- staleness -------------------------------------------------------------------


@dataclass(frozen=True)
class Revaluation:
    last_change: datetime.date
    interval_months: int
    still_valid_on: datetime.date | None

    def due(self) -> datetime.date:
        """First day of the month from which the value is late."""
        due = _add_months(self.last_change, self.interval_months)
        if self.still_valid_on is not None:
            while due <= self.still_valid_on:
                due = _add_months(due, self.interval_months)
        return _add_months(due, GRACE_MONTHS)


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
        _months_between(a, b) for a, b in zip(recent, recent[1:], strict=False)
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
        node = _child(system.parameters, name)
        if node is None:
            continue
        for path, parameter, unit in _leaves(node, name):
            if not unit.startswith("currency"):
                continue
            history = [(v.instant_str, v.value) for v in parameter.values_list]
            still = (parameter.metadata or {}).get("last_value_still_valid_on")
            found = revaluation(history, _date_text(still) if still else None)
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
    day = _month_start(month)
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
    data = _load_yaml(ALLOWED_STALE_FILE.read_text(encoding="utf-8"), where)
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
        _month_start(text)
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


# --- the parameters read -------------------------------------------------------------


@dataclass(frozen=True)
class ReadParameter:
    """Where a parameter is read, for any simulated month.

    Two kinds of instants, each kept at its latest: ``relative``, months
    from the simulated month (-1: the previous month, for the resources of
    the last months; 0: the month itself, or a later instant, which nobody
    can know yet and is judged at the month); ``calendar``, a month of a
    year counted from the simulated month's year ((-2, 1): January of year
    N-2, for the incomes of the tax notice; (0, 10): October of year N, for
    the ARS). None when the parameter is never read that way.
    """

    benefits: tuple[str, ...]  # benefit ids
    relative: int | None = None
    calendar: tuple[int, int] | None = None

    def instant(self, month: datetime.date) -> datetime.date:
        """The latest instant the simulation of ``month`` (its first day)
        reads the parameter at, never later than ``month``: a value that
        should exist later (the SMIC of next December, the ARS of next
        October) cannot be known when simulating ``month``."""
        instants = []
        if self.relative is not None:
            instants.append(_add_months(month, self.relative))
        if self.calendar is not None:
            years, month_of_year = self.calendar
            instants.append(datetime.date(month.year + years, month_of_year, 1))
        return min(max(instants, default=month), month)

    def merged(self, other: "ReadParameter") -> "ReadParameter":
        """Both reads: the union of the benefits, the latest of each kind."""

        def latest(a: Any, b: Any) -> Any:
            return b if a is None else a if b is None else max(a, b)

        return ReadParameter(
            tuple(sorted({*self.benefits, *other.benefits})),
            latest(self.relative, other.relative),
            latest(self.calendar, other.calendar),
        )

    @property
    def text(self) -> str:
        """The third column of PARAMETERS_READ_FILE: ``-1``, ``N-2/01`` or
        both, comma-separated."""
        parts = [] if self.relative is None else [str(self.relative)]
        if self.calendar is not None:
            years, month_of_year = self.calendar
            parts.append(f"N{years:+d}/{month_of_year:02d}".replace("N+0", "N"))
        return ",".join(parts)

    @classmethod
    def parse(cls, benefits: tuple[str, ...], text: str) -> "ReadParameter":
        """The reverse of ``text``; ValueError for anything else."""
        relative: int | None = None
        calendar: tuple[int, int] | None = None
        for part in text.split(","):
            found = re.fullmatch(r"N([+-]\d+)?/(\d\d)", part)
            if found:
                month_of_year = int(found[2])
                if not 1 <= month_of_year <= 12:
                    raise ValueError(part)
                calendar = (int(found[1] or 0), month_of_year)
            else:
                relative = int(part)
        return cls(benefits, relative, calendar)


def read_at(month: datetime.date, period: Any, instant: datetime.date) -> ReadParameter:
    """How a parameter read at ``instant`` by a variable computed for
    ``period`` (an OpenFisca period) generalises to other simulated months,
    when the simulated month is ``month``: an instant on or after the month
    is the month itself; a month period read at its own start moves with
    the simulated month (the resources of the last months); any other
    instant (a calendar year, January of the previous year…) is a month of a
    year counted from the simulated month's year."""
    if instant >= month:
        return ReadParameter((), relative=0)
    start = datetime.date.fromisoformat(str(period.start))
    if str(period.unit) == "month" and instant == start:
        return ReadParameter((), relative=_months_between(month, instant))
    return ReadParameter((), calendar=(instant.year - month.year, instant.month))


@cache
def parameters_read() -> dict[str, ReadParameter]:
    """The parameters the benefits read, from PARAMETERS_READ_FILE: dotted
    path → ReadParameter. Lines: ``path<TAB>id,id<TAB>instants`` (see
    ``ReadParameter.text``); ``#`` comments."""
    result: dict[str, ReadParameter] = {}
    for line in PARAMETERS_READ_FILE.read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            path, ids, instants = line.split("\t")
            result[path] = ReadParameter.parse(tuple(ids.split(",")), instants)
    return result


def trace_parameters_read() -> dict[str, ReadParameter]:
    """The parameters the benefits read, found again by running the reference
    cases (rights/cases) through the engine with OpenFisca's tracer on,
    month by month: dotted path → ReadParameter (sorted benefit ids, latest
    instants read, see ``read_at``). A parameter read by a variable counts
    for every benefit whose computation needs that variable. Tax scales
    (barèmes à tranches), which OpenFisca's tracer leaves out, are recorded
    too. Takes about a minute."""
    from unittest import mock

    from openfisca_core.simulation_builder import SimulationBuilder
    from openfisca_core.taxscales import TaxScaleLike
    from openfisca_core.tracers import TracingParameterNodeAtInstant

    from nonrecours.rights import engine, reference
    from nonrecours.rights.catalogue import benefits

    simulations: list[tuple[datetime.date, Any]] = []
    simulated: list[datetime.date] = []  # the month being simulated
    build = SimulationBuilder.build
    get_traced_child = TracingParameterNodeAtInstant.get_traced_child

    def traced_build(self: Any, system: Any) -> Any:
        simulation = build(self, system)
        simulation.trace = True
        simulations.append((simulated[-1], simulation))
        return simulation

    def traced_child(self: Any, child: Any, key: Any) -> Any:
        if isinstance(child, TaxScaleLike) and isinstance(key, str):
            name = f"{self.parameter_node_at_instant._name}.{key}"
            instant = self.parameter_node_at_instant._instant_str
            self.tracer.record_parameter_access(name, instant, child)
        return get_traced_child(self, child, key)

    # One month at a time, so that each simulation knows its month (the
    # engine also computes months after it, for yearly amounts).
    by_month: dict[str, list[Any]] = {}
    for case in reference.all_cases():
        by_month.setdefault(case.situation.month, []).append(case.situation)
    with (
        mock.patch.object(SimulationBuilder, "build", traced_build),
        mock.patch.object(TracingParameterNodeAtInstant, "get_traced_child", traced_child),
    ):
        for month, situations in sorted(by_month.items()):
            simulated.append(_month_start(month))
            engine.simulate(situations)

    # By (variable, period): a benefit reading last year's RSA, given as an
    # input, does not read the RSA's parameters.
    needs: dict[tuple[str, str], set[tuple[str, str]]] = {}
    reads: dict[tuple[str, str], dict[str, ReadParameter]] = {}
    roots: dict[str, set[tuple[str, str]]] = {}
    for first_day, simulation in simulations:
        for tree in simulation.tracer.trees:
            roots.setdefault(tree.name, set()).add((tree.name, str(tree.period)))
        for node in simulation.tracer.browse_trace():
            key = (node.name, str(node.period))
            needs.setdefault(key, set()).update((c.name, str(c.period)) for c in node.children)
            found = reads.setdefault(key, {})
            for parameter in node.parameters:
                instant = _month_start(str(parameter.period)[:7])
                read = read_at(first_day, node.period, instant)
                previous = found.get(parameter.name)
                found[parameter.name] = read if previous is None else previous.merged(read)
    result: dict[str, ReadParameter] = {}
    for item in benefits():
        seen: set[tuple[str, str]] = set()
        todo = [
            key
            for variable in (item.variable, *EXTRA_VARIABLES.get(item.id, ()))
            for key in roots.get(variable, ())
        ]
        while todo:
            key = todo.pop()
            if key not in seen:
                seen.add(key)
                todo.extend(needs.get(key, ()))
        for key in seen:
            for name, read in reads.get(key, {}).items():
                mine = ReadParameter((item.id,), read.relative, read.calendar)
                previous = result.get(name)
                result[name] = mine if previous is None else previous.merged(mine)
    return dict(sorted(result.items()))


PARAMETERS_READ_HEADER = """\
# Paramètres d'OpenFisca-France lus par les prestations du simulateur, et les
# prestations qui les lisent (chemin<TAB>prestations<TAB>instants lus). Les
# instants lus, les plus tardifs de chaque sorte : « -1 » compte en mois depuis
# le mois simulé (0 : ce mois-là, ou plus tard) ; « N-2/01 » est un mois de
# l'année comptée depuis celle du mois simulé (janvier de l'année N-2, revenus
# de l'avis d'imposition). Fichier produit par le traceur d'OpenFisca sur les
# cas de référence (rights/cases) : ne pas l'éditer à la main, le refaire avec
# « nonrecours rights parameters --regenerer ».
"""


def parameters_read_text(read: dict[str, "ReadParameter"]) -> str:
    """The content of PARAMETERS_READ_FILE for ``read``."""
    lines = [
        f"{path}\t{','.join(item.benefits)}\t{item.text}" for path, item in sorted(read.items())
    ]
    return PARAMETERS_READ_HEADER + "\n".join(lines) + "\n"
