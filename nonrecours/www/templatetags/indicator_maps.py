"""How the map of a barometer indicator draws and names its classes
(surveys.maps gives each commune a class key; this module gives the key a
colour, a pattern and a French name), for the dashboard, the public
results and the PDF report.

The shares run from a light to a dark purple (ColorBrewer "Purples", five
classes). A commune hidden by the secrecy rule is hatched and a commune
with nobody in the indicator's base is dotted, so that neither can be
taken for a class of values. The report draws several maps in one
document, each SVG on its own (WeasyPrint): the patterns are defined in
each SVG, under ids made unique by a suffix.
"""

from django import template
from django.utils.html import format_html
from django.utils.safestring import SafeString

from nonrecours import french
from nonrecours.surveys.maps import CLASS_KEYS, EMPTY_CLASS, HIDDEN_CLASS, MAP_BOUNDS

register = template.Library()

COLORS = dict(zip(CLASS_KEYS, ("#f2f0f7", "#cbc9e2", "#9e9ac8", "#756bb1", "#54278f"), strict=True))
INK = "#5a6470"  # the marks of the hatched and dotted patterns
PAPER = "#ffffff"
PATTERNS = {
    HIDDEN_CLASS: (
        '<pattern id="{id}" width="8" height="8" patternUnits="userSpaceOnUse" '
        'patternTransform="rotate(45)"><rect width="8" height="8" fill="{paper}"/>'
        '<line x1="0" y1="0" x2="0" y2="8" stroke="{ink}" stroke-width="3"/></pattern>'
    ),
    EMPTY_CLASS: (
        '<pattern id="{id}" width="6" height="6" patternUnits="userSpaceOnUse">'
        '<rect width="6" height="6" fill="{paper}"/>'
        '<circle cx="3" cy="3" r="1.3" fill="{ink}"/></pattern>'
    ),
}


def _pattern_id(key: str, suffix: str) -> str:
    return f"{key}-{suffix}" if suffix else key


@register.simple_tag
def indicator_map_defs(suffix: str = "") -> SafeString:
    """The `<defs>` of the hatched and dotted patterns, to put inside each
    SVG that uses indicator_fill with the same `suffix`."""
    return format_html(
        "<defs>{}</defs>",
        SafeString(  # noqa: S704 - constant markup, ids from class keys and a template's suffix
            "".join(
                markup.format(id=_pattern_id(key, str(suffix)), paper=PAPER, ink=INK)
                for key, markup in PATTERNS.items()
            )
        ),
    )


@register.simple_tag
def indicator_fill(key: str, suffix: str = "") -> str:
    """The SVG `fill` of a class key: its colour, or its pattern defined by
    indicator_map_defs with the same `suffix`."""
    if key in PATTERNS:
        return f"url(#{_pattern_id(key, str(suffix))})"
    return COLORS[key]


@register.simple_tag
def indicator_swatch(key: str) -> SafeString:
    """A 10 × 10 legend swatch of a class key, a self-contained SVG."""
    if key == HIDDEN_CLASS:
        inside = format_html(
            '<rect width="10" height="10" fill="{}" stroke="{}"/>'
            '<path d="M0 10L10 0M-2 2L2 -2M8 12L12 8" stroke="{}" stroke-width="2"/>',
            PAPER,
            INK,
            INK,
        )
    elif key == EMPTY_CLASS:
        inside = format_html(
            '<rect width="10" height="10" fill="{}" stroke="{}"/>'
            '<circle cx="3" cy="3" r="1.3" fill="{}"/><circle cx="7" cy="7" r="1.3" fill="{}"/>',
            PAPER,
            INK,
            INK,
            INK,
        )
    else:
        inside = format_html('<rect width="10" height="10" fill="{}"/>', COLORS[key])
    return format_html(
        '<svg viewBox="0 0 10 10" aria-hidden="true" focusable="false">{}</svg>', inside
    )


@register.filter
def indicator_class_label(key: str, threshold: int) -> str:
    """The French name of a class key in the legend; `threshold` is the
    secrecy rule's minimum number of answers (hidden class)."""
    if key == HIDDEN_CLASS:
        return f"masquée (moins de {threshold} réponses, ou déductible)"
    if key == EMPTY_CLASS:
        return "aucune réponse dans la base de l'indicateur"
    position = CLASS_KEYS.index(key)
    percents = [french.number(round(bound * 100)) for bound in MAP_BOUNDS]
    if position == 0:
        return f"moins de {percents[0]} %"
    if position == len(MAP_BOUNDS):
        return f"{percents[-1]} % et plus"
    return f"de {percents[position - 1]} à {percents[position]} %"


@register.filter
def priority_class_label(key: str) -> str:
    """The French name of a class key of the aller-vers priority map: the
    same classes, of an index from 0 to 100 (outreach.queries)."""
    position = CLASS_KEYS.index(key)
    points = [french.number(round(bound * 100)) for bound in MAP_BOUNDS]
    if position == 0:
        return f"indice de moins de {points[0]}"
    if position == len(MAP_BOUNDS):
        return f"indice de {points[-1]} et plus"
    return f"indice de {points[position - 1]} à {points[position]}"
