"""The forms of the aller-vers pages: the priority index's weights, a place
added as a stop, a calendar of the bus and the change of one of its visits."""

import datetime

from django import forms

from nonrecours.outreach.actions import MAX_WEIGHT
from nonrecours.outreach.calendar import MAX_VEHICLES, SMALL_COMMUNE_EVERY_WEEKS
from nonrecours.outreach.planning import MAX_WEEKS, MIN_WEEKS, day_text, weekday_name
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


DATE_FORMATS = ["%Y-%m-%d", "%d/%m/%Y"]
WEEKDAYS = [(day, weekday_name(day).capitalize()) for day in range(7)]


class CalendarForm(forms.Form):
    """The frame of a new calendar of the bus (outreach.calendar.territory_calendar)."""

    name = forms.CharField(
        label="Nom du calendrier", max_length=120, help_text="Par exemple « Hiver 2027 »."
    )
    start = forms.DateField(
        label="Premier jour (un lundi)", input_formats=DATE_FORMATS,
        help_text="Au format jj/mm/aaaa, par exemple 04/01/2027.",
    )  # fmt: skip
    weeks = forms.IntegerField(
        label="Nombre de semaines", min_value=MIN_WEEKS, max_value=MAX_WEEKS, initial=8,
        help_text=f"De {MIN_WEEKS} à {MAX_WEEKS} semaines.",
    )  # fmt: skip
    vehicles = forms.IntegerField(
        label="Nombre de véhicules", min_value=1, max_value=MAX_VEHICLES, initial=1
    )
    small_every_weeks = forms.IntegerField(
        label="Petites communes : au moins une visite toutes les … semaines",
        min_value=0, max_value=MAX_WEEKS, initial=SMALL_COMMUNE_EVERY_WEEKS,
        help_text="0 : pas de fréquence imposée (les plus prioritaires d'abord). Les quartiers "
        "prioritaires sont visités chaque semaine.",
    )  # fmt: skip

    def clean_start(self) -> datetime.date:
        start: datetime.date = self.cleaned_data["start"]
        if start.weekday() != 0:
            raise forms.ValidationError(
                f"Le calendrier commence un lundi : le {day_text(start)} n'en est pas un."
            )
        return start


class VisitMoveForm(forms.Form):
    """Where a visit moves (outreach.saved_calendars.visit_move)."""

    day = forms.DateField(
        label="Nouveau jour", input_formats=DATE_FORMATS,
        help_text="Au format jj/mm/aaaa.",
    )  # fmt: skip
    half_day = forms.ChoiceField(label="Demi-journée")
    vehicle = forms.TypedChoiceField(label="Véhicule", coerce=int)
    reason = forms.CharField(
        label="Motif (facultatif)", max_length=300, required=False,
        help_text="Affiché aux habitant·es avec le changement, par exemple « jour de marché ».",
    )  # fmt: skip
    confirm = forms.BooleanField(
        label="Enregistrer ce déplacement malgré les règles enfreintes", required=False
    )

    def __init__(
        self, *args: object, half_days: list[str], vehicles: int, **kwargs: object
    ) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["half_day"].choices = [(h, h) for h in half_days]  # type: ignore[attr-defined]
        self.fields["vehicle"].choices = [  # type: ignore[attr-defined]
            (str(n), f"Véhicule {n}") for n in range(1, vehicles + 1)
        ]


class VisitCancelForm(forms.Form):
    """Why a visit is cancelled (outreach.saved_calendars.visit_cancel)."""

    cancel_reason = forms.CharField(
        label="Motif de l'annulation", max_length=300,
        help_text="Affiché aux habitant·es, par exemple « bus en panne ».",
    )  # fmt: skip


class StopForm(forms.Form):
    """A stop changed by the team (outreach.stops.stop_update)."""

    name = forms.CharField(label="Nom de l'arrêt", max_length=200)
    address = forms.CharField(
        label="Adresse (facultatif)", max_length=300, required=False,
        help_text="Affichée aux habitant·es, par exemple « 1 place de la Mairie ».",
    )  # fmt: skip
    latitude = forms.DecimalField(
        label="Latitude", max_digits=9, decimal_places=6, localize=True,
        help_text="En degrés décimaux, par exemple 50,2910.",
    )  # fmt: skip
    longitude = forms.DecimalField(
        label="Longitude", max_digits=9, decimal_places=6, localize=True,
        help_text="En degrés décimaux, par exemple 2,7775.",
    )  # fmt: skip
    service_minutes = forms.IntegerField(
        label="Durée de présence (minutes)", min_value=30, max_value=300,
        help_text="Le temps passé sur place, trajets non compris.",
    )  # fmt: skip
    is_active = forms.BooleanField(
        label="Proposer cet arrêt aux prochains calendriers", required=False
    )
    preferred_weekdays = forms.TypedMultipleChoiceField(
        label="Jours souhaités (facultatif)", choices=WEEKDAYS, coerce=int, required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Un jour de marché, par exemple : le calendrier le choisit quand il le peut.",
    )  # fmt: skip
    partner = forms.CharField(
        label="Partenaire nécessaire à bord (facultatif)", max_length=60, required=False,
        help_text="Par exemple « MSA » : l'arrêt n'est alors visité que les jours où ce "
        "partenaire est à bord (réglages du bus).",
    )  # fmt: skip


class BusSettingsForm(forms.Form):
    """The rules of the bus (outreach.bus_settings.bus_settings_save)."""

    depot = forms.ChoiceField(
        label="Dépôt (d'où part le bus chaque demi-journée)", required=False,
        help_text="Les temps de trajet se comptent depuis ce lieu.",
    )  # fmt: skip
    weekdays = forms.TypedMultipleChoiceField(
        label="Jours de circulation", choices=WEEKDAYS, coerce=int,
        widget=forms.CheckboxSelectMultiple,
    )  # fmt: skip
    morning_start = forms.TimeField(label="Matin : début", help_text="Par exemple 09:00.")
    morning_end = forms.TimeField(label="Matin : fin", help_text="Par exemple 12:30.")
    afternoon_start = forms.TimeField(
        label="Après-midi : début", help_text="La pause de midi est l'écart entre les deux."
    )
    afternoon_end = forms.TimeField(label="Après-midi : fin", help_text="Par exemple 17:00.")

    def __init__(self, *args: object, stops: list[tuple[str, str]], **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["depot"].choices = [  # type: ignore[attr-defined]
            ("", "— la mairie de la ville-centre —"),
            *stops,
        ]
        for day, name in WEEKDAYS:
            self.fields[f"partners_{day}"] = forms.CharField(
                label=f"Partenaires à bord le {name.lower()} (facultatif)", max_length=300,
                required=False, help_text="Séparés par des virgules, par exemple « CAF, MSA ».",
            )  # fmt: skip

    def partner_days(self) -> dict[int, str]:
        """Weekday → the names typed (after is_valid)."""
        return {day: self.cleaned_data.get(f"partners_{day}", "") for day, _ in WEEKDAYS}
