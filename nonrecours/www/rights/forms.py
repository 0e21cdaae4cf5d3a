"""The simulator's forms: each fills a part of a situation (the format of
nonrecours.rights.situation), shared by the step-by-step path and the
professional's one-page mode."""

from typing import Any

from django import forms
from django.utils import timezone

from nonrecours.rights.situation import RECEIVED
from nonrecours.territories.models import Commune

ACTIVITIES = [
    ("salarie", "En emploi (salarié·e)"),
    ("chomeur", "Demandeur·se d'emploi"),
    ("etudiant", "Étudiant·e ou en formation"),
    ("retraite", "Retraité·e"),
    ("inactif", "Sans activité (au foyer, en arrêt…)"),
]
HOUSING = [
    ("locataire_hlm", "Locataire d'un logement social (HLM)"),
    ("locataire_vide", "Locataire d'un logement non meublé"),
    ("locataire_meuble", "Locataire d'un logement meublé"),
    ("locataire_foyer", "En foyer ou résidence sociale"),
    ("proprietaire", "Propriétaire (sans emprunt en cours)"),
    ("primo_accedant", "Propriétaire qui rembourse un emprunt"),
    ("loge_gratuitement", "Hébergé·e gratuitement (famille, ami·es…)"),
    ("sans_domicile", "Sans domicile"),
]
DISABILITY = [
    ("", "Non"),
    ("0.5", "Oui, taux de 50 à 79 %"),
    ("0.8", "Oui, taux de 80 % ou plus"),
]
SCHOOLING = [
    ("aucune", "Pas encore scolarisé·e, ou ne va plus à l'école"),
    ("maternelle", "École maternelle"),
    ("primaire", "École élémentaire"),
    ("college", "Collège"),
    ("lycee", "Lycée"),
    ("enseignement_superieur", "Études supérieures"),
]
RESOURCES = [
    ("salaire_net", "Salaire net"),
    ("chomage_net", "Allocation chômage"),
    ("retraite_nette", "Retraite"),
    ("pension_invalidite", "Pension d'invalidité"),
    ("pension_alimentaire", "Pension alimentaire reçue"),
    ("indemnites_journalieres", "Indemnités journalières (arrêt maladie…)"),
]
RECEIVED_LABELS = {
    "rsa": "RSA",
    "prime_activite": "Prime d'activité",
    "aide_logement": "Aide au logement",
    "af": "Allocations familiales",
    "cf": "Complément familial",
    "asf": "Allocation de soutien familial",
    "paje_base": "Allocation de base de la PAJE",
    "aspa": "ASPA (minimum vieillesse)",
    "aah": "AAH",
    "asi": "ASI",
}
MAX_CHILDREN = 8


def euros(label: str, help_text: str = "") -> forms.DecimalField:
    return forms.DecimalField(
        label=label,
        required=False,
        min_value=0,
        max_value=100_000,
        decimal_places=2,
        help_text=help_text,
        widget=forms.NumberInput(attrs={"inputmode": "decimal", "step": "0.01"}),
    )


class DateField(forms.DateField):
    widget = forms.DateInput(attrs={"type": "date"})

    def __init__(self, **kwargs: Any):
        kwargs.setdefault("input_formats", ["%Y-%m-%d", "%d/%m/%Y"])
        kwargs.setdefault(
            "error_messages",
            {"invalid": "Date invalide : jour/mois/année, par exemple 15/05/1991."},
        )
        super().__init__(**kwargs)

    def validate(self, value: Any) -> None:
        super().validate(value)
        if value and value > timezone.localdate():
            raise forms.ValidationError("Cette date est dans le futur.")
        if value and value.year < 1900:
            raise forms.ValidationError("Cette date est trop ancienne.")


class HousingForm(forms.Form):
    commune = forms.ChoiceField(label="Votre commune")
    statut = forms.ChoiceField(label="Votre logement", choices=HOUSING, widget=forms.RadioSelect)
    loyer = euros(
        "Loyer mensuel, hors charges",
        "Le loyer seul, comme sur la quittance : sans les charges et sans déduire "
        "l'aide au logement.",
    )

    def __init__(self, *args: Any, communes: list[Commune], **kwargs: Any):
        super().__init__(*args, **kwargs)
        choice = self.fields["commune"]
        assert isinstance(choice, forms.ChoiceField)  # noqa: S101 (declared above)
        choice.choices = [("", "Choisissez…")] + [(c.insee_code, c.name) for c in communes]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if str(data.get("statut", "")).startswith("locataire") and not data.get("loyer"):
            if "loyer" not in self.errors:
                self.add_error(
                    "loyer",
                    "Indiquez le loyer mensuel hors charges (les locataires en ont un, "
                    "plus de 0 €).",
                )
        return data

    def part(self) -> dict[str, Any]:
        data = self.cleaned_data
        housing: dict[str, Any] = {"statut": data["statut"]}
        if data.get("loyer") is not None:
            housing["loyer"] = float(data["loyer"])
        return {"commune": data["commune"], "logement": housing}


class PersonForm(forms.Form):
    naissance = DateField(label="Date de naissance")
    activite = forms.ChoiceField(label="Situation", choices=ACTIVITIES, widget=forms.RadioSelect)
    handicap = forms.ChoiceField(
        label="Handicap reconnu par la MDPH",
        choices=DISABILITY,
        required=False,
        widget=forms.RadioSelect,
    )

    def part(self) -> dict[str, Any]:
        data = self.cleaned_data
        person: dict[str, Any] = {
            "naissance": data["naissance"].isoformat(),
            "activite": data["activite"],
        }
        if data.get("handicap"):
            person["taux_incapacite"] = float(data["handicap"])
        return person


class HouseholdForm(forms.Form):
    en_couple = forms.ChoiceField(
        label="Vivez-vous en couple ?",
        choices=[("non", "Non"), ("oui", "Oui")],
        widget=forms.RadioSelect,
    )
    enfants = forms.IntegerField(
        label="Nombre d'enfants à votre charge",
        min_value=0,
        max_value=MAX_CHILDREN,
        initial=0,
        help_text=f"De 0 à {MAX_CHILDREN}.",
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
    )


class ChildForm(forms.Form):
    naissance = DateField(label="Date de naissance")
    scolarite = forms.ChoiceField(label="Scolarité", choices=SCHOOLING)


class ResourcesForm(forms.Form):
    """Monthly average of the last three months."""

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        for name, label in RESOURCES:
            self.fields[name] = euros(label)

    def part(self) -> dict[str, float]:
        return {
            name: float(value)
            for name, value in self.cleaned_data.items()
            if value not in (None, "") and float(value) > 0
        }


class ReceivedForm(forms.Form):
    revenu_fiscal_reference = euros(
        "Revenu fiscal de référence de votre dernier avis d'imposition (facultatif)",
        "Ligne « revenu fiscal de référence » ; laissez vide si vous ne le savez pas.",
    )

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        for name in RECEIVED:
            self.fields[name] = euros(f"{RECEIVED_LABELS[name]} (par mois)")
        revenue = self.fields["revenu_fiscal_reference"]
        assert isinstance(revenue, forms.DecimalField)  # noqa: S101 (declared above)
        revenue.max_value = 10_000_000

    def part(self) -> dict[str, Any]:
        data = self.cleaned_data
        received = {
            name: float(data[name]) for name in RECEIVED if data.get(name) not in (None, "")
        }
        result: dict[str, Any] = {"prestations_percues": received}
        if data.get("revenu_fiscal_reference") is not None:
            result["revenu_fiscal_reference"] = float(data["revenu_fiscal_reference"])
        return result


class ConsentForm(forms.Form):
    consent = forms.BooleanField(
        label="J'accepte que cette simulation soit conservée",
        required=True,
        error_messages={"required": "Cochez la case pour que la simulation soit conservée."},
    )


class CodeForm(forms.Form):
    code = forms.CharField(
        label="Code de la simulation",
        max_length=20,
        help_text="Huit caractères, par exemple 7KQ4-MZ2P (tirets et espaces ignorés).",
        widget=forms.TextInput(attrs={"autocomplete": "off", "autocapitalize": "characters"}),
    )
