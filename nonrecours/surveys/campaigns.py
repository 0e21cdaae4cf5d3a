"""What a campaign's name, identifier and dates must be, in one place for
the web form, the command line and surveys.actions.campaign_create."""

import datetime
import re

from nonrecours.textrules import text_problem

NAME_MAX_LENGTH = 200  # Campaign.name
SLUG_MAX_LENGTH = 100  # Campaign.slug
SLUG_PATTERN = re.compile(r"[-a-zA-Z0-9_]+")
EARLIEST_DAY = datetime.date(2000, 1, 1)
LATEST_DAY = datetime.date(2100, 12, 31)


def name_problem(name: str) -> str:
    """Why a campaign name cannot be used, in French, or "": one line of
    printable text, not empty, at most NAME_MAX_LENGTH characters."""
    if not name.strip():
        return "le nom est vide."
    problem = text_problem(name, max_length=NAME_MAX_LENGTH)
    return problem[:1].lower() + problem[1:] if problem else ""


def slug_problem(slug: str) -> str:
    """Why an identifier cannot be used, in French, or "": letters, digits,
    hyphens and underscores, at most SLUG_MAX_LENGTH characters."""
    if len(slug) > SLUG_MAX_LENGTH:
        return f"l'identifiant dépasse {SLUG_MAX_LENGTH} caractères."
    if not SLUG_PATTERN.fullmatch(slug):
        return (
            f"« {slug[:60]} » n'est pas un identifiant valide (lettres, chiffres, tirets et "
            "soulignés, sans espace ni accent)."
        )
    return ""


def day_problem(day: datetime.date) -> str:
    """Why a campaign day is implausible, in French, or ""."""
    if not EARLIEST_DAY <= day <= LATEST_DAY:
        return f"la date {day.isoformat()} n'est pas plausible (entre 2000 et 2100)."
    return ""
