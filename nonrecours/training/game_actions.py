"""Writes of the serious game: create a session (forum or solo), start and
play its rounds, save a team's steps, note what happened at a table, finish
with the anonymous aggregate kept for the yearly report.

Each write is all-or-nothing; a round is played once (the session row is
locked while it is played, and a round already played is refused).
"""

import datetime
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils import timezone

from nonrecours.errors import Problem, UserError
from nonrecours.territories.models import Territory
from nonrecours.training.enums import Barrier
from nonrecours.training.game_board import Action, Step, Way
from nonrecours.training.game_models import (
    GameRoundResult,
    GameSession,
    GameStep,
    GameTable,
    GameTeam,
    SessionStatus,
    TableNote,
)
from nonrecours.training.game_queries import (
    bus_stops,
    rights_data,
    session_board,
    session_report,
    session_rules,
    structure_contacts,
    team_persona,
    team_state,
)
from nonrecours.training.game_round import TeamTurn, play_teams
from nonrecours.training.game_rules import DEFAULT_RULES, RulesError, parse_rules
from nonrecours.training.models import PersonaVersion
from nonrecours.training.personas import session_month
from nonrecours.training.queries import stored_persona

MAX_TEAMS = 12
MAX_TABLES = 20
MAX_NOTE = 1000


class GameError(UserError, ValueError):
    """A game write refused; ``problems`` (French) name the field or step."""

    def __init__(self, problems: Sequence[Problem] | str):
        if isinstance(problems, str):
            problems = [Problem(problems)]
        super().__init__(" ; ".join(p.message for p in problems), problems=problems)


@dataclass(frozen=True)
class TableSpec:
    """A table to set up: a desk of the rules, optionally tied to a
    directory entry (its name, commune, contacts and hours then) or given a
    name and commune (none: the territory's most populous commune)."""

    kind: str
    structure: Any = None  # directory.models.Structure
    name: str = ""
    commune: str = ""


def monday(day: datetime.date) -> datetime.date:
    """The Monday of ``day``'s week."""
    return day - datetime.timedelta(days=day.weekday())


def game_session_create(
    *,
    territory: Territory,
    user: Any,
    title: str,
    teams: Sequence[tuple[str, PersonaVersion]],
    tables: Sequence[TableSpec],
    start_day: datetime.date,
    month: str | None = None,
    rounds: int | None = None,
    solo: bool = False,
    rules_text: str | None = None,
) -> GameSession:
    """A new session of the territory: ``teams`` (name, persona version of
    the territory; 1 to 12, exactly one in solo), ``tables`` (desks of the
    rules, 1 to 20; a roaming desk gets the bus's real stops of the
    session's weeks), played in the weeks from the Monday of ``start_day``,
    amounts at ``month`` (« AAAA-MM »; None: this month, within the known
    legislation), ``rounds`` (None: the rules' number). ``rules_text``: the
    rules (None: the project's rules/regles.yaml). Raises GameError (French,
    by field) or PersonaError (month) and stores nothing then."""
    month = session_month(month)
    text = rules_text if rules_text is not None else DEFAULT_RULES.read_text(encoding="utf-8")
    # The changes of situation of the personas played, checked in their
    # communes at the session's month (a round can then always be played).
    communes = {}
    for _, version in teams:
        persona = stored_persona(version)
        communes[persona.key] = persona.commune
    try:
        rules = parse_rules(text, "regles.yaml", month=month, communes=communes)
    except RulesError as error:
        raise GameError(error.problems) from None
    problems = []
    title = (title or "").strip()
    if not title:
        problems.append(Problem("Titre : obligatoire.", field="titre"))
    elif len(title) > 120:
        problems.append(Problem("Titre : 120 caractères au plus.", field="titre"))
    count = len(teams)
    if solo and count != 1:
        problems.append(Problem("En solo, un seul persona est joué.", field="equipes"))
    if not 1 <= count <= MAX_TEAMS:
        problems.append(Problem(f"Équipes : de 1 à {MAX_TEAMS}.", field="equipes"))
    for index, (name, version) in enumerate(teams, start=1):
        if not (name or "").strip() or len(name.strip()) > 60:
            problems.append(
                Problem(f"Équipe {index} : un nom de 1 à 60 caractères.", field="equipes")
            )
        if version.persona.territory_id != territory.pk:
            problems.append(
                Problem(f"Équipe {index} : persona d'un autre territoire.", field="equipes")
            )
    if not 1 <= len(tables) <= MAX_TABLES:
        problems.append(Problem(f"Tables : de 1 à {MAX_TABLES}.", field="tables"))
    for index, spec in enumerate(tables, start=1):
        if spec.kind not in rules.desks:
            problems.append(Problem(f"Table {index} : guichet inconnu des règles.", field="tables"))
        elif spec.structure is not None and spec.structure.territory_id != territory.pk:
            problems.append(
                Problem(f"Table {index} : fiche d'un autre territoire.", field="tables")
            )
    rounds = rules.rounds if rounds is None else rounds
    if isinstance(rounds, bool) or not isinstance(rounds, int) or not 1 <= rounds <= 12:
        problems.append(Problem("Nombre de tours : de 1 à 12.", field="tours"))
    if problems:
        raise GameError(problems)
    start = monday(start_day)
    with transaction.atomic():
        session = GameSession.objects.create(
            territory=territory,
            title=title,
            is_solo=solo,
            month=month,
            start_day=start,
            rounds=rounds,
            round_minutes=rules.round_minutes,
            rules_text=text,
            created_by=user if getattr(user, "is_authenticated", False) else None,
        )
        for position, spec in enumerate(tables, start=1):
            _table_create(session, position, spec, rules.desks[spec.kind])
        for position, (name, version) in enumerate(teams, start=1):
            GameTeam.objects.create(
                session=session,
                position=position,
                name=name.strip(),
                persona_version=version,
                token=_token(),
            )
    return session


def _table_create(session: GameSession, position: int, spec: TableSpec, desk: Any) -> GameTable:
    contacts = {"address": "", "phone": "", "hours": ""}
    name = spec.name.strip() or desk.name
    commune = spec.commune
    if spec.structure is not None:
        contacts.update(structure_contacts(spec.structure))
        name = spec.structure.name
        commune = spec.structure.insee_code or commune
    if not commune:
        commune = _central_commune(session.territory)
    stops = []
    if desk.roaming:
        stops = bus_stops(session.territory, session.start_day, session.rounds)
        commune = ""
    return GameTable.objects.create(
        session=session,
        key=f"t{position}",
        position=position,
        kind=desk.kind,
        name=name[:150],
        commune=commune,
        structure=spec.structure,
        address=contacts["address"][:300],
        phone=contacts["phone"][:40],
        hours=contacts["hours"],
        stops=stops,
        token=_token(),
    )


def _central_commune(territory: Territory) -> str:
    """The territory's most populous member commune (its centre: Arras for
    the CU d'Arras), where a table tied to no place is taken to be."""
    commune = territory.communes.members().order_by("-population", "insee_code").first()
    return commune.insee_code if commune else ""


def _token() -> str:
    return secrets.token_urlsafe(24)


def game_round_start(session: GameSession) -> GameSession:
    """Open the next round (the clock starts). Raises GameError when the
    session is finished, the current round is not played yet, or the last
    round was played."""
    with transaction.atomic():
        locked = GameSession.objects.select_for_update().get(pk=session.pk)
        if locked.status == SessionStatus.FINISHED:
            raise GameError("La séance est terminée.")
        if locked.current_round and not locked.round_closed:
            raise GameError(f"Le tour {locked.current_round} n'est pas encore joué.")
        if locked.current_round >= locked.rounds:
            raise GameError("Tous les tours ont été joués : terminer la séance.")
        locked.current_round += 1
        locked.round_closed = False
        locked.round_started_at = timezone.now()
        locked.status = SessionStatus.RUNNING
        locked.save(update_fields=["current_round", "round_closed", "round_started_at", "status"])
    return locked


def team_steps_save(team: GameTeam, steps: Sequence[dict[str, Any]]) -> list[GameStep]:
    """Replace the team's steps of the current round with ``steps`` (each a
    mapping with action, mode, table (key), droit, piece, frein, jour
    (0-5), moment, as the team's form sends them; empty actions skipped).
    Raises GameError (French, « Démarche 2 : … ») when the round is not
    open or a step is not one the rules allow; nothing saved then."""
    session = team.session
    rules = session_rules(session)
    tables = {table.key: table for table in session.tables.all()}
    checked: list[dict[str, Any]] = []
    problems: list[Problem] = []
    for index, data in enumerate(steps, start=1):
        if not (data.get("action") or "").strip():
            continue
        step, found = _step_fields(index, data, rules, tables)
        problems += found
        if step is not None:
            checked.append(step)
    if len(checked) > rules.steps:
        problems.append(Problem(f"Au plus {rules.steps} démarches par tour.", field="demarches"))
    with transaction.atomic():
        locked = GameSession.objects.select_for_update().get(pk=session.pk)
        if locked.status != SessionStatus.RUNNING or locked.round_closed:
            problems.insert(0, Problem("Le tour n'est pas ouvert : attendez l'animateur·rice."))
        if problems:
            raise GameError(problems)
        team.steps.filter(round=locked.current_round).delete()
        return [
            GameStep.objects.create(team=team, round=locked.current_round, position=i, **step)
            for i, step in enumerate(checked, start=1)
        ]


def _step_fields(
    index: int, data: dict[str, Any], rules: Any, tables: dict[str, GameTable]
) -> tuple[dict[str, Any] | None, list[Problem]]:
    where = f"Démarche {index}"
    problems = []

    def refuse(message: str, field: str) -> None:
        problems.append(Problem(f"{where} : {message}", field=field, row=index))

    action = data.get("action")
    if action not in Action.values:
        refuse("démarche inconnue.", "action")
        return None, problems
    way = data.get("mode") or Way.ON_SITE
    if way not in Way.values:
        refuse("mode inconnu (sur place, téléphone, en ligne).", "mode")
    table = tables.get(data.get("table") or "")
    if way != Way.ONLINE and table is None:
        refuse("choisir une table.", "table")
    right = (data.get("droit") or "").strip()
    document = (data.get("piece") or "").strip()
    barrier = (data.get("frein") or "").strip()
    if action == Action.CLAIM and right not in rules.rights:
        refuse("choisir un droit.", "droit")
    if action == Action.DOCUMENT and document not in rules.documents:
        refuse("choisir une pièce.", "piece")
    if action == Action.LIFT and barrier not in Barrier.values:
        refuse("choisir un frein.", "frein")
    weekday = str(data.get("jour") or "0")
    if not (weekday.isascii() and weekday.isdigit() and int(weekday) <= 5):
        refuse("jour du lundi au samedi.", "jour")
        weekday = "0"
    half_day = data.get("moment") or "matin"
    if half_day not in ("matin", "apres_midi"):
        refuse("matin ou après-midi.", "moment")
    if problems:
        return None, problems
    return {
        "action": action,
        "way": way,
        "table": None if way == Way.ONLINE else table,
        "right": right if action == Action.CLAIM else "",
        "document": document if action == Action.DOCUMENT else "",
        "barrier": barrier if action == Action.LIFT else "",
        "weekday": int(weekday),
        "half_day": half_day,
    }, []


def game_round_play(session: GameSession) -> GameSession:
    """Play the current round for every team: one vectorised simulation of
    all the personas at that round, each team's steps through the engine,
    results and states stored. The last round finishes the session.
    Raises GameError when no round is open or it was already played."""
    with transaction.atomic():
        locked = GameSession.objects.select_for_update().get(pk=session.pk)
        if locked.status != SessionStatus.RUNNING or locked.round_closed:
            raise GameError("Aucun tour ouvert à jouer.")
        number = locked.current_round
        board = session_board(locked)
        teams = list(locked.teams.select_related("persona_version").order_by("position"))
        turns = []
        for team in teams:
            steps = [_engine_step(row) for row in team.steps.filter(round=number)]
            state = team_state(team, board.rules)
            turns.append(TeamTurn(team_persona(team), state, steps))
        results = play_teams(board, turns, number, locked.month)
        for team, result in zip(teams, results, strict=True):
            GameRoundResult.objects.create(
                team=team,
                round=number,
                outcomes=[outcome.data() for outcome in result.outcomes],
                state=result.state.data(),
                rights=rights_data(result.rights),
            )
            team.state = result.state.data()
            team.save(update_fields=["state"])
        locked.round_closed = True
        locked.save(update_fields=["round_closed"])
        if number >= locked.rounds:
            _finish(locked)
    return locked


def _engine_step(row: GameStep) -> Step:
    return Step(
        action=Action(row.action),
        way=Way(row.way),
        table=row.table.key if row.table is not None else None,
        right=row.right or None,
        document=row.document or None,
        barrier=row.barrier or None,
        weekday=row.weekday,
        half_day=row.half_day,
    )


def game_session_finish(session: GameSession) -> GameSession:
    """Finish the session now (its anonymous aggregate kept). Raises
    GameError when it is already finished or a round is open."""
    with transaction.atomic():
        locked = GameSession.objects.select_for_update().get(pk=session.pk)
        if locked.status == SessionStatus.FINISHED:
            raise GameError("La séance est déjà terminée.")
        if locked.current_round and not locked.round_closed:
            raise GameError(f"Jouer d'abord le tour {locked.current_round}.")
        _finish(locked)
    return locked


def _finish(session: GameSession) -> None:
    session.status = SessionStatus.FINISHED
    session.finished_at = timezone.now()
    session.summary = session_report(session).summary()
    session.save(update_fields=["status", "finished_at", "summary"])


def solo_round_play(
    team: GameTeam, steps: Sequence[dict[str, Any]], expected_round: int | None = None
) -> GameSession:
    """Solo mode: open the next round if needed, save the player's steps and
    play the round at once, all or nothing (refused steps leave no round
    opened). ``expected_round``: the round the player's page showed; when
    another was played meanwhile (a form sent twice), GameError and nothing
    played. Raises GameError as team_steps_save and game_round_play do."""
    with transaction.atomic():
        session = GameSession.objects.select_for_update().get(pk=team.session_id)
        if not session.is_solo:
            raise GameError("Cette séance n'est pas en solo.")
        if session.status == SessionStatus.FINISHED:
            raise GameError("La partie est terminée.")
        opening = not session.current_round or session.round_closed
        number = session.current_round + 1 if opening else session.current_round
        if expected_round is not None and expected_round != number:
            raise GameError(
                f"La semaine {expected_round} est déjà jouée : voici ce qui s'est passé ; "
                f"choisissez les démarches de la semaine {number}."
            )
        if opening:
            session = game_round_start(session)
        team.session = session
        team_steps_save(team, steps)
        return game_round_play(session)


def table_note_add(table: GameTable, team: GameTeam, text: str) -> TableNote:
    """What the agent at ``table`` noted about ``team`` at the current
    round. Raises GameError for an empty or too long note, a team of
    another session, or before the first round."""
    text = (text or "").strip()
    if team.session_id != table.session_id:
        raise GameError("Équipe d'une autre séance.")
    if not text:
        raise GameError([Problem("Note : obligatoire.", field="note")])
    if len(text) > MAX_NOTE:
        raise GameError([Problem(f"Note : {MAX_NOTE} caractères au plus.", field="note")])
    session = GameSession.objects.get(pk=table.session_id)
    if not session.current_round:
        raise GameError("La séance n'a pas commencé.")
    return TableNote.objects.create(table=table, team=team, round=session.current_round, text=text)
