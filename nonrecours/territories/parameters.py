"""Dated, sourced reference values of the territories app (parameters.yaml)."""

from dataclasses import dataclass
from functools import cache
from pathlib import Path

import yaml

PARAMETERS_FILE = Path(__file__).with_name("parameters.yaml")


@dataclass(frozen=True)
class Parameter:
    value: int
    unit: str
    description: str
    reference: str
    valid_from: str


@cache
def parameters() -> dict[str, Parameter]:
    raw = yaml.safe_load(PARAMETERS_FILE.read_text(encoding="utf-8"))
    return {name: Parameter(**fields) for name, fields in raw.items()}


def default_small_commune_threshold() -> int:
    return parameters()["small_commune_threshold"].value


def default_density_threshold() -> int:
    return parameters()["density_threshold"].value
