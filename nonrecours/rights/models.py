from django.db import models


class SavedSimulation(models.Model):
    """A simulation kept with the person's consent, so that a partner
    professional can reopen it with them from its short code. Nothing else
    of a simulation is ever stored."""

    code = models.CharField("code", max_length=12, unique=True)
    situation = models.JSONField("situation décrite")
    territory = models.ForeignKey(
        "territories.Territory",
        verbose_name="territoire",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
    )
    # One keep per results page: the same page sent twice gives the same code.
    nonce = models.CharField(max_length=32, unique=True, null=True, blank=True)
    consent_text = models.TextField("texte du consentement donné")
    created_at = models.DateTimeField("enregistrée le")
    expires_at = models.DateTimeField("supprimée le", db_index=True)

    class Meta:
        verbose_name = "simulation enregistrée"
        verbose_name_plural = "simulations enregistrées"

    def __str__(self) -> str:
        return self.code
