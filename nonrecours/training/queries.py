"""Reads of the stored personas: the current version of each persona of a
territory, a version's Persona (parsed once per process: a version never
changes), a persona's history, and the territory's communes a persona may
live in."""

from functools import lru_cache

from nonrecours.errors import Problem
from nonrecours.french import sort_key
from nonrecours.territories.models import Territory
from nonrecours.training.enums import Public
from nonrecours.training.models import PersonaVersion, TerritoryPersona
from nonrecours.training.persona_file import Persona, parse_persona
from nonrecours.training.personas import PersonaError, session_month

PUBLIC_ORDER = {public.value: index for index, public in enumerate(Public)}


def territory_commune_codes(territory: Territory) -> set[str]:
    """The INSEE codes of the territory's member communes: those a persona
    of the territory may live in."""
    return set(territory.communes.members().values_list("insee_code", flat=True))


def current_persona_versions(territory: Territory) -> list[PersonaVersion]:
    """The current (highest-numbered) version of each persona of the
    territory, by public (training.enums.Public's order) then name (French
    order); ``version.persona`` is loaded. Two queries."""
    personas = TerritoryPersona.objects.filter(territory=territory)
    latest: dict[int, PersonaVersion] = {}
    versions = (
        PersonaVersion.objects.filter(persona__in=personas)
        .select_related("persona")
        .order_by("persona_id", "-number")
    )
    for version in versions:
        latest.setdefault(version.persona_id, version)
    return sorted(
        latest.values(),
        key=lambda v: (PUBLIC_ORDER.get(v.public, len(PUBLIC_ORDER)), sort_key(v.name), v.pk),
    )


def persona_by_key(territory: Territory, key: str) -> TerritoryPersona | None:
    """The territory's persona with that key, or None."""
    return TerritoryPersona.objects.filter(territory=territory, key=key).first()


def persona_versions(persona: TerritoryPersona) -> list[PersonaVersion]:
    """Every version of the persona, the current one first, with who saved
    each (``created_by`` loaded)."""
    return list(persona.versions.select_related("created_by").order_by("-number"))


def current_version(persona: TerritoryPersona) -> PersonaVersion | None:
    """The persona's current (highest-numbered) version; None before its first."""
    return persona.versions.order_by("-number").first()


def persona_file_name(version: PersonaVersion) -> str:
    """The name a version's YAML is downloaded under: « <cle>-v<number>.yaml »."""
    return f"{version.persona.key}-v{version.number}.yaml"


def stored_persona(version: PersonaVersion) -> Persona:
    """The Persona (training.persona_file) of a stored version, its ``file``
    named « <cle>-v<number>.yaml ». Parsed once per process (a version
    never changes), without the territory's communes (a commune that left
    the territory since keeps its personas readable). Raises PersonaError
    (French, by place) if the text no longer reads, which a stored version
    only does after a change of the file's rules."""
    return _parsed(version.pk, version.checksum, version.text, persona_file_name(version))


@lru_cache(maxsize=1024)
def _parsed(pk: int, checksum: str, text: str, file: str) -> Persona:
    persona, problems = parse_persona(text, file, session_month(), None)
    if persona is None:
        raise PersonaError(problems or [Problem(f"{file} : persona illisible", file=file)])
    return persona
