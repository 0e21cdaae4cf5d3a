"""French number formats for figures with their uncertainty (built in to
every template: see TEMPLATES in config/settings/base.py)."""

import datetime
import math

from django import template
from django.utils import timezone

from nonrecours.french import (
    amount,
    date_text,
    is_plural,
    iso_date_text,
    number,
    of,
    sentence,
    weekday_date_text,
    with_article,
    without_nested_parentheses,
)

register = template.Library()


@register.filter
def nombre(value: float | None, decimals: int = 0) -> str:
    """A figure the French way, as the Python side writes it: 12345.6 →
    « 12 346 », with ``:1`` « 12 345,6 » (nonrecours.french.number: U+202F
    between thousands, where Django's intcomma puts U+00A0); « — » when
    missing."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "—"
    return number(float(value), int(decimals))


@register.filter
def euros(value: float | None, decimals: int | None = None) -> str:
    """An amount: « 1 234,56 € », « 1 500 € » (nonrecours.french.amount;
    ``:2`` for always two decimals); « — » when missing."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "—"
    return amount(float(value), None if decimals is None else int(decimals))


@register.filter
def percent(value: float | None, decimals: int = 0) -> str:
    """0.4567 -> « 46 » (a share as a percentage, without the sign)."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "—"
    return number(100 * value, int(decimals))


@register.filter
def points(value: float | None) -> str:
    """A difference of shares in percentage points, one decimal: 0.034 -> « 3,4 »;
    the minus sign is the typographic one."""
    if value is None or math.isnan(value):
        return "—"
    return number(100 * value, 1).replace("-", "−")


@register.filter
def pvalue(value: float | None) -> str:
    if value is None or math.isnan(value):
        return "—"
    if value < 0.001:
        return "< 0,001"
    return number(value, 3)


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
def date_fr(value: datetime.date) -> str:
    """« 27 avril 2026 », « 1er juin 2026 » (nonrecours.french.date_text);
    a moment is read in the site's time zone first."""
    if isinstance(value, datetime.datetime):
        value = timezone.localtime(value).date()
    return date_text(value)


@register.filter
def jour(value: datetime.date, arg: str = "") -> str:
    """« lundi 4 mai 2026 »; with « court », « vendredi 1er mai »
    (nonrecours.french.weekday_date_text)."""
    return weekday_date_text(value, with_year=arg != "court")


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
