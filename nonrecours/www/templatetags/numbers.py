"""French number formats for figures with their uncertainty (built in to
every template: see TEMPLATES in config/settings/base.py)."""

import math

from django import template

from nonrecours.french import (
    is_plural,
    iso_date_text,
    of,
    sentence,
    with_article,
    without_nested_parentheses,
)

register = template.Library()


def _french(value: float, decimals: int) -> str:
    return f"{value:,.{decimals}f}".replace(",", "\u202f").replace(".", ",")


@register.filter
def percent(value: float | None, decimals: int = 0) -> str:
    """0.4567 -> « 46 » (a share as a percentage, without the sign)."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "—"
    return _french(100 * value, int(decimals))


@register.filter
def points(value: float | None) -> str:
    """A difference of shares in percentage points, one decimal: 0.034 -> « 3,4 »;
    the minus sign is the typographic one."""
    if value is None or math.isnan(value):
        return "—"
    return _french(100 * value, 1).replace("-", "−")


@register.filter
def pvalue(value: float | None) -> str:
    if value is None or math.isnan(value):
        return "—"
    if value < 0.001:
        return "< 0,001"
    return _french(value, 3)


@register.filter
def get_item(mapping: dict[str, str], key: str) -> str | None:
    """A dictionary's value in a template: {{ labels|get_item:code }}."""
    return mapping.get(key)


@register.filter
def pluriel(count: object, suffix: str = "s") -> str:
    """French plural ending for a count: « s » from 2 on, « » for 0 and 1
    (Django's pluralize follows English: « 0 réponses »). `suffix` as
    pluralize's: « x » or « al,aux » (singular, plural endings)."""
    singular, _, plural_ending = suffix.rpartition(",")
    if isinstance(count, list | tuple | set | dict):
        count = len(count)
    try:
        number = float(count or 0)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return singular
    return plural_ending if is_plural(number) else singular


@register.filter(name="de")
def de_filter(name: str) -> str:
    """« de » before a name, elided or contracted: « d'Arras », « du
    Transloy » (nonrecours.french.of)."""
    return of(str(name))


@register.filter
def date_iso_fr(value: str) -> str:
    """« 2026-11 » → « novembre 2026 », « 2026-11-27 » → « 27 novembre
    2026 » (nonrecours.french.iso_date_text)."""
    return iso_date_text(value)


@register.filter
def avec_article(name: str) -> str:
    """A territory's name with its article: « la Communauté urbaine
    d'Arras » (nonrecours.french.with_article)."""
    return with_article(str(name))


@register.filter
def phrase(text: str) -> str:
    """A sentence with one final stop, never two (nonrecours.french.sentence)."""
    return sentence(str(text))


@register.filter
def sans_parentheses(text: str) -> str:
    """A text to put between parentheses, its own parenthesis turned into a
    comma (nonrecours.french.without_nested_parentheses)."""
    return without_nested_parentheses(str(text))
