"""Situations: every field checked, with a French message saying where."""

import pytest
import yaml

from nonrecours.rights.situation import SituationError
from nonrecours.rights.situation_parse import parse_situation

GOOD = """
mois: 2026-11
commune: "62041"
logement: {statut: locataire_vide, loyer: 450}
personnes:
  - {role: demandeur, naissance: 1991-05-15, activite: chomeur}
"""


def situation(**changes):
    data = yaml.safe_load(GOOD)
    data.update(changes)
    return data


def problems_of(data):
    with pytest.raises(SituationError) as error:
        parse_situation(data, "cas.yaml")
    return error.value.problems


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"mois": "2026-13"}, "mois : « 2026-13 » ; attendu AAAA-MM"),
        ({"commune": "Arras"}, "commune : « Arras » n'est pas un code INSEE"),
        # Shaped like a code but no commune: it would still get a housing zone.
        ({"commune": "99999"}, "commune : « 99999 » n'est pas une commune connue"),
        ({"commune": "62999"}, "commune : « 62999 » n'est pas une commune connue"),
        # A tenant with no rent would still get a housing aid (and less RSA).
        (
            {"logement": {"statut": "locataire_vide", "loyer": 0}},
            "logement, loyer : un·e locataire paie un loyer",
        ),
        (
            {"logement": {"statut": "locataire_hlm", "loyer": "0,00"}},
            "logement, loyer : un·e locataire paie un loyer",
        ),
        (
            {"logement": {"statut": "locataire_foyer", "loyer": 0}},
            "logement, loyer : un·e locataire paie un loyer",
        ),
        ({"logement": {"statut": "chateau"}}, "logement, statut : « chateau » inconnu"),
        ({"logement": {"statut": "locataire_vide"}}, "logement, loyer : obligatoire"),
        (
            {"logement": {"statut": "locataire_vide", "loyer": "beaucoup"}},
            "logement, loyer : « beaucoup » n'est pas un nombre",
        ),
        (
            {"logement": {"statut": "locataire_vide", "loyer": -5}},
            "logement, loyer : -5 hors limites",
        ),
        ({"personnes": []}, "personnes : au moins une personne"),
        (
            {"personnes": [{"role": "chef", "naissance": "1990-01-01"}]},
            "personne 1, role : « chef » inconnu",
        ),
        (
            {"personnes": [{"role": "demandeur"}]},
            "personne 1, naissance : date de naissance obligatoire",
        ),
        (
            {"personnes": [{"role": "demandeur", "naissance": "15/05/1991"}]},
            "personne 1, naissance : « 15/05/1991 » ; attendu AAAA-MM-JJ",
        ),
        (
            {"personnes": [{"role": "demandeur", "naissance": "2027-01-01"}]},
            "est après le mois simulé",
        ),
        (
            {
                "personnes": [
                    {"role": "demandeur", "naissance": "1990-01-01", "activite": "rentier"}
                ]
            },
            "personne 1, activite : « rentier » inconnu",
        ),
        (
            {"personnes": [{"role": "demandeur", "naissance": "1990-01-01", "scolarite": "fac"}]},
            "personne 1, scolarite : « fac » inconnu",
        ),
        (
            {
                "personnes": [
                    {"role": "demandeur", "naissance": "1990-01-01", "taux_incapacite": 80}
                ]
            },
            "personne 1, taux_incapacite : 80 hors limites (attendu entre 0 et 1)",
        ),
        (
            {
                "personnes": [
                    {"role": "demandeur", "naissance": "1990-01-01", "ressources": {"loto": 5}}
                ]
            },
            "personne 1, ressources : « loto » inconnu",
        ),
        (
            {
                "personnes": [
                    {
                        "role": "demandeur",
                        "naissance": "1990-01-01",
                        "ressources": {"salaire_net": "x"},
                    }
                ]
            },
            "personne 1, ressources, salaire_net : « x » n'est pas un nombre",
        ),
        (
            {"personnes": [{"role": "demandeur", "naissance": "1990-01-01", "age": 30}]},
            "personne 1 : champ(s) inconnu(s) : age",
        ),
        (
            {"personnes": [{"role": "enfant", "naissance": "2015-01-01"}]},
            "il faut exactement un demandeur (ici 0)",
        ),
        (
            {"personnes": [{"role": "demandeur", "naissance": "2015-01-01"}]},
            "personne 1 : un·e demandeur de moins de 16 ans",
        ),
        (
            {
                "personnes": [
                    {"role": "demandeur", "naissance": "1990-01-01"},
                    {"role": "conjoint", "naissance": "1990-01-01"},
                    {"role": "conjoint", "naissance": "1990-01-01"},
                ]
            },
            "un seul conjoint possible",
        ),
        (
            {"revenu_fiscal_reference": "beaucoup"},
            "revenu_fiscal_reference : « beaucoup » n'est pas un nombre",
        ),
        ({"prestations_percues": {"loto": 3}}, "prestations_percues : « loto » inconnu"),
        ({"prestations_percues": {"rsa": -3}}, "prestations_percues, rsa : -3 hors limites"),
        ({"revenus": 3}, "champ(s) inconnu(s) : revenus"),
    ],
)
def test_bad_input_on_every_field(changes, message):
    assert any(message in problem for problem in problems_of(situation(**changes))), message


def test_all_problems_are_listed_at_once():
    problems = problems_of(situation(mois="x", commune="y", revenus=1))
    assert len(problems) == 3


def test_codes_of_real_communes_and_owners_without_rent_are_accepted():
    for code in ("62041", "01071", "2A004", "75056", "75101"):
        assert parse_situation(situation(commune=code)).commune == code
    owner = parse_situation(situation(logement={"statut": "proprietaire", "loyer": 0}))
    assert owner.rent == 0
