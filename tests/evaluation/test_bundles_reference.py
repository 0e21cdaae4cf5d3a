"""The national reference figures: the shipped file is valid and sourced,
a wrong file is refused where it is wrong, and nothing is half-written."""

from io import StringIO

import pytest
import yaml
from django.core.management import CommandError, call_command

from nonrecours.evaluation import bundles_actions
from nonrecours.evaluation.bundle_models import NationalFigure
from nonrecours.evaluation.bundles_reference import (
    REFERENCE_FILE,
    ReferenceRefused,
    read_reference,
)

pytestmark = pytest.mark.django_db


def test_the_shipped_file_is_valid_and_every_figure_has_its_source():
    figures = read_reference(REFERENCE_FILE.read_text(encoding="utf-8"), filename="f.yaml")
    assert figures, "le fichier fourni a au moins un chiffre : le test peut échouer"
    for figure in figures:
        assert figure["source"].startswith("https://")
        assert figure["publication"] and figure["producteur"] and figure["annee"] >= 2000
        assert 0 <= figure["estimation"] <= 1


def test_the_command_loads_the_shipped_file_then_replaces_it(tmp_path):
    out = StringIO()
    call_command("bundles", "reference", stdout=out)
    shipped = NationalFigure.objects.count()
    assert out.getvalue().startswith(f"{shipped} chiffres nationaux de référence enregistrés")
    one = yaml.safe_load(REFERENCE_FILE.read_text(encoding="utf-8"))
    one["chiffres"] = one["chiffres"][:1]
    path = tmp_path / "un.yaml"
    path.write_text(yaml.safe_dump(one, allow_unicode=True), encoding="utf-8")
    out = StringIO()
    call_command("bundles", "reference", str(path), stdout=out)
    assert NationalFigure.objects.count() == 1
    assert f"{shipped - 1} retiré" in out.getvalue() or shipped == 1


@pytest.mark.parametrize("empty", ["chiffres: []\n", "chiffres:\n"])
def test_an_empty_list_of_figures_removes_nothing(tmp_path, empty):
    """The import replaces every figure: before, an empty list deleted them
    all (« N retirés »)."""
    bundles_actions.reference_import(path=REFERENCE_FILE)
    before = list(NationalFigure.objects.values_list("key", "estimate"))
    path = tmp_path / "vide.yaml"
    path.write_text(empty, encoding="utf-8")
    with pytest.raises(
        CommandError, match="(la liste « chiffres: » est vide|une liste « chiffres: » est attendue)"
    ):
        call_command("bundles", "reference", str(path))
    assert list(NationalFigure.objects.values_list("key", "estimate")) == before
    assert before


def test_a_wrong_figure_is_refused_with_its_place_and_nothing_changes(tmp_path):
    bundles_actions.reference_import(path=REFERENCE_FILE)
    before = list(NationalFigure.objects.values_list("key", "estimate"))
    path = tmp_path / "faux.yaml"
    path.write_text(
        "chiffres:\n"
        "  - cle: drees-2021-a\n"
        "    formulation: Une formulation\n"
        "    population: Personnes résidant en France\n"
        "    estimation: 23\n"
        "    annee: 2021\n"
        "    producteur: DREES\n"
        "    publication: Études et résultats\n"
        "  - cle: drees-2021-a\n"
        "    formulation: Autre\n"
        "    population: Tous\n"
        "    estimation: .nan\n"
        "    annee: 2021\n"
        "    producteur: DREES\n"
        "    publication: ER\n"
        "    source: https://exemple.fr/er\n",
        encoding="utf-8",
    )
    with pytest.raises(ReferenceRefused) as refused:
        bundles_actions.reference_import(path=path)
    assert [p.message for p in refused.value.problem_list()] == [
        "faux.yaml, racine > chiffres > estimation : nombre hors limites (nan)"
    ]
    assert list(NationalFigure.objects.values_list("key", "estimate")) == before
    with pytest.raises(CommandError, match="rien n'a été enregistré"):
        call_command("bundles", "reference", str(path))


def test_located_problems_of_each_figure():
    text = (
        "chiffres:\n"
        "  - cle: a\n    formulation: F\n    population: P\n    estimation: 23\n"
        "    annee: 2021\n    producteur: DREES\n    publication: ER\n"
        "  - cle: a\n    formulation: F\n    population: P\n    estimation: 0.2\n"
        "    annee: 1800\n    producteur: DREES\n    publication: ER\n"
        "    source: https://exemple.fr/er\n"
    )
    with pytest.raises(ReferenceRefused) as refused:
        read_reference(text, filename="faux.yaml")
    assert [p.message for p in refused.value.problem_list()] == [
        "faux.yaml, chiffre n° 1 (a), estimation : une part entre 0 et 1 est attendue "
        "(0.23 = 23 %), pas 23",
        "faux.yaml, chiffre n° 1 (a), source : adresse web de la source attendue (https://…)",
        "faux.yaml, chiffre n° 2 (a), annee : année attendue (par exemple 2021), pas « 1800 »",
        "faux.yaml, chiffre n° 2 (a), cle : donnée deux fois",
    ]
    with pytest.raises(ReferenceRefused, match="une liste « chiffres: » est attendue"):
        read_reference("- 1\n", filename="faux.yaml")
    with pytest.raises(ReferenceRefused, match="faux.yaml, ligne 2, colonne 1 : YAML illisible"):
        read_reference("chiffres: [\n", filename="faux.yaml")
