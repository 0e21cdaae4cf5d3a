"""Reference cases: a situation, the amounts expected, and their sources
(rights/cases/*.yaml). Expected values: a monthly amount in euros (a
yearly one for benefits paid once a year or by term: ARS, chèque énergie,
school grants), "gratuite" or a monthly contribution for the complémentaire
santé solidaire, "non_calculable" when the simulator must say it cannot
compute."""

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from nonrecours.rights.catalogue import benefits
from nonrecours.rights.engine import BenefitResult, SimulationResult
from nonrecours.rights.situation import Situation, SituationError
from nonrecours.rights.situation_parse import parse_situation
from nonrecours.structured import StructuredError, load_yaml_bounded

CASES_DIR = Path(__file__).with_name("cases")
TOLERANCE = 0.01  # euros


@dataclass(frozen=True)
class ReferenceCase:
    name: str
    situation: Situation
    expected: dict[str, Any]
    sources: list[dict[str, str]]
    computation: str


# A situation is a household: a few dozen values, a few levels deep.
SITUATION_MAX_BYTES = 1024 * 1024
SITUATION_MAX_DEPTH = 10
SITUATION_MAX_NODES = 10_000


def load_file(path: Path) -> dict[str, Any]:
    """A situation or reference case file (YAML or JSON) as plain data.

    Raises SituationError (French, located) for a missing or unreadable
    file, text that is not UTF-8, or YAML beyond the bounds above.
    """
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except FileNotFoundError:
        raise SituationError([f"{path} : fichier introuvable"], path.name) from None
    except IsADirectoryError:
        raise SituationError([f"{path} : c'est un dossier, pas un fichier"], path.name) from None
    except UnicodeDecodeError:
        raise SituationError(["fichier : le texte n'est pas en UTF-8"], path.name) from None
    try:
        data = load_yaml_bounded(
            text,
            max_bytes=SITUATION_MAX_BYTES,
            max_depth=SITUATION_MAX_DEPTH,
            max_nodes=SITUATION_MAX_NODES,
            dates_as_text=True,
        )
    except StructuredError as error:
        raise SituationError(error.problems, path.name) from None
    if not isinstance(data, dict):
        raise SituationError(["la situation doit être un dictionnaire"], path.name)
    return data


def load_case(path: Path) -> ReferenceCase:
    data = load_file(path)
    known = {b.id for b in benefits()}
    expected = data.get("attendu") or {}
    unknown = sorted(set(expected) - known)
    if unknown:
        raise SituationError(
            [f"attendu : prestation(s) inconnue(s) : {', '.join(unknown)}"], path.name
        )
    return ReferenceCase(
        name=path.stem,
        situation=parse_situation(data, path.name),
        expected=expected,
        sources=list(data.get("source") or []),
        computation=str(data.get("calcul") or ""),
    )


def all_cases() -> list[ReferenceCase]:
    return [load_case(path) for path in sorted(CASES_DIR.glob("*.yaml"))]


def _got(result: BenefitResult) -> Any:
    if result.status == "not_computable":
        return "non_calculable"
    if result.benefit.id == "css":
        if not result.eligible:
            return 0
        return "gratuite" if not result.participation else result.participation
    if not result.eligible:
        return 0
    return result.yearly if result.yearly is not None else result.monthly


def mismatches(case: ReferenceCase, result: SimulationResult) -> list[str]:
    problems = []
    for benefit_id, wanted in case.expected.items():
        got = _got(result.by_id(benefit_id))
        if isinstance(wanted, (int, float)) and isinstance(got, (int, float)):
            if abs(float(got) - float(wanted)) > TOLERANCE:
                problems.append(f"{benefit_id} : attendu {wanted}, obtenu {got}")
        elif wanted != got:
            problems.append(f"{benefit_id} : attendu {wanted}, obtenu {got}")
    return problems
