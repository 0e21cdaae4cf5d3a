"""The national reference figures as a YAML file (no Django): each figure
as published, with its source (producer, publication, year, address), the
population it is computed on and its wording. The shipped file is
REFERENCE_FILE (DREES, Baromètre d'opinion); ``nonrecours bundles
reference`` loads it, or another file of the same shape:

    chiffres:
      - cle: drees-2021-exemple          # identifiant unique (a-z, 0-9, -)
        indicateur: ""                   # indicateur du questionnaire, si même question
        formulation: "…"                 # ce qui est mesuré, comme publié
        population: "…"                  # sur qui la part est calculée
        estimation: 0.23                 # part entre 0 et 1
        ic95_bas: null                   # facultatif
        ic95_haut: null                  # facultatif
        effectif: null                   # facultatif
        annee: 2021                      # année de l'enquête
        producteur: "DREES, Baromètre d'opinion"
        publication: "Études et résultats n° …"
        source: "https://…"              # adresse où le chiffre est publié

Only figures read in a source one can cite go in: never a guess.
"""

import math
import re
from pathlib import Path
from typing import Any

from nonrecours.errors import Problem, UserError
from nonrecours.structured import StructuredError, load_yaml_bounded
from nonrecours.textrules import TEXT_MAX_LENGTH, shown, text_problem

REFERENCE_FILE = Path(__file__).resolve().parent / "reference" / "barometre-drees.yaml"
KEY = re.compile(r"[a-z0-9][a-z0-9-]{0,99}")
URL = re.compile(r"https?://[^\s]{3,490}")
TEXTS = ("formulation", "population", "producteur", "publication")


class ReferenceRefused(UserError, ValueError):
    """A reference file refused: located French ``problems``."""

    def __init__(self, filename: str, problems: list[Problem]):
        lines = [f"Fichier de référence « {filename} » refusé, rien n'a été enregistré :"]
        lines += [f"- {p.message}" for p in problems[:30]]
        super().__init__("\n".join(lines), field="fichier", problems=problems)


def _share(value: Any) -> str:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        return f"un nombre est attendu, pas « {shown(value)} »"
    if not 0 <= value <= 1:
        return f"une part entre 0 et 1 est attendue (0.23 = 23 %), pas {value}"
    return ""


def _figure_problems(figure: dict[str, Any]) -> list[tuple[str, str]]:
    """(field, French problem) of one figure."""
    found = []
    if not (isinstance(figure.get("cle"), str) and KEY.fullmatch(figure["cle"])):
        found.append(("cle", "identifiant attendu (minuscules, chiffres et « - »)"))
    for name in TEXTS:
        value = figure.get(name)
        problem = (
            "champ manquant"
            if value is None
            else text_problem(value, multiline=True, max_length=TEXT_MAX_LENGTH)
        )
        if problem or not str(value).strip():
            found.append((name, problem or "texte vide"))
    indicator = figure.get("indicateur") or ""
    if not isinstance(indicator, str) or (indicator and text_problem(indicator)):
        found.append(("indicateur", "identifiant d'indicateur attendu, ou rien"))
    if "estimation" not in figure:
        found.append(("estimation", "champ manquant"))
    else:
        problem = _share(figure["estimation"])
        if problem:
            found.append(("estimation", problem))
    for name in ("ic95_bas", "ic95_haut"):
        if figure.get(name) is not None and _share(figure[name]):
            found.append((name, _share(figure[name])))
    n = figure.get("effectif")
    if n is not None and (isinstance(n, bool) or not isinstance(n, int) or n < 1):
        found.append(("effectif", f"nombre entier positif attendu, pas « {shown(n)} »"))
    year = figure.get("annee")
    if isinstance(year, bool) or not isinstance(year, int) or not 1990 <= year <= 2100:
        found.append(("annee", f"année attendue (par exemple 2021), pas « {shown(year)} »"))
    if not (isinstance(figure.get("source"), str) and URL.fullmatch(figure["source"])):
        found.append(("source", "adresse web de la source attendue (https://…)"))
    return found


def read_reference(text: str, *, filename: str) -> list[dict[str, Any]]:
    """The figures of a reference file (list of dicts, keys of the module's
    docstring), or ReferenceRefused naming the file, the figure (its rank
    and key) and the field of every problem."""
    try:
        data = load_yaml_bounded(text, max_bytes=1024 * 1024, max_depth=6, max_nodes=50_000)
    except StructuredError as error:
        problems = [Problem(f"{filename}, {p}", "", None, filename) for p in error.problems]
        raise ReferenceRefused(filename, problems) from None
    figures = data.get("chiffres") if isinstance(data, dict) else None
    if not isinstance(figures, list):
        where = Problem(
            f"{filename} : une liste « chiffres: » est attendue", "chiffres", None, filename
        )
        raise ReferenceRefused(filename, [where])
    if not figures:
        # The import replaces every figure: an empty list would delete them all.
        where = Problem(
            f"{filename} : la liste « chiffres: » est vide ; les chiffres en place restent",
            "chiffres",
            None,
            filename,
        )
        raise ReferenceRefused(filename, [where])
    problems, keys = [], set()
    for rank, figure in enumerate(figures, start=1):
        if not isinstance(figure, dict):
            problems.append(
                Problem(f"{filename}, chiffre n° {rank} : un objet est attendu", "", rank, filename)
            )
            continue
        name = f"chiffre n° {rank} ({shown(figure.get('cle', '?'), 40)})"
        for field, problem in _figure_problems(figure):
            problems.append(
                Problem(f"{filename}, {name}, {field} : {problem}", field, rank, filename)
            )
        if figure.get("cle") in keys:
            problems.append(
                Problem(f"{filename}, {name}, cle : donnée deux fois", "cle", rank, filename)
            )
        keys.add(figure.get("cle"))
    if problems:
        raise ReferenceRefused(filename, problems)
    return figures
