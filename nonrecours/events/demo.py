"""The territory's two events of the training programme, as a
demonstration (`nonrecours setup`): the forum of partners in mid-December
(serious game) and the inter-institutional training « précarité et santé
mentale », each with a few fictitious registrations by structure.

Labelled everywhere: ``is_synthetic`` on the events, « (démonstration) » in
their titles; the people are invented."""

import datetime

from django.db import transaction

from nonrecours.accounts.enums import OrganisationKind
from nonrecours.events.actions import event_create, registration_create
from nonrecours.events.enums import EventKind
from nonrecours.events.models import Event
from nonrecours.territories.models import Commune, Territory

FORUM_TITLE = "Forum des partenaires — jeu sérieux (démonstration)"
TRAINING_TITLE = "Précarité et santé mentale (démonstration)"
# Structures invited to the training (without an account in the demonstration).
TRAINING_STRUCTURES: tuple[tuple[str, OrganisationKind], ...] = (
    ("France Travail Arras", OrganisationKind.FRANCE_TRAVAIL),
    ("CCAS d'Arras", OrganisationKind.CCAS),
    ("Mairie d'Achicourt", OrganisationKind.COMMUNE),
    ("Communauté urbaine d'Arras", OrganisationKind.TERRITORY),
    ("Club de prévention spécialisée", OrganisationKind.ASSOCIATION),
    ("Centre d'hébergement (CHRS)", OrganisationKind.ASSOCIATION),
    ("France Services de Dainville", OrganisationKind.FRANCE_SERVICES),
)
# (last name, first name, job title, structure's index): invented people.
PEOPLE: tuple[tuple[str, str, str, int], ...] = (
    ("Lefebvre", "Camille", "Conseillère emploi", 0),
    ("Dubois", "Karim", "Conseiller emploi", 0),
    ("Martin", "Sophie", "Travailleuse sociale", 1),
    ("Petit", "Julien", "Agent d'accueil", 1),
    ("Roux", "Nadia", "Secrétaire de mairie", 2),
    ("Moreau", "Thomas", "Chargé de mission cohésion sociale", 3),
    ("Fontaine", "Léa", "Éducatrice spécialisée", 4),
    ("Girard", "Mehdi", "Moniteur-éducateur", 5),
    ("Lambert", "Chloé", "Conseillère numérique", 6),
)


def forum_day(today: datetime.date) -> datetime.date:
    """The Thursday between 10 and 16 December of this year, or of the
    next one once it has passed."""
    year = today.year if today <= datetime.date(today.year, 12, 16) else today.year + 1
    day = datetime.date(year, 12, 10)
    return day + datetime.timedelta(days=(3 - day.weekday()) % 7)


def training_days(today: datetime.date) -> tuple[datetime.date, datetime.date]:
    """Two days, Monday and Tuesday, at least four weeks after ``today``."""
    start = today + datetime.timedelta(weeks=4)
    monday = start + datetime.timedelta(days=(7 - start.weekday()) % 7)
    return monday, monday + datetime.timedelta(days=1)


@transaction.atomic
def events_demo_create(*, territory: Territory, today: datetime.date) -> int:
    """Create the two demonstration events once, with their registrations.
    Returns the number of events created (0 when they exist)."""
    if Event.objects.filter(territory=territory, is_synthetic=True).exists():
        return 0
    commune = Commune.objects.members_of(territory).order_by("-population").first()
    forum = event_create(
        territory=territory, created_by=None, kind=EventKind.FORUM, title=FORUM_TITLE,
        starts_on=forum_day(today), ends_on=forum_day(today), start_time=datetime.time(9),
        end_time=datetime.time(12, 30), place="Salle des fêtes", commune=commune,
        description="Le jeu sérieux avec les personas du territoire, puis des échanges entre "
        "partenaires.", capacity=80, programme="forum-partenaires",
        invited_names=[name for name, _kind in TRAINING_STRUCTURES], is_synthetic=True,
    )  # fmt: skip
    first, last = training_days(today)
    training = event_create(
        territory=territory, created_by=None, kind=EventKind.TRAINING, title=TRAINING_TITLE,
        starts_on=first, ends_on=last, start_time=datetime.time(9), end_time=datetime.time(16, 30),
        place="Maison des services, salle de formation", commune=commune,
        description="Formation inter-institutionnelle : repérer la souffrance psychique, "
        "orienter, ouvrir les droits à la santé.", capacity=16,
        programme="precarite-sante-mentale",
        invited_names=[name for name, _kind in TRAINING_STRUCTURES], is_synthetic=True,
    )  # fmt: skip
    for n, (last_name, first_name, job_title, structure) in enumerate(PEOPLE):
        name, kind = TRAINING_STRUCTURES[structure]
        for event in (training, forum) if n % 2 == 0 else (training,):
            registration_create(
                event=event, created_by=None, last_name=last_name, first_name=first_name,
                organisation_name=name, organisation_kind=kind.value, job_title=job_title,
            )  # fmt: skip
    return 2
