"""Forms of the accounts' pages: the code of the second factor, inviting
(one person, or a file), accepting an invitation. The rules themselves are
checked by nonrecours.accounts.actions, whose errors come back on a field."""

from typing import Any

from django import forms
from django.contrib.auth import password_validation
from django.core.files.uploadedfile import UploadedFile

from nonrecours.accounts.enums import Role
from nonrecours.accounts.models import Organisation
from nonrecours.csvtext import UnreadableFile, decode

MAX_FILE_BYTES = 1024 * 1024  # a few hundred lines take a few kilobytes


def code_field() -> forms.CharField:
    """A TOTP code: six digits, with what phones need to offer them."""
    return forms.CharField(
        label="Code à 6 chiffres",
        max_length=20,
        help_text="Le code affiché maintenant par votre application d'authentification.",
        widget=forms.TextInput(
            attrs={
                "autocomplete": "one-time-code",
                "inputmode": "numeric",
                "autocapitalize": "none",
                "spellcheck": "false",
            }
        ),
        error_messages={"required": "Saisissez le code à 6 chiffres de votre application."},
    )


class CodeForm(forms.Form):
    code = code_field()


class InvitationForm(forms.Form):
    email = forms.CharField(
        label="Adresse e-mail de la personne",
        max_length=200,
        help_text="Elle reçoit le lien d'invitation ; ce sera son identifiant.",
        widget=forms.EmailInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
        error_messages={"required": "Saisissez l'adresse e-mail de la personne à inviter."},
    )
    organisation = forms.ModelChoiceField(
        label="Organisation",
        queryset=Organisation.objects.none(),
        empty_label="Choisir…",
        error_messages={
            "required": "Choisissez l'organisation de la personne.",
            "invalid_choice": "Choisissez une organisation de la liste.",
        },
    )
    role = forms.ChoiceField(
        label="Rôle",
        error_messages={
            "required": "Choisissez le rôle de la personne.",
            "invalid_choice": "Choisissez un rôle de la liste.",
        },
    )

    def __init__(self, *args: Any, organisations: Any, roles: list[Role], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["organisation"].queryset = organisations  # type: ignore[attr-defined]
        self.fields["role"].choices = [("", "Choisir…"), *((r.value, r.label) for r in roles)]  # type: ignore[attr-defined]


class InvitationFileForm(forms.Form):
    file = forms.FileField(
        label="Fichier CSV",
        help_text=(
            "Une ligne par personne, avec les colonnes « e-mail », « organisation » (son nom "
            "exact) et « rôle » (administrateur·rice, chargé·e de mission, enquêteur·rice ou "
            "partenaire). Si une ligne est fausse, personne n'est invité."
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


class NewAccountForm(forms.Form):
    """Accepting an invitation without an account; ``code`` only when the
    role requires a second factor."""

    first_name = forms.CharField(
        label="Prénom (facultatif)",
        max_length=150,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "given-name"}),
    )
    last_name = forms.CharField(
        label="Nom (facultatif)",
        max_length=150,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "family-name"}),
    )
    password = forms.CharField(
        label="Mot de passe",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        error_messages={"required": "Choisissez un mot de passe."},
    )
    password_again = forms.CharField(
        label="Mot de passe, une seconde fois",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        error_messages={"required": "Saisissez le mot de passe une seconde fois."},
    )

    def __init__(self, *args: Any, with_code: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # The rules of AUTH_PASSWORD_VALIDATORS, in the active language.
        self.fields["password"].help_text = " ".join(
            password_validation.password_validators_help_texts()
        )
        if with_code:
            self.fields["code"] = code_field()
