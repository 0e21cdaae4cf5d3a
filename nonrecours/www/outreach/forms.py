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
