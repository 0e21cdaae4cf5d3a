"""nonrecours.www.errors: a UserError onto a form, and as a JSON body."""

import json

import pytest
from django import forms

from nonrecours.directory.actions import EntryError
from nonrecours.errors import Problem, UserError
from nonrecours.referrals.actions import ReferralError
from nonrecours.www.errors import add_to_form, json_body, json_response


class _Form(forms.Form):
    nom = forms.CharField(required=False)
    courriel = forms.CharField(required=False)


def _form() -> _Form:
    form = _Form({"nom": "x", "courriel": "y"})
    assert form.is_valid()
    return form


def test_a_message_goes_on_its_field_or_on_the_whole_form():
    form = _form()
    add_to_form(form, ReferralError("Courriel invalide.", "courriel"))
    assert form.errors == {"courriel": ["Courriel invalide."]}
    form = _form()
    add_to_form(form, ReferralError("Code inconnu.", "simulation_code"))  # not a field here
    assert form.non_field_errors() == ["Code inconnu."]


def test_each_problem_goes_on_its_field():
    form = _form()
    add_to_form(form, EntryError([("nom", "requis"), ("", "en double"), ("siret", "faux")]))
    assert form.errors["nom"] == ["requis"]
    assert form.non_field_errors() == ["en double", "faux"]
    form = _form()
    add_to_form(form, UserError("Refusé.", field="courriel", problems=["trop long", "vide"]))
    assert form.errors == {"courriel": ["trop long", "vide"]}


def test_the_json_body_keeps_the_collection_api_shape():
    body = json_body(ReferralError("Courriel invalide.", "courriel"))
    assert body["error"] == "Courriel invalide."
    assert body["errors"] == {"courriel": "Courriel invalide."}
    assert body["problems"] == []
    error = UserError(
        "Fichier refusé.",
        problems=[Problem("vide", field="nom", row=2, file="a.csv"), Problem("tout"), "texte"],
    )
    body = json_body(error)
    assert body["errors"] == {"nom": "vide"}
    assert body["problems"][0] == {"message": "vide", "field": "nom", "row": 2, "file": "a.csv"}
    assert [p["message"] for p in body["problems"]] == ["vide", "tout", "texte"]


def test_a_json_response_is_a_client_error():
    response = json_response(UserError("Refusé."))
    assert response.status_code == 422
    assert json.loads(response.content)["error"] == "Refusé."
    assert json_response(UserError("Interdit."), status=403).status_code == 403
    with pytest.raises(ValueError):
        json_response(UserError("Refusé."), status=500)
