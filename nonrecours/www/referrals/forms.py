from typing import Any

from django import forms

from nonrecours.accounts.models import Organisation
from nonrecours.referrals.enums import AgeBand, ConsentMode, OutcomeKind, RefusalReason
from nonrecours.referrals.models import Scheme
from nonrecours.rights.catalogue import benefits
from nonrecours.territories.models import Territory
from nonrecours.territories.queries import member_communes
from nonrecours.www.validators import free_text, single_line


class ReferralForm(forms.Form):
    sender_organisation = forms.ModelChoiceField(
        label="Vous orientez au nom de", queryset=Organisation.objects.none(), empty_label=None
    )
    first_name = forms.CharField(
        label="Prénom de la personne", max_length=100, validators=[single_line]
    )
    last_name = forms.CharField(
        label="Nom de la personne", max_length=100, validators=[single_line]
    )
    phone = forms.CharField(
        label="Téléphone",
        max_length=30,
        required=False,
        validators=[single_line],
        help_text="Au moins un moyen de la recontacter : téléphone ou courriel.",
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "off"}),
    )
    email = forms.CharField(
        label="Courriel",
        max_length=254,
        required=False,
        validators=[single_line],
        widget=forms.TextInput(attrs={"type": "email", "autocomplete": "off"}),
    )
    commune = forms.ChoiceField(label="Commune où elle habite")
    age_band = forms.ChoiceField(
        label="Tranche d'âge (facultatif)",
        required=False,
        choices=[("", "Non précisée"), *AgeBand.choices],
    )
    message = forms.CharField(
        label="Motif de l'orientation",
        required=False,
        validators=[free_text],
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=(
            "Seulement ce qui est utile à la structure pour recontacter la personne et "
            "comprendre sa demande. Pas d'information sur la santé."
        ),
    )
    scheme = forms.ModelChoiceField(
        label="Dispositif (facultatif)",
        queryset=Scheme.objects.none(),
        required=False,
        empty_label="Aucun",
    )
    simulation_code = forms.CharField(
        label="Code d'une simulation de droits conservée (facultatif)",
        max_length=20,
        required=False,
        help_text="Les montants estimés par le simulateur seront proposés pour le résultat.",
    )
    consent_mode = forms.ChoiceField(
        label="Comment l'accord de la personne a-t-il été recueilli ?",
        choices=ConsentMode.choices,
        widget=forms.RadioSelect,
    )
    consent = forms.BooleanField(
        label="La personne a donné son accord",
        required=True,
        error_messages={
            "required": "Sans l'accord de la personne, l'orientation ne peut pas être envoyée."
        },
    )

    def __init__(
        self,
        *args: Any,
        territory: Territory,
        organisations: list[Organisation],
        consent_text: str,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        sender = self.fields["sender_organisation"]
        assert isinstance(sender, forms.ModelChoiceField)  # noqa: S101 (declared above)
        sender.queryset = Organisation.objects.filter(pk__in=[o.pk for o in organisations])
        if len(organisations) == 1:
            sender.initial = organisations[0].pk
        commune = self.fields["commune"]
        assert isinstance(commune, forms.ChoiceField)  # noqa: S101
        commune.choices = [("", "Choisir la commune")] + [
            (c.insee_code, c.name) for c in member_communes(territory)
        ]
        scheme = self.fields["scheme"]
        assert isinstance(scheme, forms.ModelChoiceField)  # noqa: S101
        scheme.queryset = Scheme.objects.filter(territory=territory, is_active=True)
        self.fields["consent"].help_text = consent_text


class AnswerForm(forms.Form):
    decision = forms.ChoiceField(
        label="Votre réponse",
        choices=[("accept", "J'accepte l'orientation"), ("refuse", "Je refuse l'orientation")],
        widget=forms.RadioSelect,
    )
    reason = forms.ChoiceField(
        label="Motif du refus",
        required=False,
        choices=[("", "Choisir (seulement pour un refus)"), *RefusalReason.choices],
    )
    detail = forms.CharField(
        label="Précisions sur le refus (facultatif, obligatoire pour « Autre motif »)",
        required=False,
        validators=[free_text],
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class OutcomeForm(forms.Form):
    kind = forms.ChoiceField(
        label="Résultat", choices=OutcomeKind.choices, widget=forms.RadioSelect
    )
    benefit = forms.ChoiceField(label="Droit ouvert (pour « Droit ouvert »)", required=False)
    monthly_amount = forms.CharField(
        label="Montant mensuel estimé, en euros (pour « Droit ouvert »)",
        required=False,
        max_length=20,
        widget=forms.TextInput(attrs={"inputmode": "decimal"}),
    )

    def __init__(self, *args: Any, simulated: dict[str, float], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        benefit = self.fields["benefit"]
        assert isinstance(benefit, forms.ChoiceField)  # noqa: S101
        benefit.choices = [("", "Choisir le droit")] + [(b.id, b.label) for b in benefits()]
        if simulated:
            self.fields["monthly_amount"].help_text = (
                "Laissé vide, le montant estimé par le simulateur pour ce droit est repris. "
                "Pas de montant pour la complémentaire santé solidaire (gratuite ou avec "
                "participation, elle ne verse pas d'argent)."
            )


class CorrectionForm(OutcomeForm):
    """The correction of one outcome in force: the right value and why.
    The page shows one per outcome (prefix « correction-<id> »)."""

    reason = forms.CharField(
        label="Motif de la correction",
        max_length=300,
        error_messages={"required": "Indiquez le motif de la correction."},
        validators=[single_line],
        help_text="Par exemple : « montant notifié par la CAF différent de l'estimation ». "
        "Il est gardé dans le journal avec l'ancienne et la nouvelle valeur, même après "
        "l'effacement des coordonnées : ne nommez pas la personne.",
    )

    def __init__(self, *args: Any, simulated: dict[str, float], **kwargs: Any) -> None:
        super().__init__(*args, simulated=simulated, **kwargs)
        self.fields["kind"].label = "Résultat corrigé"
