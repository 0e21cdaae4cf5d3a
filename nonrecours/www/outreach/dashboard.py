"""The bus's dashboard: what each stop achieved over a period, its exports
(CSV, XLSX: always the published view), the suggestions, and the form of
the half-day cost of a saved calendar.

Who: the team that plans the bus (``Capability.PLAN_OUTREACH``) only. The
page shows exact counts (« usage interne ») by default and the published
view on request (``?vue=publiee``), as the referral statistics do. Partners
(``VIEW_AGGREGATES``) do not get it, even with the secrecy rule applied:
its period is chosen freely, and two overlapping periods would give back,
by difference, what the rule hides at one stop (the referral statistics
avoid it with calendar years). What leaves the team is the exports, whose
notes say not to send overlapping periods.
"""

import datetime
from calendar import monthrange
from urllib.parse import urlencode

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache

from nonrecours.outreach import actions
from nonrecours.outreach.access import access_outreach_planning_by_siren
from nonrecours.outreach.achievement_exports import XLSX, achievements_csv, achievements_xlsx
from nonrecours.outreach.achievements import (
    MIN_HALF_DAYS_TO_JUDGE,
    MIN_VISITORS_PER_HOUR,
    AchievementsError,
    achievement_suggestions,
    check_export_period,
    check_period,
    exportable_quarters,
    published_achievements,
    quarter_text,
    stop_achievements,
)
from nonrecours.outreach.models import BusCalendar
from nonrecours.outreach.planning import DEFAULT_HALF_DAYS
from nonrecours.territories.models import Territory
from nonrecours.www.errors import add_to_form
from nonrecours.www.requests import AuthenticatedRequest

PUBLISHED_VIEW = "publiee"
# Dates before the product and far after it are typing errors.
FIRST_YEAR, LAST_YEAR = 2000, 2100
DEFAULT_MONTHS = 3


def months_before(day: datetime.date, months: int) -> datetime.date:
    """The same day ``months`` months earlier (the month's last day when it
    is shorter: 31 May − 3 months = 28 or 29 February)."""
    year, month = divmod(day.year * 12 + day.month - 1 - months, 12)
    return datetime.date(year, month + 1, min(day.day, monthrange(year, month + 1)[1]))


class PeriodForm(forms.Form):
    """The period of the dashboard (``?debut=AAAA-MM-JJ&fin=AAAA-MM-JJ``),
    and an export (``?format=csv`` or ``xlsx``)."""

    debut = forms.DateField(label="Du", required=False, input_formats=["%Y-%m-%d", "%d/%m/%Y"])
    fin = forms.DateField(label="Au", required=False, input_formats=["%Y-%m-%d", "%d/%m/%Y"])
    format = forms.ChoiceField(
        label="Export", required=False, choices=[("", ""), ("csv", "CSV"), ("xlsx", "XLSX")]
    )

    def _day(self, name: str) -> datetime.date | None:
        day: datetime.date | None = self.cleaned_data.get(name)
        if day is not None and not FIRST_YEAR <= day.year <= LAST_YEAR:
            raise forms.ValidationError(
                f"Choisissez une date entre {FIRST_YEAR} et {LAST_YEAR}.", code="range"
            )
        return day

    def clean_debut(self) -> datetime.date | None:
        return self._day("debut")

    def clean_fin(self) -> datetime.date | None:
        return self._day("fin")

    def period(self) -> tuple[datetime.date, datetime.date]:
        """The period asked (after is_valid): by default, the three months
        before today; the end alone, the three months before it; the start
        alone, up to today."""
        today = timezone.localdate()
        end = self.cleaned_data.get("fin") or today
        start = self.cleaned_data.get("debut") or months_before(end, DEFAULT_MONTHS)
        return start, end


class HalfDayCostForm(forms.Form):
    """The half-day cost of a saved calendar (checked by the action)."""

    calendrier = forms.ChoiceField(label="Calendrier")
    cout = forms.CharField(
        label="Coût d'une demi-journée (euros)", required=False, max_length=40,
        help_text="Personnel, carburant, part du véhicule ; par exemple 450 ou 1 234,50. "
        "Laissez vide pour effacer.",
    )  # fmt: skip

    def __init__(self, *args: object, calendars: list[BusCalendar], **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        choices = [(str(c.pk), c.name) for c in calendars]
        self.fields["calendrier"].choices = choices  # type: ignore[attr-defined]


def _query(**params: object) -> str:
    query = urlencode({key: value for key, value in params.items() if value})
    return f"?{query}" if query else ""


def _export(
    territory: Territory, kind: str, start: datetime.date, end: datetime.date
) -> HttpResponse:
    stem = f"bilan-bus-{territory.siren}-{start.isoformat()}-{end.isoformat()}"
    if kind == "csv":
        # With a BOM, so that Excel reads the accents.
        text = "\ufeff" + achievements_csv(territory, start=start, end=end)
        response = HttpResponse(text.encode(), content_type="text/csv; charset=utf-8")
        filename = f"{stem}.csv"
    else:
        response = HttpResponse(
            achievements_xlsx(territory, start=start, end=end), content_type=XLSX
        )
        filename = f"{stem}.xlsx"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def _save_cost(request: AuthenticatedRequest, territory: Territory, form: HalfDayCostForm) -> bool:
    """Save the posted cost; False with the error on the form."""
    try:
        calendar = actions.half_day_cost_save(
            territory=territory,
            calendar_id=form.data.get("calendrier", ""),
            cost=form.data.get("cout", ""),
            user=request.user,
        )
    except actions.HalfDayCostError as error:
        add_to_form(form, error)
        return False
    messages.success(request, f"Coût d'une demi-journée enregistré pour « {calendar.name} ».")
    return True


@never_cache
@login_required
def outreach_dashboard(request: AuthenticatedRequest, siren: str) -> HttpResponse:
    """What each stop achieved over the period (GET ``debut``, ``fin``;
    ``vue=publiee`` for the published view; ``format=csv|xlsx`` for an
    export), and the half-day cost of a saved calendar (POST). A bad or
    reversed period: the page with the error on its field, status 422."""
    territory = access_outreach_planning_by_siren(request.user, siren)
    calendars = list(BusCalendar.objects.filter(territory=territory).order_by("-start", "-pk"))
    period_form = PeriodForm(request.GET)
    cost_form = HalfDayCostForm(calendars=calendars)
    status = 200
    period = None
    if period_form.is_valid():
        try:
            period = period_form.period()
            check_period(*period)
        except AchievementsError as error:
            add_to_form(period_form, error)
            period = None
    if period is None:
        status = 422
    elif request.method == "POST":
        cost_form = HalfDayCostForm(request.POST, calendars=calendars)
        if _save_cost(request, territory, cost_form):
            query = _query(debut=period[0].isoformat(), fin=period[1].isoformat())
            return redirect(reverse("outreach_dashboard", args=[siren]) + query + "#cout")
        status = 422
    elif period_form.cleaned_data["format"]:
        try:
            check_export_period(*period, today=timezone.localdate())
        except AchievementsError as error:
            add_to_form(period_form, error)
            status = 422
        else:
            return _export(territory, period_form.cleaned_data["format"], *period)
    return _page(request, territory, period_form, cost_form, calendars, period, status)


def _page(
    request: AuthenticatedRequest,
    territory: Territory,
    period_form: PeriodForm,
    cost_form: HalfDayCostForm,
    calendars: list[BusCalendar],
    period: tuple[datetime.date, datetime.date] | None,
    status: int,
) -> HttpResponse:
    published = request.GET.get("vue") == PUBLISHED_VIEW
    context: dict[str, object] = {
        "territory": territory,
        "period_form": period_form,
        "cost_form": cost_form,
        "calendars": calendars,
        "published_view": published,
        "half_days": DEFAULT_HALF_DAYS,
        "min_half_days": MIN_HALF_DAYS_TO_JUDGE,
        "min_per_hour": MIN_VISITORS_PER_HOUR,
        "result": None,
    }
    if period is not None:
        start, end = period
        page = reverse("outreach_dashboard", args=[territory.siren])
        dates = {"debut": start.isoformat(), "fin": end.isoformat()}
        if published:
            result = published_achievements(territory, start=start, end=end)
            suggestions = []
        else:
            result = stop_achievements(territory, start=start, end=end)
            suggestions = achievement_suggestions(result)
        context |= {
            "result": result,
            "suggestions": suggestions,
            "exact_url": page + _query(**dates),
            "published_url": page + _query(**dates, vue=PUBLISHED_VIEW),
            "exports": [
                (
                    quarter_text(first, last),
                    page + _query(debut=first.isoformat(), fin=last.isoformat(), format="xlsx"),
                    page + _query(debut=first.isoformat(), fin=last.isoformat(), format="csv"),
                )
                for first, last in exportable_quarters(start, end, today=timezone.localdate())
            ],
            "form_url": page + _query(**dates, vue=PUBLISHED_VIEW if published else ""),
        }
    return render(request, "outreach/dashboard.html", context, status=status)
