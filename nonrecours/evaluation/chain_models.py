"""Models of the evaluation: the chain, from a barometer call-back request
to a right opened (see models.py).

A chain is kept in two parts:

- ``Chain``, anonymous, kept for the statistics: the territory, the
  campaign, the commune and its stratum, the month of the request, and the
  date of each step (contacted, reached or not, rights checked, referred);
  while the request is kept, the rights opened come from the linked
  referrals' outcomes (``ChainReferral``);
- ``ChainContact``, the personal link: to the call-back request (phone,
  e-mail, and the situation pre-filled from the answers, held on
  surveys.Contact) and the amounts the rights check found. It is deleted
  with the call-back request (a cascade: surveys.actions.contacts_erase and
  the nightly ``nonrecours purge``). Just before (a pre_delete receiver,
  chain_actions.chain_personal_erase), the rights opened are copied into
  the chain (``rights_opened``, ``referrals_count``, ``erased_at``), the
  ``ChainReferral`` rows deleted and the referrals' estimates (derived from
  the answers) blanked: after that nothing ties the chain to a phone
  number, a referral, the pre-fill or a barometer answer.
"""

from django.db import models

__all__ = ["Chain", "ChainContact", "ChainReferral"]


class Chain(models.Model):
    """One call-back request worked, anonymous part (see the module)."""

    token = models.CharField("jeton", max_length=24, unique=True)
    territory = models.ForeignKey(
        "territories.Territory",
        verbose_name="territoire",
        on_delete=models.PROTECT,
        related_name="chains",
    )
    campaign = models.ForeignKey(
        "surveys.Campaign", verbose_name="campagne", on_delete=models.PROTECT, related_name="chains"
    )
    commune = models.ForeignKey(
        "territories.Commune", verbose_name="commune", on_delete=models.PROTECT, related_name="+"
    )
    stratum = models.CharField("strate", max_length=32, blank=True)
    month = models.DateField("mois de la demande")  # its first day
    contacted_at = models.DateTimeField("premier appel le")
    attempts = models.PositiveIntegerField("appels", default=0)
    reached_at = models.DateTimeField("jointe le", null=True, blank=True)
    not_reached_at = models.DateTimeField("dernier appel sans réponse le", null=True, blank=True)
    rights_checked_at = models.DateTimeField("droits vérifiés le", null=True, blank=True)
    referred_at = models.DateTimeField("première orientation le", null=True, blank=True)
    # Copied when the call-back request is erased (chain_actions.chain_personal_erase):
    # the referrals are no longer linked, the funnel reads these instead.
    erased_at = models.DateTimeField("demande effacée le", null=True, blank=True)
    referrals_count = models.PositiveIntegerField("orientations (à l'effacement)", default=0)
    # [{benefit, yearly_amount (euros per year, text), opened_on, recorded_at,
    # replaced_at}]: the « droit ouvert » results recorded up to the erasure,
    # corrected ones with the date of their correction (chain_rights.RightOpened).
    rights_opened = models.JSONField("droits ouverts (à l'effacement)", default=list, blank=True)

    class Meta:
        verbose_name = "parcours d'une demande de rappel"
        verbose_name_plural = "parcours des demandes de rappel"
        ordering = ["month", "commune__name", "token"]

    def __str__(self) -> str:
        return f"Parcours — {self.commune} ({self.month:%m/%Y})"


class ChainContact(models.Model):
    """The personal link of a chain: its call-back request (and through it
    the pre-filled situation) and the monthly amounts the rights check
    found. Deleted with the call-back request."""

    chain = models.OneToOneField(
        Chain, verbose_name="parcours", on_delete=models.CASCADE, related_name="personal"
    )
    contact = models.OneToOneField(
        "surveys.Contact",
        verbose_name="demande de rappel",
        on_delete=models.CASCADE,
        related_name="chain_link",
    )
    # Benefit id → euros per month, as the referral form records them.
    simulated_amounts = models.JSONField("montants simulés (€/mois)", default=dict, blank=True)

    class Meta:
        verbose_name = "lien d'un parcours à sa demande de rappel"
        verbose_name_plural = "liens des parcours à leur demande de rappel"

    def __str__(self) -> str:
        return f"Lien du parcours {self.chain_id}"


class ChainReferral(models.Model):
    """A referral sent from a chain (the referral keeps its own personal
    data and anonymisation; this row only counts it in the funnel)."""

    chain = models.ForeignKey(
        Chain, verbose_name="parcours", on_delete=models.CASCADE, related_name="referral_links"
    )
    referral = models.OneToOneField(
        "referrals.Referral",
        verbose_name="orientation",
        on_delete=models.CASCADE,
        related_name="chain_link",
    )

    class Meta:
        verbose_name = "orientation d'un parcours"
        verbose_name_plural = "orientations des parcours"

    def __str__(self) -> str:
        return f"Orientation {self.referral_id} du parcours {self.chain_id}"
