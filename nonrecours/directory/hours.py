"""Opening hours of the directory: the one rule read on import, on edit, in
the search and on the pages.

data·inclusion asks for OpenStreetMap's opening_hours syntax, but partners'
files often give plain French ("Du lundi au vendredi de 8h30 à 12h"). Such a
text is never refused nor rewritten: it is kept and shown as given, never
claimed open or closed, and flagged as a quality warning. Only hours in the
OpenStreetMap syntax are parsed and answer "ouvert maintenant". No Django
here."""

import contextlib
import datetime
import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Literal
from zoneinfo import ZoneInfo

from opening_hours import OpeningHours, State

PARIS = ZoneInfo("Europe/Paris")
OSM_EXAMPLE = "Mo-Fr 08:30-12:00,13:30-17:00; PH off"
UNREADABLE_WARNING = "horaires non lisibles automatiquement (format OpenStreetMap attendu)"
HOURS_HELP = (
    f"De préférence au format OpenStreetMap, par exemple « {OSM_EXAMPLE} » (Mo lundi, Tu "
    "mardi, We mercredi, Th jeudi, Fr vendredi, Sa samedi, Su dimanche, PH jours fériés) : "
    "la recherche « ouvert maintenant » ne lit que ce format. Un autre texte est gardé et "
    "affiché tel quel, avec un avertissement de qualité."
)

OpeningState = Literal["ouvert", "fermé", "inconnu", "texte"]
"""ouvert / fermé: read from OpenStreetMap hours; inconnu: no hours, or the
hours themselves say "unknown"; texte: hours given as free text, shown as
given and never claimed open or closed."""


@lru_cache(maxsize=4096)
def parse(text: str) -> OpeningHours | None:
    """The hours parsed (French public holidays, Paris time), or None when
    the text is not in the OpenStreetMap syntax."""
    if not text.strip():
        return None
    try:
        return OpeningHours(text, country="FR", timezone=PARIS)
    except Exception:  # noqa: BLE001 - the library's ParserError, and any odd input
        return None


def is_free_text(text: str | None) -> bool:
    """True when hours are given but cannot be read automatically."""
    return bool(text and text.strip()) and parse(str(text)) is None


def hours_warning(text: str | None) -> str | None:
    """The quality warning of hours given as free text, else None."""
    return UNREADABLE_WARNING if is_free_text(text) else None


def opening_state(text: str | None, when: datetime.datetime) -> OpeningState:
    """Whether a place is open at `when`, from its hours: "ouvert" and
    "fermé" only from OpenStreetMap hours (public holidays count as closed
    when the hours say so); "texte" for free text, never claimed either."""
    if not text or not text.strip():
        return "inconnu"
    parsed = parse(text)
    if parsed is None:
        return "texte"
    try:
        state, _comment = parsed.state(when.astimezone(PARIS))
    except Exception:  # noqa: BLE001 - an expression the library cannot evaluate
        return "inconnu"
    if state == State.OPEN:
        return "ouvert"
    if state == State.CLOSED:
        return "fermé"
    return "inconnu"


# --- Hours written in French for people -------------------------------------
#
# opening-hours-py parses and evaluates the expression but does not expose
# its rules; its normalize() gives a canonical expression (rules merged, days
# sorted, "Mo-Su 00:00-24:00" -> "24/7"), which is read here piece by piece.
# Anything outside the pieces below is shown as given: a sentence is only
# written when every part of the expression is understood.

DAY_NAMES = {
    "Mo": "lundi", "Tu": "mardi", "We": "mercredi", "Th": "jeudi",
    "Fr": "vendredi", "Sa": "samedi", "Su": "dimanche",
}  # fmt: skip
MONTH_NAMES = {
    "Jan": "janvier", "Feb": "février", "Mar": "mars", "Apr": "avril", "May": "mai",
    "Jun": "juin", "Jul": "juillet", "Aug": "août", "Sep": "septembre", "Oct": "octobre",
    "Nov": "novembre", "Dec": "décembre",
}  # fmt: skip
ORDINALS = {
    1: "premier", 2: "deuxième", 3: "troisième", 4: "quatrième", 5: "cinquième",
    -1: "dernier", -2: "avant-dernier",
}  # fmt: skip

_MONTH = "(?:" + "|".join(MONTH_NAMES) + ")"
_DAY = "(?:Mo|Tu|We|Th|Fr|Sa|Su|PH|SH)"
_NTH = r"(?:\[-?\d(?:-\d)?(?:,-?\d(?:-\d)?)*\])"
_TIME = r"\d{2}:\d{2}"
_SELECTORS = [
    # A dated day or span of days: « 2026 Dec 08 », « 2026 Nov 30-2027 Jan 24 »
    # (the wide range selector of the specification, year on each end).
    ("date", rf"\d{{4}} {_MONTH} ?\d{{1,2}}(?:-(?:\d{{4}} )?(?:{_MONTH} ?)?\d{{1,2}})?"),
    ("year", r"\d{4}(?:-\d{4})?"),
    ("monthday", rf"{_MONTH} ?\d{{1,2}}(?:-(?:{_MONTH} ?)?\d{{1,2}})?"),
    ("months", rf"{_MONTH}(?:-{_MONTH})?(?:,{_MONTH}(?:-{_MONTH})?)*"),
    ("week", r"week ?\d{1,2}(?:-\d{1,2})?"),
    ("days", rf"{_DAY}{_NTH}?(?:-{_DAY})?(?:,{_DAY}{_NTH}?(?:-{_DAY})?)*"),
    ("times", rf"24/7|{_TIME}-{_TIME}(?:,{_TIME}-{_TIME})*|{_TIME}\+"),
    ("modifier", r"off|closed|open|unknown"),
]
_PIECE = re.compile("|".join(f"(?P<{kind}>{pattern})(?![\\w:+/-])" for kind, pattern in _SELECTORS))


NBSP = "\u00a0"  # between a number and its unit (Lexique de l'Imprimerie nationale)
ROUND_THE_CLOCK = f"24{NBSP}h sur 24"


class _Unsupported(ValueError):
    """A piece of a valid expression this rendering does not read."""


def _join(parts: list[str]) -> str:
    return parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " et " + parts[-1]


def _clock(value: str) -> str:
    hour, minute = int(value[:2]), int(value[3:])
    if (hour, minute) in ((0, 0), (24, 0)):
        return "minuit"
    # No-break spaces: « 17 h 30 » never breaks across lines.
    return f"{hour}{NBSP}h" if minute == 0 else f"{hour}{NBSP}h{NBSP}{minute:02d}"


def _times(text: str) -> str:
    if text == "24/7":
        return ROUND_THE_CLOCK
    if text.endswith("+"):
        return f"à partir de {_clock(text[:-1])}"
    spans = [span.split("-") for span in text.split(",")]
    if spans == [["00:00", "24:00"]]:
        return "toute la journée"
    return " et ".join(f"de {_clock(start)} à {_clock(end)}" for start, end in spans)


def _weekday(item: str) -> str:
    if item == "PH":
        return "les jours fériés"
    if item == "SH":
        return "pendant les vacances scolaires"
    if "[" in item:
        day, nth = item[:2], item[3:-1]
        numbers: list[int] = []
        for part in nth.split(","):
            first, _, last = part.partition("-") if not part.startswith("-") else (part, "", "")
            numbers += range(int(first), int(last) + 1) if last else [int(first)]
        if any(n not in ORDINALS for n in numbers):
            raise _Unsupported(item)
        ordinals = _join([ORDINALS[n] for n in numbers])
        plural = "s" if len(numbers) > 1 else ""
        return f"l{'es' if plural else 'e'} {ordinals} {DAY_NAMES[day]}{plural} du mois"
    first, _, last = item.partition("-")
    if last in ("PH", "SH") or first in ("PH", "SH"):
        raise _Unsupported(item)
    if not last:
        return f"le {DAY_NAMES[first]}"
    if (first, last) == ("Mo", "Su"):
        return "tous les jours"
    return f"du {DAY_NAMES[first]} au {DAY_NAMES[last]}"


def _days(text: str) -> str:
    return _join([_weekday(item) for item in re.findall(rf"{_DAY}{_NTH}?(?:-{_DAY})?", text)])


def _months(text: str) -> str:
    parts = []
    for item in text.split(","):
        first, _, last = item.partition("-")
        parts.append(
            f"de {MONTH_NAMES[first]} à {MONTH_NAMES[last]}" if last else f"en {MONTH_NAMES[first]}"
        )
    return _join(parts)


def _monthday(text: str) -> str:
    found = re.fullmatch(rf"({_MONTH}) ?(\d{{1,2}})(?:-(?:({_MONTH}) ?)?(\d{{1,2}}))?", text)
    if found is None:  # pragma: no cover - the piece pattern already matched it
        raise _Unsupported(text)
    month, day, end_month, end_day = found.groups()

    def date(d: str, m: str) -> str:
        return f"{'1er' if int(d) == 1 else int(d)} {MONTH_NAMES[m]}"

    if end_day is None:
        return f"le {date(day, month)}"
    if end_month in (None, month):
        return f"du {'1er' if int(day) == 1 else int(day)} au {date(end_day, month)}"
    return f"du {date(day, month)} au {date(end_day, end_month)}"


_DATE = re.compile(
    rf"(\d{{4}}) ({_MONTH}) ?(\d{{1,2}})(?:-(?:(\d{{4}}) )?(?:({_MONTH}) ?)?(\d{{1,2}}))?"
)


def _dated(text: str) -> str:
    """« le 8 décembre 2026 », « du 30 novembre 2026 au 24 janvier 2027 »."""
    found = _DATE.fullmatch(text)
    if found is None:  # pragma: no cover - the piece pattern already matched it
        raise _Unsupported(text)
    year, month, day, end_year, end_month, end_day = found.groups()

    def date(d: str, m: str, y: str | None) -> str:
        return " ".join(filter(None, ["1er" if int(d) == 1 else str(int(d)), MONTH_NAMES[m], y]))

    if end_day is None:
        return f"le {date(day, month, year)}"
    end_year, end_month = end_year or year, end_month or month
    end = date(end_day, end_month, end_year)
    if end_year != year:
        return f"du {date(day, month, year)} au {end}"
    if end_month != month:
        return f"du {date(day, month, None)} au {end}"
    return f"du {'1er' if int(day) == 1 else int(day)} au {end}"


def _week(text: str) -> str:
    first, _, last = text.removeprefix("week").strip().partition("-")
    return f"semaines {int(first)} à {int(last)}" if last else f"semaine {int(first)}"


def _year(text: str) -> str:
    first, _, last = text.partition("-")
    return f"de {first} à {last}" if last else f"en {first}"


_RENDER = {"date": _dated, "year": _year, "monthday": _monthday, "months": _months, "week": _week}


def _rule(text: str) -> str:
    """One rule in French: its selectors, its times, its state, its comment."""
    comment = ""
    found = re.search(r'"([^"]*)"\s*$', text)
    if found:
        comment, text = found.group(1).strip(), text[: found.start()]
    pieces: dict[str, str] = {}
    position, text = 0, text.strip()
    while position < len(text):
        if text[position] == " ":
            position += 1
            continue
        match = _PIECE.match(text, position)
        if match is None or match.lastgroup is None or match.lastgroup in pieces:
            raise _Unsupported(text[position:])
        pieces[match.lastgroup] = match.group()
        position = match.end()
    when = [_RENDER[kind](pieces[kind]) for kind in _RENDER if kind in pieces]
    days = _days(pieces["days"]) if "days" in pieces else ""
    modifier = pieces.get("modifier", "open")
    times = _times(pieces["times"]) if "times" in pieces else ""
    if modifier in ("off", "closed"):
        sentence = " ".join(["fermé", *when, days, times]).strip()
    else:
        if not days and not when and times:
            days = "tous les jours" if times != ROUND_THE_CLOCK else "ouvert"
        if times == ROUND_THE_CLOCK:
            times = f"{ROUND_THE_CLOCK}, 7{NBSP}jours sur 7" if days == "ouvert" else times
        if not times and (days or when) and modifier == "open":
            times = ROUND_THE_CLOCK
        sentence = ", ".join(filter(None, [*when, " ".join(filter(None, [days, times]))]))
        if modifier == "unknown":
            sentence = f"{sentence} : horaires à confirmer" if sentence else "horaires à confirmer"
    if comment:
        sentence = f"{sentence} ({comment})" if sentence else comment
    return re.sub(" +", " ", sentence).strip()


def _split_rules(text: str) -> list[tuple[str, str]]:
    """(separator before, rule) pairs, outside comments."""
    parts = re.split(r'(;|\|\||,\s(?=[A-Z0-9"]))(?=(?:[^"]*"[^"]*")*[^"]*$)', text)
    rules = [("", parts[0])] + list(zip(parts[1::2], parts[2::2], strict=True))
    return [(sep.strip(), rule.strip()) for sep, rule in rules if rule.strip()]


@lru_cache(maxsize=4096)
def opening_hours_text(value: str) -> str:
    """Opening hours written in French for people, from an OpenStreetMap
    opening_hours value: "Mo-Tu 08:00-12:15; PH off" -> "du lundi au mardi
    de 8 h à 12 h 15 ; fermé les jours fériés" (lower case, no final stop:
    the template capitalises where it starts a sentence).

    The value is read with opening-hours-py (the rule "ouvert maintenant"
    uses too) and its normalized form (same meaning, rules merged, days in
    order) is written out when it holds no comment nor fallback rule
    (the normalization rewrites those). Free text, and valid expressions
    with pieces not written here (sunrise, week steps, offsets), are
    returned as given, stripped; "" for an empty value. Never raises.
    Days, months and public holidays ("PH": French public holidays) follow
    https://wiki.openstreetmap.org/wiki/Key:opening_hours/specification."""
    text = (value or "").strip()
    parsed = parse(text) if text else None
    if parsed is None:
        return text
    candidates = [text]
    if '"' not in text and "||" not in text:
        # BLE001: any failure to normalize keeps the expression as given.
        with contextlib.suppress(Exception):
            candidates.insert(0, str(parsed.normalize()))
    for candidate in candidates:
        try:
            rules = _split_rules(candidate)
            written = []
            for separator, rule in rules:
                sentence = _rule(rule)
                if not sentence:
                    raise _Unsupported(rule)
                written.append(f"sinon, {sentence}" if separator == "||" else sentence)
            return " ; ".join(written)
        except (_Unsupported, KeyError, ValueError):
            continue
    return text


# --- Dated changes ----------------------------------------------------------
#
# OpenStreetMap writes an exceptional closing or opening as a rule for one
# dated day with a comment (« 2026 Dec 08 off "fermeture exceptionnelle" »);
# a later rule overrides the earlier ones for that day. The directory shows
# such rules apart, as announced changes, wherever the entry appears.

_CHANGE = re.compile(
    rf'(\d{{4}}) ({_MONTH}) ?(\d{{1,2}})(?: (?P<body>[^"]*?))? *"(?P<comment>[^"]+)"'
)
_MONTH_NUMBER = {name: number for number, name in enumerate(MONTH_NAMES, start=1)}
_YEAR = re.compile(r"(?<![\d:])\d{4}(?![\d:])")


@dataclass(frozen=True)
class DatedChange:
    """A change of the hours announced for one day: ``day``; ``text``, the
    comment of its rule (French, as the entry gives it); ``is_open``: the
    rule opens the place that day (hours given), else it closes it."""

    day: datetime.date
    text: str
    is_open: bool


def dated_changes(value: str | None, *, since: datetime.date) -> list[DatedChange]:
    """The dated changes of OpenStreetMap hours from ``since`` on, by day:
    every rule made of one dated day (« 2026 Dec 08 »), an optional state or
    times, and a comment. [] for free text, hours without such rules, or
    none. Never raises."""
    text = (value or "").strip()
    if '"' not in text or parse(text) is None:
        return []
    changes = []
    for _separator, rule in _split_rules(text):
        found = _CHANGE.fullmatch(rule)
        if found is None:
            continue
        year, month, day = found.group(1), found.group(2), found.group(3)
        try:
            date = datetime.date(int(year), _MONTH_NUMBER[month], int(day))
        except ValueError:
            continue
        body = (found.group("body") or "").strip()
        if date >= since:
            changes.append(
                DatedChange(date, found.group("comment").strip(), body not in ("off", "closed"))
            )
    return sorted(changes, key=lambda change: change.day)


def has_ended(value: str | None, when: datetime.datetime) -> bool:
    """True when OpenStreetMap hours with dates (a year) will never open
    again after ``when``: a service of a past season, such as the bus's
    stops once its calendar is over. Hours without a year never end;
    free text never does."""
    text = (value or "").strip()
    if not _YEAR.search(text):
        return False
    parsed = parse(text)
    if parsed is None:
        return False
    try:
        moment = when.astimezone(PARIS)
        state, _comment = parsed.state(moment)
        return state == State.CLOSED and parsed.next_change(moment) is None
    except Exception:  # noqa: BLE001 - an expression the library cannot evaluate
        return False


def clock_text(value: datetime.time) -> str:
    """A clock time as the hours are written for people: « 9 h », « 12 h 30 »
    (no-break spaces), « minuit »."""
    return _clock(f"{value.hour:02d}:{value.minute:02d}")
