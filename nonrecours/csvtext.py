"""Reading the CSV files people give (no Django): UTF-8 (with or without a
BOM), `,`, `;` or tab, with the French message a person needs when the file
cannot be read."""

import csv
import io
from pathlib import Path
from typing import Any


class UnreadableFile(ValueError):
    """The file is missing or not UTF-8 (message in French)."""


def read_text(path: Path) -> str:
    try:
        return path.read_bytes().decode("utf-8-sig")
    except FileNotFoundError:
        raise UnreadableFile(f"{path} : fichier introuvable.") from None
    except UnicodeDecodeError:
        raise UnreadableFile(f"{path.name} : le fichier n'est pas en UTF-8.") from None


def dict_reader(text: str) -> "csv.DictReader[str]":
    """Rows as dictionaries, the separator guessed from the first lines."""
    try:
        dialect: Any = csv.Sniffer().sniff(text[:4096], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    return csv.DictReader(io.StringIO(text, newline=""), dialect=dialect)


FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_safe(value: Any) -> Any:
    """A text cell a spreadsheet would run as a formula (=, +, -, @) is
    written with a leading apostrophe (OWASP's CSV injection advice)."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value
