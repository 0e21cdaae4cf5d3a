"""Writes of the personas: a persona's YAML saved as a new version, a
folder of persona files imported (the territory's shipped personas).

A version is checked as a persona file is (training.persona_file: every
problem in French with its place; communes: the territory's members; the
session's month: the current one), then stored with its `version:` set to
its number, like a questionnaire version. A text that says the same
persona as the current version (comments and layout aside) makes no new
version. Everything is all-or-nothing.
"""

import dataclasses
import hashlib
import re
from dataclasses import dataclass
from pathlib import Path

import yaml
from django.db import transaction

from nonrecours.accounts.models import User
from nonrecours.errors import Problem
from nonrecours.structured import load_yaml_bounded
from nonrecours.territories.models import Territory
from nonrecours.textrules import shown
from nonrecours.training import queries
from nonrecours.training.models import PersonaVersion, TerritoryPersona
from nonrecours.training.persona_file import MAX_FILE_BYTES, Persona, parse_persona

# The rule read_personas applies to files (a right of `droits_percus` the
# simulator does not find), applied to one text: one owner, in personas.py.
from nonrecours.training.personas import (
    PersonaError,
    persona_situation,
    read_personas,
    received_problems,
    session_month,
)

# Keys the pages use in their addresses (www/training): no persona takes them.
RESERVED_KEYS = {"nouveau": "réservée à la page d'ajout d'un persona"}
VERSION_LINE = re.compile(r"^version[ \t]*:[^\n#]*", re.MULTILINE)


@dataclass(frozen=True)
class PersonasImported:
    """What ``personas_import`` did: the versions created, the personas
    already stored as they are (``unchanged``) or left as the territory
    edited them (``kept``), by key."""

    created: tuple[PersonaVersion, ...]
    unchanged: tuple[str, ...] = ()
    kept: tuple[str, ...] = ()

    def summary(self) -> str:
        """One French sentence: « 8 personas importés, 0 inchangé(s)… »."""
        parts = [f"{len(self.created)} persona(s) importé(s)"]
        if self.unchanged:
            parts.append(f"{len(self.unchanged)} déjà à jour")
        if self.kept:
            parts.append(f"{len(self.kept)} déjà présent(s), gardé(s) tel(s) que modifié(s)")
        return ", ".join(parts) + "."


def persona_save(
    territory: Territory,
    text: str,
    *,
    user: User | None,
    key: str | None = None,
    new: bool = False,
    file: str = "persona.yaml",
) -> tuple[PersonaVersion, bool]:
    """Save a persona's YAML ``text`` for the territory: (its current
    version, whether it was created). ``key``: the persona edited (the
    text's `cle` must be it); ``new``: a persona added (its `cle` must not
    exist yet); neither: the text's `cle` says which, created if needed.
    ``file``: the name the problems start with (« ines.yaml, nom : … »).

    The text is checked at the current session's month (persona_file, the
    territory's member communes, each right of `droits_percus` found by the
    simulator); stored with `version:` set to the new number. A persona
    that reads the same as the current version (same fields, same situation
    for the simulator) makes no new version. Raises PersonaError listing
    every problem (French, by place); nothing is written then."""
    month = session_month()
    persona, problems = parse_persona(text, file, month, queries.territory_commune_codes(territory))
    if persona is None:
        raise PersonaError(problems)
    problems = duplicate_keys(text, file)
    problems += _key_problems(territory, persona, key=key, new=new)
    problems += received_problems([persona], month)
    if problems:
        raise PersonaError(problems)
    with transaction.atomic():
        return _store(territory, persona, text, user=user, month=month)


@transaction.atomic
def personas_import(
    territory: Territory,
    folder: Path | str,
    *,
    user: User | None = None,
    keep_existing: bool = False,
) -> PersonasImported:
    """Import every persona file (*.yaml) of ``folder`` into the territory,
    all or nothing: each checked as ``persona_save`` does (read_personas:
    two files may not share a `cle`), in one vectorised simulation. A file
    that says the same persona as its current version makes none;
    ``keep_existing``: a persona already stored is left as it is (the
    setup's import does not undo the territory's edits). Raises
    PersonaError listing every problem of every file."""
    month = session_month()
    personas = read_personas(
        folder, month=month, communes=queries.territory_commune_codes(territory)
    )
    texts = {p.file: (Path(folder) / p.file).read_bytes().decode("utf-8") for p in personas}
    problems = [
        problem
        for persona in personas
        for problem in duplicate_keys(texts[persona.file], persona.file)
        + _key_problems(territory, persona)
    ]
    if problems:
        raise PersonaError(problems)
    created: list[PersonaVersion] = []
    unchanged: list[str] = []
    kept: list[str] = []
    for persona in personas:
        if keep_existing and queries.persona_by_key(territory, persona.key) is not None:
            kept.append(persona.key)
            continue
        version, was_created = _store(
            territory, persona, texts[persona.file], user=user, month=month
        )
        if was_created:
            created.append(version)
        else:
            unchanged.append(persona.key)
    return PersonasImported(tuple(created), tuple(unchanged), tuple(kept))


def duplicate_keys(text: str, file: str) -> list[Problem]:
    """A key given twice in one mapping of a YAML text that reads (YAML
    keeps the last one silently): « ines.yaml, ligne 3 : clé « nom »
    donnée deux fois », by line. [] for a text that does not read (its
    reader tells why)."""
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError:
        return []
    problems: list[Problem] = []
    stack, seen_nodes = [root], set()
    while stack:  # iterative: nothing in the text decides the recursion depth
        node = stack.pop()
        if node is None or id(node) in seen_nodes:
            continue
        seen_nodes.add(id(node))
        if isinstance(node, yaml.SequenceNode):
            stack.extend(node.value)
        elif isinstance(node, yaml.MappingNode):
            keys: set[str] = set()
            for key, value in node.value:
                stack.append(value)
                if not isinstance(key, yaml.ScalarNode):
                    continue
                if key.value in keys:
                    line = key.start_mark.line + 1
                    problems.append(
                        Problem(
                            f"{file}, ligne {line} : clé « {shown(key.value)} » donnée deux "
                            "fois (seule la dernière compterait)",
                            row=line,
                            file=file,
                        )
                    )
                keys.add(key.value)
    return sorted(problems, key=lambda problem: problem.row or 0)


def _key_problems(
    territory: Territory, persona: Persona, *, key: str | None = None, new: bool = False
) -> list[Problem]:
    def problem(message: str) -> Problem:
        return Problem(f"{persona.file}, cle : {message}", field="cle", file=persona.file)

    if persona.key in RESERVED_KEYS:
        return [
            problem(f"« {persona.key} » est {RESERVED_KEYS[persona.key]} ; en choisir une autre")
        ]
    if key is not None and persona.key != key:
        return [problem(f"« {persona.key} » ; ce persona a la clé « {key} », qui ne change pas")]
    if new and queries.persona_by_key(territory, persona.key) is not None:
        return [problem(f"« {persona.key} » est déjà la clé d'un persona du territoire")]
    return []


def _store(
    territory: Territory, persona: Persona, text: str, *, user: User | None, month: str
) -> tuple[PersonaVersion, bool]:
    entry, _ = TerritoryPersona.objects.select_for_update().get_or_create(
        territory=territory, key=persona.key
    )
    current = queries.current_version(entry)
    if current is not None and _same(queries.stored_persona(current), persona, month):
        return current, False
    number = current.number + 1 if current is not None else 1
    stored = _numbered(text, number, persona, month)
    version = PersonaVersion.objects.create(
        persona=entry,
        number=number,
        text=stored,
        checksum=hashlib.sha256(stored.encode("utf-8")).hexdigest(),
        name=persona.name,
        public=persona.public,
        created_by=user,
    )
    return version, True


def _same(stored: Persona, persona: Persona, month: str) -> bool:
    """Whether two personas say the same: every field but the version and
    the file's name, the situations as the simulator reads them."""

    def fields(p: Persona) -> Persona:
        return dataclasses.replace(p, version=1, file="", situation={})

    return fields(stored) == fields(persona) and persona_situation(
        stored, month
    ) == persona_situation(persona, month)


def _numbered(text: str, number: int, persona: Persona, month: str) -> str:
    """The text with its top-level `version:` set to ``number``, comments
    kept; rewritten from its data when the line cannot be found (a flow
    mapping…)."""
    replaced = VERSION_LINE.sub(f"version: {number}", text, count=1)
    expected = dataclasses.replace(persona, version=number)
    again, _ = parse_persona(replaced, persona.file, month, None)
    if again is not None and _readable(again, expected):
        return replaced
    data = load_yaml_bounded(
        text, max_bytes=MAX_FILE_BYTES, max_depth=10, max_nodes=5_000, dates_as_text=True
    )
    data["version"] = number  # a mapping: parse_persona read it as one
    return yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=88)


def _readable(again: Persona, expected: Persona) -> bool:
    return dataclasses.replace(again, file="") == dataclasses.replace(expected, file="")
