"""The `simulate` command: a situation file in, the benefits as JSON out,
and a refused situation said in French, field by field (slow: it loads the
legislation, so it is kept out of the mutation runs' test selection)."""

import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

GOOD = """
mois: 2026-11
commune: "62041"
logement: {statut: locataire_vide, loyer: 450}
personnes:
  - {role: demandeur, naissance: 1991-05-15, activite: chomeur}
"""


def test_simulate_command_prints_benefits_as_json(tmp_path):
    path = tmp_path / "situation.yaml"
    path.write_text(GOOD, encoding="utf-8")
    out = StringIO()
    call_command("simulate", str(path), stdout=out)
    data = json.loads(out.getvalue())
    found = {item["prestation"]: item for item in data["prestations"]}
    assert found["rsa"]["montant_mensuel"] == pytest.approx(573.49)
    assert found["aide_logement"]["montant_mensuel"] == 290
    assert found["rsa"]["versee_par"] == "CAF (ou MSA)"
    assert "af" not in found  # only what was found, unless --toutes
    out = StringIO()
    call_command("simulate", str(path), "--toutes", stdout=out)
    assert len(json.loads(out.getvalue())["prestations"]) == 17
    bad = tmp_path / "mauvais.yaml"
    bad.write_text(GOOD.replace("2026-11", "novembre"), encoding="utf-8")
    with pytest.raises(CommandError, match="mauvais.yaml : situation invalide :\n- mois"):
        call_command("simulate", str(bad))
    with pytest.raises(CommandError, match="fichier introuvable"):
        call_command("simulate", str(tmp_path / "absent.yaml"))


def test_a_refused_situation_names_each_field(tmp_path):
    # Housing given as a plain text was read as « logé gratuitement », rent 0.
    bad = tmp_path / "texte.json"
    bad.write_text(
        json.dumps(
            {
                "mois": "2026-11",
                "logement": "locataire_vide",
                "personnes": [
                    {"role": "demandeur", "naissance": "2011-01-01",
                     "ressources": [{"salaire_net": 900}]}
                ],
            }
        ),
        encoding="utf-8",
    )  # fmt: skip
    with pytest.raises(CommandError) as error:
        call_command("simulate", str(bad))
    assert str(error.value).splitlines() == [
        "texte.json : situation invalide :",
        "- logement : attendu {statut: …, loyer: …}",
        "- personne 1, ressources : attendu {salaire_net: …}",
        "- personne 1 : un·e demandeur de moins de 16 ans",
    ]
