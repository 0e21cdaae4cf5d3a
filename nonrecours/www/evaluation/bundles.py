"""Territories side by side (docs/guide/comparer-les-territoires.md): the
public indicator bundle of a published wave, the comparison page of a
territory (with its CSV), and the import of other territories' bundles.
Every imported bundle read, replaced or removed here is one the territory
of the address imported (bundles_queries.imported_bundles)."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.files.uploadedfile import UploadedFile
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from nonrecours.accounts.access import has_capability
from nonrecours.accounts.enums import Capability
from nonrecours.errors import UserError
from nonrecours.evaluation import bundles_actions, bundles_queries
from nonrecours.evaluation.access import (
    access_bundle_comparison_by_siren,
    access_bundle_import_by_siren,
)
from nonrecours.evaluation.bundles_format import bundle_filename, bundle_json, bundle_of
from nonrecours.evaluation.bundles_validate import MAX_BYTES
from nonrecours.surveys.models import Publication
from nonrecours.surveys.publication import publication_at
from nonrecours.textrules import database_id
from nonrecours.www.requests import AuthenticatedRequest

ALL = "tous"


class BundleFileForm(forms.Form):
    file = forms.FileField(
        label="Lot d'indicateurs (fichier JSON)",
        help_text=(
            "Le fichier « lot-indicateurs.json » publié par un autre territoire avec sa vague. "
            "S'il contient une erreur, rien n'est enregistré."
        ),
        error_messages={
            "required": "Choisissez le fichier du lot d'indicateurs.",
            "empty": "Le fichier est vide.",
        },
        widget=forms.ClearableFileInput(attrs={"accept": ".json,application/json"}),
    )

    def clean_file(self) -> UploadedFile:
        upload: UploadedFile = self.cleaned_data["file"]
        if (upload.size or 0) > MAX_BYTES:
            raise forms.ValidationError(
                f"Le fichier dépasse {MAX_BYTES // (1024 * 1024)} Mo : ce n'est pas un lot "
                "d'indicateurs."
            )
        return upload


@require_GET
def public_bundle(request: HttpRequest, siren: str, slug: str) -> HttpResponse:
    """The indicator bundle of a published wave (open data, no login; 404
    until the wave is published)."""
    try:
        found = publication_at(siren, slug)
    except Publication.DoesNotExist:
        raise Http404("Aucune vague publiée à cette adresse.") from None
    bundle = bundle_of(found)
    response = HttpResponse(bundle_json(bundle), content_type="application/json; charset=utf-8")
    response["Content-Disposition"] = f'inline; filename="{bundle_filename(bundle)}"'
    response["Access-Control-Allow-Origin"] = "*"
    return response


def _chosen(request: HttpRequest, choices: list[tuple[str, str]]) -> str | None:
    chosen = request.GET.get("indicateur", "")
    if chosen == ALL:
        return None
    known = [key for key, _ in choices]
    return chosen if chosen in known else (known[0] if known else None)


@login_required
@require_GET
def bundle_comparison(request: AuthenticatedRequest, siren: str) -> HttpResponse:
    territory = access_bundle_comparison_by_siren(request.user, siren)
    waves = bundles_queries.compared_waves(territory)
    choices = bundles_queries.indicator_choices(territory, waves)
    chosen = _chosen(request, choices)
    tables = bundles_queries.comparison(territory, chosen, waves) if choices else []
    return render(
        request,
        "evaluation/bundle_comparison.html",
        {
            "territory": territory,
            "choices": choices,
            "chosen": chosen or ALL,
            "all": ALL,
            "tables": tables,
            "figures": bundles_queries.unattached_figures(),
            "imported": bundles_queries.imported_bundles(territory),
            "can_import": has_capability(request.user, territory, Capability.MANAGE_CAMPAIGNS),
        },
    )


@login_required
@require_GET
def bundle_comparison_csv(request: AuthenticatedRequest, siren: str) -> HttpResponse:
    territory = access_bundle_comparison_by_siren(request.user, siren)
    waves = bundles_queries.compared_waves(territory)
    choices = bundles_queries.indicator_choices(territory, waves)
    chosen = _chosen(request, choices)
    tables = bundles_queries.comparison(territory, chosen, waves) if choices else []
    response = HttpResponse(
        bundles_queries.comparison_csv(tables), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="{siren}-comparaison.csv"'
    return response


@login_required
@require_http_methods(["GET", "POST"])
def bundle_import(request: AuthenticatedRequest, siren: str) -> HttpResponse:
    territory = access_bundle_import_by_siren(request.user, siren)
    posted = request.method == "POST"
    form = BundleFileForm(request.POST, request.FILES) if posted else BundleFileForm()
    problems: list[str] = []
    if posted and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            done = bundles_actions.bundle_import(
                territory=territory, data=upload.read(), filename=upload.name or "lot.json"
            )
        except UserError as error:
            problems = [p.message for p in error.problem_list()] or [str(error)]
        else:
            messages.success(request, done.summary())
            return redirect("evaluation_bundle_comparison", siren=territory.siren)
    return render(
        request,
        "evaluation/bundle_import.html",
        {
            "territory": territory,
            "form": form,
            "problems": problems,
            "imported": bundles_queries.imported_bundles(territory),
        },
        status=422 if problems or form.errors else 200,
    )


@login_required
@require_POST
def bundle_delete(request: AuthenticatedRequest, siren: str, pk: str) -> HttpResponse:
    territory = access_bundle_import_by_siren(request.user, siren)
    number = database_id(pk)
    # Another territory's bundle is as unknown as a missing one (one 404).
    bundle = bundles_queries.imported_bundle(territory, number) if number else None
    if bundle is None:
        raise Http404("Lot d'indicateurs inconnu.")
    name = str(bundle)
    bundles_actions.bundle_delete(bundle=bundle)
    messages.success(request, f"Lot d'indicateurs retiré : {name}.")
    return redirect("evaluation_bundle_import", siren=territory.siren)
