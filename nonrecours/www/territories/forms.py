from django import forms

from nonrecours.territories.enums import Stratum, StratumSource
from nonrecours.territories.models import Commune, Territory

BY_RULE = ""


class StrataForm(forms.Form):
    small_commune_threshold = forms.IntegerField(
        label="Seuil des petites communes (habitants)",
        min_value=0,
        max_value=1_000_000,
        help_text="En dessous de ce nombre d'habitants, une commune est une « petite commune ».",
    )
    density_threshold = forms.IntegerField(
        label="Seuil de densité urbaine (habitants par km²)",
        min_value=0,
        max_value=100_000,
        help_text="À partir de cette densité, une commune est « urbaine », sinon « rurale ».",
    )

    def __init__(
        self, *args: object, territory: Territory, communes: list[Commune], **kwargs: object
    ):
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.communes = communes
        if not self.is_bound:
            self.initial.update(
                small_commune_threshold=territory.small_commune_threshold,
                density_threshold=territory.density_threshold,
            )
        choices = [(BY_RULE, "Selon la règle"), *Stratum.choices]
        for commune in communes:
            self.fields[self.field_name(commune)] = forms.ChoiceField(
                label=commune.name,
                choices=choices,
                required=False,
                initial=commune.stratum
                if commune.stratum_source == StratumSource.MANUAL
                else BY_RULE,
            )

    @staticmethod
    def field_name(commune: Commune) -> str:
        return f"commune_{commune.insee_code}"

    def commune_fields(self) -> list[tuple[Commune, forms.BoundField]]:
        return [(c, self[self.field_name(c)]) for c in self.communes]

    def stratum_choices(self) -> dict[str, Stratum | None]:
        return {
            c.insee_code: Stratum(value)
            if (value := self.cleaned_data[self.field_name(c)])
            else None
            for c in self.communes
        }
