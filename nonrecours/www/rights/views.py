"""The rights simulator's pages: a resident's step-by-step path, the
professional's one-page mode, the results, the printable recap, and the
simulation kept with consent under a short code.

No JavaScript is needed. Between steps the answers travel in a signed token
(a hidden field), never in the database: nothing personal is stored unless
the person asks for it and consents."""

import secrets
from typing import Any

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core import signing
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from nonrecours.accounts.access import can_refer, can_reopen_simulations
from nonrecours.directory import queries as directory_queries
from nonrecours.rights import actions, queries
from nonrecours.rights.batching import simulate_one
from nonrecours.rights.engine import SimulationResult
from nonrecours.rights.situation import SituationError, parse_situation
from nonrecours.territories.models import Commune, Territory
from nonrecours.territories.queries import member_communes
from nonrecours.www.ratelimit import simulation_code_refusal
from nonrecours.www.rights.forms import (
    MAX_CHILDREN,
    ChildForm,
    CodeForm,
    ConsentForm,
    HouseholdForm,
    HousingForm,
    PersonForm,
    ReceivedForm,
    ResourcesForm,
)

SALT = "nonrecours.rights.simulator"
MAX_AGE_SECONDS = 6 * 3600
EXPERT_CHILDREN = MAX_CHILDREN


def _territory() -> Territory | None:
    return Territory.objects.filter(siren=settings.NONRECOURS_DEFAULT_TERRITORY).first()


def _communes(territory: Territory | None) -> list[Commune]:
    if territory is None:
        return []
    return member_communes(territory)


def _month() -> str:
    return timezone.localdate().strftime("%Y-%m")


def _sign(data: dict[str, Any]) -> str:
    return signing.dumps(data, salt=SALT, compress=True)


def _unsign(token: str) -> dict[str, Any]:
    try:
        data = signing.loads(token, salt=SALT, max_age=MAX_AGE_SECONDS)
    except signing.BadSignature:
        raise Http404("Simulation expirée ou altérée : recommencez.") from None
    if not isinstance(data, dict):
        raise Http404("Simulation illisible : recommencez.")
    return data


# --- The step-by-step path -------------------------------------------------


def _steps(answers: dict[str, dict[str, Any]]) -> list[str]:
    household = answers.get("foyer", {})
    steps = ["logement", "vous", "foyer"]
    if household.get("foyer-en_couple") == "oui":
        steps.append("conjoint")
    if int(household.get("foyer-enfants") or 0) > 0:
        steps.append("enfants")
    return [*steps, "ressources", "percues"]


STEP_TITLES = {
    "logement": "Votre logement",
    "vous": "Vous",
    "foyer": "Votre foyer",
    "conjoint": "Votre conjoint·e",
    "enfants": "Vos enfants",
    "ressources": "Vos ressources",
    "percues": "Ce que vous percevez déjà",
}


def _forms(
    step: str, answers: dict[str, dict[str, Any]], data: Any, territory: Territory | None
) -> list[tuple[str, Any]]:
    """(legend, form) of a step, bound to `data` (a POST or stored answers)."""
    household = answers.get("foyer", {})
    couple = household.get("foyer-en_couple") == "oui"
    children = int(household.get("foyer-enfants") or 0)
    if step == "logement":
        return [("", HousingForm(data, prefix="logement", communes=_communes(territory)))]
    if step == "vous":
        return [("", PersonForm(data, prefix="demandeur"))]
    if step == "foyer":
        return [("", HouseholdForm(data, prefix="foyer"))]
    if step == "conjoint":
        return [("", PersonForm(data, prefix="conjoint"))]
    if step == "enfants":
        return [(f"Enfant {i + 1}", ChildForm(data, prefix=f"enfant{i}")) for i in range(children)]
    if step == "ressources":
        parts = [
            (
                "Vos ressources : moyenne par mois des 3 derniers mois",
                ResourcesForm(data, prefix="ressources-demandeur"),
            )
        ]
        if couple:
            parts.append(
                (
                    "Celles de votre conjoint·e",
                    ResourcesForm(data, prefix="ressources-conjoint"),
                )
            )
        return parts
    return [("", ReceivedForm(data, prefix="percues"))]


def situation_from_answers(
    answers: dict[str, dict[str, Any]], territory: Territory | None
) -> dict[str, Any]:
    """The situation (rights.situation format) from the stored answers of
    every step, each already validated."""
    merged: dict[str, Any] = {}
    for stored in answers.values():
        merged.update(stored)
    situation: dict[str, Any] = {"mois": _month()}
    parts = {step: _forms(step, answers, merged, territory) for step in _steps(answers)}
    for step_forms in parts.values():
        for _, form in step_forms:
            if not form.is_valid():
                raise SituationError(["des réponses enregistrées sont invalides : recommencez"])
    housing = parts["logement"][0][1]
    situation.update(housing.part())
    claimant = {"role": "demandeur", **parts["vous"][0][1].part()}
    persons = [claimant]
    if "conjoint" in parts:
        persons.append({"role": "conjoint", **parts["conjoint"][0][1].part()})
    for _, child in parts.get("enfants", []):
        data = child.cleaned_data
        persons.append(
            {
                "role": "enfant",
                "naissance": data["naissance"].isoformat(),
                "scolarite": data["scolarite"],
            }
        )
    resources = parts["ressources"]
    claimant["ressources"] = resources[0][1].part()
    if len(resources) > 1:
        persons[1]["ressources"] = resources[1][1].part()
    situation["personnes"] = persons
    situation.update(parts["percues"][0][1].part())
    return situation


@require_http_methods(["GET", "POST"])
def simulator_start(request: HttpRequest) -> HttpResponse:
    return render(request, "rights/start.html", {"territory": _territory()})


@require_http_methods(["GET", "POST"])
def simulator_step(request: HttpRequest) -> HttpResponse:
    """One screen of the path. GET starts it; POST carries the token."""
    territory = _territory()
    answers: dict[str, dict[str, Any]] = {}
    step = "logement"
    if request.method == "POST" and request.POST.get("etat"):
        state = _unsign(request.POST["etat"])
        answers = state.get("answers", {})
        step = str(state.get("step", "logement"))
    steps = _steps(answers)
    if step not in steps:
        step = steps[0]
    if request.method == "POST" and request.POST.get("action") == "precedent":
        index = max(0, steps.index(step) - 1)
        step = steps[index]
        bound = _forms(step, answers, answers.get(step, {}), territory)
        return _render_step(request, step, steps, answers, bound, errors=False)
    if request.method == "GET" or request.POST.get("action") not in ("suivant", "precedent"):
        bound = _forms(step, answers, answers.get(step) or None, territory)
        return _render_step(request, step, steps, answers, bound, errors=False)
    bound = _forms(step, answers, request.POST, territory)
    if not all(form.is_valid() for _, form in bound):
        return _render_step(request, step, steps, answers, bound, errors=True)
    # Only this step's fields (one value each) go into the signed state.
    answers[step] = {
        form.add_prefix(name): form.data.get(form.add_prefix(name))
        for _, form in bound
        for name in form.fields
        if form.data.get(form.add_prefix(name)) is not None
    }
    steps = _steps(answers)
    for stale in [s for s in answers if s not in steps]:
        del answers[stale]
    if steps.index(step) + 1 < len(steps):
        step = steps[steps.index(step) + 1]
        bound = _forms(step, answers, answers.get(step) or None, territory)
        return _render_step(request, step, steps, answers, bound, errors=False)
    try:
        situation = situation_from_answers(answers, territory)
    except SituationError as error:
        return render(request, "rights/invalid.html", {"problems": error.problems}, status=422)
    return _results(request, situation, territory, token_answers=answers)


def _render_step(
    request: HttpRequest,
    step: str,
    steps: list[str],
    answers: dict[str, dict[str, Any]],
    bound: list[tuple[str, Any]],
    *,
    errors: bool,
) -> HttpResponse:
    return render(
        request,
        "rights/step.html",
        {
            "step": step,
            "title": STEP_TITLES[step],
            "number": steps.index(step) + 1,
            "total": len(steps) + 1,  # and the results
            "forms": bound,
            "errors": errors,
            "token": _sign({"answers": answers, "step": step}),
            "first": steps.index(step) == 0,
        },
        status=422 if errors else 200,
    )


# --- Results ------------------------------------------------------------


def _simulate(situation: dict[str, Any]) -> SimulationResult:
    return simulate_one(parse_situation(situation, "simulateur"))


def _results(
    request: HttpRequest,
    situation: dict[str, Any],
    territory: Territory | None,
    *,
    token_answers: dict[str, Any] | None = None,
    template: str = "rights/results.html",
    extra: dict[str, Any] | None = None,
) -> HttpResponse:
    try:
        result = _simulate(situation)
    except SituationError as error:
        return render(
            request,
            "rights/invalid.html",
            {"problems": error.problems},
            status=422,
        )
    context = {
        "result": result,
        "nearby": _nearby(territory, situation.get("commune", "")),
        "access_theme": ACCESS_THEME,
        "situation_token": _sign({"situation": situation, "nonce": secrets.token_hex(16)}),
        "step_token": _sign({"answers": token_answers, "step": "percues"})
        if token_answers is not None
        else "",
        "consent_text": actions.consent_text(),
        "consent_form": ConsentForm(),
        "territory": territory,
        "refer_code": "",
        **(extra or {}),
    }
    return render(request, template, context)


# The directory search of every offer of help to claim rights.
ACCESS_THEME = directory_queries.ACCESS_THEME


def _nearby(territory: Territory | None, commune_code: str) -> list[directory_queries.HelpPlace]:
    """The nearest places to get help, for the person's commune (the
    directory's chain: accès aux droits, France Services, CCAS, town hall)."""
    if territory is None or not commune_code:
        return []
    return directory_queries.help_places_near(territory, commune_code, limit=3)


@require_POST
def simulator_recap(request: HttpRequest) -> HttpResponse:
    """The printable recap, as a PDF (nothing stored)."""
    situation = _unsign(request.POST.get("situation", "")).get("situation")
    if not isinstance(situation, dict):
        raise Http404("Simulation illisible.")
    result = _simulate(situation)
    territory = _territory()
    html = render_to_string(
        "rights/recap.html",
        {
            "result": result,
            "today": timezone.localdate(),
            "territory": territory,
            "nearby": _nearby(territory, str(situation.get("commune") or "")),
        },
        request=request,
    )
    from weasyprint import HTML  # loads Pango: only when a PDF is asked for

    pdf = HTML(string=html, url_fetcher=_no_fetch).write_pdf()
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = 'attachment; filename="mes-droits-simulation.pdf"'
    return response


def _no_fetch(url: str, *args: Any, **kwargs: Any) -> dict[str, Any]:
    raise ValueError(f"aucune ressource externe ({url})")


@require_POST
def simulator_keep(request: HttpRequest) -> HttpResponse:
    """Keep the simulation under a short code, only with consent."""
    token = _unsign(request.POST.get("situation", ""))
    situation = token.get("situation")
    if not isinstance(situation, dict):
        raise Http404("Simulation illisible.")
    form = ConsentForm(request.POST)
    if not form.is_valid():
        result = _simulate(situation)
        return render(
            request,
            "rights/results.html",
            {
                "result": result,
                "nearby": _nearby(_territory(), str(situation.get("commune") or "")),
                "access_theme": ACCESS_THEME,
                "situation_token": request.POST.get("situation", ""),
                "consent_text": actions.consent_text(),
                "consent_form": form,
                "territory": _territory(),
                "refer_code": "",
            },
            status=422,
        )
    territory = _territory()
    if territory is None:
        raise Http404("Aucun territoire : la simulation ne peut pas être conservée.")
    saved = actions.simulation_save(
        situation=situation, territory=territory, consent=True, nonce=str(token.get("nonce") or "")
    )
    return render(
        request,
        "rights/kept.html",
        {
            "code": f"{saved.code[:4]}-{saved.code[4:]}",
            "expires_at": saved.expires_at,
        },
    )


# --- The professional's one-page mode --------------------------------------


def _expert_forms(data: Any, territory: Territory | None) -> dict[str, Any]:
    return {
        "housing": HousingForm(data, prefix="logement", communes=_communes(territory)),
        "claimant": PersonForm(data, prefix="demandeur"),
        "claimant_resources": ResourcesForm(data, prefix="ressources-demandeur"),
        "partner": PersonForm(data, prefix="conjoint", use_required_attribute=False),
        "partner_resources": ResourcesForm(data, prefix="ressources-conjoint"),
        "children": [
            ChildForm(data, prefix=f"enfant{i}", use_required_attribute=False)
            for i in range(EXPERT_CHILDREN)
        ],
        "received": ReceivedForm(data, prefix="percues"),
    }


def _filled(form: Any) -> bool:
    return any(
        value not in (None, "")
        for name, value in form.data.items()
        if name.startswith(f"{form.prefix}-")
        and not name.endswith("activite")
        and not name.endswith("scolarite")
        and not name.endswith("handicap")
    )


def situation_from_expert(forms: dict[str, Any]) -> dict[str, Any] | None:
    """The situation, or None when a form has errors (shown on the page)."""
    required = [forms["housing"], forms["claimant"], forms["claimant_resources"], forms["received"]]
    partner = (
        forms["partner"]
        if _filled(forms["partner"]) or _filled(forms["partner_resources"])
        else None
    )
    children = [c for c in forms["children"] if _filled(c)]
    checked = required + ([partner, forms["partner_resources"]] if partner else []) + children
    if not all(form.is_valid() for form in checked):
        return None
    situation: dict[str, Any] = {"mois": _month(), **forms["housing"].part()}
    persons = [
        {
            "role": "demandeur",
            **forms["claimant"].part(),
            "ressources": forms["claimant_resources"].part(),
        }
    ]
    if partner is not None:
        persons.append(
            {
                "role": "conjoint",
                **partner.part(),
                "ressources": forms["partner_resources"].part(),
            }
        )
    for child in children:
        persons.append(
            {
                "role": "enfant",
                "naissance": child.cleaned_data["naissance"].isoformat(),
                "scolarite": child.cleaned_data["scolarite"],
            }
        )
    situation["personnes"] = persons
    situation.update(forms["received"].part())
    return situation


def expert_initial(situation: dict[str, Any]) -> dict[str, Any]:
    """Form data that shows a kept situation in the one-page mode."""
    data: dict[str, Any] = {
        "logement-commune": situation.get("commune", ""),
        "logement-statut": situation.get("logement", {}).get("statut", ""),
        "logement-loyer": situation.get("logement", {}).get("loyer", ""),
    }
    children = 0
    for person in situation.get("personnes", []):
        role = person.get("role")
        if role == "enfant":
            prefix = f"enfant{children}"
            children += 1
            data[f"{prefix}-naissance"] = person.get("naissance", "")
            data[f"{prefix}-scolarite"] = person.get("scolarite", "aucune")
            continue
        prefix = "demandeur" if role == "demandeur" else "conjoint"
        data[f"{prefix}-naissance"] = person.get("naissance", "")
        data[f"{prefix}-activite"] = person.get("activite", "")
        if person.get("taux_incapacite"):
            data[f"{prefix}-handicap"] = "0.8" if person["taux_incapacite"] >= 0.8 else "0.5"
        for key, value in (person.get("ressources") or {}).items():
            data[f"ressources-{prefix}-{key}"] = value
    for key, value in (situation.get("prestations_percues") or {}).items():
        data[f"percues-{key}"] = value
    if situation.get("revenu_fiscal_reference") is not None:
        data["percues-revenu_fiscal_reference"] = situation["revenu_fiscal_reference"]
    return data


@require_http_methods(["GET", "POST"])
def simulator_expert(request: HttpRequest) -> HttpResponse:
    territory = _territory()
    forms = _expert_forms(request.POST if request.method == "POST" else None, territory)
    context: dict[str, Any] = {"forms": forms, "max_children": EXPERT_CHILDREN}
    if request.method == "POST":
        situation = situation_from_expert(forms)
        if situation is None:
            context["errors"] = True
            return render(request, "rights/expert.html", context, status=422)
        return _results(request, situation, territory, template="rights/expert.html",
                        extra=context)  # fmt: skip
    return render(request, "rights/expert.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def simulator_reopen(request: HttpRequest) -> HttpResponse:
    """A partner professional reopens a kept simulation, with the person."""
    if not can_reopen_simulations(request.user):
        raise PermissionDenied(
            "Seul·es les professionnel·les partenaires d'un territoire peuvent reprendre une "
            "simulation enregistrée."
        )
    form = CodeForm(request.POST or None)
    refusal = ""
    if request.method == "POST" and form.is_valid():
        # Every look-up is counted; an unknown code, an expired one and one
        # of another territory get the same answer (rights.queries).
        refusal = simulation_code_refusal(request)
        code = form.cleaned_data["code"]
        saved = None if refusal else queries.simulation_to_reopen(request.user, code)  # type: ignore[arg-type]
        if refusal or saved is None:
            form.add_error("code", refusal or queries.NO_SIMULATION)
        else:
            territory = saved.territory or _territory()
            forms = _expert_forms(expert_initial(saved.situation), territory)
            return _results(
                request,
                saved.situation,
                territory,
                template="rights/expert.html",
                extra={
                    "forms": forms,
                    "max_children": EXPERT_CHILDREN,
                    "reopened": saved,
                    # The professional may refer the person with these amounts.
                    "refer_code": saved.code
                    if saved.territory is not None and can_refer(request.user, saved.territory)
                    else "",
                },
            )
    return render(
        request,
        "rights/reopen.html",
        {"form": form},
        status=429 if refusal else (422 if form.errors else 200),
    )
