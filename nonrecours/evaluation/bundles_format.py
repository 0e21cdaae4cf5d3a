"""The indicator bundle of a published wave: what any instance exports, so
that territories can be put side by side (docs/adr/028-lot-d-indicateurs.md).

One JSON document (UTF-8), French keys, format FORMAT_NAME version
FORMAT_VERSION:

- ``format``, ``version_format``;
- ``territoire``: ``siren``, ``nom``;
- ``vague``: ``identifiant``, ``nom``, ``debut``, ``fin`` (ISO dates),
  ``synthetique``;
- ``publication``: ``publiee_le`` (ISO moment), ``reponses_analysees``,
  ``seuil_secret_statistique`` (the smallest count a released cell has);
- ``questionnaire``: ``identifiant``, ``version``, ``empreinte`` (the SHA-256
  of the frozen version);
- ``ponderation``: ``methode``, ``variables`` (what the weights are
  calibrated on, as codes: ``zone``, ``sexe_age``, ``sexe``, ``age``),
  ``options`` (bounds, cap, in French), ``description`` (the margins in
  French);
- ``indicateurs``: ``indicateur``, ``libelle``, ``base``, ``unite`` (``part``:
  a share between 0 and 1), ``empreinte_formulation`` and ``empreinte_base``
  (see ``wording_hash`` and ``base_hash``);
- ``empreinte_formulations``: one SHA-256 over every indicator's
  ``empreinte_formulation`` (two bundles with the same one ask everything the
  same way);
- ``cellules``: every cell the secrecy released with a value — never a hidden
  cell, nor one without answer: ``indicateur``, ``ventilation``,
  ``code_domaine``, ``domaine``, ``effectif``, ``estimation``,
  ``erreur_type``, ``ic95_bas``, ``ic95_haut``.

Built from the stored publication only (surveys.publication), never from the
answers; the questionnaire's frozen version gives the wordings.
"""

import dataclasses
import hashlib
import json
from typing import Any

from django.utils import timezone

from nonrecours.surveys.models import Publication
from nonrecours.surveys.publication import published_results
from nonrecours.surveys.questionnaire import Indicator, Questionnaire

FORMAT_NAME = "nonrecours-lot-indicateurs"
FORMAT_VERSION = 1
UNIT = "part"
METHOD = "calage (raking) sur les populations connues"

# What the weights are calibrated on, read from the French description of
# each margin that surveys.weighting.calibrate writes (its prefixes). A
# margin set aside (« calage par … écarté », « pas de calage … ») is none.
WEIGHTING_VARIABLES = (
    ("population municipale de", "zone"),
    ("population par sexe croisé avec l'âge", "sexe_age"),
    ("population par sexe", "sexe"),
    ("population par tranche d'âge", "age"),
)


def _canonical(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def _sha256(value: Any) -> str:
    return hashlib.sha256(_canonical(value).encode("utf-8")).hexdigest()


def _condition(condition: Any) -> Any:
    return None if condition is None else dataclasses.asdict(condition)


def _question_text(questionnaire: Questionnaire, names: set[str]) -> list[dict[str, Any]]:
    known = {q.name: q for q in questionnaire.questions}
    return [
        {
            "question": name,
            "libelle": known[name].label,
            "modalites": [[c.code, c.label] for c in known[name].choices],
            "posee_si": _condition(known[name].relevant),
        }
        for name in sorted(names)
        if name in known
    ]


def wording_hash(questionnaire: Questionnaire, indicator: Indicator) -> str:
    """SHA-256 (hex, 64 characters) of what a respondent read and what was
    counted for ``indicator``: its label and base, its conditions (numerator,
    base), and the wording, answer labels and display condition of every
    question they read. Equal hashes: « même formulation »."""
    names = indicator.numerator.questions()
    if indicator.base_condition is not None:
        names |= indicator.base_condition.questions()
    return _sha256(
        {
            "libelle": indicator.label,
            "base": indicator.base,
            "numerateur": _condition(indicator.numerator),
            "condition_base": _condition(indicator.base_condition),
            "questions": _question_text(questionnaire, names),
        }
    )


def base_hash(questionnaire: Questionnaire, indicator: Indicator) -> str:
    """SHA-256 (hex) of who an indicator's share is computed on: the base in
    words, its condition, and the display conditions of the questions of the
    numerator (who was asked). Equal hashes: « même population »."""
    names = indicator.numerator.questions()
    known = {q.name: q for q in questionnaire.questions}
    return _sha256(
        {
            "base": indicator.base,
            "condition_base": _condition(indicator.base_condition),
            "posee_si": {n: _condition(known[n].relevant) for n in sorted(names) if n in known},
        }
    )


def weighting_variables(margins: list[str]) -> list[str]:
    """The calibration variables (codes of WEIGHTING_VARIABLES) named by the
    French description of the margins a publication stores, in their order."""
    found = []
    for margin in margins:
        for prefix, code in WEIGHTING_VARIABLES:
            if margin.startswith(prefix):
                found.append(code)
                break
    return found


def bundle_of(publication: Publication) -> dict[str, Any]:
    """The indicator bundle of a published wave (shape: the module's
    docstring). Only released cells with a value go in: a hidden cell, or one
    with nobody in the indicator's base, is left out."""
    results = published_results(publication)
    version = publication.campaign.questionnaire
    questionnaire = version.questionnaire()
    indicators = {i.id: i for i in questionnaire.indicators}
    wave, territory = results.wave, results.territory
    described = []
    for item in results.indicators:
        found = indicators.get(item.id)
        described.append(
            {
                "indicateur": item.id,
                "libelle": item.label,
                "base": item.base,
                "unite": UNIT,
                "empreinte_formulation": (
                    wording_hash(questionnaire, found) if found else _sha256(item.label)
                ),
                "empreinte_base": base_hash(questionnaire, found) if found else _sha256(item.base),
            }
        )
    cells = [
        {
            "indicateur": row.indicator,
            "ventilation": row.by,
            "code_domaine": row.domain,
            "domaine": results.label(row.by, row.domain),
            "effectif": row.n,
            "estimation": row.estimate,
            "erreur_type": row.se,
            "ic95_bas": row.ci_low,
            "ic95_haut": row.ci_high,
        }
        for row in [*results.rows, *results.commune_rows, *results.tables]
        if not row.suppressed and row.estimate is not None
    ]
    weighting = results.weighting
    return {
        "format": FORMAT_NAME,
        "version_format": FORMAT_VERSION,
        "territoire": {"siren": territory["siren"], "nom": territory["name"]},
        "vague": {
            "identifiant": wave["slug"],
            "nom": wave["name"],
            "debut": wave["starts_on"],
            "fin": wave["ends_on"],
            "synthetique": bool(wave["synthetic"]),
        },
        "publication": {
            "publiee_le": timezone.localtime(publication.published_at).isoformat(),
            "reponses_analysees": publication.respondents,
            "seuil_secret_statistique": publication.threshold,
        },
        "questionnaire": {
            "identifiant": version.slug,
            "version": version.version,
            "empreinte": version.checksum,
        },
        "ponderation": {
            "methode": METHOD,
            "variables": weighting_variables(list(weighting["margins"])),
            "options": str(weighting["options"]),
            "description": [str(m) for m in weighting["margins"]],
        },
        "indicateurs": described,
        "empreinte_formulations": formulations_hash(described),
        "cellules": cells,
    }


def formulations_hash(indicators: list[dict[str, Any]]) -> str:
    """SHA-256 (hex) over the indicators' ``empreinte_formulation``, by id."""
    return _sha256(sorted([i["indicateur"], i["empreinte_formulation"]] for i in indicators))


def bundle_json(bundle: dict[str, Any]) -> str:
    """The bundle as the exported file's text (indented, accents kept)."""
    return json.dumps(bundle, ensure_ascii=False, indent=2) + "\n"


def bundle_filename(bundle: dict[str, Any]) -> str:
    return f"{bundle['territoire']['siren']}-{bundle['vague']['identifiant']}-indicateurs.json"
