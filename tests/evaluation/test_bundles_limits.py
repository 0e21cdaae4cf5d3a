"""The size of a bundle is bounded before anything is built from it: a file
over MAX_BYTES, or with more objects and lists than a bundle needs, is
refused before the JSON is read; more than MAX_CELLS cells or
MAX_INDICATORS indicators, before the cells are checked one by one. French
errors that say where, nothing written (security review of issue 17, part
6: 20 MB of ``[{},{},…]`` took about 570 MB to read)."""

import json

import pytest

from nonrecours.evaluation import bundles_validate
from nonrecours.evaluation.bundle_models import ExternalBundle
from nonrecours.evaluation.bundles_validate import (
    MAX_BYTES,
    MAX_CELLS,
    MAX_CONTAINERS,
    MAX_INDICATORS,
    check_bundle,
    load_bundle,
)
from tests.evaluation.test_bundles import (  # noqa: F401
    as_other_territory,
    encoded,
    exported,
    published,
    refusal,
)

pytestmark = pytest.mark.django_db


def test_the_limits_are_those_of_a_small_file():
    assert MAX_BYTES == 2 * 1024 * 1024
    assert MAX_CELLS == 20_000
    assert MAX_CONTAINERS > MAX_CELLS + MAX_INDICATORS


def test_a_file_over_2_mo_is_refused_unread(exported):  # noqa: F811
    other = as_other_territory(exported)
    other["vague"]["nom"] = "x" * MAX_BYTES
    data = encoded(other)
    assert len(data) > MAX_BYTES
    assert refusal(data) == [
        "lot.json, fichier : plus de 2 Mo : un lot d'indicateurs est bien plus petit (une "
        "vague publie quelques centaines de cases)"
    ]


def test_many_empty_objects_are_refused_before_the_json_is_read(exported, monkeypatch):  # noqa: F811
    data = b"[" + b",".join([b"{}"] * (MAX_BYTES // 3 - 1)) + b"]"
    assert len(data) <= MAX_BYTES
    lists = b"[" * 10 + b"[]," * 30_000 + b"]" * 10
    for hostile in (data, lists):

        def never(*args, **kwargs):
            raise AssertionError("le JSON a été lu")

        monkeypatch.setattr(bundles_validate.json, "loads", never)
        with pytest.raises(bundles_validate.BundleRefused) as refused:
            load_bundle(hostile, filename="lot.json")
        monkeypatch.undo()
        [problem] = refused.value.problem_list()
        assert problem.message.startswith("lot.json, fichier : ")
        assert "objets ou listes ({ … }, [ … ]) : un lot d'indicateurs en a au plus" in (
            problem.message
        )
        assert "au plus 20\u202f000 cases" in problem.message
    [message] = refusal(data)
    assert message.startswith("lot.json, fichier : 699\u202f050 objets ou listes")


def test_more_cells_than_a_bundle_holds_are_refused_where_they_are(exported):  # noqa: F811
    other = as_other_territory(exported)
    other["cellules"] = [{}] * (MAX_CELLS + 1)
    # One problem, where it is, not one per cell.
    assert refusal(other) == [
        "lot.json, cellules : 20\u202f001 cases : un lot d'indicateurs en a au plus 20\u202f000 "
        "(une vague publie quelques centaines de cases)"
    ]
    other["cellules"] = []
    other["indicateurs"] = [{}] * (MAX_INDICATORS + 1)
    assert refusal(other) == [
        "lot.json, indicateurs : 1\u202f001 indicateurs : un lot d'indicateurs en a au plus "
        "1\u202f000 (une vague publie quelques centaines de cases)"
    ]
    assert not ExternalBundle.objects.exists()


def test_a_bundle_at_the_limits_is_read_and_checked_cell_by_cell(exported):  # noqa: F811
    other = as_other_territory(exported)
    cells = [dict(c, code_domaine=f"d{at}") for at, c in enumerate(other["cellules"][:1] * 5)]
    other["cellules"] = cells + [{}] * (MAX_CELLS - len(cells))
    problems = refusal(other)
    assert problems[0] == f"lot.json, cellules[{len(cells)}].indicateur : champ manquant"
    assert not any("au plus" in p for p in problems)
    # The same without the empty cells: accepted (the limits refuse nothing real).
    other["cellules"] = cells
    assert check_bundle(json.loads(encoded(other)), filename="lot.json") == other
