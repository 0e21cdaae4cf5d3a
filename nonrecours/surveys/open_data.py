"""The open data of a wave. Of a published wave: one CSV of every released
cell, its dictionary (CSV), a notes file, and the same as one JSON document;
for the team, the key rows of a wave computed now (open_data_rows).

Every CSV opens as is in a spreadsheet: the header is the first line (no
comment line before it), UTF-8 with a byte order mark (so that Excel reads
the accents, as the referrals' export does), comma-separated, decimal point
(machine-readable; the pages give the French formats), text cells through
csvtext.spreadsheet_safe. What a reader needs to know goes in the notes
file, not in the CSV.
"""

import csv
import io
from typing import Any

from django.utils import timezone

from nonrecours.analysis.disclosure import DEFAULT_THRESHOLD
from nonrecours.csvtext import spreadsheet_safe
from nonrecours.surveys.barometer import Barometer
from nonrecours.surveys.publication import PublishedResults

BOM = "\ufeff"
PUBLISHED, HIDDEN, NO_ANSWER = "publiée", "masquée", "aucune réponse"


def dictionary(threshold: int) -> list[tuple[str, str]]:
    """(column, French description) of the open data, in column order."""
    return [
        ("campagne", "identifiant de la vague du baromètre"),
        ("indicateur", "identifiant de l'indicateur (le même d'une vague à l'autre)"),
        ("libelle", "ce que mesure l'indicateur"),
        ("base", "population sur laquelle la part est calculée"),
        (
            "ventilation",
            "« ensemble » (tout le territoire), « strate », « commune », ou le croisement "
            "publié : « sexe », « age », « sexe_age », « strate_sexe », « strate_age », "
            "« strate_sexe_age » (parties séparées par « _ »)",
        ),
        (
            "domaine",
            "la case en clair : « Ensemble », la strate (Ville-centre, Petite commune, Urbain, "
            "Rural), la commune, ou les modalités du croisement séparées par « · »",
        ),
        (
            "code_domaine",
            "la case en codes : « ensemble », le code de la strate (central_city, "
            "small_commune, urban, rural), le code INSEE de la commune, ou les codes du "
            "croisement séparés par « | », dans l'ordre de la ventilation",
        ),
        (
            "estimation",
            "part estimée, pondérée, entre 0 et 1 (0.25 = 25 %) ; vide si la case est masquée "
            "ou sans réponse",
        ),
        (
            "erreur_type",
            "erreur-type de l'estimation, calage compris (plan de sondage supposé : "
            "voir les notes)",
        ),  # fmt: skip
        ("ic95_bas", "borne basse de l'intervalle de confiance à 95 % (au moins 0)"),
        ("ic95_haut", "borne haute de l'intervalle de confiance à 95 % (au plus 1)"),
        (
            "effectif",
            "nombre de répondant·es dans la case et dans la base de l'indicateur ; vide si la "
            "case est masquée",
        ),
        (
            "statut",
            f"« {PUBLISHED} » ; « {HIDDEN} » par le secret statistique (moins de {threshold} "
            "répondant·es, ou case qui permettrait d'en recalculer une masquée) ; "
            f"« {NO_ANSWER} » : personne dans la base de l'indicateur dans cette case",
        ),
    ]


def records(results: PublishedResults) -> list[dict[str, Any]]:
    """Every released cell (overall, strata, communes, tables), one dict per
    cell, keys in dictionary order; hidden cells without value nor count."""
    indicators = {i.id: i for i in results.indicators}
    slug = results.wave["slug"]
    lines = []
    for row in [*results.rows, *results.commune_rows, *results.tables]:
        indicator = indicators[row.indicator]
        if row.suppressed:
            status = HIDDEN
        elif row.estimate is None:
            status = NO_ANSWER
        else:
            status = PUBLISHED
        shown = status == PUBLISHED
        lines.append(
            {
                "campagne": slug,
                "indicateur": row.indicator,
                "libelle": indicator.label,
                "base": indicator.base,
                "ventilation": row.by,
                "domaine": results.label(row.by, row.domain),
                "code_domaine": row.domain,
                "estimation": row.estimate if shown else None,
                "erreur_type": row.se if shown else None,
                "ic95_bas": row.ci_low if shown else None,
                "ic95_haut": row.ci_high if shown else None,
                "effectif": None if row.suppressed else row.n,
                "statut": status,
            }
        )
    return lines


def notes(results: PublishedResults) -> list[str]:
    """What a reader of the open data must know, as French paragraphs."""
    publication = results.publication
    published_on = timezone.localdate(publication.published_at)
    wave, territory = results.wave, results.territory
    lines = [
        f"Baromètre du non-recours — {territory['name']} (SIREN {territory['siren']}) — "
        f"{wave['name']}.",
        f"Enquête du {results.starts_on:%d/%m/%Y} au {results.ends_on:%d/%m/%Y} ; résultats "
        f"publiés le {published_on:%d/%m/%Y}, calculés sur {publication.respondents} réponses. "
        "Ces fichiers ne changent plus.",
        "Chaque part est pondérée par calage (raking) sur : "
        + " ; ".join(results.weighting["margins"])
        + ".",
        "Plan de sondage supposé par les erreurs-types et les intervalles : un seul degré, "
        "tirage avec remise, calage sur ces marges. La collecte en porte-à-porte est en fait "
        "groupée (par rue, par commune, par enquêteur·rice) : les erreurs-types sont "
        "probablement trop petites et les intervalles trop étroits.",
        f"Secret statistique : une case calculée sur moins de {publication.threshold} "
        "répondant·es est masquée, sans son effectif ; d'autres cases sont masquées en plus "
        "quand, avec les cases publiées et les totaux connus (populations), elles permettraient "
        "de recalculer une case masquée. Une case sans personne dans la base de l'indicateur "
        f"porte le statut « {NO_ANSWER} ».",
        "Fichiers : donnees.csv (une ligne par case), dictionnaire.csv (les colonnes), "
        "donnees.json (les mêmes données, le dictionnaire et ces notes). CSV en UTF-8 avec "
        "indicateur d'ordre des octets, séparateur virgule, point décimal.",
    ]
    if wave["synthetic"]:
        lines.insert(0, "ATTENTION : données de démonstration SYNTHÉTIQUES, fabriquées pour "
                     "montrer le logiciel ; ce ne sont pas des résultats d'enquête.")  # fmt: skip
    return lines


def _cell(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, float):
        return repr(round(value, 6))
    return spreadsheet_safe(value)


def _csv(header: list[str], lines: list[dict[str, Any]]) -> bytes:
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(header)
    for line in lines:
        writer.writerow([_cell(line[name]) for name in header])
    return (BOM + buffer.getvalue()).encode("utf-8")


def data_csv(results: PublishedResults) -> bytes:
    columns = [name for name, _ in dictionary(results.publication.threshold)]
    return _csv(columns, records(results))


def dictionary_csv(results: PublishedResults) -> bytes:
    entries = dictionary(results.publication.threshold)
    return _csv(["colonne", "description"], [{"colonne": n, "description": d} for n, d in entries])


def notes_text(results: PublishedResults) -> str:
    return "\n\n".join(notes(results)) + "\n"


def data_json(results: PublishedResults) -> dict[str, Any]:
    """The open data as one JSON document: the wave, its publication, the
    dictionary, the notes, the indicators and every released cell."""
    publication = results.publication
    wave, territory = results.wave, results.territory
    return {
        "campagne": {
            "identifiant": wave["slug"],
            "nom": wave["name"],
            "debut": wave["starts_on"],
            "fin": wave["ends_on"],
            "synthetique": wave["synthetic"],
            "questionnaire": wave["questionnaire"],
        },
        "territoire": {"siren": territory["siren"], "nom": territory["name"]},
        "publication": {
            "publiee_le": publication.published_at.isoformat(),
            "reponses_analysees": publication.respondents,
            "seuil_secret_statistique": publication.threshold,
        },
        "dictionnaire": dict(dictionary(publication.threshold)),
        "notes": notes(results),
        "indicateurs": [
            {"indicateur": i.id, "libelle": i.label, "base": i.base} for i in results.indicators
        ],
        "donnees": records(results),
    }


# The team's open data of a campaign computed now (surveys.exports), before
# it is published.
OPEN_DATA_DICTIONARY = [
    ("indicateur", "identifiant de l'indicateur (celui du baromètre publié en 2024)"),
    ("libelle", "ce que mesure l'indicateur"),
    ("base", "population sur laquelle la part est calculée"),
    ("ventilation", "« ensemble » pour tout le territoire, ou « strate »"),
    ("domaine", "« ensemble », ou la strate (central_city, small_commune, urban, rural)"),
    ("estimation", "part estimée (entre 0 et 1), pondérée ; vide si masquée"),
    ("erreur_type", "erreur-type de l'estimation, calage compris"),
    ("ic95_bas", "borne basse de l'intervalle de confiance à 95 %"),
    ("ic95_haut", "borne haute de l'intervalle de confiance à 95 %"),
    ("effectif", "nombre de répondant·es dans le domaine et la base"),
    (
        "masquee",
        "oui si la case est masquée par le secret statistique (moins de "
        f"{DEFAULT_THRESHOLD} répondant·es, ou déductible d'une autre case masquée)",
    ),
]


def open_data_rows(barometer: Barometer) -> list[dict[str, Any]]:
    """The team's open data of a wave not published yet: its key rows (overall
    and by stratum) as computed now, one dict per row, keys of
    OPEN_DATA_DICTIONARY (shares between 0 and 1, None when hidden)."""
    campaign = barometer.campaign
    indicators = {i.id: i for i in campaign.questionnaire.questionnaire().indicators}
    return [
        {
            "indicateur": r.indicator,
            "libelle": indicators[r.indicator].label,
            "base": indicators[r.indicator].base,
            "ventilation": r.by,
            "domaine": r.domain,
            "estimation": r.estimate,
            "erreur_type": r.se,
            "ic95_bas": r.ci_low,
            "ic95_haut": r.ci_high,
            "effectif": None if r.suppressed else r.n,
            "masquee": "oui" if r.suppressed else "non",
        }
        for r in barometer.analysis.rows
    ]
