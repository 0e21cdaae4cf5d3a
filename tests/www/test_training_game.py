"""The serious game's pages (www/training/game*.py), without JavaScript:
who may run a session (and who may play alone), the secret links of the
teams and tables (an unknown one is « page introuvable »), a whole forum
session through its forms, every refusal in French by its field with
nothing saved, the solo mode, the menu and the trainers' landing."""

import datetime
import html
import re

import pytest
import time_machine
from django.core.cache import cache
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from nonrecours.accounts.enums import Role
from nonrecours.territories import actions as territory_actions
from nonrecours.training.actions import personas_import
from nonrecours.training.game_models import GameSession, GameStep, SessionStatus, TableNote
from nonrecours.training.personas import ARRAS_PERSONAS
from nonrecours.training.queries import current_persona_versions
from nonrecours.www.training.game_public import TOKEN_MISSES_PER_HOUR
from tests.conftest import ARRAS_SIREN, LENS_SIREN

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("november")]

NOW = datetime.datetime(2026, 11, 15, 10, 0, tzinfo=datetime.UTC)  # a Sunday


@pytest.fixture
def november():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture(autouse=True)
def _empty_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def personas(arras):
    personas_import(arras, ARRAS_PERSONAS)
    return {version.persona.key: version for version in current_persona_versions(arras)}


@pytest.fixture
def lead(client, arras, make_member):
    user = make_member(arras, Role.PROJECT_LEAD)
    client.force_login(user)
    return user


def url(name: str, *args: object) -> str:
    return reverse(name, args=[ARRAS_SIREN, *args])


def new_session_data(personas, teams=("ines-24-ans", "david-47-ans", "kevin-21-ans"), **extra):
    data = {
        "titre": "Forum des partenaires",
        "debut": "2026-11-18",
        "tours": "2",
        "mois": "2026-11",
    }
    for index, key in enumerate(teams, start=1):
        data[f"equipe{index}-nom"] = f"Les {index}"
        data[f"equipe{index}-persona"] = str(personas[key].pk)
    for kind in ("caf", "france_services", "ccas", "bus"):
        data[f"table-{kind}-installer"] = "on"
    data["table-ccas-commune"] = "62263"
    return data | extra


def create(client, personas, **extra) -> GameSession:
    response = client.post(url("training_game_new"), new_session_data(personas, **extra))
    assert response.status_code == 302, read(response)[:3000]
    return GameSession.objects.get()


def errors_of(page: str) -> list[str]:
    page = html.unescape(page)
    """The messages of the error summary, as read."""
    summary = page[page.index('class="error-summary"') :]
    summary = summary[: summary.index("</div>")]
    return [re.sub(r"<[^>]+>", "", item).strip() for item in re.findall(r"<li>(.*?)</li>", summary)]


def read(response) -> str:
    """The page's HTML with its entities read (« n'est » for « n'est »)."""
    return html.unescape(response.content.decode())


def act(client, session, action):
    response = client.post(url("training_game_act", session.pk), {"action": action})
    assert response.status_code == 302
    return client.get(response.url)


def step(index, **values):
    base = {"action": "", "mode": "sur_place", "table": "", "droit": "", "piece": "",
            "frein": "", "jour": "0", "moment": "matin"}  # fmt: skip
    return {f"d{index}-{key}": value for key, value in (base | values).items()}


def test_who_may_run_the_game(client, arras, personas, make_member):
    session = create_as(client, make_member(arras, Role.TRAINER), personas)
    client.logout()
    pages = [
        url("training_game_sessions"),
        url("training_game_new"),
        url("training_game_board", session.pk),
        url("training_game_board_state", session.pk),
        url("training_game_debrief", session.pk),
    ]
    for page in pages + [url("training_game_solo")]:
        assert client.get(page).status_code == 302, page  # to the login page
    lens = territory_actions.territory_import(siren=LENS_SIREN).territory
    for refused in (
        make_member(arras, Role.PARTNER),
        make_member(arras, Role.FIELD_AGENT),
        make_member(lens, Role.PROJECT_LEAD),
        make_member(lens, Role.TRAINER),
    ):
        client.force_login(refused)
        for page in pages:
            assert client.get(page).status_code == 403, (refused, page)
        assert (
            client.post(url("training_game_act", session.pk), {"action": "commencer"}).status_code
            == 403
        )
        assert client.post(url("training_game_new"), new_session_data(personas)).status_code == 403
    assert GameSession.objects.count() == 1
    session.refresh_from_db()
    assert session.current_round == 0
    for allowed in (Role.TRAINER, Role.PROJECT_LEAD, Role.ADMIN):
        client.force_login(make_member(arras, allowed))
        for page in pages:
            assert client.get(page).status_code == 200, (allowed, page)
    # Solo: any member of the territory, none of another one.
    for role in (Role.PARTNER, Role.FIELD_AGENT, Role.TRAINER):
        client.force_login(make_member(arras, role))
        assert client.get(url("training_game_solo")).status_code == 200, role
    for refused in (make_member(lens, Role.PARTNER), make_member(arras, None)):
        client.force_login(refused)
        assert client.get(url("training_game_solo")).status_code == 403
    # A session of another territory, or no session: not found.
    client.force_login(make_member(lens, Role.PROJECT_LEAD))
    for pk in (session.pk, 999, "abc", "²", "9" * 30):
        page = reverse("training_game_board", args=[LENS_SIREN, pk])
        assert client.get(page).status_code == 404, pk
    assert client.get(reverse("training_game_sessions", args=["999999999"])).status_code == 404


def create_as(client, user, personas) -> GameSession:
    client.force_login(user)
    return create(client, personas)


def test_unknown_links_are_not_found_pages(client, arras, personas, lead):
    session = create(client, personas)
    client.logout()
    for name in ("training_game_team", "training_game_team_state", "training_game_team_debrief",
                 "training_game_table", "training_game_table_state"):  # fmt: skip
        for token in ("inconnu", "x" * 65, session.teams.first().token[:-1]):
            response = client.get(reverse(name, args=[token]))
            assert response.status_code == 404, (name, token)
            assert "Page introuvable" in read(response) or name.endswith("_state")
    assert client.post(reverse("training_game_team", args=["inconnu"]), {}).status_code == 404
    # A search for links is stopped (429) for this address, not the others.
    for _ in range(TOKEN_MISSES_PER_HOUR.count):
        client.get(reverse("training_game_table", args=["inconnu"]))
    refused = client.get(reverse("training_game_team", args=["encore"]))
    assert refused.status_code == 429 and "Retry-After" in refused
    team = session.teams.first()
    assert client.get(reverse("training_game_team", args=[team.token])).status_code == 200


def test_a_whole_forum_session_through_its_forms(client, arras, personas, lead):
    listing = client.get(url("training_game_sessions"))
    assert "Nouvelle séance" in read(listing) and "Jouer seul·e" in read(listing)
    form = read(client.get(url("training_game_new")))
    assert 'value="2026-11-16"' in form  # next Monday
    assert 'name="equipe12-persona"' in form and 'name="equipe13-persona"' not in form
    session = create(client, personas)
    assert session.start_day == datetime.date(2026, 11, 16) and session.rounds == 2
    assert [t.name for t in session.teams.order_by("position")] == ["Les 1", "Les 2", "Les 3"]
    # The rules' order of the desks.
    assert [t.kind for t in session.tables.order_by("position")] == [
        "caf", "ccas", "france_services", "bus"]  # fmt: skip
    assert session.tables.get(kind="ccas").commune == "62263"
    board = read(client.get(url("training_game_board", session.pk)))
    assert "Commencer le tour 1" in board and "Jouer le tour" not in board
    teams = list(session.teams.order_by("position"))
    tables = {t.kind: t for t in session.tables.all()}
    assert all(reverse("training_game_team", args=[t.token]) in board for t in teams)
    assert board.count("<svg") >= 7  # a QR code per team and table
    client.logout()  # the teams and tables have no account
    team_url = reverse("training_game_team", args=[teams[0].token])
    waiting = read(client.get(team_url))
    assert "Inès, 24 ans" in waiting and "Le formulaire s'ouvre quand" in waiting
    refused = client.post(team_url, step(1, action="s_informer", table="t2"))
    assert refused.status_code == 422
    assert "Le tour n'est pas ouvert : attendez l'animateur·rice." in read(refused)

    for number in (1, 2):
        client.force_login(lead)
        page = act(client, session, "commencer")
        assert f"Tour {number} commencé" in read(page) and f"Jouer le tour {number}" in read(page)
        assert "fin du tour à" in read(page)
        client.logout()
        form = read(client.get(team_url))
        assert 'name="d4-action"' in form and 'name="d5-action"' not in form
        assert "samedi 21</option>" in form or number == 2
        sent = client.post(
            team_url,
            step(1, action="s_informer", table=tables["france_services"].key, jour="5")
            | step(2, action="demander", mode="en_ligne", droit="prime_activite"),
        )
        assert sent.status_code == 302 and sent.url.endswith("#demarches")
        assert "Démarches enregistrées" in read(client.get(sent.url))
        saved = read(client.get(team_url))
        assert 'value="s_informer" selected' in saved
        table_url = reverse("training_game_table", args=[tables["france_services"].token])
        at_table = read(client.get(table_url))
        assert "Les 1" in at_table and "S'informer sur ses droits" in at_table
        noted = client.post(table_url, {"equipe": str(teams[0].pk), "note": "Venue avec son RIB."})
        assert noted.status_code == 302
        client.force_login(lead)
        board = read(client.get(url("training_game_board", session.pk)))
        assert "S'informer sur ses droits" in board and "Venue avec son RIB." in board
        played = act(client, session, "jouer")
        client.logout()
        outcomes = read(client.get(team_url))
        assert f"Tour {number}</h3>" in outcomes
        assert "Information" in outcomes  # the outcome's kind label
        if number == 1:
            assert "Jouer le tour" not in read(played) and "Commencer le tour 2" in read(played)
    session.refresh_from_db()
    assert session.status == SessionStatus.FINISHED
    assert TableNote.objects.count() == 2
    client.force_login(lead)
    debrief = read(client.get(url("training_game_debrief", session.pk)))
    assert "Les 1 : Inès, 24 ans" in debrief and "obtenu" in debrief
    assert "Les lieux que personne n'a découverts" in debrief
    assert "CAF" in debrief[debrief.index("personne n'a découverts") :]
    assert "Ce qui est gardé pour le bilan annuel" in debrief and "Les 1" not in debrief[
        debrief.index("bilan annuel") :]  # fmt: skip
    client.logout()
    shared = client.get(reverse("training_game_team_debrief", args=[teams[1].token]))
    assert shared.status_code == 200 and "Débriefing" in read(shared)
    assert "Voir le débriefing" in read(client.get(team_url))


def test_state_versions_change_with_the_board(client, arras, personas, lead):
    session = create(client, personas)
    state_url = url("training_game_board_state", session.pk)
    first = client.get(state_url).json()["version"]
    act(client, session, "commencer")
    second = client.get(state_url).json()["version"]
    team = session.teams.first()
    team_state = reverse("training_game_team_state", args=[team.token])
    before = client.get(team_state).json()["version"]
    client.post(
        reverse("training_game_team", args=[team.token]), step(1, action="s_informer", table="t1")
    )
    assert len({first, second, client.get(state_url).json()["version"]}) == 3
    assert client.get(team_state).json()["version"] == before  # saving steps: not a new round
    act(client, session, "jouer")
    assert client.get(team_state).json()["version"] != before


def test_new_session_refusals_in_french_and_nothing_saved(client, arras, personas, lead):
    response = client.post(url("training_game_new"), {"mois": "2026-11"})
    assert response.status_code == 422
    messages = errors_of(read(response))
    assert "Titre : Ce champ est obligatoire." in messages
    assert "Semaine jouée (le lundi du premier tour) : Ce champ est obligatoire." in messages
    assert 'aria-describedby="id_titre_error"' in read(response)
    data = new_session_data(personas, tours="13", **{"equipe4-nom": "Sans persona"})
    response = client.post(url("training_game_new"), data)
    messages = errors_of(read(response))
    assert any(m.startswith("Nombre de tours") and "12" in m for m in messages), messages
    assert "Équipe 4, Persona : Choisir le persona de cette équipe." in messages
    assert 'aria-describedby="id_equipe4-persona_error"' in read(response)
    # What only the domain knows: no team, no table.
    data = new_session_data(personas, teams=())
    for kind in ("caf", "france_services", "ccas", "bus"):
        del data[f"table-{kind}-installer"]
    response = client.post(url("training_game_new"), data)
    assert errors_of(read(response)) == ["Équipes : de 1 à 12.", "Tables : de 1 à 20."]
    assert 'aria-describedby="equipes_error"' in read(response)
    assert 'aria-describedby="tables_error"' in read(response)
    response = client.post(url("training_game_new"), new_session_data(personas, mois="2031-01"))
    assert response.status_code == 422 and "Mois de la législation :" in read(response)
    assert not GameSession.objects.exists()


def test_step_refusals_in_french_by_their_field(client, arras, personas, lead):
    session = create(client, personas)
    act(client, session, "commencer")
    team = session.teams.first()
    team_url = reverse("training_game_team", args=[team.token])
    client.post(team_url, step(1, action="s_informer", table="t1"))
    cases = [
        (step(1, action="demander", table="t1"), "Démarche 1 : choisir un droit.", "d1-droit"),
        (step(1, action="demander", mode="sur_place", droit="rsa"),
         "Démarche 1 : choisir une table.", "d1-table"),
        (step(2, action="obtenir_piece", table="t1"),
         "Démarche 2 : choisir une pièce.", "d2-piece"),
        (step(3, action="lever_frein", table="t1"), "Démarche 3 : choisir un frein.", "d3-frein"),
        (step(1, action="voler"), None, "d1-action"),
        (step(1, action="s_informer", table="t1", jour="6"), None, "d1-jour"),
    ]  # fmt: skip
    for data, message, field in cases:
        response = client.post(team_url, data)
        assert response.status_code == 422, data
        if message:
            assert message in errors_of(read(response)), (message, errors_of(read(response)))
        assert re.search(f'aria-describedby="[^"]*id_{field}_error"', read(response)), field
        assert 'aria-invalid="true"' in read(response)
        assert all(re.search(r"[a-zà-ÿ]", m) for m in errors_of(read(response)))
    assert GameStep.objects.filter(team=team).count() == 1  # what was saved stays
    act(client, session, "jouer")
    closed = client.post(team_url, step(1, action="s_informer", table="t1"))
    assert "Le tour n'est pas ouvert" in read(closed) or "Le tour n'est pas ouvert" in read(closed)


def test_table_notes_refused_in_french(client, arras, personas, lead):
    session = create(client, personas)
    table = session.tables.first()
    table_url = reverse("training_game_table", args=[table.token])
    assert "Les notes s'ouvrent au premier tour." in read(client.get(table_url))
    team = session.teams.first()
    refused = client.post(table_url, {"equipe": str(team.pk), "note": "Trop tôt"})
    assert refused.status_code == 422 and "La séance n'a pas commencé." in read(refused)
    act(client, session, "commencer")
    empty = client.post(table_url, {"equipe": "", "note": ""})
    assert errors_of(read(empty)) == [
        "Équipe : Ce champ est obligatoire.",
        "Ce qui s'est passé à la table : Ce champ est obligatoire.",
    ]
    assert 'aria-describedby="id_note_helptext id_note_error"' in read(empty)
    other = client.post(table_url, {"equipe": "999", "note": "x"})
    assert other.status_code == 422
    assert not TableNote.objects.exists()


def test_facilitator_buttons_refuse_out_of_order(client, arras, personas, lead):
    session = create(client, personas)
    page = act(client, session, "jouer")
    assert "Aucun tour ouvert à jouer." in read(page)
    page = act(client, session, "voler")
    assert "Action inconnue." in read(page)
    act(client, session, "commencer")
    page = act(client, session, "terminer")
    assert "Jouer d'abord le tour 1." in read(page)
    act(client, session, "jouer")
    debrief = act(client, session, "terminer")
    assert "Séance terminée" in read(debrief) and "bilan annuel" in read(debrief)
    assert client.get(url("training_game_act", session.pk)).status_code == 405


def test_solo_mode(client, arras, personas, make_member):
    partner = make_member(arras, Role.PARTNER, first_name="Awa", last_name="Diallo")
    client.force_login(partner)
    page = read(client.get(url("training_game_solo")))
    assert "Inès, 24 ans" in page
    refused = client.post(url("training_game_solo"), {"persona": "999"})
    assert refused.status_code == 422 and not GameSession.objects.exists()
    started = client.post(url("training_game_solo"), {"persona": str(personas["ines-24-ans"].pk)})
    session = GameSession.objects.get()
    assert session.is_solo and session.created_by == partner
    from nonrecours.training.game_queries import session_rules

    assert session.tables.count() == len(session_rules(session).desks)  # every desk
    team = session.teams.get()
    assert team.name == "Awa Diallo"
    assert started.url == reverse("training_game_team", args=[team.token])
    team_url = started.url
    assert "Jouer la semaine" in read(client.get(team_url))
    refused = client.post(team_url, step(1, action="demander", table="t1"))
    assert refused.status_code == 422 and "Démarche 1 : choisir un droit." in read(refused)
    assert not team.results.exists()  # a refused week is not played
    fs = session.tables.get(kind="france_services").key
    played = client.post(
        team_url,
        step(1, action="s_informer", table=fs, jour="5")
        | step(2, action="demander", mode="en_ligne", droit="prime_activite"),
    )
    assert played.status_code == 302 and played.url.endswith("#tours")
    page = read(client.get(team_url))
    assert "Semaine 1</h3>" in page and "Demande déposée" in page
    # The same form sent again (back button, double tap): week 1 is not
    # played twice, and week 2 is not played with week 1's steps.
    again = client.post(
        team_url, step(1, action="s_informer", table=fs, jour="5") | {"semaine": "1"}
    )
    assert again.status_code == 422 and "La semaine 1 est déjà jouée" in read(again)
    session.refresh_from_db()
    assert session.current_round == 1
    for _ in range(session.rounds - 1):
        client.post(team_url, step(1))
    session.refresh_from_db()
    assert session.status == SessionStatus.FINISHED
    assert "Voir le débriefing" in read(client.get(team_url))
    debrief = read(client.get(reverse("training_game_team_debrief", args=[team.token])))
    assert "Ouvert pendant le jeu" in debrief or "ouvert pendant le jeu" in debrief
    assert "Vos parties" in read(client.get(url("training_game_solo")))
    # A solo game is not on the facilitator's pages.
    client.force_login(make_member(arras, Role.PROJECT_LEAD))
    assert client.get(url("training_game_board", session.pk)).status_code == 404


def test_menu_and_landing_of_trainers(client, arras, make_member):
    trainer = make_member(arras, Role.TRAINER)
    client.force_login(trainer)
    html = read(client.get(reverse("directory_search")))
    assert f'href="{url("training_game_sessions")}">Formation</a>' in html
    assert client.get(reverse("landing")).url == url("training_game_sessions")
    assert client.get(url("training_game_sessions")).status_code == 200
    for role in (Role.PARTNER, Role.FIELD_AGENT):
        client.force_login(make_member(arras, role))
        assert ">Formation</a>" not in read(client.get(reverse("directory_search")))


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    values=st.dictionaries(
        st.sampled_from(["action", "mode", "table", "droit", "piece", "frein", "jour", "moment"]),
        st.one_of(
            st.sampled_from(["s_informer", "demander", "t1", "rsa", "5", "matin", "en_ligne"]),
            st.text(max_size=30),
        ),
    )
)
def test_hostile_steps_never_break_the_page(client, arras, personas, lead, values):
    cache.clear()
    session = GameSession.objects.first() or create(client, personas)
    if session.current_round == 0:
        act(client, session, "commencer")
    team = session.teams.first()
    before = list(GameStep.objects.filter(team=team).values_list("pk", flat=True))
    data = {f"d1-{key}": value.replace("\x00", "") for key, value in values.items()}
    response = client.post(reverse("training_game_team", args=[team.token]), data)
    assert response.status_code in (302, 422)
    if response.status_code == 422:
        assert list(GameStep.objects.filter(team=team).values_list("pk", flat=True)) == before


def test_debrief_rows_say_what_was_received_before_and_what_was_opened(arras, personas):
    from nonrecours.training import game_actions as actions
    from nonrecours.training.game_actions import TableSpec
    from nonrecours.training.game_queries import session_report
    from nonrecours.www.training.game_display import right_rows

    ines = next(v for v in current_persona_versions(arras) if v.persona.key == "ines-24-ans")
    session = actions.game_session_create(
        territory=arras, user=None, title="Débriefing", teams=[("Équipe 1", ines)],
        tables=[TableSpec("france_services")], start_day=datetime.date(2026, 12, 14),
        month="2026-11", rounds=2,
    )  # fmt: skip
    team = session.teams.get()
    session = actions.game_round_start(session)
    actions.team_steps_save(
        team,
        [
            {"action": "s_informer", "table": "t1", "jour": "5"},
            {"action": "demander", "mode": "en_ligne", "droit": "prime_activite"},
        ],
    )
    session = actions.game_round_play(session)
    actions.game_round_play(actions.game_round_start(session))
    rows = {row.label: row.status for row in right_rows(session_report(session).teams[0].debrief)}
    assert rows == {
        "Prime d'activité": "ouvert pendant le jeu",
        "Aide au logement (APL, ALF ou ALS)": "perçu avant le jeu",
        "Complémentaire santé solidaire": "non demandé",
        # Not in her file's « droits_percus »: never paid without a claim.
        "Chèque énergie": "non demandé",
    }


def test_the_kit_is_downloaded_by_the_facilitator_only(client, arras, personas, lead, make_member):
    from nonrecours.training import game_actions as actions
    from nonrecours.training.game_actions import TableSpec

    ines = next(v for v in current_persona_versions(arras) if v.persona.key == "ines-24-ans")
    session = actions.game_session_create(
        territory=arras, user=None, title="Kit", teams=[("Équipe 1", ines)],
        tables=[TableSpec("caf")], start_day=datetime.date(2026, 12, 14), month="2026-11",
    )  # fmt: skip
    kit = url("training_game_kit", session.pk)
    response = client.get(kit)
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    assert client.get(kit + "?partie=tables").content.startswith(b"%PDF")
    assert client.get(kit + "?partie=recettes").status_code == 404
    board = client.get(url("training_game_board", session.pk)).text
    assert html.escape(kit) in board
    client.force_login(make_member(arras, Role.PARTNER))
    assert client.get(kit).status_code == 403
