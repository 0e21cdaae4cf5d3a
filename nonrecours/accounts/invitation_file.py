"""Reading a list of people to invite: a CSV file with the columns
« e-mail », « organisation » and « rôle » (any order, other columns
ignored), read by the project's CSV reader (nonrecours/csvtext.py).

What a cell means is decided here (which column, which role a word
names); whether the invitation may be sent is decided by the actions.
"""

import unicodedata
from dataclasses import dataclass

from nonrecours.accounts.enums import Role
from nonrecours.csvtext import UnreadableFile, dict_rows
from nonrecours.errors import UserError

# A person's file has a few dozen lines; a larger one is a mistake.
MAX_ROWS = 500

EMAIL, ORGANISATION, ROLE = "e-mail", "organisation", "rôle"
COLUMNS = (EMAIL, ORGANISATION, ROLE)
_HEADER_NAMES = {
    EMAIL: {"email", "e-mail", "mail", "courriel", "adresse e-mail", "adresse email"},
    ORGANISATION: {"organisation", "organisme", "structure"},
    ROLE: {"role"},
}

# What people write for each role, once lower-cased, without accents and
# without the inclusive endings (« chargé·e », « enquêteur·rice »).
_ROLE_WORDS: dict[str, Role] = {
    "admin": Role.ADMIN,
    "administrateur": Role.ADMIN,
    "administratrice": Role.ADMIN,
    "charge de mission": Role.PROJECT_LEAD,
    "chargee de mission": Role.PROJECT_LEAD,
    "enqueteur": Role.FIELD_AGENT,
    "enqueteurrice": Role.FIELD_AGENT,
    "enquetrice": Role.FIELD_AGENT,
    "partenaire": Role.PARTNER,
}


class InvitationFileError(UserError, ValueError):
    """The file cannot be read as a list of invitations (French, with the
    file name and the line)."""


@dataclass(frozen=True)
class InvitationLine:
    """One row of the file as written: ``line`` is the file's line number."""

    line: int
    email: str
    organisation: str
    role: str


def _folded(text: str) -> str:
    """Lower case, no accents, no inclusive middle dot, single spaces."""
    decomposed = unicodedata.normalize("NFKD", text.strip().lower())
    bare = "".join(c for c in decomposed if not unicodedata.combining(c))
    for dot in ("·", "•", "⋅", "."):
        bare = bare.replace(dot, "")
    return " ".join(bare.replace("_", " ").split())


def role_from_text(text: str) -> Role | None:
    """The role a cell names: its code (``project_lead``), its label
    (« Chargé·e de mission ») or a usual spelling (« chargée de mission »,
    « enquêteur », « administratrice »); None when it names none."""
    folded = _folded(text)
    for role in Role:
        if folded in {_folded(role.value), _folded(str(role.label))}:
            return role
    return _ROLE_WORDS.get(folded)


def role_names() -> str:
    """The accepted roles, for an error message."""
    return ", ".join(f"« {role.label} »" for role in Role)


def read_invitation_file(text: str, filename: str) -> list[InvitationLine]:
    """The rows of an invitation file, blank rows skipped.

    Raises InvitationFileError for an unreadable file (see csvtext), a
    missing column (naming the columns found), no row at all, or more than
    MAX_ROWS rows.
    """
    try:
        header, body = dict_rows(text.removeprefix("\ufeff"), filename)
        columns: dict[str, str] = {}
        for name in header:
            for column, accepted in _HEADER_NAMES.items():
                if _folded(name) in accepted and column not in columns:
                    columns[column] = name
        missing = [column for column in COLUMNS if column not in columns]
        if missing:
            found = ", ".join(f"« {name} »" for name in header if name) or "aucune"
            raise InvitationFileError(
                f"{filename} : colonne(s) manquante(s) : "
                + ", ".join(f"« {column} »" for column in missing)
                + f". Attendu : « e-mail », « organisation », « rôle » ; trouvé : {found}."
            )
        lines: list[InvitationLine] = []
        for line, row in body:
            if len(lines) == MAX_ROWS:
                raise InvitationFileError(
                    f"{filename} : plus de {MAX_ROWS} lignes ; découpez le fichier."
                )
            lines.append(
                InvitationLine(
                    line=line,
                    email=row[columns[EMAIL]].strip(),
                    organisation=row[columns[ORGANISATION]].strip(),
                    role=row[columns[ROLE]].strip(),
                )
            )
    except UnreadableFile as error:
        raise InvitationFileError(str(error)) from None
    if not lines:
        raise InvitationFileError(f"{filename} : aucune ligne à inviter sous l'en-tête.")
    return lines
