"""How the territory map draws each class: a colour and a pattern.

Colour is never the only cue (WCAG 1.4.1): each class also has its own SVG
pattern, drawn the same in the map and in its legend. The colours replace
the domain's (`territories.queries`) on screen so that neighbouring classes
can be told apart: at least 1.65:1 between two consecutive density classes
and 1.68:1 between any two strata (WCAG relative luminance; the Okabe–Ito
sky blue and orange used before were 1.02:1). Checked by
tests/www/test_map_styles.py.
"""

from dataclasses import dataclass

from django import template
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString

register = template.Library()


@dataclass(frozen=True)
class MapStyle:
    """A class's fill colour (`#rrggbb`), pattern name and the ink its
    pattern is drawn with (dark on a light fill, white on a dark one)."""

    color: str
    pattern: str
    ink: str

    @property
    def pattern_id(self) -> str:
        return f"motif-{self.pattern}-{self.color.lstrip('#')}"


DARK = "#161616"
LIGHT = "#ffffff"

# Keys are those of `territories.queries` MapClass: strata values, then
# density classes by their upper bound.
STYLES: dict[str, MapStyle] = {
    "central_city": MapStyle("#0b3b6f", "quadrillage", LIGHT),
    "urban": MapStyle("#56b4e9", "diagonales", DARK),
    "small_commune": MapStyle("#d55e00", "points", LIGHT),
    "rural": MapStyle("#f0e442", "plein", DARK),
    "d100": MapStyle("#f7fbff", "plein", DARK),
    "d300": MapStyle("#a6cbe3", "points", DARK),
    "d1000": MapStyle("#4f93c6", "diagonales", DARK),
    "d3000": MapStyle("#1f5a9a", "quadrillage", LIGHT),
    "dinf": MapStyle("#08234d", "horizontales", LIGHT),
    "unknown": MapStyle("#d9d9d9", "verticales", DARK),
}
STRATA = ("central_city", "urban", "small_commune", "rural")
DENSITY = ("d100", "d300", "d1000", "d3000", "dinf")

# Each pattern's marks in an 8 × 8 tile, drawn with the class's ink.
MARKS: dict[str, str] = {
    "plein": "",
    "points": (
        '<circle cx="2" cy="2" r="1.2" fill="{ink}"/><circle cx="6" cy="6" r="1.2" fill="{ink}"/>'
    ),
    "diagonales": '<path d="M-1 1L1 -1M0 8L8 0M7 9L9 7" stroke="{ink}" stroke-width="1.2"/>',
    "quadrillage": '<path d="M0 4H8M4 0V8" stroke="{ink}" stroke-width="1"/>',
    "horizontales": '<path d="M0 2H8M0 6H8" stroke="{ink}" stroke-width="1"/>',
    "verticales": '<path d="M2 0V8M6 0V8" stroke="{ink}" stroke-width="1"/>',
}


@register.filter
def map_style(class_key: str) -> MapStyle | None:
    """The style of a map class key (`urban`, `d300`…), None when unknown."""
    return STYLES.get(class_key)


def _pattern(style: MapStyle) -> SafeString:
    marks = MARKS[style.pattern].format(ink=style.ink)
    return format_html(
        '<pattern id="{}" width="8" height="8" patternUnits="userSpaceOnUse">'
        '<rect width="8" height="8" fill="{}"/>{}</pattern>',
        style.pattern_id,
        style.color,
        SafeString(marks),  # noqa: S704 - constant markup from MARKS
    )


@register.simple_tag
def map_patterns(classes: object) -> SafeString:
    """`<defs>` with the pattern of each class in `classes` (objects with a
    `key`, such as the map's legend), to be put once in an SVG of the page."""
    styles = {STYLES[c.key] for c in classes if c.key in STYLES}  # type: ignore[attr-defined]
    return format_html(
        '<svg class="map-patterns" aria-hidden="true" focusable="false" width="0" height="0">'
        "<defs>{}</defs></svg>",
        format_html_join("", "{}", ((_pattern(s),) for s in sorted(styles, key=str))),
    )


@register.filter
def map_fill(class_key: str, default: str = "") -> str:
    """The SVG `fill` of a class: its pattern, or `default` when the class
    has no style here."""
    style = STYLES.get(class_key)
    return f"url(#{style.pattern_id})" if style else default


@register.filter
def map_color(class_key: str, default: str = "") -> str:
    """The plain colour of a class (beside a text that names it), or
    `default` when the class has no style here."""
    style = STYLES.get(class_key)
    return style.color if style else default
