"""Models of the evaluation: report (see models.py).

What the yearly report needs entered by hand, per territory and civil
year: the budget spent (its lines, in euros), the partners involved, and
the data-sharing agreements. Written by evaluation.report_actions only;
read by evaluation.report_queries.
"""

from django.conf import settings
from django.db import models

from nonrecours.evaluation.enums import AgreementStatus

__all__ = ["BudgetLine", "DataAgreement", "ReportPartner"]


class _Entered(models.Model):
    """Who entered a row, and when (the team's own audit)."""

    territory = models.ForeignKey(
        "territories.Territory", verbose_name="territoire", on_delete=models.CASCADE,
        related_name="+",
    )  # fmt: skip
    entered_at = models.DateTimeField("saisi le")
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="saisi par", on_delete=models.SET_NULL,
        null=True, blank=True, related_name="+",
    )  # fmt: skip

    class Meta:
        abstract = True


class BudgetLine(_Entered):
    """One line of the budget spent in a civil year (euros spent in that
    year, whoever funded them): staff, bus, communication…"""

    year = models.PositiveSmallIntegerField("année")
    label = models.CharField("poste de dépense", max_length=200)
    amount = models.DecimalField("montant dépensé (€)", max_digits=12, decimal_places=2)
    funder = models.CharField("financeur", max_length=200, blank=True)

    class Meta:
        verbose_name = "ligne du budget dépensé"
        verbose_name_plural = "lignes du budget dépensé"
        ordering = ("year", "pk")

    def __str__(self) -> str:
        return f"{self.label} ({self.year})"


class ReportPartner(_Entered):
    """A partner organisation involved in the experiment in a civil year,
    and its part in it."""

    year = models.PositiveSmallIntegerField("année")
    name = models.CharField("partenaire", max_length=200)
    role = models.CharField("rôle dans l'expérimentation", max_length=300, blank=True)

    class Meta:
        verbose_name = "partenaire de l'année"
        verbose_name_plural = "partenaires de l'année"
        ordering = ("year", "name", "pk")
        constraints = [
            models.UniqueConstraint(
                fields=("territory", "year", "name"), name="evaluation_partner_once_a_year"
            )
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.year})"


class DataAgreement(_Entered):
    """A data-sharing agreement with a partner (convention d'échange de
    données): with whom, for what, signed when, where it stands. A report
    of year Y lists those not ended before Y and not signed after Y."""

    partner = models.CharField("partenaire", max_length=200)
    purpose = models.CharField("objet", max_length=500)
    status = models.CharField(
        "état", max_length=16, choices=AgreementStatus.choices, default=AgreementStatus.PREPARING
    )
    signed_on = models.DateField("signée le", null=True, blank=True)
    ends_on = models.DateField("prend fin le", null=True, blank=True)

    class Meta:
        verbose_name = "convention d'échange de données"
        verbose_name_plural = "conventions d'échange de données"
        ordering = ("partner", "pk")

    def __str__(self) -> str:
        return f"{self.partner} : {self.purpose}"
