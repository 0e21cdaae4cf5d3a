"""The serious game's pages for the facilitator (docs/guide/jeu-serieux.md):
the sessions of a territory, a new session, the board shown on the
projector (clock, buttons, what each team chose and what happened, the
links and QR codes to give out), the debrief; and the solo mode's start,
open to any member of the territory.

The facilitator's pages are the team's and the trainers'
(training.access.access_training); the teams' and tables' pages, reached
by a secret link without an account, are in game_public.py."""

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from nonrecours.territories.models import Territory
from nonrecours.textrules import database_id
from nonrecours.training import game_actions, queries
from nonrecours.training.access import access_solo_game, access_training
from nonrecours.training.game_actions import GameError, TableSpec
from nonrecours.training.game_models import GameSession, GameStep, TableNote
from nonrecours.training.game_queries import (
    directory_structures,
    result_outcomes,
    session_report,
    session_rules,
)
from nonrecours.training.game_rules import DEFAULT_RULES, GameRules, parse_rules
from nonrecours.training.kit import PARTS as KIT_PARTS
from nonrecours.training.kit import Link, kit_pdf
from nonrecours.training.personas import PersonaError, session_month
from nonrecours.www.qr import qr_svg
from nonrecours.www.requests import AuthenticatedRequest
from nonrecours.www.territories.views import territory_or_404
from nonrecours.www.training.game_display import (
    board_version,
    commune_names,
    debrief_context,
    outcome_rows,
    round_state,
    step_text,
    table_cards,
)
from nonrecours.www.training.game_forms import (
    SessionForm,
    SoloForm,
    TableRowForm,
    TeamRowForm,
    next_monday,
)

SESSION_NOT_FOUND = "Séance inconnue."


def _territory(request: AuthenticatedRequest, siren: str) -> Territory:
    return access_training(request.user, territory_or_404(siren))


def _session(territory: Territory, pk: str) -> GameSession:
    """A forum session of the territory (a solo game is its player's)."""
    session = GameSession.objects.filter(
        territory=territory, pk=database_id(pk) or 0, is_solo=False
    ).first()
    if session is None:
        raise Http404(SESSION_NOT_FOUND)
    return session


def _default_rules(month: str) -> GameRules:
    return parse_rules(DEFAULT_RULES.read_text(encoding="utf-8"), "regles.yaml", month=month)


@never_cache
@login_required
def session_list(request: AuthenticatedRequest, siren: str) -> HttpResponse:
    """The territory's forum sessions, the latest first."""
    territory = _territory(request, siren)
    sessions = (
        GameSession.objects.filter(territory=territory, is_solo=False)
        .prefetch_related("teams")
        .order_by("-created_at")
    )
    solo = GameSession.objects.filter(territory=territory, is_solo=True).count()
    return render(
        request,
        "training/game_sessions.html",
        {"territory": territory, "sessions": sessions, "solo_count": solo},
    )


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def session_new(request: AuthenticatedRequest, siren: str) -> HttpResponse:
    """A new forum session (POST creates it, or shows every problem by its
    field; nothing is stored then)."""
    territory = _territory(request, siren)
    month = session_month()
    rules = _default_rules(month)
    versions = queries.current_persona_versions(territory)
    data = request.POST if request.method == "POST" else None
    form = SessionForm(
        data,
        initial={
            "debut": next_monday(timezone.localdate()),
            "tours": rules.rounds,
            "mois": month,
        },
    )
    teams = [
        TeamRowForm(data, prefix=f"equipe{i}", versions=versions)
        for i in range(1, game_actions.MAX_TEAMS + 1)
    ]
    tables = _table_forms(data, territory, rules)
    group_errors: dict[str, list[str]] = {"equipes": [], "tables": []}
    if data is not None:
        valid = [form.is_valid(), *(f.is_valid() for f in teams), *(f.is_valid() for f in tables)]
        if all(valid):
            session = _create(request, territory, form, teams, tables, group_errors)
            if session is not None:
                messages.success(request, f"Séance « {session.title} » créée.")
                return redirect("training_game_board", siren=territory.siren, pk=session.pk)
    errors = data is not None
    return render(
        request,
        "training/game_new.html",
        {
            "territory": territory,
            "form": form,
            "teams": teams,
            "tables": tables,
            "group_errors": group_errors,
            "errors": errors,
            "has_personas": bool(versions),
            "steps": rules.steps,
            "round_minutes": rules.round_minutes,
        },
        status=422 if errors else 200,
    )


def _table_forms(data: Any, territory: Territory, rules: GameRules) -> list[TableRowForm]:
    structures = [(str(s.pk), s.name) for s in directory_structures(territory)]
    communes = sorted(commune_names(territory).items(), key=lambda item: item[1])
    return [
        TableRowForm(
            data,
            prefix=f"table-{kind}",
            initial={"installer": True},
            kind=kind,
            desk_name=desk.name,
            roaming=desk.roaming,
            structures=structures,
            communes=communes,
        )
        for kind, desk in rules.desks.items()
    ]


def _create(
    request: AuthenticatedRequest,
    territory: Territory,
    form: SessionForm,
    teams: list[TeamRowForm],
    tables: list[TableRowForm],
    group_errors: dict[str, list[str]],
) -> GameSession | None:
    chosen = [team for i, row in enumerate(teams, 1) if (team := row.team(i)) is not None]
    structures = {str(s.pk): s for s in directory_structures(territory)}
    specs = [
        TableSpec(
            row.kind,
            structure=structures.get(row.cleaned_data.get("fiche") or ""),
            name=row.cleaned_data.get("nom") or "",
            commune=row.cleaned_data.get("commune") or "",
        )
        for row in tables
        if row.cleaned_data.get("installer")
    ]
    data = form.cleaned_data
    try:
        return game_actions.game_session_create(
            territory=territory, user=request.user, title=data["titre"], teams=chosen,
            tables=specs, start_day=data["debut"], month=data["mois"], rounds=data["tours"],
        )  # fmt: skip
    except (GameError, PersonaError) as error:
        for problem in error.problem_list():
            if problem.field in group_errors:
                group_errors[problem.field].append(problem.message)
            else:
                form.add_error(problem.field if problem.field in form.fields else None,
                               problem.message)  # fmt: skip
    return None


@never_cache
@login_required
def session_board(request: AuthenticatedRequest, siren: str, pk: str) -> HttpResponse:
    """The board: the clock, the buttons, each team's steps and outcomes of
    the round, the table notes, the links and QR codes to give out."""
    territory = _territory(request, siren)
    session = _session(territory, pk)
    return render(request, "training/game_board.html", _board_context(request, session))


def _board_context(request: HttpRequest, session: GameSession) -> dict[str, Any]:
    rules = session_rules(session)
    state = round_state(session)
    communes = commune_names(session.territory)
    cards = table_cards(session, rules, communes, state.number)
    names = {card.table.pk: card.table.name for card in cards}
    teams = list(session.teams.select_related("persona_version").order_by("position"))
    steps: dict[int, list[str]] = {team.pk: [] for team in teams}
    for step in GameStep.objects.filter(team__session=session, round=state.number):
        steps[step.team_id].append(step_text(step, rules, names))
    outcomes: dict[int, list[Any]] = {team.pk: [] for team in teams}
    for team in teams:
        result = team.results.filter(round=state.number).first()
        if result is not None:
            outcomes[team.pk] = outcome_rows(result_outcomes(result))
    notes = (
        TableNote.objects.filter(table__session=session, round=state.number)
        .select_related("table", "team")
        .order_by("created_at")
    )
    return {
        "territory": session.territory,
        "session": session,
        "state": state,
        "rows": [
            {"team": team, "steps": steps[team.pk], "outcomes": outcomes[team.pk]} for team in teams
        ],
        "notes": notes,
        "team_links": [
            _link(request, "training_game_team", team.token, team.name, "équipe") for team in teams
        ],  # fmt: skip
        "table_links": [
            _link(request, "training_game_table", card.table.token, card.table.name, "table")
            for card in cards
        ],
        "version": board_version(session),
        "state_url": reverse(
            "training_game_board_state", args=[session.territory.siren, session.pk]
        ),
    }


def _link(request: HttpRequest, name: str, token: str, label: str, kind: str) -> dict[str, str]:
    url = request.build_absolute_uri(reverse(name, args=[token]))
    return {
        "label": label,
        "url": url,
        "qr": qr_svg(url, title=f"QR code du lien de la {kind} {label}", scale=3),
    }


@never_cache
@login_required
def session_kit(request: AuthenticatedRequest, siren: str, pk: str) -> HttpResponse:
    """The printable kit (PDF): every part, or one (?partie=guide, personas,
    tables, tours); the teams' and tables' QR codes open their pages."""
    territory = _territory(request, siren)
    session = _session(territory, pk)
    part = request.GET.get("partie") or None
    if part is not None and part not in KIT_PARTS:
        raise Http404("Partie du kit inconnue.")

    def link(name: str, token: str, title: str) -> Link:
        url = request.build_absolute_uri(reverse(name, args=[token]))
        return Link(url, qr_svg(url, title=title, scale=4))

    team_links = {
        team.pk: link("training_game_team", team.token, f"Page de l'équipe {team.name}")
        for team in session.teams.all()
    }
    table_links = {
        table.pk: link("training_game_table", table.token, f"Page de la table {table.name}")
        for table in session.tables.all()
    }
    pdf = kit_pdf(session, part, team_links=team_links, table_links=table_links)
    response = HttpResponse(pdf, content_type="application/pdf")
    name = f"kit-jeu-{session.pk}{'-' + part if part else ''}.pdf"
    response["Content-Disposition"] = f'inline; filename="{name}"'
    return response


@never_cache
@login_required
def board_state(request: AuthenticatedRequest, siren: str, pk: str) -> JsonResponse:
    """What the board's script polls: a version that changes when the board does."""
    session = _session(_territory(request, siren), pk)
    return JsonResponse({"version": board_version(session)})


ACTIONS = {
    "commencer": game_actions.game_round_start,
    "jouer": game_actions.game_round_play,
    "terminer": game_actions.game_session_finish,
}
DONE = {
    "commencer": "Tour {n} commencé : les équipes choisissent leurs démarches.",
    "jouer": "Tour {n} joué : chaque équipe voit ce qui s'est passé.",
    "terminer": "Séance terminée : le débriefing est prêt.",
}


@never_cache
@login_required
@require_POST
def session_act(request: AuthenticatedRequest, siren: str, pk: str) -> HttpResponse:
    """« Commencer le tour », « Jouer le tour », « Terminer la séance »."""
    territory = _territory(request, siren)
    session = _session(territory, pk)
    what = request.POST.get("action", "")
    act = ACTIONS.get(what)
    if act is None:
        messages.error(request, "Action inconnue.")
    else:
        try:
            session = act(session)
        except GameError as error:
            messages.error(request, str(error))
        else:
            messages.success(request, DONE[what].format(n=session.current_round))
            if what == "terminer" or session.status == "terminee":
                return redirect("training_game_debrief", siren=territory.siren, pk=session.pk)
    return redirect("training_game_board", siren=territory.siren, pk=session.pk)


@never_cache
@login_required
def session_debrief(request: AuthenticatedRequest, siren: str, pk: str) -> HttpResponse:
    """The debrief of every team, printable."""
    session = _session(_territory(request, siren), pk)
    context = debrief_context(session_report(session))
    context |= {"territory": session.territory, "back": "board"}
    return render(request, "training/game_debrief.html", context)


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def solo_new(request: AuthenticatedRequest, siren: str) -> HttpResponse:
    """Solo mode: a member of the territory picks a persona and plays it
    alone on a board with every desk of the rules (its own session of one
    team); each round is played as soon as the steps are sent."""
    territory = access_solo_game(request.user, territory_or_404(siren))
    versions = queries.current_persona_versions(territory)
    form = SoloForm(request.POST if request.method == "POST" else None, versions=versions)
    if request.method == "POST" and form.is_valid():
        version = form.versions[form.cleaned_data["persona"]]
        month = session_month()
        rules = _default_rules(month)
        try:
            session = game_actions.game_session_create(
                territory=territory, user=request.user, title=f"En solo : {version.name}",
                teams=[(request.user.get_full_name() or "Joueur·se", version)],
                tables=[TableSpec(kind) for kind in rules.desks],
                start_day=next_monday(timezone.localdate()), month=month, solo=True,
            )  # fmt: skip
        except (GameError, PersonaError) as error:
            form.add_error(None, str(error))
        else:
            team = session.teams.get()
            return redirect("training_game_team", token=team.token)
    mine = (
        GameSession.objects.filter(territory=territory, is_solo=True, created_by=request.user)
        .prefetch_related("teams")
        .order_by("-created_at")[:10]
    )
    return render(
        request,
        "training/game_solo.html",
        {"territory": territory, "form": form, "mine": mine, "has_personas": bool(versions)},
        status=422 if form.errors else 200,
    )
