"""Choices of the evaluation app: English values, French labels."""

from django.db import models


class AgreementStatus(models.TextChoices):
    """Where a data-sharing agreement with a partner stands (entered by the
    team for the yearly report)."""

    PREPARING = "preparing", "En préparation"
    SIGNED = "signed", "Signée"
    ENDED = "ended", "Terminée"
