"""What the load test needs in its fresh database (migrated, with the
cache table and the static files collected, as in production), written through the
product's own actions: the CU d'Arras territory (with its town halls, which
the simulator's results point to), one campaign open today online and door
to door, the field agents with their role on the territory, and a pool of
valid answers for the simulated people.

Run by the runner as ``python -m loadtest.prepare PLAN.json`` with the
production settings (DJANGO_SETTINGS_MODULE and the environment set by the
runner); writes the plan the Locust file reads: campaign slug, agents'
names and password, answers. Raises (non-zero exit, French message) when
the territory cannot be imported.
"""

import datetime
import json
import secrets
import sys
from pathlib import Path
from typing import Any

import django

ARRAS_SIREN = "200033579"  # the CU d'Arras, the default territory
CAMPAIGN_SLUG = "essai-de-charge"
AGENT_PREFIX = "enqueteur-charge-"
ANSWER_POOL = 400
SEED = 18  # issue 18: the same synthetic answers every run


def prepare(*, agents: int) -> dict[str, Any]:
    """Create the data (in one transaction) and return the plan: {"campaign":
    slug, "agents": [usernames], "password": str, "answers": [dict, …]
    (each valid for the campaign's questionnaire, only questions shown),
    "communes": [INSEE codes], "opened_on": ISO date}."""
    from django.contrib.auth.hashers import make_password
    from django.db import transaction
    from django.utils import timezone

    from nonrecours.accounts import actions as account_actions
    from nonrecours.accounts.enums import OrganisationKind, Role
    from nonrecours.accounts.models import User
    from nonrecours.directory.town_halls import directory_prefill_town_halls
    from nonrecours.surveys import actions as survey_actions
    from nonrecours.surveys.demo import DemoCommune, DemoGenerator
    from nonrecours.surveys.enums import Channel
    from nonrecours.territories.actions import territory_import

    today = timezone.localdate()
    with transaction.atomic():
        territory = territory_import(siren=ARRAS_SIREN).territory
        directory_prefill_town_halls(territory=territory)
        campaign = survey_actions.campaign_create(
            territory=territory,
            slug=CAMPAIGN_SLUG,
            name="Essai de charge",
            starts_on=today - datetime.timedelta(days=1),
            ends_on=today + datetime.timedelta(days=30),
            channels=[Channel.ONLINE, Channel.DOOR_TO_DOOR],
        )
        organisation = account_actions.organisation_get_or_create(
            territory=territory,
            name="Équipe d'enquête (essai de charge)",
            kind=OrganisationKind.CCAS,
        )
        password = secrets.token_urlsafe(16)
        hashed = make_password(password)  # hashed once: 20 hashes would take seconds
        usernames = [f"{AGENT_PREFIX}{n:02d}" for n in range(1, agents + 1)]
        for username in usernames:
            user = User.objects.create(username=username, password=hashed, email="")
            account_actions.membership_grant(
                user=user, organisation=organisation, role=Role.FIELD_AGENT
            )
        communes = list(territory.communes.members().filter(population__isnull=False))
        generator = DemoGenerator(
            [DemoCommune(c.insee_code, c.population or 0, c.stratum) for c in communes], SEED
        )
        questionnaire = campaign.questionnaire.questionnaire()
        codes = [c.insee_code for c in communes]
        answers = []
        for commune in generator.sample_communes(ANSWER_POOL):
            clean, errors = questionnaire.validate(generator.answers(commune), communes=codes)
            if not errors:
                answers.append(clean)
    return {
        "campaign": campaign.slug,
        "agents": usernames,
        "password": password,
        "answers": answers,
        "communes": codes,
        "opened_on": today.isoformat(),
    }


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print("Usage : python -m loadtest.prepare PLAN.json", file=sys.stderr)
        return 2
    django.setup()
    from django.core.management import call_command

    # One process for the whole preparation: each command would load Django again.
    call_command("migrate", interactive=False, verbosity=0)
    call_command("createcachetable", verbosity=0)
    call_command("collectstatic", interactive=False, verbosity=0)
    agents = int(json.loads(Path(argv[0]).read_text(encoding="utf-8"))["agents_wanted"])
    plan = prepare(agents=agents)
    Path(argv[0]).write_text(json.dumps(plan, ensure_ascii=False), encoding="utf-8")
    print(
        f"Données prêtes : campagne « {plan['campaign']} », {len(plan['agents'])} "
        f"enquêteur·rices, {len(plan['answers'])} réponses types."
    )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
