"""The serious game's rules, as data: the YAML file of rules/regles.yaml
(docs/guide/jeu-serieux.md) read into ``GameRules``, every problem told in
French with its place (« regles.yaml, guichets, caf, ouvre : … »).

The engine (training.game) knows no right, desk nor barrier by name: what a
desk (« guichet ») opens, helps to file, tells about, helps to overcome and
provides, which documents (« pièces ») a right needs and how long it takes,
what each barrier (« frein ») blocks or costs, and what each persona lacks
at the start and what changes in its life during a session are all here.
"""

from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from nonrecours.directory.hours import parse as parse_hours
from nonrecours.errors import Problem, UserError
from nonrecours.rights.catalogue import benefits
from nonrecours.structured import StructuredError, load_yaml_bounded
from nonrecours.training.enums import FILE_WORDS, Barrier
from nonrecours.training.persona_file import situation_problems

DEFAULT_RULES = Path(__file__).with_name("rules") / "regles.yaml"
MAX_RULES_BYTES = 200_000
MAX_ROUNDS = 12
MAX_STEPS = 8

# What a barrier may block (regles.yaml, freins, bloque).
BLOCKABLE = {
    "en_ligne": "toute démarche en ligne",
    "demande": "déposer une demande",
    "demande_institution": "déposer une demande auprès d'une institution",
    "demande_inconnue": "demander un droit dont personne n'a parlé au persona",
    "deplacement_semaine": "se rendre à un guichet du lundi au vendredi",
    "appel": "téléphoner",
}
TOP_KEYS = {
    "version", "tours", "minutes_par_tour", "demi_journees_par_tour", "demarches_par_tour",
    "couts", "guichets", "pieces", "droits", "freins", "personas",
}  # fmt: skip
COST_KEYS = {"deplacement", "trajet_hors_commune", "appel", "en_ligne"}
DESK_KEYS = {
    "nom", "ouvre", "depose", "informe", "leve", "fournit", "rendez_vous_semaines",
    "telephone", "en_ligne", "institution", "itinerant", "horaires", "accueil",
}  # fmt: skip
RIGHT_KEYS = {"pieces", "instruction_semaines", "automatique_avec", "si_percu"}
BARRIER_KEYS = {"bloque", "cout_trajet", "texte", "a_distance"}
PERSONA_KEYS = {"pieces_manquantes", "changements"}
CHANGE_KEYS = {"tour", "texte", "situation"}


class RulesError(UserError, ValueError):
    """A rules file refused: ``problems`` (French, each with its place)."""

    def __init__(self, problems: list[Problem]):
        super().__init__(" ; ".join(p.message for p in problems), problems=problems)


@dataclass(frozen=True)
class Desk:
    """A kind of desk (« guichet ») and what it does. Rights are catalogue
    ids; ``informs`` None means every right; ``appointment_weeks``: 0 when
    it receives without an appointment."""

    kind: str
    name: str
    opens: frozenset[str] = frozenset()
    files: frozenset[str] = frozenset()
    informs: frozenset[str] | None = frozenset()
    lifts: frozenset[Barrier] = frozenset()
    provides: frozenset[str] = frozenset()
    appointment_weeks: int = 0
    phone: bool = False
    online: bool = False
    institution: bool = False
    roaming: bool = False
    hours: str = ""  # OpenStreetMap opening hours, for a table without its own
    on_site: bool = True  # receives the public (False: phone and online only)

    def tells(self, right: str) -> bool:
        """Whether this desk tells a person about ``right``."""
        return self.informs is None or right in self.informs


@dataclass(frozen=True)
class RightRule:
    """What a right needs: documents (ids of ``GameRules.documents``), the
    weeks (rounds) its claim is examined, or the document that opens it
    without a claim once obtained during the game (``automatic_with``);
    ``lighter``: (another right, the documents needed instead by whoever
    has that one), e.g. the CSS of an RSA recipient."""

    documents: tuple[str, ...] = ()
    weeks: int = 1
    automatic_with: str | None = None
    lighter: tuple[str, tuple[str, ...]] | None = None


@dataclass(frozen=True)
class BarrierRule:
    """What a barrier blocks (keys of BLOCKABLE), the half-days it adds to
    a trip to another commune, and the sentence told (« {nom} » is the
    persona's first name)."""

    blocks: frozenset[str] = frozenset()
    trip_cost: int = 0
    text: str = ""
    remote: bool = False  # a desk that lifts it may do so on the phone


@dataclass(frozen=True)
class SituationChange:
    """From round ``round`` on, the persona's whole situation (in the
    persona file's format) is ``situation``; ``text`` tells what happened."""

    round: int
    text: str
    situation: dict[str, Any] = field(hash=False)


@dataclass(frozen=True)
class PersonaRules:
    """A persona's part of the rules (by its key)."""

    missing: tuple[str, ...] = ()
    changes: tuple[SituationChange, ...] = ()


@dataclass(frozen=True)
class GameRules:
    """The rules of the game, read by ``read_rules``. Costs and budgets in
    half-days; ``rounds`` of ``round_minutes`` each (a round is a week)."""

    version: int
    rounds: int
    round_minutes: int
    half_days: int
    steps: int
    costs: Mapping[str, int]
    desks: Mapping[str, Desk]
    documents: Mapping[str, str]  # id -> French label
    rights: Mapping[str, RightRule]
    barriers: Mapping[Barrier, BarrierRule]
    personas: Mapping[str, PersonaRules]
    text: str = field(default="", repr=False, compare=False)

    def persona(self, key: str) -> PersonaRules:
        """The rules of the persona ``key`` (none: nothing missing)."""
        return self.personas.get(key, PersonaRules())

    def openers(self, right: str) -> list[Desk]:
        """The desks that open ``right``."""
        return [desk for desk in self.desks.values() if right in desk.opens]


def read_rules(
    path: Path | str = DEFAULT_RULES,
    *,
    month: str,
    communes: Mapping[str, str] | None = None,
) -> GameRules:
    """The rules of the file at ``path`` (default: the project's rules).
    ``month`` (« AAAA-MM »): the session's, at which the situations of
    `changements` are checked; ``communes``: persona key -> INSEE code of
    its commune (where `changements` are checked; none: not checked).
    Raises RulesError listing every problem."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        raise RulesError([Problem(f"{path.name} : fichier illisible", file=path.name)]) from None
    return parse_rules(text, path.name, month=month, communes=communes)


def parse_rules(
    text: str, file: str, *, month: str, communes: Mapping[str, str] | None = None
) -> GameRules:
    """The rules of a file's ``text`` (``file``: its name, for messages), as
    ``read_rules``. Raises RulesError listing every problem."""
    reader = _Reader(file)
    try:
        data = load_yaml_bounded(text, max_bytes=MAX_RULES_BYTES, max_depth=12, max_nodes=50_000)
    except StructuredError as error:
        raise RulesError([Problem(f"{file}, {p}", file=file) for p in error.problems]) from None
    if not isinstance(data, dict):
        raise RulesError([Problem(f"{file} : attendu un dictionnaire (version, guichets…)")])
    reader.keys(data, TOP_KEYS, "fichier")
    catalogue = {benefit.id for benefit in benefits()}
    documents = {
        str(key): reader.text(label, f"pieces, {key}")
        for key, label in reader.mapping(data, "pieces", "pieces").items()
    }
    rights = {
        str(key): _right(reader, str(key), value, documents, catalogue)
        for key, value in reader.mapping(data, "droits", "droits").items()
    }
    for key in rights:
        if key not in catalogue:
            reader.add(f"droits, {key}", "droit inconnu du simulateur (rights/benefits.yaml)")
    desks = {
        str(key): _desk(reader, str(key), value, rights, documents)
        for key, value in reader.mapping(data, "guichets", "guichets").items()
    }
    barriers = {}
    for key, value in reader.mapping(data, "freins", "freins").items():
        barrier = FILE_WORDS["freins"].get(str(key))
        if barrier is None:
            reader.add(
                f"freins, {key}", f"frein inconnu ; possibles : {', '.join(FILE_WORDS['freins'])}"
            )
            continue
        barriers[Barrier(barrier)] = _barrier(reader, str(key), value)
    personas = {
        str(key): _persona(reader, str(key), value, documents, month, communes)
        for key, value in reader.mapping(data, "personas", "personas").items()
    }
    costs = reader.mapping(data, "couts", "couts")
    reader.keys(costs, COST_KEYS, "couts")
    rules = GameRules(
        version=reader.number(data.get("version"), "version", 1, 1000, required=True),
        rounds=reader.number(data.get("tours", 4), "tours", 1, MAX_ROUNDS),
        round_minutes=reader.number(data.get("minutes_par_tour", 15), "minutes_par_tour", 1, 120),
        half_days=reader.number(
            data.get("demi_journees_par_tour", 3), "demi_journees_par_tour", 1, 10
        ),
        steps=reader.number(data.get("demarches_par_tour", 4), "demarches_par_tour", 1, MAX_STEPS),
        costs={key: reader.number(costs.get(key, 0), f"couts, {key}", 0, 10) for key in COST_KEYS},
        desks=desks,
        documents=documents,
        rights=rights,
        barriers=barriers,
        personas=personas,
        text=text,
    )
    for right in rights:
        automatic = rights[right].automatic_with is not None
        if not automatic and not any(right in d.opens for d in desks.values()):
            reader.add(f"droits, {right}", "aucun guichet ne l'ouvre (guichets, …, ouvre)")
    if reader.problems:
        raise RulesError(reader.problems)
    return rules


@dataclass
class _Reader:
    file: str
    problems: list[Problem] = field(default_factory=list)

    def add(self, where: str, message: str) -> None:
        self.problems.append(
            Problem(f"{self.file}, {where} : {message}", field=where, file=self.file)
        )

    def keys(self, data: Mapping[str, Any], known: Collection[str], where: str) -> None:
        extra = sorted(str(key) for key in set(data) - set(known))
        if extra:
            self.add(
                where,
                f"clé(s) inconnue(s) : {', '.join(extra)} ; possibles : {', '.join(sorted(known))}",
            )

    def mapping(self, data: Mapping[str, Any], key: str, where: str) -> Mapping[str, Any]:
        value = data.get(key)
        if value is None:
            return {}
        if not isinstance(value, dict):
            self.add(where, "attendu un dictionnaire")
            return {}
        return value

    def text(self, value: Any, where: str, limit: int = 300) -> str:
        if not isinstance(value, str) or not value.strip():
            self.add(where, "un texte est attendu")
            return ""
        if len(value) > limit:
            self.add(where, f"{len(value)} caractères, {limit} au plus")
        return value.strip()

    def number(self, value: Any, where: str, low: int, high: int, required: bool = False) -> int:
        if value is None and not required:
            return low
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            self.add(where, f"« {value} » ; attendu un nombre entier de {low} à {high}")
            return low
        return int(value)

    def flag(self, value: Any, where: str) -> bool:
        if not isinstance(value, bool):
            self.add(where, f"« {value} » ; attendu true ou false")
            return False
        return value

    def words(self, value: Any, where: str, known: Collection[str], kind: str) -> tuple[str, ...]:
        if value is None:
            return ()
        if not isinstance(value, list):
            self.add(where, "une liste est attendue")
            return ()
        found = []
        for item in value:
            if isinstance(item, str) and item in known:
                found.append(item)
            else:
                self.add(where, f"« {item} » : {kind} inconnu·e")
        return tuple(found)


def _right(
    reader: _Reader, key: str, value: Any, documents: Collection[str], catalogue: Collection[str]
) -> RightRule:
    where = f"droits, {key}"
    if not isinstance(value, dict):
        reader.add(where, "attendu un dictionnaire (pieces, instruction_semaines)")
        return RightRule()
    reader.keys(value, RIGHT_KEYS, where)
    automatic = value.get("automatique_avec")
    if automatic is not None and automatic not in documents:
        reader.add(f"{where}, automatique_avec", f"« {automatic} » : pièce inconnue")
        automatic = None
    lighter = None
    if value.get("si_percu") is not None:
        lighter_value = value["si_percu"]
        place = f"{where}, si_percu"
        if not isinstance(lighter_value, dict) or set(lighter_value) != {"droit", "pieces"}:
            reader.add(place, "attendu {droit: …, pieces: […]}")
        elif lighter_value["droit"] not in catalogue:
            reader.add(f"{place}, droit", f"« {lighter_value['droit']} » : droit inconnu")
        else:
            pieces = reader.words(lighter_value["pieces"], f"{place}, pieces", documents, "pièce")
            lighter = (str(lighter_value["droit"]), pieces)
    return RightRule(
        documents=reader.words(value.get("pieces"), f"{where}, pieces", documents, "pièce"),
        weeks=reader.number(
            value.get("instruction_semaines", 1), f"{where}, instruction_semaines", 0, 12
        ),
        automatic_with=automatic,
        lighter=lighter,
    )


def _desk(
    reader: _Reader,
    key: str,
    value: Any,
    rights: Collection[str],
    documents: Collection[str],
) -> Desk:
    where = f"guichets, {key}"
    if not isinstance(value, dict):
        reader.add(where, "attendu un dictionnaire (nom, ouvre, informe…)")
        return Desk(key, key)
    reader.keys(value, DESK_KEYS, where)
    informs_value = value.get("informe")
    informs: frozenset[str] | None
    if informs_value == "tous":
        informs = None
    else:
        informs = frozenset(reader.words(informs_value, f"{where}, informe", rights, "droit"))
    lifts = reader.words(value.get("leve"), f"{where}, leve", FILE_WORDS["freins"], "frein")
    flags = {
        flag: reader.flag(value.get(flag, False), f"{where}, {flag}")
        for flag in ("telephone", "en_ligne", "institution", "itinerant")
    }
    hours = value.get("horaires") or ""
    if hours and (not isinstance(hours, str) or parse_hours(hours) is None):
        reader.add(f"{where}, horaires", f"« {hours} » : horaires OpenStreetMap illisibles")
        hours = ""
    return Desk(
        kind=key,
        name=reader.text(value.get("nom"), f"{where}, nom", limit=80),
        opens=frozenset(reader.words(value.get("ouvre"), f"{where}, ouvre", rights, "droit")),
        files=frozenset(reader.words(value.get("depose"), f"{where}, depose", rights, "droit")),
        informs=informs,
        lifts=frozenset(Barrier(FILE_WORDS["freins"][word]) for word in lifts),
        provides=frozenset(
            reader.words(value.get("fournit"), f"{where}, fournit", documents, "pièce")
        ),
        appointment_weeks=reader.number(
            value.get("rendez_vous_semaines", 0), f"{where}, rendez_vous_semaines", 0, 12
        ),
        phone=flags["telephone"],
        online=flags["en_ligne"],
        institution=flags["institution"],
        roaming=flags["itinerant"],
        hours=hours,
        on_site=reader.flag(value.get("accueil", True), f"{where}, accueil"),
    )


def _barrier(reader: _Reader, key: str, value: Any) -> BarrierRule:
    where = f"freins, {key}"
    if not isinstance(value, dict):
        reader.add(where, "attendu un dictionnaire (bloque, cout_trajet, texte)")
        return BarrierRule()
    reader.keys(value, BARRIER_KEYS, where)
    return BarrierRule(
        blocks=frozenset(
            reader.words(value.get("bloque"), f"{where}, bloque", BLOCKABLE, "blocage")
        ),
        trip_cost=reader.number(value.get("cout_trajet", 0), f"{where}, cout_trajet", 0, 5),
        text=reader.text(value.get("texte"), f"{where}, texte"),
        remote=reader.flag(value.get("a_distance", False), f"{where}, a_distance"),
    )


def _persona(
    reader: _Reader,
    key: str,
    value: Any,
    documents: Collection[str],
    month: str,
    communes: Mapping[str, str] | None,
) -> PersonaRules:
    where = f"personas, {key}"
    if not isinstance(value, dict):
        reader.add(where, "attendu un dictionnaire (pieces_manquantes, changements)")
        return PersonaRules()
    reader.keys(value, PERSONA_KEYS, where)
    missing = reader.words(
        value.get("pieces_manquantes"), f"{where}, pieces_manquantes", documents, "pièce"
    )
    changes = []
    items = value.get("changements") or []
    if not isinstance(items, list):
        reader.add(f"{where}, changements", "une liste est attendue")
        items = []
    for index, item in enumerate(items, start=1):
        place = f"{where}, changement {index}"
        if not isinstance(item, dict):
            reader.add(place, "attendu un dictionnaire (tour, texte, situation)")
            continue
        reader.keys(item, CHANGE_KEYS, place)
        round_number = reader.number(
            item.get("tour"), f"{place}, tour", 2, MAX_ROUNDS, required=True
        )
        situation = item.get("situation")
        if not isinstance(situation, dict):
            reader.add(f"{place}, situation", "attendu la situation entière du persona")
            continue
        commune = (communes or {}).get(key)
        if commune:
            for problem in situation_problems(
                situation, reader.file, f"{place}, situation", commune, month
            ):
                reader.problems.append(problem)
        changes.append(
            SituationChange(
                round=round_number,
                text=reader.text(item.get("texte"), f"{place}, texte", limit=600),
                situation=situation,
            )
        )
    return PersonaRules(
        missing=missing, changes=tuple(sorted(changes, key=lambda change: change.round))
    )
