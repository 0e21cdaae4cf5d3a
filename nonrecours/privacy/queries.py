"""Reading the register of processing: the lines every app declares, with
their retention filled from the settings, and what is left unclassified."""

import importlib
import importlib.util
import string
from dataclasses import dataclass
from types import ModuleType

from django.apps import apps
from django.conf import settings

from nonrecours.privacy import framework
from nonrecours.privacy.register import Processing

PROJECT_PREFIX = "nonrecours."


@dataclass(frozen=True)
class Declarations:
    """What one module declares: ``owner`` is the app's French name."""

    owner: str
    processing: tuple[Processing, ...]
    no_personal_data: dict[str, str]


@dataclass(frozen=True)
class RegisterLine:
    """A line as shown: the declaration, who declares it, the tables it
    covers as (label, French plural name) and the retention with the
    settings' values."""

    processing: Processing
    owner: str
    tables: tuple[tuple[str, str], ...]
    retention: str


def _declaring_module(app_name: str) -> ModuleType | None:
    name = f"{app_name}.privacy"
    if importlib.util.find_spec(name) is None:
        return None
    return importlib.import_module(name)


def declarations() -> list[Declarations]:
    """Every app's declarations (`<app>/privacy.py` of the project's apps),
    then the frameworks' (framework.py), in INSTALLED_APPS order."""
    found = []
    for config in apps.get_app_configs():
        if not config.name.startswith(PROJECT_PREFIX):
            continue
        module = _declaring_module(config.name)
        if module is None:
            continue
        found.append(
            Declarations(
                owner=str(config.verbose_name),
                processing=tuple(getattr(module, "PROCESSING", ())),
                no_personal_data=dict(getattr(module, "NO_PERSONAL_DATA", {})),
            )
        )
    found.append(
        Declarations(
            owner="Cadriciels (Django et ses modules)",
            processing=tuple(framework.PROCESSING),
            no_personal_data=dict(framework.NO_PERSONAL_DATA),
        )
    )
    return found


def _installed(label: str) -> bool:
    try:
        apps.get_model(label)
    except (LookupError, ValueError):
        return False
    return True


def _project_label(label: str) -> bool:
    app_label = label.partition(".")[0]
    return any(
        c.label == app_label and c.name.startswith(PROJECT_PREFIX) for c in apps.get_app_configs()
    )


def setting_names(text: str) -> list[str]:
    """The settings a retention text names between braces."""
    return [name for _, name, _, _ in string.Formatter().parse(text) if name]


def fill_settings(text: str) -> str:
    """The text with each {SETTING} replaced by its value. Raises KeyError
    naming a setting that does not exist (tests/privacy checks all texts)."""
    values = {}
    for name in setting_names(text):
        if not hasattr(settings, name):
            raise KeyError(f"Le registre cite le réglage {name}, qui n'existe pas.")
        values[name] = getattr(settings, name)
    return text.format(**values)


def register() -> list[RegisterLine]:
    """The register as shown to administrators: every declared kind of
    personal data whose tables are installed (a framework module not
    installed, such as a second-factor plugin, is left out)."""
    lines = []
    for declared in declarations():
        for processing in declared.processing:
            tables = tuple(
                (label, str(apps.get_model(label)._meta.verbose_name_plural))
                for label in processing.models
                if _installed(label)
            )
            if not tables:
                continue
            lines.append(
                RegisterLine(
                    processing=processing,
                    owner=declared.owner,
                    tables=tables,
                    retention=fill_settings(processing.retention),
                )
            )
    return lines


def classification_problems() -> list[str]:
    """What keeps the register from being complete, in French: an installed
    model (the project's, or a framework's) neither in the register nor
    declared without personal data,
    a model in both, a project label that names no model, a key used twice.
    Empty when the register is complete."""
    problems = []
    with_data: set[str] = set()
    without: dict[str, str] = {}
    keys: set[str] = set()
    for declared in declarations():
        for processing in declared.processing:
            if processing.key in keys:
                problems.append(f"La clé « {processing.key} » sert à deux lignes du registre.")
            keys.add(processing.key)
            with_data.update(processing.models)
        without.update(declared.no_personal_data)
    for label in sorted(with_data | set(without)):
        if _project_label(label) and not _installed(label):
            problems.append(f"{label} est cité par le registre mais n'est pas un modèle.")
    for label in sorted(with_data & set(without)):
        problems.append(
            f"{label} est à la fois dans le registre et déclaré sans données personnelles."
        )
    for model in apps.get_models():
        label = model._meta.label
        if label in with_data or label in without:
            continue
        app = model._meta.app_config.name if model._meta.app_config else "?"
        where = (
            f"{app.replace('.', '/')}/privacy.py"
            if _project_label(label)
            else "nonrecours/privacy/framework.py (table d'un module installé)"
        )
        problems.append(
            f"{label} n'est pas classé : ajoutez-le au registre (PROCESSING) ou à "
            f"NO_PERSONAL_DATA, avec sa raison, dans {where}."
        )
    return problems
