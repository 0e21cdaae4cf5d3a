"""The bus's achievements per stop as files that open in a spreadsheet:
always the published view (outreach.achievements.published_achievements,
the secrecy rule applied), never the exact one. A CSV whose first line is
its header, or an XLSX workbook with a « données » sheet and a « notes »
sheet (period, rule, columns). Every text cell goes through
csvtext.spreadsheet_safe() (no formula runs); « secret » marks a hidden
value, as in the referral statistics' exports."""

import csv
import datetime
import io
from decimal import Decimal

from django.utils import timezone

from nonrecours import french
from nonrecours.analysis.disclosure import DEFAULT_THRESHOLD
from nonrecours.csvtext import spreadsheet_safe
from nonrecours.outreach.achievements import (
    Achievements,
    StopAchievement,
    published_achievements,
)
from nonrecours.referrals.exports import SECRET, XLSX
from nonrecours.territories.models import Territory
from nonrecours.workbooks import data_and_notes_xlsx

__all__ = ["XLSX", "achievement_notes", "achievement_rows", "achievements_csv", "achievements_xlsx"]

Cell = str | int | float | None  # SECRET: hidden by the rule; None: not applicable


def _whole(value: Decimal | None) -> int | None:
    return None if value is None else int(value.quantize(Decimal(1)))


def _ratio(base: int | None, value: float | None, factor: float = 1.0) -> Cell:
    if base is None:
        return SECRET
    return None if value is None else round(factor * value, 1)


def _values(row: StopAchievement) -> list[Cell]:
    def count(value: int | None) -> Cell:
        return SECRET if value is None else value

    return [
        row.label,
        row.commune,
        row.half_days,
        row.cancelled,
        round(row.hours, 1),
        row.measured_half_days,
        count(row.visitors),
        _ratio(row.visitors, row.visitors_per_hour),
        count(row.first_contacts),
        _ratio(row.first_contacts, row.first_contact_share, 100),
        count(row.priority_area_residents),
        _ratio(row.priority_area_residents, row.priority_area_share, 100),
        count(row.simulations),
        count(row.appointments),
        count(row.referrals),
        count(row.rights_opened),
        SECRET if row.yearly_amount is None else _whole(row.yearly_amount),
        _whole(row.cost),
        _whole(row.cost_per_half_day),
        SECRET
        if row.rights_opened is None and row.cost is not None
        else _whole(row.cost_per_right),
    ]


COLUMNS: tuple[tuple[str, str], ...] = (
    ("arrêt", "l'arrêt du bus ; la première ligne fait le total de tous les arrêts."),
    ("commune", "la commune de l'arrêt."),
    ("demi-journées de présence", "passages prévus ou déplacés, jusqu'à la fin de la période "
     "et au plus tard aujourd'hui."),
    ("passages annulés", "comptés à part : ni présence, ni coût."),
    ("heures de présence", "départ moins arrivée quand l'équipe les a notés, sinon la durée "
     "prévue de la demi-journée (matin 9 h – 12 h 30, après-midi 13 h 30 – 17 h par défaut)."),
    ("dont demi-journées aux heures notées", "celles dont l'arrivée et le départ sont notés."),
    ("personnes reçues", "personnes notées au journal du bus (sans nom ni coordonnées)."),
    ("personnes reçues par heure de présence", "personnes reçues divisées par les heures de "
     "présence."),
    ("premiers contacts", "personnes venues pour la première fois."),
    ("part de premiers contacts (%)", "premiers contacts divisés par les personnes reçues."),
    ("habitant·es d'un QPV", "personnes reçues qui habitent un quartier prioritaire."),
    ("part d'habitant·es d'un QPV (%)", "divisées par les personnes reçues."),
    ("simulations", "simulations de droits faites au bus."),
    ("rendez-vous pris", "rendez-vous pris pour les personnes reçues."),
    ("orientations envoyées", "orientations envoyées depuis le bus par le circuit des "
     "orientations."),
    ("orientations avec un droit ouvert", "celles dont au moins un droit a été ouvert, quelle "
     "que soit la date du résultat."),
    ("montant annuel estimé des droits ouverts (€)", "12 fois la somme des montants mensuels "
     "estimés des droits ouverts."),
    ("coût des demi-journées (€)", "chaque demi-journée au coût saisi pour son calendrier ; "
     "vide quand un coût manque."),
    ("coût par demi-journée (€)", "coût des demi-journées divisé par leur nombre."),
    ("coût par droit ouvert (€)", "coût des demi-journées divisé par les orientations avec un "
     "droit ouvert ; vide sans droit ouvert."),
)  # fmt: skip
HEADER = [name for name, _ in COLUMNS]


def achievement_rows(achievements: Achievements) -> list[list[Cell]]:
    """The data lines, without HEADER: the total, then each stop. Numbers
    as ints (euros rounded to the euro) or floats (one decimal); SECRET for
    a value the rule hides; None when it does not apply (no hour, nobody
    received, no cost entered, no right opened)."""
    return [_values(row) for row in (achievements.total, *achievements.rows)]


def _csv_cell(value: Cell) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return french.number(value, 1, grouping=False)
    return str(spreadsheet_safe(value))


def achievements_csv(
    territory: Territory,
    *,
    start: datetime.date,
    end: datetime.date,
    threshold: int = DEFAULT_THRESHOLD,
) -> str:
    """The published view (published_achievements: the secrecy rule
    applied) as CSV text: « ; » between cells, decimal comma, HEADER on
    the first line, then achievement_rows(); « secret » for a hidden value,
    empty when it does not apply. Raises AchievementsError as
    stop_achievements."""
    published = published_achievements(territory, start=start, end=end, threshold=threshold)
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, delimiter=";")
    writer.writerow(HEADER)
    for line in achievement_rows(published):
        writer.writerow([_csv_cell(value) for value in line])
    return buffer.getvalue()


def achievement_notes(
    achievements: Achievements, *, generated_at: datetime.datetime
) -> list[tuple[str, str]]:
    """The notes of an export, as (heading, French text): what it is,
    territory, period, generation moment, the rule, each column."""
    territory = achievements.territory
    local = timezone.localtime(generated_at)
    threshold = achievements.threshold
    notes = [
        ("fichier", "Bilan du bus par arrêt, vue publiée (secret statistique appliqué)."),
        ("territoire", f"{territory.name} (SIREN {territory.siren})"),
        (
            "période",
            f"du {french.date_text(achievements.start)} au {french.date_text(achievements.end)}"
            + (
                f", comptée jusqu'au {french.date_text(achievements.until)} (aujourd'hui)"
                if achievements.until < achievements.end
                else ""
            ),
        ),
        ("généré le", f"{french.date_text(local.date())} à {local:%H:%M}"),
        (
            "règle de diffusion",
            f"celle du baromètre : aucune case ne décrit moins de {threshold} personnes (ou "
            f"orientations). « {SECRET} » : valeur masquée parce qu'elle en compte moins de "
            f"{threshold}, ou parce qu'avec le total et les autres arrêts elle permettrait de "
            "retrouver une valeur masquée. Demi-journées, heures et coûts décrivent le bus, "
            "pas des personnes : ils ne sont jamais masqués. Ne diffusez pas deux périodes qui "
            "se chevauchent : leur différence redonnerait ce que la règle masque (trimestres "
            "ou années entières, sans recouvrement).",
        ),
    ]
    if achievements.uncosted:
        notes.append(
            (
                "coûts",
                "coût d'une demi-journée non saisi pour : "
                + french.french_list([f"« {name} »" for name in achievements.uncosted])
                + ".",
            )
        )
    if achievements.synthetic:
        notes.append(("démonstration", "contient des données de démonstration (synthétiques)."))
    return notes + [(f"colonne « {name} »", text) for name, text in COLUMNS]


def achievements_xlsx(
    territory: Territory,
    *,
    start: datetime.date,
    end: datetime.date,
    generated_at: datetime.datetime | None = None,
    threshold: int = DEFAULT_THRESHOLD,
) -> bytes:
    """The published view as an XLSX workbook (workbooks.data_and_notes_xlsx):
    sheet « données » (HEADER, then achievement_rows(), numbers as numbers,
    « secret » for a hidden value, empty when it does not apply), sheet
    « notes » (achievement_notes; ``generated_at`` defaults to now). Raises
    AchievementsError as stop_achievements."""
    published = published_achievements(territory, start=start, end=end, threshold=threshold)
    return data_and_notes_xlsx(
        sheet="données",
        header=[HEADER],
        rows=achievement_rows(published),
        notes=achievement_notes(published, generated_at=generated_at or timezone.now()),
        freeze="C2",
        widths={"A": 40, "B": 25},
        notes_widths=(45, 110),
    )
