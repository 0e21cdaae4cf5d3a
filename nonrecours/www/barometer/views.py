from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core import signing
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from nonrecours.accounts.access import (
    has_capability,
)
from nonrecours.accounts.enums import Capability
from nonrecours.analysis.disclosure import DEFAULT_THRESHOLD
from nonrecours.surveys import actions, exports, queries
from nonrecours.surveys.access import (
    access_campaign_management_by_slug,
    access_campaign_responses_by_slug,
    campaign_by_slug_or_404,
)
from nonrecours.surveys.enums import Channel
from nonrecours.surveys.importers.files import ImportFileError, SourceFormat
from nonrecours.surveys.models import Campaign
from nonrecours.surveys.questionnaire import Page, Question, Questionnaire, QuestionType
from nonrecours.surveys.xlsform import xlsform_bytes
from nonrecours.www.barometer.forms import ImportForm
from nonrecours.www.barometer.online import HONEYPOT_FIELD, FormState, is_spam, rate_limited
from nonrecours.www.qr import qr_svg
from nonrecours.www.requests import AuthenticatedRequest


def campaign_or_404(slug: str) -> Campaign:
    """A campaign's public pages (its online questionnaire): for everyone."""
    return campaign_by_slug_or_404(slug)


def _closed(request: HttpRequest, campaign: Campaign) -> HttpResponse | None:
    reason = queries.campaign_accepts(campaign, Channel.ONLINE, timezone.localdate())
    if reason is None:
        return None
    return render(request, "barometer/online_closed.html", {"campaign": campaign, "reason": reason})


def online_start(request: HttpRequest, slug: str) -> HttpResponse:
    campaign = campaign_or_404(slug)
    closed = _closed(request, campaign)
    if closed is not None:
        return closed
    questionnaire = campaign.questionnaire.questionnaire()
    return render(
        request,
        "barometer/online_start.html",
        {
            "campaign": campaign,
            "questionnaire": questionnaire,
            "pages": len(questionnaire.pages()),
            "secrecy_threshold": DEFAULT_THRESHOLD,
        },
    )


def online_privacy(request: HttpRequest, slug: str) -> HttpResponse:
    return render(
        request,
        "barometer/privacy.html",
        {
            "campaign": campaign_or_404(slug),
            "secrecy_threshold": DEFAULT_THRESHOLD,
            "contact_retention_days": settings.NONRECOURS_CONTACT_RETENTION_DAYS,
        },
    )


def online_thanks(request: HttpRequest, slug: str) -> HttpResponse:
    return render(request, "barometer/online_thanks.html", {"campaign": campaign_or_404(slug)})


def _shown(questionnaire: Questionnaire, page: Page, answers: dict[str, Any]) -> list[Question]:
    return [q for q in page.questions if questionnaire.is_relevant(q, answers)]


def _next_page(
    questionnaire: Questionnaire, after: int, answers: dict[str, Any], step: int = 1
) -> Page | None:
    pages = questionnaire.pages()
    number = after + step
    while 1 <= number <= len(pages):
        page = pages[number - 1]
        if _shown(questionnaire, page, answers):
            return page
        number += step
    return None


def _is_last(questionnaire: Questionnaire, page: Page, answers: dict[str, Any]) -> bool:
    """No later page can appear, whatever is answered on this one."""
    if _next_page(questionnaire, page.number, answers) is not None:
        return False
    here = {q.name for q in page.questions}
    later = questionnaire.pages()[page.number :]
    return not any(
        q.relevant is not None and q.relevant.questions() & here for p in later for q in p.questions
    )


def _page_values(request: HttpRequest, questions: list[Question]) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for question in questions:
        if question.type == QuestionType.SELECT_MULTIPLE:
            values[question.name] = request.POST.getlist(question.name)
        else:
            values[question.name] = request.POST.get(question.name, "")
    return values


def _render_page(
    request: HttpRequest,
    campaign: Campaign,
    questionnaire: Questionnaire,
    page: Page,
    state: FormState,
    values: dict[str, Any] | None = None,
    errors: dict[str, str] | None = None,
    status: int = 200,
) -> HttpResponse:
    values = values if values is not None else state.answers
    errors = errors or {}
    communes = queries.campaign_communes(campaign)
    fields = [
        {
            "question": q,
            "value": values.get(q.name, [] if q.type == QuestionType.SELECT_MULTIPLE else ""),
            "error": errors.get(q.name, ""),
            "anchor": f"{q.name}-{q.choices[0].code}" if q.choices else f"id_{q.name}",
        }
        for q in _shown(questionnaire, page, state.answers)
    ]
    return render(
        request,
        "barometer/online_page.html",
        {
            "campaign": campaign,
            "page": page,
            "page_count": len(questionnaire.pages()),
            "fields": fields,
            "communes": communes,
            "state": state.dumps(campaign.slug),
            "errors": errors,
            "has_previous": _next_page(questionnaire, page.number, state.answers, -1) is not None,
            "is_last": _is_last(questionnaire, page, state.answers),
            "honeypot": HONEYPOT_FIELD,
        },
        status=status,
    )


@require_http_methods(["GET", "POST"])
def online_form(request: HttpRequest, slug: str) -> HttpResponse:
    campaign = campaign_or_404(slug)
    closed = _closed(request, campaign)
    if closed is not None:
        return closed
    questionnaire = campaign.questionnaire.questionnaire()
    if request.method == "GET":
        return _render_page(request, campaign, questionnaire, questionnaire.pages()[0], FormState())
    if is_spam(request):
        return redirect("barometer_online_thanks", slug=campaign.slug)
    try:
        state = FormState.loads(request.POST.get("etat", ""), campaign.slug)
        number = int(request.POST.get("page", ""))
        if not 1 <= number <= len(questionnaire.pages()):  # [-1] would be the last page
            raise IndexError(number)
        page = questionnaire.pages()[number - 1]
    except (signing.BadSignature, ValueError, IndexError):
        return render(request, "barometer/online_expired.html", {"campaign": campaign}, status=400)
    if request.POST.get("action") == "precedent":
        previous = _next_page(questionnaire, page.number, state.answers, -1) or page
        return _render_page(request, campaign, questionnaire, previous, state)
    if request.POST.get("action") == "renvoyer":  # retry after "too many submissions"
        return _submit(request, campaign, questionnaire, state)
    shown = _shown(questionnaire, page, state.answers)
    values = _page_values(request, shown)
    communes = [c.insee_code for c in queries.campaign_communes(campaign)]
    clean, errors = questionnaire.validate({**state.answers, **values}, communes=communes)
    page_errors = {q.name: errors[q.name] for q in shown if q.name in errors}
    if page_errors:
        return _render_page(
            request, campaign, questionnaire, page, state, values, page_errors, status=422
        )
    state.answers = clean
    following = _next_page(questionnaire, page.number, state.answers)
    if following is not None:
        return _render_page(request, campaign, questionnaire, following, state)
    return _submit(request, campaign, questionnaire, state)


def _submit(
    request: HttpRequest, campaign: Campaign, questionnaire: Questionnaire, state: FormState
) -> HttpResponse:
    key = f"online-{state.key}"
    if queries.response_exists(campaign=campaign, channel=Channel.ONLINE, key=key):
        # a double submit or a refresh: already stored
        return redirect("barometer_online_thanks", slug=campaign.slug)
    if rate_limited(request, campaign.slug):
        return render(
            request,
            "barometer/online_rate_limited.html",
            {
                "campaign": campaign,
                "state": state.dumps(campaign.slug),
                "page": len(questionnaire.pages()),
            },
            status=429,
        )
    try:
        actions.response_submit(
            campaign=campaign,
            answers=state.answers,
            channel=Channel.ONLINE,
            idempotency_key=key,
            started_at=state.started,
        )
    except actions.ResponseRejected as rejected:
        first = questionnaire.pages()[0]
        return _render_page(
            request, campaign, questionnaire, first, state, errors=rejected.errors, status=422
        )
    return redirect("barometer_online_thanks", slug=campaign.slug)


@login_required
def campaign_xlsform(request: AuthenticatedRequest, slug: str) -> HttpResponse:
    campaign = access_campaign_management_by_slug(request.user, slug)
    questionnaire = campaign.questionnaire.questionnaire()
    communes = [(c.insee_code, c.name) for c in queries.campaign_communes(campaign)]
    form_id = f"{questionnaire.slug}-{campaign.slug}".replace("-", "_")
    response = HttpResponse(
        xlsform_bytes(questionnaire, communes, form_id),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    filename = f"{campaign.slug}-questionnaire-v{questionnaire.version}.xlsx"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


QR_TITLE = "Code QR vers le questionnaire en ligne"


def online_address(campaign: Campaign) -> str:
    """The online questionnaire's full address, from NONRECOURS_BASE_URL
    (https in production, checked by its settings): the one printed on
    posters and flyers, whatever address the team opened the page at."""
    return settings.NONRECOURS_BASE_URL + reverse("barometer_online_start", args=[campaign.slug])


def _online(campaign: Campaign, *, fluid: bool = False) -> dict[str, str]:
    """The address and its QR code, for a campaign that takes online answers."""
    if Channel.ONLINE.value not in campaign.channels:
        return {"online_url": "", "qr_svg": ""}
    address = online_address(campaign)
    scale = 4 if not fluid else 1
    return {
        "online_url": address,
        "qr_svg": qr_svg(address, title=QR_TITLE, scale=scale, fluid=fluid),
    }


@login_required
def campaign_poster(request: AuthenticatedRequest, slug: str) -> HttpResponse:
    """A page to print (posters, flyers): the campaign's name, the QR code
    large, the address under it. 404 for a campaign without online answers."""
    campaign = access_campaign_management_by_slug(request.user, slug)
    online = _online(campaign, fluid=True)
    if not online["online_url"]:
        raise Http404("Cette campagne ne recueille pas de réponses en ligne.")
    return render(request, "barometer/poster.html", {"campaign": campaign, **online})


@login_required
def campaign_follow_up(request: AuthenticatedRequest, slug: str) -> HttpResponse:
    campaign = access_campaign_management_by_slug(request.user, slug)
    targets = queries.agent_targets(campaign)
    return render(
        request,
        "barometer/follow_up.html",
        {
            **_online(campaign),
            "campaign": campaign,
            "progress": queries.campaign_progress(campaign),
            "field_agents": [
                (agent, targets.get(agent.pk))
                for agent in queries.territory_field_agents(campaign.territory)
            ],
            "can_export": has_capability(
                request.user,
                campaign.territory,
                Capability.VIEW_RESPONSES,
            ),
            "now": timezone.now(),
        },
    )


@login_required
def campaign_export(request: AuthenticatedRequest, slug: str, fmt: str) -> HttpResponse:
    campaign = access_campaign_responses_by_slug(request.user, slug)
    if fmt not in exports.EXPORTERS:
        raise Http404("Format d'export inconnu.")
    export, extension, content_type = exports.EXPORTERS[fmt]
    response = HttpResponse(export(campaign), content_type=content_type)
    stamp = timezone.localdate().isoformat()
    filename = f"{campaign.slug}-reponses-{fmt}-{stamp}.{extension}"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@login_required
@require_http_methods(["GET", "POST"])
def campaign_import(request: AuthenticatedRequest, slug: str) -> HttpResponse:
    campaign = access_campaign_management_by_slug(request.user, slug)
    form = ImportForm(request.POST or None, request.FILES or None)
    problems: list[str] = []
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            summary = actions.responses_import(
                campaign=campaign,
                stream=upload,
                filename=upload.name,
                source=SourceFormat(form.cleaned_data["source"]),
                survey_id=form.cleaned_data["survey_id"],
                separator=form.cleaned_data["separator"],
                include_unreviewed=form.cleaned_data["include_unreviewed"],
            )
        except ImportFileError as error:
            problems = [str(error)]
        except actions.ImportRejected as rejected:
            problems = [str(rejected).split("\n")[0], *rejected.problems]
            if rejected.total > len(rejected.problems):
                problems.append(f"… et {rejected.total - len(rejected.problems)} autres problèmes.")
        else:
            first, *details = summary.lines()
            messages.success(request, first)
            for line in details:
                messages.info(request, line)
            return redirect("barometer_follow_up", slug=campaign.slug)
    return render(
        request,
        "barometer/import.html",
        {"campaign": campaign, "form": form, "problems": problems},
        status=422 if problems else 200,
    )
