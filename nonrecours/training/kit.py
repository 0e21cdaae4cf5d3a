"""The printable kit of a game session (PDF, WeasyPrint): the facilitator's
guide, one card per team's persona, one card per table with the real
structure's contacts and hours (or the bus's stops during the session's
weeks), and the round sheets a team fills in by hand when phones fail.

The persona cards show what the persona already receives, with the
simulator's amounts at the session's month; the rights it goes without are
what the game reveals, and are left off. The kit holds the teams' and
tables' secret links (QR codes given by the page): it is for the
facilitator to hand out.
"""

import datetime
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.template.loader import render_to_string

from nonrecours.directory.hours import opening_hours_text, parse
from nonrecours.french import date_text, iso_date_text, weekday_date_text
from nonrecours.territories.models import Commune
from nonrecours.training.enums import Barrier
from nonrecours.training.game_board import HALF_DAYS, Action, Way, benefit_labels
from nonrecours.training.game_models import GameSession, GameTable
from nonrecours.training.game_queries import session_rules, team_persona
from nonrecours.training.game_rules import Desk, GameRules
from nonrecours.training.personas import persona_rights

STYLE_SHEET = Path(__file__).with_name("kit.css")
PARTS = {
    "guide": "Guide d'animation",
    "personas": "Fiches personas",
    "tables": "Fiches des tables",
    "tours": "Feuilles de tour",
}


@dataclass(frozen=True)
class Link:
    """A secret link of the session and its QR code (inline SVG)."""

    url: str
    qr_svg: str = ""


def desk_sentences(desk: Desk, rules: GameRules) -> list[str]:
    """What a desk does in the game, in French (« Ouvre : … », « Aide à
    déposer : … »…), from the rules."""
    labels = benefit_labels()

    def rights(ids: frozenset[str]) -> str:
        return ", ".join(sorted(labels.get(right, right) for right in ids))

    lines = []
    if desk.opens:
        lines.append(f"Ouvre : {rights(desk.opens)}.")
    if desk.files:
        lines.append(f"Aide à déposer : {rights(desk.files)}.")
    if desk.informs is None:
        lines.append("Fait le point sur tous les droits.")
    elif desk.informs:
        lines.append(f"Informe sur : {rights(desk.informs)}.")
    if desk.lifts:
        lifted = ", ".join(barrier.label.lower() for barrier in sorted(desk.lifts))
        lines.append(f"Aide à lever : {lifted}.")
    if desk.provides:
        documents = ", ".join(rules.documents[d] for d in sorted(desk.provides))
        lines.append(f"Délivre : {documents}.")
    if desk.appointment_weeks:
        weeks = desk.appointment_weeks
        lines.append(f"Reçoit sur rendez-vous (à {weeks} semaine{'s' if weeks > 1 else ''}).")
    if desk.phone:
        lines.append("Répond au téléphone.")
    if desk.online:
        lines.append("Ses droits se demandent aussi en ligne.")
    return lines


def hours_text(hours: str) -> str:
    """Hours for people (directory.hours.opening_hours_text); free text as
    given."""
    if not hours:
        return ""
    return opening_hours_text(hours) if parse(hours) is not None else hours


def kit_context(
    session: GameSession,
    *,
    team_links: Mapping[int, Link] | None = None,
    table_links: Mapping[int, Link] | None = None,
) -> dict[str, Any]:
    """What the kit's template shows (also the page's print preview):
    ``team_links`` / ``table_links``: team or table pk -> Link."""
    rules = session_rules(session)
    communes = dict(
        Commune.objects.filter(territory=session.territory).values_list("insee_code", "name")
    )
    teams = list(session.teams.select_related("persona_version").order_by("position"))
    personas = [team_persona(team) for team in teams]
    rights = persona_rights(personas, session.month) if personas else []
    cards = []
    for team, persona, persona_rights_now in zip(teams, personas, rights, strict=True):
        missing = rules.persona(persona.key).missing
        cards.append(
            {
                "team": team,
                "persona": persona,
                "commune": communes.get(persona.commune, persona.commune),
                "received": persona_rights_now.received,
                "missing": [rules.documents[d] for d in missing],
                "barriers": [Barrier(b).label for b in persona.barriers],
                "link": (team_links or {}).get(team.pk),
            }
        )
    tables = [
        _table(table, rules, communes, (table_links or {}).get(table.pk))
        for table in session.tables.order_by("position")
    ]
    weeks = [
        (number, session.start_day + datetime.timedelta(days=7 * (number - 1)))
        for number in range(1, session.rounds + 1)
    ]
    return {
        "session": session,
        "rules": rules,
        "month_text": iso_date_text(session.month),
        "start_text": date_text(session.start_day),
        "cards": cards,
        "tables": tables,
        "weeks": [(n, date_text(day)) for n, day in weeks],
        "step_rows": range(1, rules.steps + 1),
        "actions": [label for _, label in Action.choices],
        "ways": [label for _, label in Way.choices],
        "documents": list(rules.documents.values()),
        "total_minutes": session.rounds * session.round_minutes,
    }


def _table(
    table: GameTable, rules: GameRules, communes: Mapping[str, str], link: Link | None
) -> dict[str, Any]:
    desk = rules.desks.get(table.kind)
    stops = []
    for day, half_day, commune in table.stops:
        when = weekday_date_text(datetime.date.fromisoformat(day), with_year=False)
        stops.append(
            f"{when} ({HALF_DAYS.get(half_day, half_day)}) : {communes.get(commune, commune)}"
        )
    own_hours = bool(table.hours)
    return {
        "table": table,
        "desk_name": desk.name if desk else table.kind,
        "does": desk_sentences(desk, rules) if desk else [],
        "commune": communes.get(table.commune, table.commune),
        "hours": hours_text(table.hours or (desk.hours if desk else "")),
        "usual_hours": not own_hours,
        "stops": stops,
        "roaming": bool(desk and desk.roaming),
        "link": link,
    }


def kit_pdf(
    session: GameSession,
    part: str | None = None,
    *,
    team_links: Mapping[int, Link] | None = None,
    table_links: Mapping[int, Link] | None = None,
) -> bytes:
    """The kit as a PDF: every part, or one of PARTS (« guide »,
    « personas », « tables », « tours »). Raises ValueError for another
    part (the page offers only these)."""
    if part is not None and part not in PARTS:
        raise ValueError(f"partie du kit inconnue : {part}")
    from weasyprint import HTML  # imported here: it loads Pango, needed only for the PDF

    context = kit_context(session, team_links=team_links, table_links=table_links)
    context["parts"] = [part] if part else list(PARTS)
    context["style"] = STYLE_SHEET.read_text(encoding="utf-8")
    html = render_to_string("training/kit.html", context)
    pdf: bytes = HTML(string=html, url_fetcher=_no_fetch).write_pdf()
    return pdf


def _no_fetch(url: str, *args: Any, **kwargs: Any) -> dict[str, Any]:
    raise ValueError(f"Le kit est autonome : aucune ressource externe ({url}).")
