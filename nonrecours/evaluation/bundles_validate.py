"""Reading an indicator bundle given by a person (file upload, command
line): every problem said in French with its place — the file, the path in
the JSON (``cellules[3].estimation``) — or the bundle as plain data, checked
(format: nonrecours.evaluation.bundles_format). No Django model is read.

A bundle holds released cells only: a cell whose count is below the
statistical secrecy threshold (the bundle's own, and never below this
instance's, analysis.disclosure.DEFAULT_THRESHOLD) is refused, as are
shares outside [0, 1], NaN or infinite numbers and intervals that do not
hold their estimate.

Sizes are bounded before anything is built: a wave publishes a few hundred
cells, so a file over MAX_BYTES, or with more objects and lists than
MAX_CELLS cells and MAX_INDICATORS indicators need, is refused before the
JSON is read (reading 20 MB of ``[{},{},…]`` took about 570 MB); a parsed
bundle with more than MAX_CELLS cells or MAX_INDICATORS indicators is
refused before its cells are checked one by one.
"""

import datetime
import json
import math
import re
from typing import Any

from nonrecours.analysis.disclosure import DEFAULT_THRESHOLD
from nonrecours.errors import Problem, UserError
from nonrecours.evaluation.bundles_format import (
    FORMAT_NAME,
    FORMAT_VERSION,
    UNIT,
    WEIGHTING_VARIABLES,
    formulations_hash,
)
from nonrecours.french import number
from nonrecours.structured import json_depth
from nonrecours.textrules import TEXT_MAX_LENGTH, shown, text_problem

MAX_BYTES = 2 * 1024 * 1024
MAX_CELLS = 20_000
MAX_INDICATORS = 1_000
# Objects and lists a bundle needs: one per cell and per indicator, a few
# for its sections. Counted on the bytes ("{" and "[" inside a text count
# too: a real bundle stays far below).
MAX_CONTAINERS = MAX_CELLS + MAX_INDICATORS + 100
MAX_DEPTH = 8
MAX_PROBLEMS = 30
SIREN = re.compile(r"[0-9]{9}")
SHA256 = re.compile(r"[0-9a-f]{64}")
SLUG = re.compile(r"[A-Za-z0-9_-]{1,100}")


class BundleRefused(UserError, ValueError):
    """A bundle refused: ``problems`` are located ``Problem`` (file, path)."""

    def __init__(self, filename: str, problems: list[Problem]):
        shown_problems = problems[:MAX_PROBLEMS]
        lines = [f"Lot d'indicateurs « {filename} » refusé, rien n'a été enregistré :"]
        lines += [f"- {p.message}" for p in shown_problems]
        if len(problems) > MAX_PROBLEMS:
            lines.append(f"… et {len(problems) - MAX_PROBLEMS} autres problèmes.")
        super().__init__("\n".join(lines), field="fichier", problems=problems)


class _Checker:
    """Collects the located problems of one file."""

    def __init__(self, filename: str) -> None:
        self.filename = filename
        self.problems: list[Problem] = []

    def add(self, path: str, message: str) -> None:
        self.problems.append(
            Problem(f"{self.filename}, {path} : {message}", path, None, self.filename)
        )

    def section(self, data: dict[str, Any], key: str) -> dict[str, Any]:
        value = data.get(key)
        if not isinstance(value, dict):
            self.add(
                key,
                "manquant (un objet { … } est attendu)"
                if value is None
                else "un objet { … } est attendu",
            )
            return {}
        return value

    def text(self, data: dict[str, Any], key: str, path: str, *, long: bool = False) -> str:
        value = data.get(key)
        if value is None:
            self.add(path, "champ manquant")
            return ""
        problem = text_problem(value, multiline=long, max_length=TEXT_MAX_LENGTH if long else 200)
        if problem or not str(value).strip():
            self.add(path, problem or "texte vide")
            return ""
        return str(value)

    def integer(self, data: dict[str, Any], key: str, path: str, *, minimum: int = 0) -> int | None:
        value = data.get(key)
        if value is None:
            self.add(path, "champ manquant")
        elif isinstance(value, bool) or not isinstance(value, int):
            self.add(path, f"un nombre entier est attendu, pas « {shown(value)} »")
        elif value < minimum:
            self.add(path, f"au moins {minimum} attendu, pas {value}")
        else:
            return int(value)
        return None

    def share(self, data: dict[str, Any], key: str, path: str, *, required: bool) -> float | None:
        value = data.get(key)
        if value is None:
            if required:
                self.add(path, "champ manquant")
            return None
        if isinstance(value, bool) or not isinstance(value, int | float):
            self.add(path, f"un nombre est attendu, pas « {shown(value)} »")
        elif not math.isfinite(value):
            self.add(path, f"nombre invalide ({value}) : une part entre 0 et 1 est attendue")
        elif not 0 <= value <= 1:
            self.add(path, f"une part entre 0 et 1 est attendue (0.25 = 25 %), pas {value}")
        else:
            return float(value)
        return None

    def date(self, data: dict[str, Any], key: str, path: str) -> datetime.date | None:
        text = self.text(data, key, path)
        if not text:
            return None
        try:
            return datetime.date.fromisoformat(text)
        except ValueError:
            self.add(path, f"date attendue au format AAAA-MM-JJ, pas « {shown(text)} »")
            return None


def load_bundle(data: bytes, *, filename: str) -> dict[str, Any]:
    """The checked bundle read from ``data`` (the file's bytes), or
    BundleRefused listing every problem with its place in ``filename``."""
    checker = _Checker(filename)
    if len(data) > MAX_BYTES:
        checker.add(
            "fichier",
            f"plus de {MAX_BYTES // (1024 * 1024)} Mo : un lot d'indicateurs est bien plus "
            "petit (une vague publie quelques centaines de cases)",
        )
        raise BundleRefused(filename, checker.problems)
    containers = data.count(b"{") + data.count(b"[")
    if containers > MAX_CONTAINERS:
        checker.add(
            "fichier",
            f"{number(containers)} objets ou listes ({{ … }}, [ … ]) : un lot "
            f"d'indicateurs en a au plus {number(MAX_CONTAINERS)} (au plus "
            f"{number(MAX_CELLS)} cases et {number(MAX_INDICATORS)} indicateurs)",
        )
        raise BundleRefused(filename, checker.problems)
    if not data.removeprefix(b"\xef\xbb\xbf").strip():
        checker.add("fichier", "vide (un lot d'indicateurs JSON est attendu)")
        raise BundleRefused(filename, checker.problems)
    try:
        # NaN and Infinity are read here so that the check of each number
        # says where they are (json refuses them only as "not JSON").
        value = json.loads(data.decode("utf-8-sig"), parse_constant=float)
    except UnicodeDecodeError:
        checker.add("fichier", "le fichier n'est pas du texte UTF-8 (un fichier JSON est attendu)")
    except RecursionError:
        checker.add("fichier", f"plus de {MAX_DEPTH} niveaux d'imbrication")
    except json.JSONDecodeError as error:
        checker.add(f"ligne {error.lineno}", f"JSON illisible ({error.msg})")
    else:
        if json_depth(value, MAX_DEPTH) > MAX_DEPTH:
            checker.add("fichier", f"plus de {MAX_DEPTH} niveaux d'imbrication")
        else:
            return check_bundle(value, filename=filename)
    raise BundleRefused(filename, checker.problems)


def check_bundle(value: Any, *, filename: str) -> dict[str, Any]:
    """``value`` (parsed JSON) if it is a bundle of FORMAT_VERSION whose
    every field is right, else BundleRefused (French, located)."""
    checker = _Checker(filename)
    if not isinstance(value, dict) or value.get("format") != FORMAT_NAME:
        checker.add(
            "format",
            f"ce fichier n'est pas un lot d'indicateurs (« format » : « {FORMAT_NAME} » attendu)",
        )
        raise BundleRefused(filename, checker.problems)
    version = value.get("version_format")
    if version != FORMAT_VERSION:
        checker.add(
            "version_format",
            f"version du format « {shown(version)} » inconnue : cette installation lit la "
            f"version {FORMAT_VERSION} (mettez à jour l'installation qui lit, ou exportez à "
            "nouveau le lot)",
        )
        raise BundleRefused(filename, checker.problems)
    if _too_many(checker, value):
        raise BundleRefused(filename, checker.problems)
    _check_head(checker, value)
    threshold = _check_publication(checker, value)
    ids = _check_indicators(checker, value)
    _check_cells(checker, value, ids, max(threshold or 0, DEFAULT_THRESHOLD))
    if checker.problems:
        raise BundleRefused(filename, checker.problems)
    if value.get("empreinte_formulations") != formulations_hash(value["indicateurs"]):
        checker.add(
            "empreinte_formulations",
            "ne correspond pas aux empreintes des indicateurs : fichier modifié après l'export ?",
        )
        raise BundleRefused(filename, checker.problems)
    return value


def _too_many(checker: _Checker, value: dict[str, Any]) -> bool:
    """Whether the cells or the indicators are more than a bundle holds
    (said where): then they are not checked one by one."""
    for key, limit, what in (
        ("indicateurs", MAX_INDICATORS, "indicateurs"),
        ("cellules", MAX_CELLS, "cases"),
    ):
        items = value.get(key)
        if isinstance(items, list) and len(items) > limit:
            checker.add(
                key,
                f"{number(len(items))} {what} : un lot d'indicateurs en a au plus "
                f"{number(limit)} (une vague publie quelques centaines de cases)",
            )
    return bool(checker.problems)


def _check_head(checker: _Checker, value: dict[str, Any]) -> None:
    territory = checker.section(value, "territoire")
    if territory:
        siren = checker.text(territory, "siren", "territoire.siren")
        if siren and not SIREN.fullmatch(siren):
            checker.add("territoire.siren", f"neuf chiffres attendus, pas « {shown(siren)} »")
        checker.text(territory, "nom", "territoire.nom")
    wave = checker.section(value, "vague")
    if wave:
        slug = checker.text(wave, "identifiant", "vague.identifiant")
        if slug and not SLUG.fullmatch(slug):
            checker.add("vague.identifiant", "lettres, chiffres, « - » et « _ » seulement")
        checker.text(wave, "nom", "vague.nom")
        starts, ends = (
            checker.date(wave, "debut", "vague.debut"),
            checker.date(wave, "fin", "vague.fin"),
        )
        if starts and ends and ends < starts:
            checker.add("vague.fin", "la fin de l'enquête est avant son début")
        if not isinstance(wave.get("synthetique"), bool):
            checker.add("vague.synthetique", "true ou false attendu")
    questionnaire = checker.section(value, "questionnaire")
    if questionnaire:
        checker.text(questionnaire, "identifiant", "questionnaire.identifiant")
        checker.integer(questionnaire, "version", "questionnaire.version", minimum=1)
        checksum = checker.text(questionnaire, "empreinte", "questionnaire.empreinte")
        if checksum and not SHA256.fullmatch(checksum):
            checker.add(
                "questionnaire.empreinte", "empreinte SHA-256 attendue (64 caractères hexadécimaux)"
            )
    weighting = checker.section(value, "ponderation")
    if weighting:
        checker.text(weighting, "methode", "ponderation.methode")
        checker.text(weighting, "options", "ponderation.options", long=True)
        known = {code for _, code in WEIGHTING_VARIABLES}
        variables = weighting.get("variables")
        if not isinstance(variables, list) or any(v not in known for v in variables):
            checker.add(
                "ponderation.variables", f"liste attendue parmi : {', '.join(sorted(known))}"
            )
        description = weighting.get("description")
        if not isinstance(description, list) or any(
            text_problem(d, multiline=True, max_length=TEXT_MAX_LENGTH) for d in description
        ):
            checker.add("ponderation.description", "liste de textes attendue")


def _check_publication(checker: _Checker, value: dict[str, Any]) -> int | None:
    publication = checker.section(value, "publication")
    if not publication:
        return None
    moment = checker.text(publication, "publiee_le", "publication.publiee_le")
    if moment:
        try:
            datetime.datetime.fromisoformat(moment)
        except ValueError:
            checker.add(
                "publication.publiee_le",
                f"date et heure ISO 8601 attendues, pas « {shown(moment)} »",
            )
    checker.integer(publication, "reponses_analysees", "publication.reponses_analysees", minimum=1)
    return checker.integer(
        publication, "seuil_secret_statistique", "publication.seuil_secret_statistique", minimum=1
    )


def _check_indicators(checker: _Checker, value: dict[str, Any]) -> set[str]:
    indicators = value.get("indicateurs")
    if not isinstance(indicators, list) or not indicators:
        checker.add("indicateurs", "liste non vide attendue")
        return set()
    ids: set[str] = set()
    for at, item in enumerate(indicators):
        path = f"indicateurs[{at}]"
        if not isinstance(item, dict):
            checker.add(path, "un objet { … } est attendu")
            continue
        key = checker.text(item, "indicateur", f"{path}.indicateur")
        if key in ids:
            checker.add(f"{path}.indicateur", f"« {shown(key)} » est donné deux fois")
        ids.add(key)
        checker.text(item, "libelle", f"{path}.libelle", long=True)
        checker.text(item, "base", f"{path}.base", long=True)
        if item.get("unite") != UNIT:
            checker.add(f"{path}.unite", f"« {UNIT} » attendu (une part entre 0 et 1)")
        for name in ("empreinte_formulation", "empreinte_base"):
            if not (isinstance(item.get(name), str) and SHA256.fullmatch(item[name])):
                checker.add(
                    f"{path}.{name}", "empreinte SHA-256 attendue (64 caractères hexadécimaux)"
                )
    return ids - {""}


def _check_cells(checker: _Checker, value: dict[str, Any], ids: set[str], threshold: int) -> None:
    cells = value.get("cellules")
    if not isinstance(cells, list):
        checker.add("cellules", "liste attendue")
        return
    seen: set[tuple[str, str, str]] = set()
    for at, cell in enumerate(cells):
        path = f"cellules[{at}]"
        if not isinstance(cell, dict):
            checker.add(path, "un objet { … } est attendu")
            continue
        indicator = checker.text(cell, "indicateur", f"{path}.indicateur")
        if indicator and indicator not in ids:
            checker.add(
                f"{path}.indicateur", f"« {shown(indicator)} » n'est pas dans « indicateurs »"
            )
        by = checker.text(cell, "ventilation", f"{path}.ventilation")
        domain = checker.text(cell, "code_domaine", f"{path}.code_domaine")
        checker.text(cell, "domaine", f"{path}.domaine")
        if (indicator, by, domain) in seen:
            checker.add(path, "case donnée deux fois (même indicateur, ventilation et domaine)")
        seen.add((indicator, by, domain))
        n = checker.integer(cell, "effectif", f"{path}.effectif", minimum=1)
        if n is not None and n < threshold:
            checker.add(
                f"{path}.effectif",
                f"{n} répondant·es : une case sous le seuil du secret statistique ({threshold}) "
                "ne peut pas être publiée",
            )
        estimate = checker.share(cell, "estimation", f"{path}.estimation", required=True)
        low = checker.share(cell, "ic95_bas", f"{path}.ic95_bas", required=False)
        high = checker.share(cell, "ic95_haut", f"{path}.ic95_haut", required=False)
        se = cell.get("erreur_type")
        if se is not None and (
            isinstance(se, bool)
            or not isinstance(se, int | float)
            or not math.isfinite(se)
            or se < 0
        ):
            checker.add(f"{path}.erreur_type", f"nombre positif attendu, pas « {shown(se)} »")
        if (
            estimate is not None
            and low is not None
            and high is not None
            and not low <= estimate <= high
        ):
            checker.add(
                f"{path}.ic95_bas", "l'intervalle de confiance ne contient pas l'estimation"
            )
