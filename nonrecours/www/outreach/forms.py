"""The form of the priority index's weights."""

from django import forms

from nonrecours.outreach.actions import MAX_WEIGHT
from nonrecours.outreach.priorities import FACTORS


class WeightsForm(forms.Form):
    """One weight per factor of the index (0 to MAX_WEIGHT; 0 leaves the
    factor out), labelled with where it comes from and how it is scaled."""

    def __init__(self, *args: object, weights: dict[str, float], **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        for factor in FACTORS:
            self.fields[factor.key] = forms.DecimalField(
                label=factor.label[:1].upper() + factor.label[1:],
                min_value=0,
                max_value=MAX_WEIGHT,
                decimal_places=1,
                localize=True,
                initial=weights[factor.key],
                help_text=f"Source : {factor.source}. Valeur de 0 à 1 : {factor.scaling}.",
                widget=forms.NumberInput(attrs={"inputmode": "decimal", "step": "0.5"}),
            )

    def weights(self) -> dict[str, float]:
        """The weights entered (after is_valid)."""
        return {f.key: float(self.cleaned_data[f.key]) for f in FACTORS}


class PlaceForm(forms.Form):
    """A place the team adds as a stop (outreach.stops.stop_add)."""

    name = forms.CharField(
        label="Nom du lieu", max_length=200, help_text="Par exemple « Place du marché »."
    )
    commune = forms.ChoiceField(label="Commune")
    latitude = forms.DecimalField(
        label="Latitude", max_digits=9, decimal_places=6, localize=True,
        help_text="En degrés décimaux, par exemple 50,2910 (clic droit sur une carte en ligne).",
    )  # fmt: skip
    longitude = forms.DecimalField(
        label="Longitude", max_digits=9, decimal_places=6, localize=True,
        help_text="En degrés décimaux, par exemple 2,7775.",
    )  # fmt: skip
    service_minutes = forms.IntegerField(
        label="Durée de présence (minutes)", min_value=30, max_value=300, initial=120,
        help_text="Le temps passé sur place, trajets non compris.",
    )  # fmt: skip

    def __init__(self, *args: object, communes: list[tuple[str, str]], **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["commune"].choices = [("", "— choisir —"), *communes]  # type: ignore[attr-defined]
