"""The directory's pages: search (list and map), a structure, an offer."""

from typing import Any

from django import forms
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from nonrecours.accounts.access import has_capability
from nonrecours.accounts.enums import Capability
from nonrecours.directory import hours, queries, schema
from nonrecours.directory.access import can_edit_structure
from nonrecours.directory.models import Offer, Structure
from nonrecours.referrals.access import can_refer
from nonrecours.territories import queries as territory_queries
from nonrecours.territories.maps import MapClass, project_features
from nonrecours.territories.models import Territory
from nonrecours.territories.queries import member_communes


class SearchForm(forms.Form):
    commune = forms.ChoiceField(label="Commune de la personne", required=False)
    thematique = forms.ChoiceField(label="Besoin", required=False)
    public = forms.ChoiceField(label="Public", required=False)
    ouvert = forms.BooleanField(label="Ouvert maintenant", required=False)

    def __init__(self, *args: Any, territory: Territory, **kwargs: Any):
        super().__init__(*args, **kwargs)
        communes = member_communes(territory)
        self._set("commune", [("", "Toutes")] + [(c.insee_code, c.name) for c in communes])
        categories = dict(schema.vocabulary("Categorie"))
        grouped: dict[str, list[tuple[str, str]]] = {}
        for value, label in schema.vocabulary("Thematique"):
            grouped.setdefault(categories.get(value.split("--")[0], ""), []).append((value, label))
        choices: list[Any] = [("", "Tous les besoins")]
        for category, label in sorted(categories.items(), key=lambda item: item[1]):
            choices.append((label, [(category, f"{label} (tout)"), *grouped.get(label, [])]))
        self._set("thematique", choices)
        self._set("public", [("", "Tous les publics"), *schema.vocabulary("Public")])

    def _set(self, name: str, choices: list[Any]) -> None:
        field = self.fields[name]
        assert isinstance(field, forms.ChoiceField)  # noqa: S101 (declared above)
        field.choices = choices


def _territory() -> Territory:
    territory = territory_queries.territory_default()
    if territory is None:
        raise Http404("Aucun territoire importé.")
    return territory


def directory_search(request: HttpRequest) -> HttpResponse:
    territory = _territory()
    form = SearchForm(request.GET or None, territory=territory)
    results: list[queries.Result] = []
    total = 0
    searched = bool(request.GET) and form.is_valid()
    commune = None
    if searched:
        data = form.cleaned_data
        commune = (
            territory.communes.filter(insee_code=data["commune"]).first()
            if data["commune"]
            else None
        )
        results, total = queries.search_directory(
            territory,
            commune=commune,
            thematic=data["thematique"],
            public=data["public"],
            open_now=data["ouvert"],
        )
    communes = list(territory.communes.members().exclude(geometry=None))
    chosen = request.GET.get("commune", "")
    items: list[tuple[str, dict[str, Any], MapClass]] = [
        (
            c.insee_code,
            dict(c.geometry or {}),
            MapClass("choisie", "choisie", "#cbc9e2")
            if c.insee_code == chosen
            else MapClass("autre", "autre", "#eef0f3"),
        )
        for c in communes
    ]
    points = [
        (str(index), result.position[0], result.position[1])
        for index, result in enumerate(results, start=1)
        if result.position
    ]
    return render(
        request,
        "directory/search.html",
        {
            "territory": territory,
            "form": form,
            "results": results,
            "total": total,
            "searched": searched,
            "nearest": commune is not None,
            "narrowed": searched
            and bool(form.cleaned_data["thematique"] or form.cleaned_data["public"]),
            "map": project_features(items, points) if searched else None,
            "today": timezone.localdate(),
            "labels": dict(schema.vocabulary("Thematique")),
            "can_refer": can_refer(request.user, territory),
            "can_add": has_capability(request.user, territory, Capability.EDIT_DIRECTORY),
        },
        status=422 if form.errors else 200,
    )


def directory_structure(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        structure = queries.structure_by_pk(pk)
    except Structure.DoesNotExist:
        raise Http404("Structure inconnue.") from None
    return render(
        request,
        "directory/structure.html",
        {
            "structure": structure,
            "record": structure.record,
            "offers": structure.offers.all(),
            "can_refer": can_refer(request.user, structure.territory),
            "can_edit": can_edit_structure(request.user, structure),
            "stale": structure.is_stale(timezone.localdate()),
            "hours": structure.record.get("horaires_accueil", ""),
            "state": hours.opening_state(structure.record.get("horaires_accueil"), timezone.now()),
            "warnings": queries.entry_warnings(structure),
        },
    )


def directory_offer(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        offer = queries.offer_by_pk(pk)
    except Offer.DoesNotExist:
        raise Http404("Offre inconnue.") from None
    labels = {
        **dict(schema.vocabulary("Thematique")),
        **dict(schema.vocabulary("Public")),
        **dict(schema.vocabulary("ModeAccueil")),
        **dict(schema.vocabulary("ModeMobilisation")),
    }
    return render(
        request,
        "directory/offer.html",
        {
            "offer": offer,
            "record": offer.record,
            "labels": labels,
            "stale": offer.is_stale(timezone.localdate()),
            "hours": offer.opening_hours,
            "state": hours.opening_state(offer.opening_hours, timezone.now()),
            "warnings": queries.entry_warnings(offer),
            "can_refer": can_refer(request.user, offer.structure.territory),
            "can_edit": can_edit_structure(request.user, offer.structure),
        },
    )
