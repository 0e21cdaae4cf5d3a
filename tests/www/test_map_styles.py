"""The territory map's classes can be told apart without relying on hue
alone: WCAG contrast between colours, and one pattern per class."""

import itertools

import pytest

from nonrecours.territories.enums import Stratum
from nonrecours.territories.queries import DENSITY_CLASSES
from nonrecours.www.templatetags import map_styles


def luminance(color: str) -> float:
    """WCAG 2.x relative luminance of `#rrggbb`."""
    channels = [int(color[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(a: str, b: str) -> float:
    darker, lighter = sorted((luminance(a), luminance(b)))
    return (lighter + 0.05) / (darker + 0.05)


def test_the_luminance_formula_gives_wcag_reference_values():
    assert contrast("#000000", "#ffffff") == pytest.approx(21)
    assert contrast("#56b4e9", "#e69f00") < 1.05  # the two strata told apart by hue only before


def test_every_stratum_and_density_class_has_a_style():
    assert set(map_styles.STRATA) == {s.value for s in Stratum}
    assert list(map_styles.DENSITY) == [f"d{upper:g}" for upper, _, _ in DENSITY_CLASSES]


def test_any_two_strata_colours_differ_by_at_least_1_5():
    ratios = [
        contrast(map_styles.STYLES[a].color, map_styles.STYLES[b].color)
        for a, b in itertools.combinations(map_styles.STRATA, 2)
    ]
    assert min(ratios) >= 1.5


def test_neighbouring_density_classes_differ_by_at_least_1_5():
    colors = [map_styles.STYLES[key].color for key in map_styles.DENSITY]
    assert min(contrast(a, b) for a, b in itertools.pairwise(colors)) >= 1.5


@pytest.mark.parametrize("group", [map_styles.STRATA, (*map_styles.DENSITY, "unknown")])
def test_every_class_of_a_map_has_its_own_pattern(group):
    patterns = [map_styles.STYLES[key].pattern for key in group]
    assert len(set(patterns)) == len(patterns)
    assert all(pattern in map_styles.MARKS for pattern in patterns)


def test_a_pattern_is_visible_on_its_fill():
    for style in map_styles.STYLES.values():
        if style.pattern != "plein":
            assert contrast(style.ink, style.color) >= 3, style
