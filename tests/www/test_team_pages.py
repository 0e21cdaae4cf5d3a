import pytest
from django.urls import reverse

from nonrecours.accounts.enums import Role
from nonrecours.surveys import actions
from nonrecours.surveys.models import Campaign, QuestionnaireVersion
from nonrecours.surveys.questionnaire import default_questionnaire
from tests.surveys.test_actions import MODULE

pytestmark = pytest.mark.django_db


def new_url(arras):
    return reverse("barometer_campaign_new", args=[arras.siren])


def test_project_lead_creates_a_campaign_with_quotas(client, arras, make_member):
    client.force_login(make_member(arras, Role.PROJECT_LEAD))
    page = client.get(new_url(arras))
    assert page.status_code == 200
    core = QuestionnaireVersion.objects.get(territory=None)
    response = client.post(
        new_url(arras),
        {
            "name": "Baromètre 2026", "slug": "barometre-2026", "starts_on": "2026-09-01",
            "ends_on": "2026-11-30", "channels": ["online", "door_to_door"],
            "questionnaire": core.pk, "total_target": "2500", "target_rural": "400",
        },
    )  # fmt: skip
    assert response.status_code == 302
    campaign = Campaign.objects.get(slug="barometre-2026")
    assert campaign.channels == ["online", "door_to_door"]
    commune_quotas = campaign.quotas.filter(commune__isnull=False)
    assert commune_quotas.count() == 46
    # 2,500 by population (5 at least each) plus 400 more in rural communes.
    assert sum(q.target for q in commune_quotas) == 2900
    assert abs(commune_quotas.get(commune__insee_code="62041").target - 2500 * 41019 / 107763) < 2
    rural = commune_quotas.filter(commune__stratum="rural")
    base = actions.commune_targets_by_population(territory=arras, total=2500)
    assert sum(q.target for q in rural) == sum(base[q.commune.insee_code] for q in rural) + 400
    assert not campaign.quotas.filter(commune__isnull=True).exists()


def test_campaign_form_refuses_a_total_below_five_per_commune(client, arras, make_member):
    client.force_login(make_member(arras, Role.PROJECT_LEAD))
    client.get(new_url(arras))
    core = QuestionnaireVersion.objects.get(territory=None)
    response = client.post(
        new_url(arras),
        {
            "name": "Baromètre 2026", "slug": "barometre-2026", "starts_on": "2026-09-01",
            "ends_on": "2026-11-30", "channels": ["online"], "questionnaire": core.pk,
            "total_target": "100",
        },
    )  # fmt: skip
    assert response.status_code == 422
    assert "minimum de 5 réponses par commune pour 46 communes" in response.text
    assert not Campaign.objects.exists()


def test_campaign_form_errors(client, arras, make_member):
    client.force_login(make_member(arras, Role.PROJECT_LEAD))
    response = client.post(
        new_url(arras),
        {"name": "", "slug": "Pas un slug", "starts_on": "2026-09-01", "ends_on": "2026-08-01"},
    )
    assert response.status_code == 422
    html = response.text
    assert "Le formulaire contient des erreurs" in html
    assert "La fin de la campagne précède son début." in html
    assert "Ce champ est obligatoire." in html
    assert not Campaign.objects.exists()


def test_field_agents_and_partners_cannot_create_campaigns(client, arras, make_member):
    for role in (Role.FIELD_AGENT, Role.PARTNER):
        client.force_login(make_member(arras, role))
        assert client.get(new_url(arras)).status_code == 403


def test_module_upload_creates_a_version_or_lists_problems(client, arras, make_member):
    client.force_login(make_member(arras, Role.PROJECT_LEAD))
    url = reverse("barometer_questionnaire_module", args=[arras.siren])
    assert client.get(url).status_code == 200
    bad = client.post(url, {"text": MODULE.replace("connait_bus", "sexe")})
    assert bad.status_code == 422
    assert "nom de question déjà utilisé" in bad.text
    assert not QuestionnaireVersion.objects.filter(territory=arras).exists()
    good = client.post(url, {"text": MODULE}, follow=True)
    assert f"Version {default_questionnaire().version + 1} du questionnaire créée" in good.text
    version = QuestionnaireVersion.objects.get(territory=arras)
    form = client.get(new_url(arras)).text
    assert f'value="{version.pk}"' in form
    empty = client.post(url, {"text": "  "})
    assert "Choisissez un fichier YAML ou collez le module." in empty.text
