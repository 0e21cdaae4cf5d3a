from typing import Any

from django import forms

from nonrecours.surveys import queries
from nonrecours.surveys.enums import Channel
from nonrecours.surveys.importers.files import SourceFormat
from nonrecours.surveys.models import Campaign, QuestionnaireVersion
from nonrecours.surveys.questionnaire import MODULE_MAX_BYTES
from nonrecours.surveys.subgroups import Filters
from nonrecours.territories.enums import Stratum
from nonrecours.territories.models import Territory
from nonrecours.territories.queries import member_communes
from nonrecours.textrules import shown
from nonrecours.www.validators import single_line

MAX_UPLOAD_BYTES = 200 * 1024 * 1024


class ImportForm(forms.Form):
    source = forms.ChoiceField(
        label="Outil d'origine",
        choices=[
            (
                SourceFormat.KOBO.value,
                "KoboToolbox ou ODK Central (CSV ou XLSX, valeurs et en-têtes XML)",
            ),
            (SourceFormat.LIMESURVEY.value, "LimeSurvey (CSV, codes de réponse)"),
        ],
        widget=forms.RadioSelect,
        initial=SourceFormat.KOBO.value,
    )
    file = forms.FileField(
        label="Fichier de soumissions",
        help_text="CSV (UTF-8) ou XLSX, 200 Mo au plus.",
    )
    survey_id = forms.RegexField(
        label="Identifiant de l'enquête LimeSurvey",
        regex=r"^[A-Za-z0-9_-]{1,40}$",
        required=False,
        help_text="LimeSurvey seulement, si le nom du fichier ne le contient pas "
        "(results-survey123456.csv) : les numéros de réponse recommencent à 1 dans chaque "
        "enquête.",
        error_messages={"invalid": "Chiffres, lettres, - ou _ seulement (40 au plus)."},
    )
    separator = forms.RegexField(
        label="Séparateur des groupes dans les en-têtes",
        regex=r"^[^\s\w]{1,3}$|^_{1,3}$",
        required=False,
        help_text="Laissez vide : / - . et : sont reconnus.",
        error_messages={"invalid": "Un à trois signes de ponctuation."},
    )
    include_unreviewed = forms.BooleanField(
        label="Importer aussi les lignes non approuvées, en attente, rejetées ou incomplètes "
        "selon l'outil de collecte",
        required=False,
    )

    def clean_file(self) -> object:
        upload = self.cleaned_data["file"]
        if not upload.name.lower().endswith((".csv", ".xlsx")):
            raise forms.ValidationError("Le fichier doit être un .csv ou un .xlsx.")
        if upload.size > MAX_UPLOAD_BYTES:
            raise forms.ValidationError("Le fichier dépasse 200 Mo.")
        return upload


class CampaignForm(forms.Form):
    name = forms.CharField(label="Nom de la campagne", max_length=200, validators=[single_line])
    slug = forms.SlugField(
        label="Identifiant (adresse du questionnaire en ligne)",
        max_length=100,
        help_text="Lettres minuscules, chiffres et tirets, par exemple barometre-2026.",
    )
    starts_on = forms.DateField(label="Début", widget=forms.DateInput(attrs={"type": "date"}))
    ends_on = forms.DateField(label="Fin", widget=forms.DateInput(attrs={"type": "date"}))
    channels = forms.MultipleChoiceField(
        label="Canaux de collecte",
        choices=[(c.value, c.label) for c in Channel if c != Channel.SYNTHETIC],
        widget=forms.CheckboxSelectMultiple,
    )
    questionnaire = forms.ModelChoiceField(
        label="Version du questionnaire",
        queryset=QuestionnaireVersion.objects.none(),
        empty_label=None,
    )
    total_target = forms.IntegerField(
        label="Objectif total de réponses (facultatif)",
        required=False,
        min_value=1,
        max_value=10_000_000,
        help_text=(
            "Réparti entre les communes selon leur population (5 au moins par commune), "
            "arrondi sans rien perdre ni ajouter."
        ),
    )

    def __init__(self, *args: object, territory: Territory, **kwargs: object):
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.territory = territory
        self.fields["questionnaire"].queryset = queries.questionnaire_versions_for(territory)  # type: ignore[attr-defined]
        for stratum in Stratum:
            self.fields[f"target_{stratum.value}"] = forms.IntegerField(
                label=f"Objectif supplémentaire pour la strate « {stratum.label} » (facultatif)",
                help_text="Ajouté à l'objectif total, réparti entre les communes de la strate.",
                required=False,
                min_value=1,
                max_value=10_000_000,
            )

    def stratum_fields(self) -> list[forms.BoundField]:
        return [self[f"target_{s.value}"] for s in Stratum]

    def clean_slug(self) -> str:
        slug: str = self.cleaned_data["slug"]
        if Campaign.objects.filter(slug=slug).exists():
            raise forms.ValidationError("Cet identifiant est déjà pris par une autre campagne.")
        return slug

    def clean(self) -> dict[str, object]:
        data = super().clean() or {}
        starts, ends = data.get("starts_on"), data.get("ends_on")
        if starts and ends and ends < starts:
            self.add_error("ends_on", "La fin de la campagne précède son début.")
        return data

    def stratum_targets(self) -> dict[str, int]:
        return {
            s.value: self.cleaned_data[f"target_{s.value}"]
            for s in Stratum
            if self.cleaned_data.get(f"target_{s.value}")
        }


class ModuleForm(forms.Form):
    file = forms.FileField(
        label="Module local (fichier YAML)",
        required=False,
        help_text="Fichier .yaml contenant « sections: » (voir le guide du baromètre).",
    )
    text = forms.CharField(
        label="… ou le module collé ici",
        required=False,
        max_length=MODULE_MAX_BYTES,
        widget=forms.Textarea(attrs={"rows": 12, "spellcheck": "false"}),
    )

    def clean(self) -> dict[str, object]:
        data = super().clean() or {}
        upload = data.get("file")
        if upload:
            if upload.size > MODULE_MAX_BYTES:
                raise forms.ValidationError(
                    f"Le module dépasse {MODULE_MAX_BYTES // 1024} Ko : un module local "
                    "tient en quelques pages."
                )
            try:
                data["yaml"] = upload.read().decode("utf-8")
            except UnicodeDecodeError:
                raise forms.ValidationError("Le fichier doit être en UTF-8.") from None
            data["source"] = shown(upload.name, 100)
        elif str(data.get("text") or "").strip():
            data["yaml"] = data["text"]
            data["source"] = "module collé"
        else:
            raise forms.ValidationError("Choisissez un fichier YAML ou collez le module.")
        return data


class DashboardFilterForm(forms.Form):
    """The dashboard's subgroup: stratum, commune, sex, age band (GET)."""

    strate = forms.ChoiceField(label="Strate", required=False)
    commune = forms.ChoiceField(label="Commune", required=False)
    sexe = forms.ChoiceField(label="Sexe", required=False)
    age = forms.ChoiceField(label="Tranche d'âge", required=False)
    indicateur = forms.CharField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args: Any, campaign: Campaign, **kwargs: Any):
        super().__init__(*args, **kwargs)
        everyone = [("", "Toutes")]
        self._choice("strate").choices = everyone + [(s.value, s.label) for s in Stratum]
        communes = member_communes(campaign.territory)
        self._choice("commune").choices = everyone + [(c.insee_code, c.name) for c in communes]
        questionnaire = campaign.questionnaire.questionnaire()
        names = {q.name: q for q in questionnaire.questions}
        for field, question in (("sexe", "sexe"), ("age", "tranche_age")):
            if question in names:
                self._choice(field).choices = [("", "Tous")] + [
                    (c.code, c.label) for c in names[question].choices
                ]
            else:
                del self.fields[field]

    def _choice(self, name: str) -> forms.ChoiceField:
        field = self.fields[name]
        assert isinstance(field, forms.ChoiceField)  # noqa: S101 (declared above)
        return field

    def filters(self) -> Filters:
        if not self.is_bound or not self.is_valid():
            return Filters()
        data = self.cleaned_data
        return Filters(
            stratum=data.get("strate") or None,
            commune=data.get("commune") or None,
            sex=data.get("sexe") or None,
            age=data.get("age") or None,
        )

    def description(self) -> str:
        """The subgroup in words, e.g. « Une femme · 25 à 34 ans »."""
        if not self.is_bound or not self.is_valid():
            return ""
        parts = []
        for name, field in self.fields.items():
            value = self.cleaned_data.get(name)
            if value and isinstance(field, forms.ChoiceField):
                labels = {str(code): label for code, label in field.choices}  # type: ignore[misc,union-attr]
                parts.append(f"{field.label} : {labels[value]}")
        return " · ".join(parts)
