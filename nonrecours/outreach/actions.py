"""Writes of the aller-vers (outreach) app."""

from collections.abc import Mapping
from decimal import Decimal

from django.db import transaction

from nonrecours import french
from nonrecours.accounts.models import User
from nonrecours.errors import UserError
from nonrecours.outreach.models import BusCalendar, PriorityWeights
from nonrecours.outreach.priorities import FACTOR_KEYS, FACTORS
from nonrecours.territories.models import Territory
from nonrecours.textrules import database_id

MAX_WEIGHT = 10
# A half-day of a multi-service bus (two or three staff, fuel, the vehicle's
# share) costs some hundreds of euros; over 100 000 € is a typing error (a
# yearly budget, digits twice), not a cost to divide by rights opened.
MAX_HALF_DAY_COST = Decimal(100_000)


class WeightsError(UserError, ValueError):
    """Weights refused (French message, with the factor concerned)."""


def priority_weights_save(
    *, territory: Territory, weights: Mapping[str, float], user: User | None
) -> PriorityWeights:
    """Save the weights of the territory's priority index (factor key ->
    weight from 0 to MAX_WEIGHT; every factor of FACTORS, no other).
    Raises WeightsError (French, naming the factor) and saves nothing when
    one is wrong or when they are all 0."""
    labels = {f.key: f.label for f in FACTORS}
    unknown = sorted(set(weights) - set(FACTOR_KEYS))
    if unknown:
        raise WeightsError(f"Facteur(s) inconnu(s) : {', '.join(unknown)}.")
    clean: dict[str, float] = {}
    for key in FACTOR_KEYS:
        if key not in weights:
            raise WeightsError(f"Poids manquant pour « {labels[key]} ».")
        value = weights[key]
        if isinstance(value, bool) or not isinstance(value, int | float) or value != value:
            raise WeightsError(f"« {labels[key]} » : un nombre est attendu.")
        if not 0 <= value <= MAX_WEIGHT:
            raise WeightsError(
                f"« {labels[key]} » : {value:g} hors limites (de 0 à {MAX_WEIGHT:g})."
            )
        clean[key] = float(value) + 0.0  # « -0 » is 0, not a negative zero shown « -0 »
    if not any(clean.values()):
        raise WeightsError("Au moins un facteur doit compter (tous les poids sont à 0).")
    with transaction.atomic():
        saved, _ = PriorityWeights.objects.update_or_create(
            territory=territory, defaults={"weights": clean, "updated_by": user}
        )
    return saved


class HalfDayCostError(UserError, ValueError):
    """A half-day cost refused (French, field « calendrier » or « cout »)."""


def half_day_cost_save(
    *, territory: Territory, calendar_id: object, cost: object, user: User | None
) -> BusCalendar:
    """Set what a half-day of the bus costs, in euros, for the territory's
    saved calendar ``calendar_id`` (``cost``: a number as a person writes it,
    « 450 », « 1 234,50 »; "" or None clears it), to the cent.
    Raises HalfDayCostError (French) and saves nothing for a calendar that
    is not the territory's, or a cost that is not a number from 0 to
    MAX_HALF_DAY_COST. ``user``: who entered it (not kept yet: the calendar
    has no field for it)."""
    key = database_id(calendar_id)
    calendar = (
        None if key is None else BusCalendar.objects.filter(territory=territory, pk=key).first()
    )
    if calendar is None:
        raise HalfDayCostError(
            "Choisissez un calendrier enregistré du territoire.", field="calendrier"
        )
    raw = "" if cost is None else str(cost).strip()
    value = None
    if raw:
        try:
            value = french.parse_decimal(raw)
        except ValueError as error:
            raise HalfDayCostError(f"Coût d'une demi-journée : {error}", field="cout") from None
        if not value.is_finite() or not 0 <= value <= MAX_HALF_DAY_COST:
            raise HalfDayCostError(
                f"Coût d'une demi-journée : « {raw[:30]} » n'est pas entre 0 et "
                f"{french.amount(float(MAX_HALF_DAY_COST))}.",
                field="cout",
            )
        if value != value.quantize(Decimal("0.01")):
            # « 0,001 » would be kept as 0 € and every right opened free.
            raise HalfDayCostError(
                f"Coût d'une demi-journée : « {raw[:30]} » a plus de deux décimales (au centime "
                "près, par exemple 450 ou 1 234,50).",
                field="cout",
            )
        value = value.quantize(Decimal("0.01"))
    with transaction.atomic():
        BusCalendar.objects.filter(pk=calendar.pk).update(half_day_cost=value)
    calendar.half_day_cost = value
    return calendar
