"""The aller-vers pages: who sees the priority index, who sets its weights."""

import pytest
from django.urls import reverse

from nonrecours.accounts.enums import Role
from nonrecours.outreach.models import PriorityWeights

pytestmark = pytest.mark.django_db


def test_partners_read_the_index_and_its_map(client, arras, make_member):
    client.force_login(make_member(arras, Role.PARTNER))
    html = client.get(reverse("outreach_priorities", args=[arras.siren])).text

    assert "Où aller avec le bus : indice de priorité" in html
    assert html.count('class="map__commune"') == 46
    assert "indice de moins de 20" in html and "indice de 80 et plus" in html
    assert (
        "<strong>taux de pauvreté</strong> : fichier Filosofi (par commune ou carroyé) non importé."
        in html
    )
    assert "Poids des facteurs" not in html  # the weights are the team's


def test_the_team_saves_weights_and_the_ranking_follows(client, arras, make_member):
    client.force_login(make_member(arras, Role.PROJECT_LEAD))
    url = reverse("outreach_priorities", args=[arras.siren])
    data = {
        "difficultes_financieres": "2", "difficultes_demarches": "2", "illectronisme": "2",
        "non_recours_declare": "2", "non_recours_potentiel": "1", "eloignement": "2",
        "pauvrete": "2", "allocataires_rsa": "1", "population": "1,5",
    }  # fmt: skip

    response = client.post(url, data)

    assert response.status_code == 302
    assert PriorityWeights.objects.get(territory=arras).weights["population"] == 1.5
    page = client.get(response["Location"]).text
    assert "Poids enregistrés : le classement en tient compte." in page


def test_wrong_weights_are_refused_on_their_field(client, arras, make_member):
    client.force_login(make_member(arras, Role.PROJECT_LEAD))
    url = reverse("outreach_priorities", args=[arras.siren])
    zeros = {
        key: "0"
        for key in (
            "difficultes_financieres", "difficultes_demarches", "illectronisme",
            "non_recours_declare", "non_recours_potentiel", "eloignement", "pauvrete",
            "allocataires_rsa", "population",
        )
    }  # fmt: skip

    too_high = client.post(url, {**zeros, "population": "11"})
    all_zero = client.post(url, zeros)

    assert too_high.status_code == 422
    assert "Assurez-vous que cette valeur est inférieure ou égale à 10." in too_high.text
    assert all_zero.status_code == 422
    assert "Au moins un facteur doit compter (tous les poids sont à 0)." in all_zero.text
    assert not PriorityWeights.objects.exists()


def test_a_partner_cannot_save_weights_and_strangers_see_nothing(client, arras, make_member):
    url = reverse("outreach_priorities", args=[arras.siren])
    client.force_login(make_member(arras, Role.PARTNER))
    assert client.post(url, {"population": "1"}).status_code == 403
    client.force_login(make_member(arras, Role.FIELD_AGENT))
    assert client.get(url).status_code == 403
    assert client.get(reverse("outreach_priorities", args=["999999999"])).status_code == 404
    client.logout()
    assert client.get(url).status_code == 302


def test_a_weight_of_minus_zero_is_zero(client, arras, make_member):
    import math

    client.force_login(make_member(arras, Role.PROJECT_LEAD))
    url = reverse("outreach_priorities", args=[arras.siren])
    data = {
        "difficultes_financieres": "2", "difficultes_demarches": "2", "illectronisme": "2",
        "non_recours_declare": "2", "non_recours_potentiel": "1", "eloignement": "2",
        "pauvrete": "2", "allocataires_rsa": "1", "population": "-0",
    }  # fmt: skip
    assert client.post(url, data).status_code == 302
    saved = PriorityWeights.objects.get(territory=arras).weights["population"]
    assert saved == 0 and math.copysign(1, saved) == 1
