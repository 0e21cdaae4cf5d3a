"""What text the product accepts from outside, in one place (no Django):
answers, names, titles, ids, directory records, referral forms.

Outside input is bounded and clean before it is stored: one stored answer
with a NUL byte or a lone surrogate breaks every later XLSX, CSV or Parquet
export, and PostgreSQL refuses NUL in JSON.
"""

import re
from typing import Any

TEXT_MAX_LENGTH = 2_000  # a free text (may span several lines)
LINE_MAX_LENGTH = 200  # a single-line value: name, title, key, phone, e-mail
_LINE_BREAKS = "\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029"
# C0 and C1 controls except tab, line feed and carriage return; the
# bidirectional embeddings, overrides and isolates (U+202A-U+202E,
# U+2066-U+2069), which make a cell display other than what it holds
# ("Trojan Source"); lone surrogates; the two noncharacters every format
# chokes on.
_FORBIDDEN = re.compile(
    r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\ud800-\udfff\ufffe\uffff]"
)
_ONE_LINE = re.compile(f"[{_LINE_BREAKS}\t]")


def text_problem(value: Any, *, multiline: bool = False, max_length: int = LINE_MAX_LENGTH) -> str:
    """Why a value cannot be stored as text, in French, or "" when it can.

    Text is a string without control characters (tab and line breaks are
    allowed in multi-line text only; bidirectional overrides never) nor
    invalid code points (lone surrogates), and at most ``max_length`` characters long.
    """
    if not isinstance(value, str):
        return "Un texte est attendu."
    if len(value) > max_length:
        return f"Le texte dépasse {max_length} caractères."
    if _FORBIDDEN.search(value):
        return "Le texte contient des caractères de contrôle ou invalides."
    if not multiline and _ONE_LINE.search(value):
        return "Le texte doit tenir sur une seule ligne."
    return ""


def clean_text(value: Any, *, multiline: bool = False, max_length: int = LINE_MAX_LENGTH) -> str:
    """The value as stored text: stripped, line breaks as \\n.

    Raises ValueError (French) when ``text_problem`` finds one.
    """
    if isinstance(value, str):
        value = value.replace("\r\n", "\n").replace("\r", "\n").strip()
    problem = text_problem(value, multiline=multiline, max_length=max_length)
    if problem:
        raise ValueError(problem)
    return str(value)


def printable(text: str) -> str:
    """`text` with every control character (escape sequences a terminal
    would obey: colours, a window title), bidirectional override and invalid
    code point replaced by U+FFFD; line breaks and tabs kept. For messages
    that quote what a person typed (a file's name) on a terminal."""
    return _FORBIDDEN.sub("\ufffd", text)


def shown(value: Any, limit: int = 60) -> str:
    """A value quoted in a French message: short, on one line, printable."""
    text = _FORBIDDEN.sub("\ufffd", str(value) if isinstance(value, str) else repr(value)[:limit])
    text = _ONE_LINE.sub(" ", text)
    return text if len(text) <= limit else text[: limit - 1] + "…"


# The largest id a primary key holds (DEFAULT_AUTO_FIELD is BigAutoField:
# PostgreSQL's 8-byte `bigint`, SQLite's integer).
MAX_DATABASE_ID = 2**63 - 1


def database_id(value: object) -> int | None:
    """The row id written in ``value`` (a URL's or a form's text, or an
    int), None when it is not one: ASCII digits only (« ² » and « ١ » are
    digits to ``str.isdigit`` but not to ``int``), from 1 to
    MAX_DATABASE_ID."""
    text = str(value)
    if not (text.isascii() and text.isdigit()) or len(text) > 19:
        return None
    number = int(text)
    return number if 1 <= number <= MAX_DATABASE_ID else None
