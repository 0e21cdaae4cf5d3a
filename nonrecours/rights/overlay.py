"""Current scales: a dated, sourced overlay of OpenFisca-France's
parameters (ADR 017).

The overlay (rights/parameters/**.yaml) mirrors OpenFisca-France's own
parameter files: the file ``prestations_sociales/.../asi/plafond_ressource_seul.yaml``
extends the parameter ``prestations_sociales.….asi.plafond_ressource_seul``,
in OpenFisca's format (``values: {date: {value: …}}`` and
``metadata: {reference: {date: {title, href}}}``). It is applied as an
OpenFisca reform: the package itself is never patched.
"""

import datetime
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import yaml

from nonrecours.errors import UserError

OVERLAY_DIR = Path(__file__).with_name("parameters")

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

OVERLAY_MAX_BYTES = 256 * 1024


class OverlayError(UserError, ValueError):
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


def date_text(raw: Any) -> str | None:
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


def load_yaml(text: str, where: str) -> Any:
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
    data = load_yaml(text, where)
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
    references = {date_text(key): value for key, value in raw_references.items()}
    problems: list[str] = []
    values = []
    for raw_date, item in data["values"].items():
        start = date_text(raw_date)
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
    still_valid_on = date_text(still_valid) if still_valid is not None else None
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


def child_node(parameters: Any, path: str) -> Any | None:
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
        parameter = child_node(system.parameters, item.path)
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
            parameter: Any = child_node(parameters, item.path)  # checked by load_overlay
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
