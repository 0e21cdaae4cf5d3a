"""French number formats for figures with their uncertainty (built in to
every template: see TEMPLATES in config/settings/base.py)."""

import math

from django import template

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
