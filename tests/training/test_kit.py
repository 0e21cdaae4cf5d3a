"""The printable kit of a session: every part rendered as a PDF, the
persona cards with the simulator's amounts of what is received (and not
what the game reveals), the table cards with the real contacts and hours,
the bus's stops, one round sheet per team."""

import datetime
import io

import pytest
import time_machine
from pypdf import PdfReader

from nonrecours.directory.models import Structure
from nonrecours.outreach.demo import outreach_demo_create
from nonrecours.training import game_actions as actions
from nonrecours.training.actions import personas_import
from nonrecours.training.game_actions import TableSpec
from nonrecours.training.kit import Link, kit_context, kit_pdf
from nonrecours.training.personas import ARRAS_PERSONAS, persona_rights
from nonrecours.training.queries import current_persona_versions, stored_persona

pytestmark = pytest.mark.django_db
NOW = datetime.datetime(2026, 12, 1, 10, tzinfo=datetime.UTC)


@pytest.fixture
def session(arras):
    with time_machine.travel(NOW, tick=False):
        personas_import(arras, ARRAS_PERSONAS)
        outreach_demo_create(territory=arras, today=datetime.date(2026, 12, 1))
    versions = {v.persona.key: v for v in current_persona_versions(arras)}
    structure = Structure.objects.create(
        territory=arras,
        di_id="test--caf-arras",
        source="test",
        name="CAF du Pas-de-Calais, accueil d'Arras",
        insee_code="62041",
        updated_on=datetime.date(2026, 11, 1),
        record={
            "adresse": "9 rue de l'exemple",
            "code_postal": "62000",
            "commune": "Arras",
            "telephone": "32 30",
            "horaires_accueil": "Mo-Th 08:30-12:00",
        },
    )
    return actions.game_session_create(
        territory=arras,
        user=None,
        title="Forum des partenaires",
        teams=[("Équipe 1", versions["ines-24-ans"]), ("Équipe 2", versions["david-47-ans"])],
        tables=[TableSpec("caf", structure=structure), TableSpec("ccas"), TableSpec("bus")],
        start_day=datetime.date(2026, 12, 14),
        month="2026-11",
    )


def _text(pdf: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)


def test_the_whole_kit(session):
    team = session.teams.first()
    links = {team.pk: Link("https://exemple.fr/jeu/equipe/x/", "<svg></svg>")}
    pdf = kit_pdf(session, team_links=links)
    text = " ".join(_text(pdf).split())
    assert pdf.startswith(b"%PDF")
    assert "Guide d'animation" in text and "4 tours de 15 minutes" in text
    # The table tied to the directory: its contacts and real hours.
    assert "9 rue de l'exemple 62000 Arras" in text and "32 30" in text
    assert "Du lundi au jeudi de 8 h 30 à 12 h" in text
    # A table tied to nothing: the desk's usual hours, said so.
    assert "horaires types" in text
    # The bus: its stops during the session's weeks.
    assert "Où est le bus pendant le jeu" in text
    # Persona cards: what is received, with the simulator's amounts; not
    # what the game reveals (Inès's prime d'activité).
    ines = stored_persona(team.persona_version)
    rights = persona_rights([ines], "2026-11")[0]
    card = _plain(text.split("Ce qu'elle ou il perçoit déjà")[1].split("Pièces qui manquent")[0])
    assert [f"{r.label} : {_plain(r.amount_text)}" for r in rights.received] == [card.strip()]
    assert "Prime d'activité" not in card
    assert text.upper().count("FEUILLE DE TOUR ·") == 2


def _plain(text: str) -> str:
    return " ".join(text.replace("\u202f", " ").replace("\u00a0", " ").split())


def test_one_part_at_a_time(session):
    for part, words in [
        ("guide", "Débriefing"),
        ("personas", "Ce qu'elle ou il perçoit déjà"),
        ("tables", "Dans le jeu"),
        ("tours", "Ce qui s'est passé"),
    ]:
        assert words in _text(kit_pdf(session, part))
    with pytest.raises(ValueError, match="partie du kit inconnue"):
        kit_pdf(session, "recettes")


def test_the_persona_card_leaves_off_what_the_game_reveals(session):
    context = kit_context(session)
    ines = context["cards"][0]
    assert [r.benefit for r in ines["received"]] == ["aide_logement"]
    assert ines["missing"] == []
    david = context["cards"][1]
    assert david["missing"] == ["Avis d'imposition (déclaration de revenus faite)"]
