"""The persona file's format, checked (training.personas reads the files and
simulates them): each key, the situation without `mois` and with ages, the
closed lists of training.enums. Every problem is a French ``Problem`` naming
its file and its place (« ines.yaml, situation, personne 1, age : … »).

A person's birth date is computed from the session's month: the first day
of the month ``age`` years and 6 months earlier (``birth_date``), so that a
persona of 24 is 24 (and a half) on the first day of any session's month,
and keeps that age for the six months a training season lasts.
"""

import copy
import datetime
import re
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from typing import Any

from nonrecours.errors import Problem
from nonrecours.rights.catalogue import benefits
from nonrecours.rights.situation import SituationError
from nonrecours.rights.situation_parse import parse_situation
from nonrecours.rights.situation_person import ADULT_AGE, OLDEST
from nonrecours.structured import StructuredError, load_yaml_bounded
from nonrecours.territories.insee import insee_code_read, known_commune_codes
from nonrecours.training.enums import FILE_WORDS, Barrier, LifeEvent, Public

MAX_FILE_BYTES = 100_000  # a persona is a page of text, not more
KEYS = {
    "version",
    "cle",
    "nom",
    "public",
    "commune",
    "situation",
    "parcours",
    "freins",
    "droits_percus",
    "temoignages",
}
REQUIRED = ("version", "cle", "nom", "public", "commune", "situation")
# Keys of the simulator's format a persona does not give, and why.
NOT_IN_PERSONA = {
    "mois": "le mois est celui de la séance, ne pas le donner",
    "commune": "la commune se donne en haut du fichier (commune: …)",
    "prestations_percues": "aucun montant ne s'écrit : les droits déjà perçus se donnent "
    "dans droits_percus, leurs montants sont calculés par le simulateur",
    "avis_imposition": "ses années ne suivraient pas le mois de la séance : donner "
    "revenu_fiscal_reference (l'avis sur les revenus de l'année N-2)",
    "libelle": "le nom du persona se donne dans nom",
    "source": "réservé aux cas de référence du simulateur",
    "calcul": "réservé aux cas de référence du simulateur",
    "attendu": "aucun montant ne s'écrit : le simulateur les calcule",
}
EVENT_KEYS = {"quand", "evenement", "texte"}
TESTIMONY_KEYS = {"texte", "source"}
SLUG = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
# The age put in place of a wrong one, so that only its own problem is told.
STAND_IN_AGE = 40


@dataclass(frozen=True)
class TimelineEvent:
    """One step of a persona's timeline: ``when`` as a person says it (« il
    y a 3 mois »), what happened, and the story in French."""

    when: str
    kind: LifeEvent
    text: str


@dataclass(frozen=True)
class Testimony:
    """A testimony the territory wrote, and where it comes from."""

    text: str
    source: str


@dataclass(frozen=True)
class Persona:
    """A persona file, checked. ``situation``: the simulator's plain form
    without `mois` nor `commune`, each person with `age` (whole years) and
    no `naissance` (read by training.personas.persona_situation; not to be
    modified). ``received``: catalogue ids (rights/benefits.yaml) of the
    rights already received. ``file``: the file's name, for messages."""

    version: int
    key: str
    name: str
    public: Public
    commune: str  # INSEE code
    situation: dict[str, Any] = field(hash=False)
    timeline: tuple[TimelineEvent, ...] = ()
    barriers: tuple[Barrier, ...] = ()
    received: tuple[str, ...] = ()
    testimonies: tuple[Testimony, ...] = ()
    file: str = ""


def birth_date(age: int, month: str) -> datetime.date:
    """The birth date of a person aged ``age`` (whole years) at the session's
    ``month`` (« AAAA-MM »): the first day of the month ``age`` years and 6
    months earlier (aged ``age`` from that month to the fifth after it)."""
    months = int(month[:4]) * 12 + int(month[5:7]) - 1 - age * 12 - 6
    return datetime.date(months // 12, months % 12 + 1, 1)


def situation_data(situation: Mapping[str, Any], commune: str, month: str) -> dict[str, Any]:
    """The simulator's plain form (rights.situation) of a persona's
    ``situation`` (checked: each person has an ``age``) at ``month``: with
    `mois`, `commune` and each person's `naissance`."""
    data = copy.deepcopy(dict(situation))
    data["mois"] = month
    data["commune"] = commune
    persons = data.get("personnes")
    for person in persons if isinstance(persons, list) else []:
        if isinstance(person, dict) and "age" in person:
            person["naissance"] = birth_date(person.pop("age"), month).isoformat()
    return data


@dataclass
class _Reader:
    """Collects the problems of one file, each « FILE, place : message »."""

    file: str
    problems: list[Problem] = field(default_factory=list)

    def add(self, where: str, message: str) -> None:
        self.problems.append(
            Problem(f"{self.file}, {where} : {message}", field=where.split(",")[0], file=self.file)
        )

    def text(self, value: Any, where: str, *, limit: int, required: bool = True) -> str:
        if value is None or (isinstance(value, str) and not value.strip()):
            if required:
                self.add(where, "obligatoire")
            return ""
        if not isinstance(value, str):
            self.add(where, "un texte est attendu")
            return ""
        if len(value.strip()) > limit:
            self.add(where, f"{len(value.strip())} caractères, {limit} au plus")
        return value.strip()

    def word(self, value: Any, where: str, kind: str) -> str | None:
        words = FILE_WORDS[kind]
        if isinstance(value, str) and value.strip() in words:
            return words[value.strip()]
        self.add(where, f"« {value} » inconnu ; choisir parmi : {', '.join(words)}")
        return None

    def unknown_keys(self, data: Mapping[str, Any], known: Collection[str], where: str) -> None:
        extra = sorted(set(data) - set(known))
        if extra:
            self.add(
                where,
                f"clé(s) inconnue(s) : {', '.join(extra)} ; possibles : {', '.join(sorted(known))}",
            )

    def items(self, data: Mapping[str, Any], key: str) -> list[Any]:
        value = data.get(key)
        if value is None:
            return []
        if not isinstance(value, list):
            self.add(key, "une liste est attendue")
            return []
        return value


def parse_persona(
    text: str, file: str, month: str, communes: Collection[str] | None
) -> tuple[Persona | None, list[Problem]]:
    """The persona of a file's ``text`` (``file``: its name), and every
    problem; its situation is checked by the simulator's reader at ``month``.
    ``communes``: the territory's INSEE codes (None: any known commune).
    The persona is None when there is a problem. Never raises."""
    reader = _Reader(file)
    try:
        data = load_yaml_bounded(
            text, max_bytes=MAX_FILE_BYTES, max_depth=10, max_nodes=5_000, dates_as_text=True
        )
    except StructuredError as error:
        return None, [Problem(f"{file}, {problem}", file=file) for problem in error.problems]
    if not isinstance(data, dict):
        reader.add("fichier", "attendu un dictionnaire (version, cle, nom, public…)")
        return None, reader.problems
    reader.unknown_keys(data, KEYS, "fichier")
    for key in REQUIRED:
        if data.get(key) in (None, ""):
            reader.add(key, "obligatoire")
    version = data.get("version")
    if version is not None and (isinstance(version, bool) or not isinstance(version, int)):
        reader.add("version", f"« {version} » ; attendu un nombre entier (1, 2…)")
    elif isinstance(version, int) and version < 1:
        reader.add("version", f"« {version} » ; attendu un nombre entier à partir de 1")
    key = reader.text(data.get("cle"), "cle", limit=60, required=False)
    if key and not SLUG.fullmatch(key):
        reader.add("cle", f"« {key} » ; minuscules sans accent, chiffres et tirets")
    name = reader.text(data.get("nom"), "nom", limit=80, required=False)
    public = None if data.get("public") is None else reader.word(data["public"], "public", "public")
    commune = _commune(reader, data.get("commune"), communes)
    situation = _situation(reader, data.get("situation"), commune, month)
    timeline = _timeline(reader, data)
    barriers = _barriers(reader, data)
    received = _received(reader, data)
    testimonies = _testimonies(reader, data)
    if reader.problems or public is None or not isinstance(version, int) or situation is None:
        return None, reader.problems
    persona = Persona(
        version=version,
        key=key,
        name=name,
        public=Public(public),
        commune=commune,
        situation=situation,
        timeline=timeline,
        barriers=barriers,
        received=received,
        testimonies=testimonies,
        file=file,
    )
    return persona, []


def _commune(reader: _Reader, value: Any, communes: Collection[str] | None) -> str:
    if value in (None, ""):
        return ""
    known = known_commune_codes()
    if isinstance(value, bool) or not isinstance(value, str | int):
        reader.add("commune", f"« {value} » n'est pas un code INSEE")
        return ""
    code = insee_code_read(value, known).code
    if code not in known:
        reader.add(
            "commune",
            f"« {code} » n'est pas une commune connue (code INSEE du code officiel "
            "géographique, par exemple 62041 pour Arras)",
        )
    elif communes is not None and code not in communes:
        reader.add("commune", f"« {code} » n'est pas une commune membre du territoire")
    else:
        return code
    # The situation is then read without a commune: only this problem is told.
    return ""


def _situation(reader: _Reader, value: Any, commune: str, month: str) -> dict[str, Any] | None:
    """The persona's situation, checked by the simulator's reader at
    ``month`` (ages turned into birth dates); None when it is wrong."""
    if value is None:
        return None
    if not isinstance(value, dict):
        reader.add("situation", "attendu un dictionnaire (logement, personnes…)")
        return None
    before = len(reader.problems)
    for key, reason in NOT_IN_PERSONA.items():
        if key in value:
            reader.add(f"situation, {key}", reason)
    checked = {key: item for key, item in value.items() if key not in NOT_IN_PERSONA}
    persons = checked.get("personnes")
    if isinstance(persons, list):
        checked["personnes"] = [
            _person(reader, f"situation, personne {index}", person)
            for index, person in enumerate(persons, start=1)
        ]
    try:
        parse_situation(situation_data(checked, commune, month), "situation")
    except SituationError as error:
        for problem in error.problems:
            where, _, message = str(problem).partition(" : ")
            reader.add(f"situation, {where}", message)
    if len(reader.problems) > before:
        return None
    return value


def _person(reader: _Reader, where: str, person: Any) -> Any:
    """A person with a right `age` (a stand-in age after a problem, so that
    the simulator's reader tells only the other problems)."""
    if not isinstance(person, dict):
        return person  # the simulator's reader says what is expected
    checked = {key: item for key, item in person.items() if key != "naissance"}
    if "naissance" in person:
        reader.add(
            f"{where}, naissance",
            "ne pas donner de date de naissance mais l'âge (age: 24) : la date est "
            "calculée à partir du mois de la séance",
        )
        checked.setdefault("age", STAND_IN_AGE)
    age = checked.get("age")
    adult = person.get("role") in ("demandeur", "conjoint")
    low = ADULT_AGE if adult else 0
    if age is None:
        reader.add(f"{where}, age", "obligatoire (en années)")
    elif isinstance(age, bool) or not isinstance(age, int) or not low <= age <= OLDEST:
        reader.add(
            f"{where}, age",
            f"« {age} » ; attendu un âge en années, de {low} à {OLDEST}"
            + (f" pour un·e {person['role']}" if adult else ""),
        )
    else:
        return checked
    checked["age"] = STAND_IN_AGE
    return checked


def _timeline(reader: _Reader, data: Mapping[str, Any]) -> tuple[TimelineEvent, ...]:
    events = []
    for index, item in enumerate(reader.items(data, "parcours"), start=1):
        where = f"parcours {index}"
        if not isinstance(item, dict):
            reader.add(where, "attendu {quand: …, evenement: …, texte: …}")
            continue
        reader.unknown_keys(item, EVENT_KEYS, where)
        when = reader.text(item.get("quand"), f"{where}, quand", limit=80)
        kind = reader.word(item.get("evenement"), f"{where}, evenement", "evenement")
        text = reader.text(item.get("texte"), f"{where}, texte", limit=1000)
        if kind is not None:
            events.append(TimelineEvent(when, LifeEvent(kind), text))
    return tuple(events)


def _barriers(reader: _Reader, data: Mapping[str, Any]) -> tuple[Barrier, ...]:
    barriers: list[Barrier] = []
    for item in reader.items(data, "freins"):
        word = reader.word(item, "freins", "freins")
        if word is not None and Barrier(word) in barriers:
            reader.add("freins", f"« {item} » est donné deux fois")
        elif word is not None:
            barriers.append(Barrier(word))
    return tuple(barriers)


def _received(reader: _Reader, data: Mapping[str, Any]) -> tuple[str, ...]:
    ids = [benefit.id for benefit in benefits()]
    received: list[str] = []
    for item in reader.items(data, "droits_percus"):
        if not isinstance(item, str) or item not in ids:
            reader.add("droits_percus", f"« {item} » inconnu ; choisir parmi : {', '.join(ids)}")
        elif item in received:
            reader.add("droits_percus", f"« {item} » est donné deux fois")
        else:
            received.append(item)
    return tuple(received)


def _testimonies(reader: _Reader, data: Mapping[str, Any]) -> tuple[Testimony, ...]:
    testimonies = []
    for index, item in enumerate(reader.items(data, "temoignages"), start=1):
        where = f"temoignages {index}"
        if not isinstance(item, dict):
            reader.add(where, "attendu {texte: …, source: …}")
            continue
        reader.unknown_keys(item, TESTIMONY_KEYS, where)
        text = reader.text(item.get("texte"), f"{where}, texte", limit=2000)
        source = reader.text(item.get("source"), f"{where}, source", limit=200)
        testimonies.append(Testimony(text, source))
    return tuple(testimonies)


def situation_problems(
    value: Any, file: str, where: str, commune: str, month: str
) -> list[Problem]:
    """The problems of a persona's situation given elsewhere than in its
    file (a change during a game, training/rules): ``value`` in the persona
    file's format, checked as ``parse_persona`` does at ``month`` in
    ``commune``; each problem « FILE, WHERE, place : message »."""
    reader = _Reader(file)
    _situation(reader, value, commune, month)
    return [
        Problem(
            problem.message.replace(f"{file}, situation", f"{file}, {where}", 1),
            field=where,
            file=file,
        )
        for problem in reader.problems
    ]
