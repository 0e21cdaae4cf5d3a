"""Entering and correcting directory entries in the pages: a structure (the
territory's team, or the partner organisation attached to it) and its offers.
What the project does not know is left empty for the territory to enter;
every entry is checked against the data·inclusion schema like an import."""

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse

from nonrecours.accounts.models import Organisation
from nonrecours.directory import actions, hours, queries, schema
from nonrecours.directory.access import (
    access_directory_edit_by_siren,
    access_offer_edit_by_id,
    access_structure_edit_by_id,
    directory_team,
)
from nonrecours.directory.models import Offer, Structure
from nonrecours.mailing.watch import mail_watch
from nonrecours.territories.models import Territory
from nonrecours.territories.queries import member_communes
from nonrecours.www.errors import add_to_form
from nonrecours.www.mail_messages import warn_unsent
from nonrecours.www.requests import AuthenticatedRequest


def _text(label: str, *, required: bool = False, long: bool = False, **attrs: Any) -> Any:
    widget = forms.Textarea(attrs={"rows": 3}) if long else forms.TextInput(attrs=attrs)
    return forms.CharField(label=label, required=required, widget=widget)


class EntryForm(forms.Form):
    """Fields named after the data·inclusion keys."""

    def record(self) -> dict[str, Any]:
        return {key: value for key, value in self.cleaned_data.items() if key != "organisation"}


class StructureForm(EntryForm):
    nom = _text("Nom", required=True)
    description = _text("Description (facultatif)", long=True)
    adresse = _text("Adresse", autocomplete="off")
    complement_adresse = _text("Complément d'adresse")
    code_postal = _text("Code postal", inputmode="numeric")
    code_insee = forms.ChoiceField(label="Commune")
    telephone = _text("Téléphone", type="tel")
    courriel = _text(
        "Courriel (les orientations sans compte partenaire y sont envoyées)", type="email"
    )
    site_web = _text("Site web", type="url")
    horaires_accueil = _text("Horaires d'accueil")
    organisation = forms.ModelChoiceField(
        label="Organisation partenaire qui reçoit les orientations avec ses comptes",
        queryset=Organisation.objects.none(),
        required=False,
        empty_label="Aucune : par le lien envoyé au courriel",
    )

    def __init__(
        self,
        *args: Any,
        territory: Territory,
        team: bool,
        current: dict[str, Any] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        communes = member_communes(territory)
        choices = [(c.insee_code, c.name) for c in communes]
        self._communes = dict(choices)
        code = (current or {}).get("code_insee")
        if code and code not in self._communes:
            # An imported entry may sit outside the territory's communes:
            # it stays editable with its commune (same verdict as an import).
            name = str((current or {}).get("commune") or code)
            self._communes[code] = name
            choices.append((code, f"{name} (hors du territoire)"))
        self.fields["code_insee"].choices = [("", "Choisir"), *choices]  # type: ignore[attr-defined]
        self.fields["horaires_accueil"].help_text = hours.HOURS_HELP
        if team:
            self.fields["organisation"].queryset = Organisation.objects.filter(  # type: ignore[attr-defined]
                territory=territory
            )
        else:  # only the territory's team decides who receives
            del self.fields["organisation"]

    def record(self) -> dict[str, Any]:
        data = super().record()
        if data.get("code_insee"):
            data["commune"] = self._communes[data["code_insee"]]
        return data


def _choices(name: str) -> list[tuple[str, str]]:
    return schema.vocabulary(name)


class OfferForm(EntryForm):
    nom = _text("Nom de l'offre", required=True)
    description = _text("Description", required=True, long=True)
    type = forms.ChoiceField(label="Type d'offre", required=False)
    thematiques = forms.MultipleChoiceField(
        label="Besoins auxquels elle répond",
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 8}),
    )
    publics = forms.MultipleChoiceField(
        label="Publics", required=False, widget=forms.CheckboxSelectMultiple
    )
    zone_eligibilite = forms.CharField(
        label="Zone d'éligibilité",
        help_text=(
            "Codes séparés par des virgules : communes (code INSEE, ex. 62041), département "
            "(ex. 62), EPCI (SIREN, ex. 200033579) ou « france »."
        ),
    )
    conditions_acces = _text("Conditions d'accès", long=True)
    frais = forms.ChoiceField(label="Frais", required=False)
    modes_accueil = forms.MultipleChoiceField(
        label="Modes d'accueil", required=False, widget=forms.CheckboxSelectMultiple
    )
    modes_mobilisation = forms.MultipleChoiceField(
        label="Comment y accéder", required=False, widget=forms.CheckboxSelectMultiple
    )
    telephone = _text("Téléphone", type="tel")
    courriel = _text("Courriel de l'offre (sinon : celui de la structure)", type="email")
    horaires_accueil = _text("Horaires d'accueil (sinon : ceux de la structure)")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        sets = {
            "type": [("", "Non précisé"), *_choices("TypeService")],
            "thematiques": _choices("Thematique"),
            "publics": _choices("Public"),
            "frais": [("", "Non précisé"), *_choices("Frais")],
            "modes_accueil": _choices("ModeAccueil"),
            "modes_mobilisation": _choices("ModeMobilisation"),
        }
        for name, choices in sets.items():
            self.fields[name].choices = choices  # type: ignore[attr-defined]
        self.fields["horaires_accueil"].help_text = hours.HOURS_HELP

    def record(self) -> dict[str, Any]:
        data = super().record()
        data["zone_eligibilite"] = [
            code.strip() for code in data["zone_eligibilite"].split(",") if code.strip()
        ]
        return data


def _initial(record: dict[str, Any], fields: Any) -> dict[str, Any]:
    initial: dict[str, Any] = {key: record[key] for key in fields if key in record}
    zone = initial.get("zone_eligibilite")
    if isinstance(zone, list):
        initial["zone_eligibilite"] = ", ".join(str(code) for code in zone)
    return initial


def _render(
    request: HttpRequest,
    form: forms.Form,
    title: str,
    back: str,
    territory: Territory,
    entry: Structure | Offer | None,
) -> HttpResponse:
    warnings = queries.entry_warnings(entry) if entry is not None else []
    return render(
        request,
        "directory/edit.html",
        {"form": form, "title": title, "back": back, "territory": territory, "warnings": warnings},
        status=422 if form.errors else 200,
    )


def _tell_warnings(request: HttpRequest, entry: Structure | Offer) -> None:
    """What was saved as given but is flagged: said, not refused."""
    for warning in queries.entry_warnings(entry):
        messages.warning(request, f"Enregistrée avec un avertissement de qualité : {warning}.")


def _signature(request: AuthenticatedRequest) -> str:
    user = request.user
    name = user.get_full_name() or user.get_username()
    organisations = ", ".join(
        sorted({m.organisation.name for m in user.memberships.select_related("organisation")})
    )
    return f"{name} ({organisations})" if organisations else name


@login_required
def structure_edit(request: AuthenticatedRequest, pk: int | None = None) -> HttpResponse:
    if pk is not None:
        found = access_structure_edit_by_id(request.user, pk)
        structure: Structure | None = found
        territory = found.territory
    else:
        structure = None
        territory = access_directory_edit_by_siren(request.user, request.GET.get("territoire", ""))
    team = directory_team(request.user, territory)
    initial = _initial(structure.record, StructureForm.base_fields) if structure else {}
    if structure is not None and team:
        initial["organisation"] = structure.organisation_id
    form = StructureForm(
        request.POST or None,
        initial=initial,
        territory=territory,
        team=team,
        current=structure.record if structure else None,
    )
    if request.method == "POST" and form.is_valid():
        try:
            with mail_watch() as watch:
                saved = actions.structure_save(
                    territory=territory,
                    structure=structure,
                    changes=form.record(),
                    by=_signature(request),
                    attach=team,
                    organisation=form.cleaned_data.get("organisation"),
                )
        except actions.EntryError as error:
            add_to_form(form, error)
        else:
            messages.success(request, "Fiche enregistrée, datée d'aujourd'hui.")
            _tell_warnings(request, saved)
            warn_unsent(request, watch)
            return redirect("directory_structure", pk=saved.pk)
    title = f"Modifier la fiche : {structure.name}" if structure else "Nouvelle structure"
    back = (
        reverse("directory_structure", args=[structure.pk])
        if structure
        else reverse("directory_search")
    )
    return _render(request, form, title, back, territory, structure)


@login_required
def offer_edit(
    request: AuthenticatedRequest, structure_pk: int | None = None, pk: int | None = None
) -> HttpResponse:
    if pk:
        found = access_offer_edit_by_id(request.user, pk)
        offer: Offer | None = found
        structure = found.structure
    else:
        offer = None
        structure = access_structure_edit_by_id(request.user, structure_pk or 0)
    territory = structure.territory
    initial = (
        _initial(offer.record, OfferForm.base_fields)
        if offer
        else {"zone_eligibilite": territory.siren}
    )
    form = OfferForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            with mail_watch() as watch:
                saved = actions.offer_save(
                    structure=structure,
                    offer=offer,
                    changes=form.record(),
                    by=_signature(request),
                )
        except actions.EntryError as error:
            add_to_form(form, error)
        else:
            messages.success(request, "Offre enregistrée, datée d'aujourd'hui.")
            _tell_warnings(request, saved)
            warn_unsent(request, watch)
            return redirect("directory_offer", pk=saved.pk)
    title = f"Modifier l'offre : {offer.name}" if offer else f"Nouvelle offre de {structure.name}"
    back = (
        reverse("directory_offer", args=[offer.pk])
        if offer
        else reverse("directory_structure", args=[structure.pk])
    )
    return _render(request, form, title, back, territory, offer)
