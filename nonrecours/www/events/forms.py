"""Forms of the events' pages. The rules are checked by
nonrecours.events.actions, whose errors come back on a field
(www.errors.add_to_form)."""

from typing import Any

from django import forms
from django.core.files.uploadedfile import UploadedFile

from nonrecours.accounts.enums import OrganisationKind
from nonrecours.accounts.models import Organisation
from nonrecours.csvtext import UnreadableFile, decode
from nonrecours.events.enums import EventKind
from nonrecours.events.programmes import programmes
from nonrecours.territories.models import Commune
from nonrecours.www.validators import free_text, single_line

MAX_FILE_BYTES = 1024 * 1024


def _text(
    label: str, *, required: bool = True, max_length: int = 200, **kwargs: Any
) -> forms.CharField:
    return forms.CharField(
        label=label,
        required=required,
        max_length=max_length,
        validators=[single_line],
        error_messages={"required": f"Indiquez : {label.lower()}."},
        **kwargs,
    )


class EventForm(forms.Form):
    kind = forms.ChoiceField(
        label="Type d'événement",
        choices=EventKind.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Choisissez le type d'événement."},
    )
    title = _text("Titre")
    starts_on = forms.DateField(
        label="Premier jour",
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={"required": "Indiquez le premier jour.", "invalid": "Date invalide."},
    )
    ends_on = forms.DateField(
        label="Dernier jour",
        required=False,
        help_text="Pour un événement sur plusieurs jours ; vide : un seul jour.",
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={"invalid": "Date invalide."},
    )
    start_time = forms.TimeField(
        label="Heure de début",
        help_text="Les mêmes heures chaque jour.",
        widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
        error_messages={"required": "Indiquez l'heure de début.", "invalid": "Heure invalide."},
    )
    end_time = forms.TimeField(
        label="Heure de fin",
        widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
        error_messages={"required": "Indiquez l'heure de fin.", "invalid": "Heure invalide."},
    )
    place = _text("Lieu", max_length=300, help_text="Salle et adresse.")
    commune = forms.ModelChoiceField(
        label="Commune",
        queryset=Commune.objects.none(),
        required=False,
        empty_label="—",
        error_messages={"invalid_choice": "Choisissez une commune de la liste."},
    )
    description = forms.CharField(
        label="Description",
        required=False,
        max_length=2000,
        validators=[free_text],
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    capacity = forms.IntegerField(
        label="Nombre de places",
        required=False,
        min_value=1,
        max_value=10_000,
        help_text="Vide : sans limite.",
        error_messages={
            "invalid": "Un nombre entier est attendu.",
            "min_value": "Au moins une place, ou laissez vide.",
            "max_value": "Au plus 10 000 places.",
        },
    )
    programme = forms.ChoiceField(
        label="Quiz et questionnaire de satisfaction",
        required=False,
        error_messages={"invalid_choice": "Choisissez dans la liste."},
    )
    invited_organisations = forms.ModelMultipleChoiceField(
        label="Organisations invitées",
        queryset=Organisation.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"invalid_choice": "Choisissez des organisations de la liste."},
    )
    invited_names = forms.CharField(
        label="Autres structures invitées",
        required=False,
        max_length=20_000,
        validators=[free_text],
        help_text="Les structures sans compte, une par ligne (« Club de prévention », « CHRS »…).",
        widget=forms.Textarea(attrs={"rows": 4}),
    )

    def __init__(self, *args: Any, communes: Any, organisations: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["commune"].queryset = communes  # type: ignore[attr-defined]
        self.fields["invited_organisations"].queryset = organisations  # type: ignore[attr-defined]
        self.fields["programme"].choices = [  # type: ignore[attr-defined]
            ("", "Aucun"),
            *((slug, p.title) for slug, p in programmes().items()),
        ]


class RegistrationForm(forms.Form):
    last_name = _text("Nom", max_length=100, widget=forms.TextInput(attrs={"autocomplete": "off"}))
    first_name = _text(
        "Prénom", max_length=100, widget=forms.TextInput(attrs={"autocomplete": "off"})
    )
    email = forms.CharField(
        label="Adresse e-mail",
        required=False,
        max_length=150,
        widget=forms.EmailInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
    organisation = forms.ModelChoiceField(
        label="Organisation du territoire",
        queryset=Organisation.objects.none(),
        required=False,
        empty_label="Aucune : structure sans compte",
        error_messages={"invalid_choice": "Choisissez une organisation de la liste."},
    )
    organisation_name = _text(
        "Structure sans compte",
        required=False,
        help_text="Quand la structure n'est pas dans la liste ci-dessus.",
    )
    organisation_kind = forms.ChoiceField(
        label="Type de la structure sans compte",
        required=False,
        choices=[("", "Deviné d'après son nom"), *OrganisationKind.choices],
        error_messages={"invalid_choice": "Choisissez un type de la liste."},
    )
    job_title = _text("Fonction", required=False)

    def __init__(self, *args: Any, organisations: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["organisation"].queryset = organisations  # type: ignore[attr-defined]


class RegistrationFileForm(forms.Form):
    file = forms.FileField(
        label="Fichier CSV",
        help_text=(
            "Une ligne par personne, avec les colonnes « nom », « prénom », « organisation » et, "
            "si vous les avez, « e-mail », « fonction » et « type de structure ». Si une ligne "
            "est fausse, personne n'est inscrit."
        ),
        error_messages={
            "required": "Choisissez le fichier CSV à envoyer.",
            "empty": "Le fichier est vide.",
        },
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,text/csv"}),
    )

    filename = "fichier.csv"

    def clean_file(self) -> str:
        """The file's text (UTF-8); its name is kept in ``filename``."""
        upload: UploadedFile = self.cleaned_data["file"]
        if (upload.size or 0) > MAX_FILE_BYTES:
            raise forms.ValidationError("Le fichier dépasse 1 Mo : découpez-le.")
        self.filename = upload.name or self.filename
        try:
            return decode(upload.read(), self.filename)
        except UnreadableFile as error:
            raise forms.ValidationError(str(error)) from None


OTHER = "autre"


class PublicRegistrationForm(forms.Form):
    """A participant registers: the structure is chosen among those invited,
    or typed (« Autre structure »)."""

    last_name = _text(
        "Nom", max_length=100, widget=forms.TextInput(attrs={"autocomplete": "family-name"})
    )
    first_name = _text(
        "Prénom", max_length=100, widget=forms.TextInput(attrs={"autocomplete": "given-name"})
    )
    email = forms.CharField(
        label="Adresse e-mail",
        required=False,
        max_length=150,
        help_text="Pour vous prévenir d'un changement ; elle n'est pas publiée.",
        widget=forms.EmailInput(attrs={"autocomplete": "email", "spellcheck": "false"}),
    )
    structure = forms.ChoiceField(
        label="Votre structure",
        error_messages={
            "required": "Choisissez votre structure.",
            "invalid_choice": "Choisissez une structure de la liste.",
        },
    )
    other_structure = _text(
        "Autre structure",
        required=False,
        help_text="Si votre structure n'est pas dans la liste : son nom.",
    )
    job_title = _text(
        "Fonction",
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "organization-title"}),
    )

    def __init__(self, *args: Any, structures: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["structure"].choices = [  # type: ignore[attr-defined]
            ("", "Choisir…"),
            *structures,
            (OTHER, "Autre structure (à préciser)"),
        ]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("structure") == OTHER and not data.get("other_structure"):
            self.add_error("other_structure", "Indiquez le nom de votre structure.")
        return data
