"""Reading a list of registrations: a CSV file with the columns « nom »,
« prénom », « organisation » and, optional, « e-mail », « fonction » and
« type de structure » (any order, other columns ignored), read by the
project's CSV reader (nonrecours/csvtext.py). No Django.

What a cell means is decided here (which column, which kind of structure a
word names); whether the registration may be made is decided by the
actions (events.actions.registrations_import), all or nothing.
"""

import unicodedata
from dataclasses import dataclass

from nonrecours.accounts.enums import OrganisationKind
from nonrecours.csvtext import UnreadableFile, dict_rows
from nonrecours.errors import UserError

# A training's list has a few dozen lines; a forum's a few hundred.
MAX_ROWS = 1_000

LAST_NAME, FIRST_NAME, EMAIL = "nom", "prénom", "e-mail"
ORGANISATION, JOB_TITLE, KIND = "organisation", "fonction", "type de structure"
REQUIRED = (LAST_NAME, FIRST_NAME, ORGANISATION)
_HEADER_NAMES = {
    LAST_NAME: {"nom", "nom de famille"},
    FIRST_NAME: {"prenom"},
    EMAIL: {"email", "e-mail", "mail", "courriel", "adresse e-mail", "adresse email"},
    ORGANISATION: {"organisation", "organisme", "structure", "institution", "employeur"},
    JOB_TITLE: {"fonction", "poste", "metier"},
    KIND: {"type de structure", "type", "type d'organisation", "categorie"},
}

# Words of a structure's name that say its kind, tried in this order on the
# folded name (« CCAS d'Arras », « Mairie d'Achicourt », « Agence France
# Travail Arras »), for a structure without an account whose row does not
# say its kind.
_NAME_WORDS: tuple[tuple[str, OrganisationKind], ...] = (
    ("france services", OrganisationKind.FRANCE_SERVICES),
    ("france travail", OrganisationKind.FRANCE_TRAVAIL),
    ("pole emploi", OrganisationKind.FRANCE_TRAVAIL),
    ("mission locale", OrganisationKind.MISSION_LOCALE),
    ("ccas", OrganisationKind.CCAS),
    ("cias", OrganisationKind.CCAS),
    ("caf", OrganisationKind.CAF),
    ("cpam", OrganisationKind.CPAM),
    ("assurance maladie", OrganisationKind.CPAM),
    ("msa", OrganisationKind.MSA),
    ("departement", OrganisationKind.DEPARTEMENT),
    ("communaute urbaine", OrganisationKind.TERRITORY),
    ("communaute d'agglomeration", OrganisationKind.TERRITORY),
    ("communaute de communes", OrganisationKind.TERRITORY),
    ("mairie", OrganisationKind.COMMUNE),
    ("ville de", OrganisationKind.COMMUNE),
    ("la poste", OrganisationKind.LA_POSTE),
    ("bailleur", OrganisationKind.BAILLEUR),
    ("habitat", OrganisationKind.BAILLEUR),
    ("association", OrganisationKind.ASSOCIATION),
    ("club de prevention", OrganisationKind.ASSOCIATION),
    ("chrs", OrganisationKind.ASSOCIATION),
    ("foyer", OrganisationKind.ASSOCIATION),
)


class RegistrationFileError(UserError, ValueError):
    """The file cannot be read as a list of registrations (French, with
    the file name and, where known, the line)."""


@dataclass(frozen=True)
class RegistrationLine:
    """One row of the file as written; ``line`` is the file's line number."""

    line: int
    last_name: str
    first_name: str
    email: str
    organisation: str
    job_title: str
    kind: str


def folded(text: str) -> str:
    """Lower case, no accents, no inclusive middle dot, single spaces;
    typographic apostrophes as « ' »."""
    decomposed = unicodedata.normalize("NFKD", text.strip().lower().replace("’", "'"))
    bare = "".join(c for c in decomposed if not unicodedata.combining(c))
    for dot in ("·", "•", "⋅"):
        bare = bare.replace(dot, "")
    return " ".join(bare.replace("_", " ").split())


def kind_from_text(text: str) -> OrganisationKind | None:
    """The kind of structure a cell names: its code (``france_travail``) or
    its label (« CCAS / CIAS », « France Travail »), or a word of the label
    alone (« CCAS »); None when it names none."""
    wanted = folded(text)
    if not wanted:
        return None
    for kind in OrganisationKind:
        label = folded(str(kind.label))
        if wanted in {folded(kind.value), label} or wanted in label.split(" / "):
            return kind
    return None


def kind_from_name(name: str) -> OrganisationKind:
    """The kind a structure's name says (« CCAS d'Arras » → CCAS),
    OrganisationKind.OTHER when it says none."""
    text = f" {folded(name)} "
    for words, kind in _NAME_WORDS:
        if f" {words} " in text or f" {words}'" in text:
            return kind
    return OrganisationKind.OTHER


def kind_names() -> str:
    """The accepted kinds, for an error message."""
    return ", ".join(f"« {kind.label} »" for kind in OrganisationKind)


def read_registration_file(text: str, filename: str) -> list[RegistrationLine]:
    """The rows of a registration file, blank rows skipped, cells stripped.

    Raises RegistrationFileError for an unreadable file (see csvtext), a
    missing column (naming the columns found), two columns of the same
    meaning (naming both), no row at all, or more than
    MAX_ROWS rows.
    """
    try:
        header, body = dict_rows(text.removeprefix("\ufeff"), filename)
        columns: dict[str, str] = {}
        for name in header:
            for column, accepted in _HEADER_NAMES.items():
                if folded(name) not in accepted:
                    continue
                if column in columns:
                    # Two columns of the same meaning (« Email » and
                    # « Courriel »): which one holds the data is a guess.
                    raise RegistrationFileError(
                        f"{filename} : les colonnes « {columns[column]} » et « {name} » disent "
                        f"toutes deux « {column} » ; gardez-en une seule."
                    )
                columns[column] = name
        missing = [column for column in REQUIRED if column not in columns]
        if missing:
            found = ", ".join(f"« {name} »" for name in header if name) or "aucune"
            raise RegistrationFileError(
                f"{filename} : colonne(s) manquante(s) : "
                + ", ".join(f"« {column} »" for column in missing)
                + ". Attendu : « nom », « prénom », « organisation » et, si vous les avez, "
                f"« e-mail », « fonction », « type de structure » ; trouvé : {found}."
            )
        lines: list[RegistrationLine] = []
        for line, row in body:
            if len(lines) == MAX_ROWS:
                raise RegistrationFileError(
                    f"{filename} : plus de {MAX_ROWS} lignes ; découpez le fichier."
                )

            def cell(column: str, row: dict[str, str] = row) -> str:
                return row[columns[column]].strip() if column in columns else ""

            lines.append(
                RegistrationLine(
                    line=line,
                    last_name=cell(LAST_NAME),
                    first_name=cell(FIRST_NAME),
                    email=cell(EMAIL),
                    organisation=cell(ORGANISATION),
                    job_title=cell(JOB_TITLE),
                    kind=cell(KIND),
                )
            )
    except UnreadableFile as error:
        raise RegistrationFileError(str(error)) from None
    if not lines:
        raise RegistrationFileError(f"{filename} : aucune inscription sous l'en-tête.")
    return lines
