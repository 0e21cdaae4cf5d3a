"""Command-line options shared by the analysis commands."""

from argparse import ArgumentParser, ArgumentTypeError
from collections.abc import Callable
from typing import Any

from django.core.management.base import CommandError

from nonrecours import french
from nonrecours.analysis.disclosure import DEFAULT_THRESHOLD, threshold_problem
from nonrecours.french import parse_number
from nonrecours.surveys import queries
from nonrecours.surveys.models import Campaign


def _bounds(text: str) -> tuple[float, float]:
    try:
        low, high = (parse_number(part) for part in text.split(":"))
    except ValueError:
        raise ArgumentTypeError(
            f"« {text} » : attendu BASSE:HAUTE, par exemple 0.3:3 (rapports de poids)"
        ) from None
    return low, high


def _positive(text: str) -> float:
    try:
        return parse_number(text)
    except ValueError:
        raise ArgumentTypeError(f"« {text} » n'est pas un nombre") from None


def whole_number(low: int, high: int, unit: str) -> Callable[[str], int]:
    """An argparse type: a whole number from `low` to `high`, else a French
    message naming the value and the bounds (« « 0 » : entre 1 et 512
    processus »)."""

    def read(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise ArgumentTypeError(f"« {text} » n'est pas un nombre entier") from None
        if not low <= value <= high:
            raise ArgumentTypeError(
                f"« {text} » : entre {french.number(low)} et {french.number(high)} {unit}"
            )
        return value

    return read


def _threshold(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise ArgumentTypeError(f"« {text} » n'est pas un nombre entier") from None
    if threshold_problem(value):
        raise ArgumentTypeError(threshold_problem(value))
    return value


def add_weighting_options(parser: ArgumentParser) -> None:
    parser.add_argument(
        "--bornes",
        dest="bounds",
        type=_bounds,
        metavar="BASSE:HAUTE",
        help="borner le rapport poids calé / poids initial (ramené à la population), "
        "ex. 0.3:3 ; erreur si les marges ne peuvent pas être atteintes",
    )
    parser.add_argument(
        "--plafond",
        dest="cap",
        type=_positive,
        metavar="FOIS",
        help="écrêter : aucun poids au-delà de FOIS le poids moyen (ex. 5), "
        "l'excédent reporté sur les autres par le calage",
    )
    parser.add_argument(
        "--threshold",
        type=_threshold,
        default=DEFAULT_THRESHOLD,
        help="secret statistique : effectif minimal d'une case publiée "
        f"(défaut : {DEFAULT_THRESHOLD})",
    )


def weighting_options(options: dict[str, Any]) -> dict[str, Any]:
    return {"bounds": options["bounds"], "cap": options["cap"], "threshold": options["threshold"]}


def campaign_with_answers(slug: str) -> Campaign:
    """The campaign, or a French CommandError when it is unknown or empty."""
    try:
        campaign = queries.campaign_by_slug(slug)
    except Campaign.DoesNotExist:
        raise CommandError(f"Aucune campagne « {slug} ».") from None
    if not campaign.responses.exists():
        raise CommandError(f"La campagne « {campaign.slug} » n'a encore aucune réponse.")
    return campaign
