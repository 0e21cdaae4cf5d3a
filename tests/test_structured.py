"""Bounded YAML and JSON (nonrecours/structured.py) and the commands that
read such files: never a traceback, a French message with its place."""

import re

import pytest
from django.core.management import CommandError, call_command
from hypothesis import given, settings
from hypothesis import strategies as st

from nonrecours.directory import imports as directory_imports
from nonrecours.structured import StructuredError, load_json_bounded, load_yaml_bounded

BOUNDS = {"max_bytes": 10_000, "max_depth": 5, "max_nodes": 200}


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[" * 3000 + "]" * 3000, "niveaux d'imbrication"),
        ("a: &a [1, 2]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a]\nc: &c [*b, *b, *b, *b, *b, *b]\n"
         "d: [*c, *c, *c, *c, *c, *c]\n", "éléments|imbrication"),
        ("x: !!binary aGVsbG8=", "non prise en charge"),
        ("x: 2026-11-30", "non prise en charge"),
        ("x: " + "9" * 5000, "nombre"),
        ("x: [unclosed", "YAML illisible"),
        ("x: 'nul \\0'", ""),
        ("x" * 20_000, "Ko"),
    ],
)  # fmt: skip
def test_hostile_yaml_is_refused_in_french(text, message):
    try:
        load_yaml_bounded(text, **BOUNDS)
    except StructuredError as error:
        assert message and re.search(message, " ".join(error.problems))
    else:
        assert message == ""  # "x: 'nul \0'" is YAML for the text "nul \\0"


def test_yaml_dates_as_text_when_asked():
    assert load_yaml_bounded("x: 2026-11-30", **BOUNDS, dates_as_text=True) == {"x": "2026-11-30"}


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ("[" * 3000 + "]" * 3000, "niveaux d'imbrication"),
        ("[[[[[[[1]]]]]]]", "niveaux d'imbrication"),
        ('{"x": NaN}', "NaN"),
        ('{"x": Infinity}', "Infinity"),
        ('{"x": 1,\n "y": }', "ligne 2 : JSON illisible"),
        (b"\xff\xfe", "JSON illisible"),
        ("1" * 20_000, "Ko"),
        ("", "fichier vide"),
        (b" \n\r\n", "fichier vide"),
        (b"\xef\xbb\xbf\n", "fichier vide"),
        ("\ufeff", "fichier vide"),
    ],
)
def test_hostile_json_is_refused_in_french(data, message):
    with pytest.raises(StructuredError) as refused:
        load_json_bounded(data, max_bytes=10_000, max_depth=5)
    assert message in " ".join(refused.value.problems)


@settings(max_examples=60, deadline=None, derandomize=True)
@given(st.text(max_size=300))
def test_any_text_is_read_or_refused_in_french(text):
    for load in (
        lambda t: load_yaml_bounded(t, **BOUNDS),
        lambda t: load_json_bounded(t, max_bytes=10_000, max_depth=5),
    ):
        try:
            load(text)
        except StructuredError as error:
            assert error.problems and all(isinstance(p, str) for p in error.problems)


def test_directory_file_nested_too_deep_is_refused_with_its_name(tmp_path):
    path = tmp_path / "annuaire.json"
    path.write_text('{"structures":' + "[" * 100_000 + "]" * 100_000 + "}", encoding="utf-8")
    with pytest.raises(directory_imports.DirectoryImportError) as refused:
        directory_imports.directory_file_read(path)
    assert "annuaire.json, fichier : plus de 6 niveaux d'imbrication" in refused.value.problems


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("personnes:" + " [" * 5000, "niveaux d'imbrication"),
        (b"\xff\xfe\x00", "UTF-8"),
        ("a: &a [1,1,1,1,1,1,1,1,1,1]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a,*a]\n"
         "c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b,*b]\nd: [*c,*c,*c,*c,*c,*c,*c,*c,*c,*c,*c,*c]\n",
         "éléments"),
    ],
)  # fmt: skip
def test_simulate_refuses_hostile_situation_files(tmp_path, content, message):
    path = tmp_path / "situation.yaml"
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    with pytest.raises(CommandError, match=message):
        call_command("simulate", str(path))
    with pytest.raises(CommandError, match="dossier"):
        call_command("simulate", str(tmp_path))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("nom: [", "ligne 1, colonne 7 : YAML illisible (texte coupé"),
        ("nom: [a b: c", "YAML illisible ("),
        ("nom: {a: 1", "YAML illisible (dictionnaire { … } non fermé"),
        ("nom: a: b", "YAML illisible (« : » inattendu"),
        ("nom:\n\t- a", "YAML illisible (tabulation : indenter avec des espaces)"),
        ("a:\n  b: 1\n c: 2", "YAML illisible (indentation incohérente)"),
        ("nom: 'ouvert", "YAML illisible (texte coupé"),
        ('nom: "\\q"', "YAML illisible (caractère d'échappement inconnu"),
        ("nom: *x", "YAML illisible (alias « * » sans ancre « & »)"),
        ("x: !!python/object:os.system x", "YAML illisible (étiquette « !! » non permise)"),
    ],
)
def test_yaml_syntax_errors_are_said_in_french(text, expected):
    with pytest.raises(StructuredError) as refused:
        load_yaml_bounded(text, **BOUNDS)
    message = " ".join(refused.value.problems)
    assert expected in message
    assert not re.search(r"expected|found|could not|while", message), message
