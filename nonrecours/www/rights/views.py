"""The rights simulator's pages: a resident's step-by-step path, the
professional's one-page mode, the results, the printable recap, and the
simulation kept with consent under a short code.

No JavaScript is needed. Between steps the answers travel in a signed token
(a hidden field), never in the database: nothing personal is stored unless
the person asks for it and consents."""

import datetime
import hashlib
import json
import secrets
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core import signing
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from nonrecours.accounts.access import can_reopen_simulations
from nonrecours.directory import queries as directory_queries
from nonrecours.evaluation.followup_actions import simulation_tally_increment
from nonrecours.localaids.queries import local_aids_for
from nonrecours.referrals.access import can_refer
from nonrecours.rights import actions, queries
from nonrecours.rights.batching import simulate_one, simulation_expected
from nonrecours.rights.engine import SimulationResult
from nonrecours.rights.situation import SituationError
from nonrecours.rights.situation_parse import SIMULATED_MONTH, parse_situation
from nonrecours.rights.summary import describe as describe_situation
from nonrecours.territories import queries as territory_queries
from nonrecours.territories.models import Territory
from nonrecours.www.evaluation import chain as chain_views
from nonrecours.www.evaluation.followup import followup_context
from nonrecours.www.ratelimit import (
    limit_kept_simulations,
    limit_simulations,
    simulation_code_refusal,
    too_many_simulations,
)
from nonrecours.www.requests import AuthenticatedRequest
from nonrecours.www.rights import path
from nonrecours.www.rights.forms import MAX_CHILDREN, CodeForm, ConsentForm, income_year

SALT = "nonrecours.rights.simulator"
MAX_AGE_SECONDS = 6 * 3600
EXPERT_CHILDREN = MAX_CHILDREN


def _territory() -> Territory | None:
    return territory_queries.territory_default()


def _month() -> str:
    return timezone.localdate().strftime("%Y-%m")


def _state_month(state: dict[str, Any]) -> str:
    """The month the path started in (its questions name the tax year of
    that month); today's for a state without one."""
    month = state.get("mois")
    if isinstance(month, str) and SIMULATED_MONTH.fullmatch(month):
        return month
    return _month()


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


@require_http_methods(["GET", "POST"])
def simulator_start(request: HttpRequest) -> HttpResponse:
    year = income_year(_month())
    return render(
        request,
        "rights/start.html",
        {"territory": _territory(), "income_year": year, "notice_year": year + 1},
    )


@require_http_methods(["GET", "POST"])
def simulator_step(request: HttpRequest) -> HttpResponse:
    """One screen of the path. GET starts it; POST carries the token."""
    territory = _territory()
    answers: dict[str, dict[str, Any]] = {}
    step = "logement"
    state: dict[str, Any] = {}
    if request.method == "POST" and request.POST.get("etat"):
        state = _unsign(request.POST["etat"])
        answers = state.get("answers") or {}
        step = str(state.get("step", "logement"))
    month = _state_month(state)
    # The path's nonce, kept from screen to screen: with the answers, it
    # names one results page (the simulations count, _tally_nonce).
    nonce = str(state.get("n") or "") or secrets.token_hex(16)
    steps = path.steps(answers)
    if step not in steps:
        step = steps[0]
    if request.method == "POST" and request.POST.get("action") == "precedent":
        index = max(0, steps.index(step) - 1)
        step = steps[index]
        bound = path.step_forms(step, answers, answers.get(step, {}), territory, month)
        return _render_step(request, step, steps, answers, bound, month, nonce, errors=False)
    if request.method == "GET" or request.POST.get("action") not in ("suivant", "precedent"):
        bound = path.step_forms(step, answers, answers.get(step) or None, territory, month)
        return _render_step(request, step, steps, answers, bound, month, nonce, errors=False)
    bound = path.step_forms(step, answers, request.POST, territory, month)
    if not all(form.is_valid() for _, form in bound):
        return _render_step(request, step, steps, answers, bound, month, nonce, errors=True)
    # Only this step's fields (one value each) go into the signed state.
    answers[step] = {
        form.add_prefix(name): form.data.get(form.add_prefix(name))
        for _, form in bound
        for name in form.fields
        if form.data.get(form.add_prefix(name)) is not None
    }
    steps = path.steps(answers)
    for stale in [s for s in answers if s not in steps]:
        del answers[stale]
    if steps.index(step) + 1 < len(steps):
        step = steps[steps.index(step) + 1]
        bound = path.step_forms(step, answers, answers.get(step) or None, territory, month)
        return _render_step(request, step, steps, answers, bound, month, nonce, errors=False)
    try:
        situation = path.situation_from_answers(answers, territory, month)
    except ValueError as error:
        return render(request, "rights/invalid.html", {"problems": [str(error)]}, status=422)
    return _results(
        request,
        situation,
        territory,
        token_answers=answers,
        path_nonce=nonce,
        tally_nonce=_tally_nonce(nonce, answers),
    )


def _tally_nonce(nonce: str, answers: dict[str, dict[str, Any]]) -> str:
    """One results page of the step-by-step path: its nonce and its
    answers. Sent again, reloaded, or reached again through « Revoir mes
    réponses » with the same answers, it is the same page (counted once);
    other answers are another simulation."""
    text = json.dumps([nonce, answers], sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:32]


def _render_step(
    request: HttpRequest,
    step: str,
    steps: list[str],
    answers: dict[str, dict[str, Any]],
    bound: list[tuple[str, Any]],
    month: str,
    nonce: str,
    *,
    errors: bool,
) -> HttpResponse:
    return render(
        request,
        "rights/step.html",
        {
            "step": step,
            "title": path.step_title(step, answers),
            "number": steps.index(step) + 1,
            "total": len(steps) + 1,  # and the results
            "forms": bound,
            "errors": errors,
            "token": _sign({"answers": answers, "step": step, "mois": month, "n": nonce}),
            "first": steps.index(step) == 0,
        },
        status=422 if errors else 200,
    )


# --- Results ------------------------------------------------------------


def _simulate(situation: dict[str, Any]) -> SimulationResult:
    return simulate_one(parse_situation(situation, "simulateur"))


def _explained(result: SimulationResult) -> dict[str, Any]:
    """What the results page and the recap show besides the national
    benefits: the local aids evaluated on the same situation and the
    situation restated."""
    return {
        "local_aids": local_aids_for(result.situation, result),
        "summary": describe_situation(result.situation),
    }


def _results(
    request: HttpRequest,
    situation: dict[str, Any],
    territory: Territory | None,
    *,
    token_answers: dict[str, Any] | None = None,
    template: str = "rights/results.html",
    extra: dict[str, Any] | None = None,
    path_nonce: str = "",
    tally_nonce: str = "",
) -> HttpResponse:
    """The results page. ``tally_nonce``: given only for a resident's
    step-by-step path, whose simulation is counted once per results page
    (evaluation.followup_actions.simulation_tally_increment); the
    professional's mode, a reopened simulation and the team's call-back
    check (``?rappel=``) pass none and are never counted."""
    refused = too_many_simulations(request)  # per address (www.ratelimit)
    if refused is not None:
        return refused
    try:
        result = _simulate(situation)
    except SituationError as error:
        return render(
            request,
            "rights/invalid.html",
            {"problems": error.problems},
            status=422,
        )
    if territory is not None and tally_nonce:
        # Counted, anonymously, as the simulator's reach (evaluation).
        simulation_tally_increment(territory=territory, day=timezone.localdate(), nonce=tally_nonce)
    context = {
        "result": result,
        **_explained(result),
        "nearby": _nearby(territory, situation.get("commune", "")),
        "access_theme": ACCESS_THEME,
        "situation_token": _sign({"situation": situation, "nonce": secrets.token_hex(16)}),
        "step_token": _sign(
            {
                "answers": token_answers,
                "step": "percues",
                "mois": situation.get("mois"),
                "n": path_nonce,
            }
        )
        if token_answers is not None
        else "",
        "consent_text": actions.consent_text(),
        "consent_form": ConsentForm(),
        "territory": territory,
        "refer_code": "",
        "chain": None,  # a barometer call-back's rights check (evaluation)
        "refer_chain": "",
        **followup_context(result, situation, territory),
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
@limit_simulations
def simulator_recap(request: HttpRequest) -> HttpResponse:
    """The printable recap, as a PDF (nothing stored)."""
    token = _unsign(request.POST.get("situation", ""))
    situation = token.get("situation")
    if not isinstance(situation, dict):
        raise Http404("Simulation illisible.")
    result = _simulate(situation)
    territory = _territory()
    html = render_to_string(
        "rights/recap.html",
        {
            "result": result,
            **_explained(result),
            # Signed by the server when the simulation was kept: never typed in.
            "code": str(token.get("code") or ""),
            "expires_at": _date_or_none(token.get("expires")),
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


def _date_or_none(value: Any) -> datetime.date | None:
    try:
        return datetime.date.fromisoformat(str(value))
    except ValueError:
        return None


def _no_fetch(url: str, *args: Any, **kwargs: Any) -> dict[str, Any]:
    raise ValueError(f"aucune ressource externe ({url})")


@require_POST
@limit_kept_simulations
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
                **_explained(result),
                "nearby": _nearby(_territory(), str(situation.get("commune") or "")),
                "access_theme": ACCESS_THEME,
                "situation_token": request.POST.get("situation", ""),
                "consent_text": actions.consent_text(),
                "consent_form": form,
                "territory": _territory(),
                "refer_code": "",
                "form_has_errors": True,
            },
            status=422,
        )
    territory = _territory()
    if territory is None:
        raise Http404("Aucun territoire : la simulation ne peut pas être conservée.")
    saved = actions.simulation_save(
        situation=situation, territory=territory, consent=True, nonce=str(token.get("nonce") or "")
    )
    code = f"{saved.code[:4]}-{saved.code[4:]}"
    return render(
        request,
        "rights/kept.html",
        {
            "code": code,
            "expires_at": saved.expires_at,
            # The recap of the kept simulation restates its code.
            "recap_token": _sign(
                {
                    "situation": situation,
                    "nonce": secrets.token_hex(16),
                    "code": code,
                    "expires": saved.expires_at.date().isoformat(),
                }
            ),
        },
    )


# --- The professional's one-page mode --------------------------------------


@require_http_methods(["GET", "POST"])
def simulator_expert(request: HttpRequest) -> HttpResponse:
    if request.method == "POST" and request.POST:
        # The whole form received: a simulation is coming while it is read
        # and checked (rights.batching; an invalid one withdraws).
        with simulation_expected():
            return _simulator_expert(request)
    return _simulator_expert(request)


def _simulator_expert(request: HttpRequest) -> HttpResponse:
    territory = _territory()
    month = _month()
    # A barometer call-back's rights check (``rappel``): pre-filled, recorded.
    chain = chain_views.chain_of_request(request)
    data: Any = request.POST if request.method == "POST" else None
    if chain is not None and data is None:
        data = chain_views.chain_expert_data(chain, month) or None
    forms = path.expert_forms(data, territory, month)
    if chain is not None and request.method == "GET" and data is not None:
        path.drop_absent_blocks(forms, month)
    context: dict[str, Any] = {"forms": forms, "max_children": EXPERT_CHILDREN, "chain": chain}
    if request.method == "POST":
        situation = path.situation_from_expert(forms, month)
        if situation is None:
            context["errors"] = True
            context["error_forms"] = path.expert_error_forms(forms)
            return render(request, "rights/expert.html", context, status=422)
        if chain is not None:
            problems = chain_views.chain_rights_checked(chain, situation)
            if problems:
                return render(request, "rights/invalid.html", {"problems": problems}, status=422)
            context["refer_chain"] = chain.token
        return _results(request, situation, territory, template="rights/expert.html",
                        extra=context)  # fmt: skip
    return render(request, "rights/expert.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def simulator_reopen(request: AuthenticatedRequest) -> HttpResponse:
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
        saved = None if refusal else queries.simulation_to_reopen(request.user, code)
        if refusal or saved is None:
            form.add_error("code", refusal or queries.NO_SIMULATION)
        else:
            territory = saved.territory or _territory()
            month = _month()
            forms = path.expert_forms(path.expert_initial(saved.situation, month), territory, month)
            path.drop_absent_blocks(forms, month)
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
