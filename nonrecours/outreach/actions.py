"""Writes of the aller-vers (outreach) app."""

from collections.abc import Mapping

from django.db import transaction

from nonrecours.accounts.models import User
from nonrecours.errors import UserError
from nonrecours.outreach.models import PriorityWeights
from nonrecours.outreach.priorities import FACTOR_KEYS, FACTORS
from nonrecours.territories.models import Territory

MAX_WEIGHT = 10


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
        clean[key] = float(value)
    if not any(clean.values()):
        raise WeightsError("Au moins un facteur doit compter (tous les poids sont à 0).")
    with transaction.atomic():
        saved, _ = PriorityWeights.objects.update_or_create(
            territory=territory, defaults={"weights": clean, "updated_by": user}
        )
    return saved
