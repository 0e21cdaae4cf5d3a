from django import forms

from nonrecours.surveys.importers.files import SourceFormat

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

    def clean_file(self) -> object:
        upload = self.cleaned_data["file"]
        if not upload.name.lower().endswith((".csv", ".xlsx")):
            raise forms.ValidationError("Le fichier doit être un .csv ou un .xlsx.")
        if upload.size > MAX_UPLOAD_BYTES:
            raise forms.ValidationError("Le fichier dépasse 200 Mo.")
        return upload
