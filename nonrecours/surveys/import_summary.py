"""What an import of submissions did, in French (ImportSummary), and the
refusal of a file with bad rows (ImportRejected)."""

from dataclasses import dataclass, field

from nonrecours.errors import UserError
from nonrecours.french import plural
from nonrecours.surveys.coarsening import EXPORT_MIN_GROUP
from nonrecours.surveys.importers.submissions import ColumnReport

MAX_LISTED = 30  # lines listed per kind in the summary


class ImportRejected(UserError, ValueError):
    """A file with bad rows: nothing was stored. ``problems`` are located
    (line, field) and in French."""

    def __init__(self, filename: str, problems: list[str], total: int):
        self.filename = filename
        self.problems = problems
        self.total = total
        more = f"\n… et {total - len(problems)} autres problèmes." if total > len(problems) else ""
        super().__init__(
            f"{filename} : import refusé, rien n'a été enregistré ({total} problème"
            f"{'s' if total > 1 else ''}) :\n" + "\n".join(f"- {p}" for p in problems) + more
        )


def _plural(count: int, word: str, plural_form: str = "") -> str:
    return f"{count} {plural(count, word, plural_form or None)}"


def _listed(items: list[str]) -> str:
    shown = " ; ".join(items[:MAX_LISTED])
    return shown + (f" ; … et {len(items) - MAX_LISTED} autres" if len(items) > MAX_LISTED else "")


@dataclass
class ImportSummary:
    """What an import did, line by line where it matters (French __str__).

    ``refused`` is always 0 for a summary: a file with a refused row raises
    ImportRejected and stores nothing.
    """

    filename: str
    rows: int = 0
    created: int = 0
    already_present: int = 0
    modified: int = 0
    refused: int = 0
    left_out: list[str] = field(default_factory=list)
    without_commune: list[str] = field(default_factory=list)
    withdrawn: list[str] = field(default_factory=list)
    duplicates: list[str] = field(default_factory=list)
    older_versions: list[str] = field(default_factory=list)
    restored_codes: list[str] = field(default_factory=list)
    anonymised_dates: int = 0
    outside_period: list[str] = field(default_factory=list)
    collectors_linked: int = 0
    columns: ColumnReport = field(default_factory=ColumnReport)

    @property
    def ignored_columns(self) -> list[str]:
        """Columns read for nothing at all (neither answers, nor the tool's
        metadata, nor redundant with a column that is read)."""
        return self.columns.unrecognised

    def lines(self) -> list[str]:
        """The summary as French lines, the counts first."""
        counts = (
            f"{self.filename} : {_plural(self.rows, 'ligne lue', 'lignes lues')} ; "
            f"{_plural(self.created, 'réponse ajoutée', 'réponses ajoutées')}, "
            f"{_plural(self.already_present, 'déjà présente', 'déjà présentes')}, "
            f"{_plural(self.modified, 'modifiée', 'modifiées')} (nouvelle version), "
            f"{_plural(len(self.left_out), 'laissée de côté', 'laissées de côté')} "
            f"(statut de revue), {_plural(len(self.withdrawn), 'retirée', 'retirées')}, "
            f"{_plural(self.refused, 'refusée', 'refusées')}."
        )
        out = [counts]
        if self.modified:
            out.append(
                "Versions modifiées : la nouvelle version remplace l'ancienne dans les résultats ; "
                "l'ancienne est gardée dans l'historique."
            )
        if self.left_out:
            out.append(
                "Laissées de côté selon le statut de revue de l'outil de collecte : "
                + _listed(self.left_out)
                + ". Pour les importer quand même : case « Importer aussi les lignes non "
                "approuvées… » de la page d'import, ou option --inclure-non-validees."
            )
        if self.without_commune:
            out.append(
                "Lignes d'un export de nonrecours sans commune (commune de moins de "
                f"{EXPORT_MIN_GROUP} réponses, masquée à l'export), non importées : "
                + _listed(self.without_commune)
                + "."
            )
        if self.withdrawn:
            out.append(
                "Retirées des résultats (importées plus tôt, rejetées depuis dans l'outil ; "
                "gardées dans l'historique) : " + _listed(self.withdrawn) + "."
            )
        if self.duplicates:
            out.append(
                "Lignes en double exact, comptées une fois : " + _listed(self.duplicates) + "."
            )
        if self.older_versions:
            out.append(
                "Versions plus anciennes que celle déjà importée, non reprises : "
                + _listed(self.older_versions)
                + "."
            )
        if self.restored_codes:
            out.append(
                "Codes commune qui avaient perdu leur zéro initial (restaurés) : "
                + _listed(self.restored_codes)
                + "."
            )
        if self.anonymised_dates:
            out.append(
                f"{_plural(self.anonymised_dates, 'réponse')} d'une enquête LimeSurvey anonymisée "
                "(dates remplacées par le 01/01/1980 par LimeSurvey) : la date d'import est "
                "enregistrée comme date de saisie."
            )
        if self.outside_period:
            out.append(
                f"{_plural(len(self.outside_period), 'réponse datée', 'réponses datées')} hors de "
                "la période de la campagne (gardées ; vérifiez la campagne et la date, un tableur "
                "a pu lire 10/1 comme le 10 janvier) : " + _listed(self.outside_period) + "."
            )
        if self.columns.unknown_options:
            out.append(
                "Colonnes d'options inconnues du questionnaire, vérifiées vides : "
                + ", ".join(self.columns.unknown_options)
                + "."
            )
        if self.collectors_linked:
            out.append(
                f"{_plural(self.collectors_linked, 'réponse rattachée', 'réponses rattachées')} "
                "au compte de l'enquêteur·rice qui l'a collectée."
            )
        redundant: dict[str, list[str]] = {}
        for column, read_instead in self.columns.redundant.items():
            redundant.setdefault(read_instead, []).append(column)
        for read_instead, columns in redundant.items():
            out.append(
                f"Colonnes redondantes avec la colonne « {read_instead} », lue à leur place et "
                f"vérifiée avec elles : {_plural(len(columns), 'colonne')} d'options "
                f"(« {columns[0]} »" + (f" … « {columns[-1]} »)." if len(columns) > 1 else ").")
            )
        if self.columns.metadata:
            out.append(
                "Colonnes techniques de l'outil, non utilisées : "
                + ", ".join(self.columns.metadata)
                + "."
            )
        if self.columns.unrecognised:
            out.append(
                "Colonnes ignorées, aucune question de ce nom dans le questionnaire : "
                + ", ".join(self.columns.unrecognised)
                + "."
            )
        return out

    def __str__(self) -> str:
        return "\n".join(self.lines())
