"""The pages of a territory's personas (training): the list with the
rights each is eligible to at this month, a persona's card and versions,
its YAML, and adding or editing one without code (the simulator's
one-page forms for its situation) or in YAML (typed or uploaded).

Every page is the team's and the trainers' (training.access.access_training).
"""

import dataclasses
import datetime
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from nonrecours.french import month_text
from nonrecours.rights.catalogue import benefits
from nonrecours.territories.models import Territory
from nonrecours.territories.queries import member_communes
from nonrecours.training import actions, queries
from nonrecours.training.access import access_training
from nonrecours.training.enums import Public
from nonrecours.training.models import PersonaVersion, TerritoryPersona
from nonrecours.training.persona_file import Persona
from nonrecours.training.personas import (
    PersonaError,
    persona_rights,
    persona_situation,
    session_month,
)
from nonrecours.www.requests import AuthenticatedRequest
from nonrecours.www.rights.path import expert_error_forms
from nonrecours.www.territories.views import territory_or_404
from nonrecours.www.training.persona_forms import (
    EventForm,
    PersonaForm,
    TestimonyForm,
    YamlForm,
    add_persona_error,
    blank_absent_blocks,
    block_count,
    blocks,
    persona_form_data,
    persona_text,
    place_of,
    situation_forms,
    situation_from_forms,
)

PERSONA_NOT_FOUND = "Persona inconnu."


def _territory(request: AuthenticatedRequest, siren: str) -> Territory:
    return access_training(request.user, territory_or_404(siren))


def _persona(territory: Territory, key: str) -> tuple[TerritoryPersona, PersonaVersion]:
    entry = queries.persona_by_key(territory, key)
    current = queries.current_version(entry) if entry is not None else None
    if entry is None or current is None:
        raise Http404(PERSONA_NOT_FOUND)
    return entry, current


def _communes(territory: Territory) -> dict[str, str]:
    return {commune.insee_code: commune.name for commune in member_communes(territory)}


@never_cache
@login_required
def persona_list(request: AuthenticatedRequest, siren: str) -> HttpResponse:
    """The territory's personas by public, each with the rights it is
    eligible to this month and its non-take-up in euros per month (one
    simulation of them all)."""
    territory = _territory(request, siren)
    month = session_month()
    versions = queries.current_persona_versions(territory)
    personas = [queries.stored_persona(version) for version in versions]
    communes = _communes(territory)
    rows = [
        {
            "version": version,
            "persona": rights.persona,
            "rights": rights,
            "commune": communes.get(rights.persona.commune, rights.persona.commune),
        }
        for version, rights in zip(
            versions, persona_rights(personas, month) if personas else [], strict=True
        )
    ]
    groups = [
        (public.label, [r for v, r in zip(versions, rows, strict=True) if v.public == public])
        for public in Public
    ]
    return render(
        request,
        "training/personas.html",
        {
            "territory": territory,
            "month_label": _month_label(month),
            "groups": groups,
            "count": len(rows),
        },
    )


def _month_label(month: str) -> str:
    """« décembre 2026 » for « 2026-12 »."""
    return month_text(datetime.date(int(month[:4]), int(month[5:7]), 1))


@never_cache
@login_required
def persona_card(request: AuthenticatedRequest, siren: str, key: str) -> HttpResponse:
    """A persona's card: timeline, barriers, rights (eligible, received,
    not taken, with amounts at this month), testimonies and versions."""
    territory = _territory(request, siren)
    entry, current = _persona(territory, key)
    month = session_month()
    persona = queries.stored_persona(current)
    (rights,) = persona_rights([persona], month)
    return render(
        request,
        "training/persona.html",
        {
            "territory": territory,
            "entry": entry,
            "current": current,
            "persona": persona,
            "rights": rights,
            "month_label": _month_label(month),
            "commune": _communes(territory).get(persona.commune, persona.commune),
            "versions": queries.persona_versions(entry),
            "labels": {benefit.id: benefit.label for benefit in benefits()},
        },
    )


@never_cache
@login_required
def persona_download(
    request: AuthenticatedRequest, siren: str, key: str, number: int
) -> HttpResponse:
    """A version's YAML, as stored (a file to keep, edit and send back)."""
    territory = _territory(request, siren)
    entry, _ = _persona(territory, key)
    version = entry.versions.filter(number=number).first()
    if version is None:
        raise Http404("Version inconnue.")
    response = HttpResponse(version.text, content_type="application/yaml; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{queries.persona_file_name(version)}"'
    return response


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def persona_new(request: AuthenticatedRequest, siren: str) -> HttpResponse:
    """Add a persona with the forms (POST saves it)."""
    return _edit(request, _territory(request, siren), None)


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def persona_edit(request: AuthenticatedRequest, siren: str, key: str) -> HttpResponse:
    """Edit a persona with the forms (POST saves a new version)."""
    territory = _territory(request, siren)
    return _edit(request, territory, _persona(territory, key))


def _edit(
    request: AuthenticatedRequest,
    territory: Territory,
    stored: tuple[TerritoryPersona, PersonaVersion] | None,
) -> HttpResponse:
    month = session_month()
    entry, current = stored if stored is not None else (None, None)
    persona = queries.stored_persona(current) if current is not None else None
    data: Any = request.POST if request.method == "POST" else None
    if data is None and persona is not None:
        data = persona_form_data(persona, month)  # shown as a bound form, as the simulator does
    form = PersonaForm(data, new=entry is None)
    events = blocks(data, EventForm, "evenement", block_count(data, "evenements"), "Événement")
    testimonies = blocks(
        data, TestimonyForm, "temoignage", block_count(data, "temoignages"), "Témoignage"
    )
    expert = situation_forms(data, territory, month)
    problems: list[str] = []
    if request.method == "POST":
        checked = [form.is_valid(), *(block.is_valid() for block in events + testimonies)]
        found = situation_from_forms(expert, month)
        if all(checked) and found is not None:
            key = entry.key if entry is not None else form.key()
            text = persona_text(key, form, events, testimonies, *found)
            try:
                version, created = actions.persona_save(
                    territory,
                    text,
                    user=request.user,
                    key=entry.key if entry is not None else None,
                    new=entry is None,
                    file=f"{key}.yaml",
                )
            except PersonaError as error:
                problems = add_persona_error(error, form, expert["housing"], events, testimonies)
            else:
                return _saved(request, territory, version, created)
    elif persona is not None:
        blank_absent_blocks(expert, month)
    errors = request.method == "POST"
    return render(
        request,
        "training/persona_edit.html",
        {
            "territory": territory,
            "entry": entry,
            "month": month,
            "form": form,
            "events": events,
            "testimonies": testimonies,
            "forms": expert,
            "problems": problems,
            "errors": errors,
            "error_forms": _error_forms(form, events, testimonies, expert) if errors else [],
            "form_keeps": persona is None or _form_keeps(persona, territory, month),
        },
        status=422 if errors else 200,
    )


def _saved(
    request: AuthenticatedRequest, territory: Territory, version: PersonaVersion, created: bool
) -> HttpResponse:
    if created:
        messages.success(request, f"Version {version.number} de « {version.name} » enregistrée.")
    else:
        messages.info(
            request,
            f"Rien n'a changé dans « {version.name} » (la mise en forme et les commentaires ne "
            f"comptent pas) : la version {version.number} reste la version en cours.",
        )
    return redirect("training_persona", siren=territory.siren, key=version.persona.key)


def _error_forms(
    form: PersonaForm,
    events: list[EventForm],
    testimonies: list[TestimonyForm],
    expert: dict[str, Any],
) -> list[tuple[str, Any]]:
    return [
        ("", form),
        *((block.block, block) for block in events),
        *((block.block, block) for block in testimonies),
        *expert_error_forms(expert),
    ]


def _form_keeps(persona: Persona, territory: Territory, month: str) -> bool:
    """Whether the forms show the whole situation (a key they do not have,
    such as a child's resources, is only kept in YAML)."""
    found = situation_from_forms(
        situation_forms(persona_form_data(persona, month), territory, month), month
    )
    if found is None:
        return False
    commune, situation = found
    again = dataclasses.replace(persona, commune=commune, situation=situation)
    return persona_situation(again, month) == persona_situation(persona, month)


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def persona_yaml_new(request: AuthenticatedRequest, siren: str) -> HttpResponse:
    """Add a persona from its YAML, typed or uploaded (a `cle` already
    stored is refused: its own page edits it)."""
    return _yaml(request, _territory(request, siren), None)


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def persona_yaml(request: AuthenticatedRequest, siren: str, key: str) -> HttpResponse:
    """Edit a persona's YAML (its current version's text) or send a file."""
    territory = _territory(request, siren)
    return _yaml(request, territory, _persona(territory, key))


def _yaml(
    request: AuthenticatedRequest,
    territory: Territory,
    stored: tuple[TerritoryPersona, PersonaVersion] | None,
) -> HttpResponse:
    entry, current = stored if stored is not None else (None, None)
    if request.method == "POST":
        form = YamlForm(request.POST, request.FILES)
    else:
        form = YamlForm(initial={"texte": current.text if current is not None else ""})
    if request.method == "POST" and form.is_valid():
        try:
            version, created = actions.persona_save(
                territory,
                form.cleaned_data["yaml"],
                user=request.user,
                key=entry.key if entry is not None else None,
                new=entry is None,
                file=form.source,
            )
        except PersonaError as error:
            field = "fichier" if form.cleaned_data.get("fichier") else "texte"
            for problem in error.problem_list():
                message = place_of(problem) if field == "texte" else problem.message
                form.add_error(field, message)
        else:
            return _saved(request, territory, version, created)
    return render(
        request,
        "training/persona_yaml.html",
        {"territory": territory, "entry": entry, "current": current, "form": form},
        status=422 if form.errors else 200,
    )
