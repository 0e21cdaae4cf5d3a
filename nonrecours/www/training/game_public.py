"""The serious game's pages reached by a secret link, without an account
(docs/guide/jeu-serieux.md): a team's page on its phones (the persona, the
round's steps, what happened, the debrief at the end; in solo, each send
plays the round) and the page of the agent staffing a table (its card, the
steps teams chose there, what happened there, a note per team).

An unknown link is the « page introuvable »; links tried in vain are
counted per address, and so are the forms sent (www.ratelimit)."""

from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from nonrecours.training import game_actions
from nonrecours.training.game_actions import GameError
from nonrecours.training.game_board import benefit_labels
from nonrecours.training.game_models import GameStep, GameTable, GameTeam, TableNote
from nonrecours.training.game_queries import result_outcomes, session_report, session_rules
from nonrecours.training.personas import PersonaError
from nonrecours.www.ratelimit import Limit, too_many
from nonrecours.www.training.game_display import (
    board_version,
    commune_names,
    debrief_context,
    outcome_rows,
    persona_card,
    round_state,
    round_version,
    rounds_played,
    step_text,
    table_cards,
    week_start,
)
from nonrecours.www.training.game_forms import NoteForm, StepForm, add_problems

# Links are 32 random characters: a few misses are typing; many are a search.
TOKEN_MISSES_PER_HOUR = Limit("game-token-miss", 30, 3600)
# A forum room shares one connection: a dozen teams and tables sending often.
SENDS_PER_HOUR = Limit("game-sends", 900, 3600)
TOO_MANY = "Trop d'envois ou de liens inconnus depuis cette connexion ; réessayez plus tard."
TOKEN_LENGTH = 64
TEAM_NOT_FOUND = "Lien d'équipe inconnu."
TABLE_NOT_FOUND = "Lien de table inconnu."


def _missed(request: HttpRequest, message: str) -> HttpResponse:
    """A link that leads nowhere: counted, then « page introuvable »."""
    refused = too_many(request, TOKEN_MISSES_PER_HOUR, TOO_MANY)
    if refused is not None:
        return refused
    raise Http404(message)


def _team(token: str) -> GameTeam | None:
    if len(token) > TOKEN_LENGTH:
        return None
    return (
        GameTeam.objects.select_related("session__territory", "persona_version")
        .filter(token=token)
        .first()
    )


def _table(token: str) -> GameTable | None:
    if len(token) > TOKEN_LENGTH:
        return None
    return GameTable.objects.select_related("session__territory").filter(token=token).first()


@never_cache
@require_http_methods(["GET", "POST"])
def team_page(request: HttpRequest, token: str) -> HttpResponse:
    """A team's page: its persona, the round's steps (a form while the round
    is open; in solo, until the end), what happened round by round."""
    team = _team(token)
    if team is None:
        return _missed(request, TEAM_NOT_FOUND)
    session = team.session
    rules = session_rules(session)
    state = round_state(session)
    playable = (session.is_solo and not state.finished) or state.open
    week = week_start(session, state.number if state.open else state.number + 1)
    communes = commune_names(session.territory)
    cards = table_cards(session, rules, communes, state.number if state.open else state.number + 1)
    data = request.POST if request.method == "POST" else None
    steps = _step_forms(data, team, rules, cards, week, state.number if state.open else 0)
    problems: list[str] = []
    if data is not None:
        refused = too_many(request, SENDS_PER_HOUR, TOO_MANY)
        if refused is not None:
            return refused
        done = _play(request, team, steps, problems)
        if done is not None:
            return done
    context = {
        "session": session,
        "team": team,
        "state": state,
        "playable": playable,
        "card": persona_card(team, rules, communes),
        "tables": cards,
        "steps": steps,
        "problems": problems,
        "errors": data is not None,
        "rounds": rounds_played(team),
        "half_days": rules.half_days,
        "version": round_version(session),
        "state_url": reverse("training_game_team_state", args=[team.token]),
    }
    return render(request, "training/game_team.html", context, status=422 if data else 200)


def _step_forms(
    data: Any, team: GameTeam, rules: Any, cards: list[Any], week: Any, number: int
) -> list[StepForm]:
    saved = {
        step.position: step
        for step in GameStep.objects.filter(team=team, round=number).select_related("table")
        if number
    }
    tables = [(card.table.key, card.option) for card in cards]
    labels = benefit_labels()
    forms = []
    for index in range(1, rules.steps + 1):
        step = saved.get(index)
        initial = {"mode": "sur_place", "jour": "0", "moment": "matin"}
        if step is not None:
            initial = {
                "action": step.action, "mode": step.way,
                "table": step.table.key if step.table else "", "droit": step.right,
                "piece": step.document, "frein": step.barrier, "jour": str(step.weekday),
                "moment": step.half_day,
            }  # fmt: skip
        forms.append(
            StepForm(
                data,
                prefix=f"d{index}",
                initial=initial,
                rules=rules,
                tables=tables,
                rights=labels,
                week=week,
            )  # fmt: skip
        )
    return forms


def _play(
    request: HttpRequest, team: GameTeam, steps: list[StepForm], problems: list[str]
) -> HttpResponse | None:
    """Save (forum) or play (solo) the steps sent; None when refused, the
    problems then on their fields or in ``problems``."""
    if not all([form.is_valid() for form in steps]):
        return None
    try:
        if team.session.is_solo:
            expected = request.POST.get("semaine", "")
            session = game_actions.solo_round_play(
                team,
                [form.step() for form in steps],
                int(expected) if expected.isascii() and expected.isdigit() else None,
            )
        else:
            game_actions.team_steps_save(team, [form.step() for form in steps])
    except (GameError, PersonaError) as error:
        for problem in error.problem_list():
            row = problem.row
            if (
                row is not None
                and 1 <= row <= len(steps)
                and problem.field in steps[row - 1].fields
            ):
                steps[row - 1].add_error(problem.field, problem.message)
            else:
                problems.append(problem.message)
        return None
    if team.session.is_solo:
        messages.success(
            request, f"Semaine {session.current_round} jouée : voici ce qui s'est passé."
        )
        return redirect(reverse("training_game_team", args=[team.token]) + "#tours")
    messages.success(request, "Démarches enregistrées : elles seront jouées avec le tour.")
    return redirect(reverse("training_game_team", args=[team.token]) + "#demarches")


@never_cache
@require_GET
def team_state(request: HttpRequest, token: str) -> HttpResponse:
    """What a team's page polls: changes when a round opens or is played."""
    team = _team(token)
    if team is None:
        return _missed(request, TEAM_NOT_FOUND)
    return JsonResponse({"version": round_version(team.session)})


@never_cache
@require_GET
def team_debrief(request: HttpRequest, token: str) -> HttpResponse:
    """The session's debrief, once it is finished, from a team's page."""
    team = _team(token)
    if team is None:
        return _missed(request, TEAM_NOT_FOUND)
    if not round_state(team.session).finished:
        messages.info(request, "Le débriefing s'ouvre à la fin de la séance.")
        return redirect("training_game_team", token=team.token)
    context = debrief_context(session_report(team.session))
    context |= {"territory": team.session.territory, "back": "team", "team": team}
    return render(request, "training/game_debrief.html", context)


@never_cache
@require_http_methods(["GET", "POST"])
def table_page(request: HttpRequest, token: str) -> HttpResponse:
    """The page of the agent staffing a table: its card, the steps the teams
    chose there this round, what happened there, and a note per team."""
    table = _table(token)
    if table is None:
        return _missed(request, TABLE_NOT_FOUND)
    session = table.session
    rules = session_rules(session)
    state = round_state(session)
    teams = list(session.teams.order_by("position"))
    form = NoteForm(
        request.POST if request.method == "POST" else None,
        teams=[(str(team.pk), team.name) for team in teams],
    )
    if request.method == "POST":
        refused = too_many(request, SENDS_PER_HOUR, TOO_MANY)
        if refused is not None:
            return refused
        if form.is_valid():
            team = next(t for t in teams if str(t.pk) == form.cleaned_data["equipe"])
            try:
                game_actions.table_note_add(table, team, form.cleaned_data["note"])
            except GameError as error:
                add_problems(error, form)
            else:
                messages.success(request, f"Note sur « {team.name} » enregistrée.")
                return redirect("training_game_table", token=table.token)
    communes = commune_names(session.territory)
    cards = table_cards(session, rules, communes, max(state.number, 1))
    card = next(c for c in cards if c.table.pk == table.pk)
    names = {c.table.pk: c.table.name for c in cards}
    return render(
        request,
        "training/game_table.html",
        {
            "session": session,
            "table": table,
            "card": card,
            "state": state,
            "form": form,
            "steps": [
                (step.team.name, step_text(step, rules, names))
                for step in GameStep.objects.filter(table=table, round=state.number)
                .select_related("team")
                .order_by("team__position", "position")
            ],  # fmt: skip
            "outcomes": _outcomes_at(table, state.number),
            "notes": TableNote.objects.filter(table=table)
            .select_related("team")
            .order_by("-round", "-created_at"),  # fmt: skip
            "version": board_version(session),
            "state_url": reverse("training_game_table_state", args=[table.token]),
        },
        status=422 if form.errors else 200,
    )


def _outcomes_at(table: GameTable, number: int) -> list[tuple[str, list[Any]]]:
    """What happened at the table at round ``number``, team by team."""
    found = []
    for team in table.session.teams.order_by("position"):
        result = team.results.filter(round=number).first()
        if result is None:
            continue
        here = [o for o in result_outcomes(result) if o.table == table.key]
        if here:
            found.append((team.name, outcome_rows(here)))
    return found


@never_cache
@require_GET
def table_state(request: HttpRequest, token: str) -> HttpResponse:
    """What a table's page polls: changes with the board."""
    table = _table(token)
    if table is None:
        return _missed(request, TABLE_NOT_FOUND)
    return JsonResponse({"version": board_version(table.session)})
