"""The demonstration of the serious game: a forum session of three teams,
already played to its end (its debrief and anonymous aggregate to look at),
on the territory's stored personas. Synthetic, said so in its title."""

import datetime

from django.db import transaction

from nonrecours.territories.models import Territory
from nonrecours.training.game_actions import (
    TableSpec,
    game_round_play,
    game_round_start,
    game_session_create,
    team_steps_save,
)
from nonrecours.training.game_models import GameSession
from nonrecours.training.queries import current_persona_versions

DEMO_TITLE = "Forum des partenaires (démonstration)"
TEAMS = ("ines-24-ans", "david-47-ans", "gerard-68-ans")
TABLES = ("caf", "cpam", "carsat", "ccas", "france_services", "association", "bus")
# What each team does, round by round (the tables' keys are t1…t7 in the
# order of TABLES): Inès goes to France Services on Saturday, David to the
# CCAS (his CSS), then France Services for the tax notice his chèque
# énergie needs, Gérard to the Carsat without an appointment.
STEPS = {
    1: {
        "ines-24-ans": [
            {"action": "s_informer", "table": "t5", "jour": "5"},
            {"action": "demander", "mode": "en_ligne", "droit": "prime_activite"},
        ],
        "david-47-ans": [
            {"action": "s_informer", "table": "t4", "jour": "0"},
            {"action": "demander", "table": "t4", "droit": "css", "jour": "0"},
        ],
        "gerard-68-ans": [{"action": "demander", "table": "t3", "droit": "aspa", "jour": "1"}],
    },
    2: {
        "ines-24-ans": [{"action": "demander", "table": "t5", "droit": "css", "jour": "5"}],
        "david-47-ans": [
            {"action": "obtenir_piece", "table": "t5", "piece": "avis_imposition", "jour": "1"}
        ],
        "gerard-68-ans": [
            {"action": "lever_frein", "table": "t4", "mode": "telephone", "frein": "no_car"},
            {"action": "obtenir_piece", "table": "t5", "piece": "releve_pension", "jour": "3"},
        ],
    },
    3: {
        "david-47-ans": [
            {"action": "demander", "table": "t4", "droit": "cheque_energie", "jour": "3"}
        ],
        "gerard-68-ans": [{"action": "demander", "table": "t3", "droit": "aspa", "jour": "1"}],
    },
}


def game_demo_create(*, territory: Territory, today: datetime.date) -> GameSession | None:
    """The demonstration session of ``territory`` played to its end, the
    week before ``today``'s… four weeks back (the bus's real stops of those
    weeks). None when it exists already or the territory lacks one of the
    personas it plays."""
    if GameSession.objects.filter(territory=territory, title=DEMO_TITLE).exists():
        return None
    versions = {v.persona.key: v for v in current_persona_versions(territory)}
    if not all(key in versions for key in TEAMS):
        return None
    with transaction.atomic():
        session = game_session_create(
            territory=territory,
            user=None,
            title=DEMO_TITLE,
            teams=[(f"Équipe {i}", versions[key]) for i, key in enumerate(TEAMS, start=1)],
            tables=[TableSpec(kind) for kind in TABLES],
            start_day=today - datetime.timedelta(days=28),
        )
        teams = {team.persona_version.persona.key: team for team in session.teams.all()}
        for number in range(1, session.rounds + 1):
            session = game_round_start(session)
            for key, steps in STEPS.get(number, {}).items():
                team_steps_save(teams[key], steps)
            session = game_round_play(session)
    return session
