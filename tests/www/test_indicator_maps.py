"""How an indicator's map draws and names its classes
(www/templatetags/indicator_maps.py)."""

import pytest

from nonrecours.surveys.maps import CLASS_KEYS, EMPTY_CLASS, HIDDEN_CLASS, estimate_class
from nonrecours.www.templatetags.indicator_maps import (
    indicator_class_label,
    indicator_fill,
    indicator_map_defs,
    indicator_swatch,
)


@pytest.mark.parametrize(
    ("estimate", "key"),
    [(0.0, "classe-1"), (0.199, "classe-1"), (0.2, "classe-2"), (0.5, "classe-3"),
     (0.79, "classe-4"), (0.8, "classe-5"), (1.0, "classe-5")],
)  # fmt: skip
def test_an_estimate_falls_in_the_class_of_the_first_bound_above_it(estimate, key):
    assert estimate_class(estimate) == key


def test_every_class_has_a_french_name_in_the_legend():
    assert [indicator_class_label(key, 11) for key in (*CLASS_KEYS, EMPTY_CLASS, HIDDEN_CLASS)] == [
        "moins de 20 %",
        "de 20 à 40 %",
        "de 40 à 60 %",
        "de 60 à 80 %",
        "80 % et plus",
        "aucune réponse dans la base de l'indicateur",
        "masquée (moins de 11 réponses, ou déductible)",
    ]


def test_hidden_and_empty_are_patterns_defined_in_the_same_svg_the_others_colours():
    defs = str(indicator_map_defs("sante"))
    assert '<pattern id="masquee-sante"' in defs and '<pattern id="aucune-reponse-sante"' in defs
    assert indicator_fill(HIDDEN_CLASS, "sante") == "url(#masquee-sante)"
    assert indicator_fill(EMPTY_CLASS) == "url(#aucune-reponse)"
    colours = [indicator_fill(key) for key in CLASS_KEYS]
    assert len(set(colours)) == len(CLASS_KEYS) and all(c.startswith("#") for c in colours)
    # The legend's swatch is a self-contained SVG (no reference to a pattern).
    for key in (*CLASS_KEYS, EMPTY_CLASS, HIDDEN_CLASS):
        swatch = str(indicator_swatch(key))
        assert swatch.startswith("<svg") and "url(#" not in swatch
