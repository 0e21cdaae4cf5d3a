"""Pages of the aller-vers (outreach): where the bus should go."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.cache import never_cache

from nonrecours.accounts.access import has_capability
from nonrecours.accounts.enums import Capability
from nonrecours.french import sort_key
from nonrecours.outreach import actions
from nonrecours.outreach.access import (
    access_outreach_planning_by_siren,
    access_outreach_priorities_by_siren,
    access_stop_by_id,
)
from nonrecours.outreach.bus_settings import BusSettingsError, bus_rules, bus_settings_save
from nonrecours.outreach.models import Stop
from nonrecours.outreach.priorities import FACTORS, priority_index
from nonrecours.outreach.queries import priority_map
from nonrecours.outreach.stops import StopError, stop_add, stop_update, stops_prefill
from nonrecours.territories.models import Commune
from nonrecours.www.errors import add_to_form
from nonrecours.www.outreach.forms import BusSettingsForm, PlaceForm, StopForm, WeightsForm
from nonrecours.www.requests import AuthenticatedRequest


@never_cache
@login_required
def outreach_priorities(request: AuthenticatedRequest, siren: str) -> HttpResponse:
    """The priority index (map and ranked table, each line with why), and
    for the team the form of its weights (POST saves them)."""
    territory = access_outreach_priorities_by_siren(request.user, siren)
    can_plan = has_capability(request.user, territory, Capability.PLAN_OUTREACH)
    index = priority_index(territory)
    form = WeightsForm(weights=dict(index.weights))
    status = 200
    if request.method == "POST":
        access_outreach_planning_by_siren(request.user, siren)
        form = WeightsForm(request.POST, weights=dict(index.weights))
        if form.is_valid():
            try:
                actions.priority_weights_save(
                    territory=territory, weights=form.weights(), user=request.user
                )
            except actions.WeightsError as error:
                add_to_form(form, error)
            else:
                messages.success(request, "Poids enregistrés : le classement en tient compte.")
                return redirect(reverse("outreach_priorities", args=[siren]) + "#classement")
        status = 422
    labels = {f.key: f.label for f in FACTORS}
    return render(
        request,
        "outreach/priorities.html",
        {
            "territory": territory,
            "index": index,
            "map": priority_map(index),
            "form": form,
            "can_plan": can_plan,
            "used": [labels[key] for key in index.used],
            "synthetic": bool(index.campaign and index.campaign.is_synthetic),
        },
        status=status,
    )


@never_cache
@login_required
def outreach_stops(request: AuthenticatedRequest, siren: str) -> HttpResponse:
    """The bus's candidate stops (the town halls and QPV the territory lacks
    are created first), and the form to add a place (POST)."""
    territory = access_outreach_planning_by_siren(request.user, siren)
    stops_prefill(territory=territory)  # the town halls and QPV it lacks
    communes = [
        (c.insee_code, c.name)
        for c in sorted(Commune.objects.members_of(territory), key=lambda c: sort_key(c.name))
    ]
    form = PlaceForm(communes=communes)
    status = 200
    if request.method == "POST":
        form = PlaceForm(request.POST, communes=communes)
        if form.is_valid():
            data = form.cleaned_data
            try:
                stop = stop_add(
                    territory=territory,
                    name=data["name"],
                    insee_code=data["commune"],
                    latitude=float(data["latitude"]),
                    longitude=float(data["longitude"]),
                    service_minutes=data["service_minutes"],
                )
            except StopError as error:
                add_to_form(form, error)
            else:
                messages.success(request, f"Arrêt « {stop.name} » ajouté.")
                return redirect(reverse("outreach_stops", args=[siren]))
        status = 422
    stops = Stop.objects.filter(territory=territory).select_related("commune")
    return render(
        request,
        "outreach/stops.html",
        {
            "territory": territory,
            "stops": sorted(stops, key=lambda s: (s.kind, sort_key(s.name))),
            "form": form,
        },
        status=status,
    )


@never_cache
@login_required
def outreach_stop(request: AuthenticatedRequest, siren: str, pk: str) -> HttpResponse:
    """A stop of the bus: its name, address, place, time on site, and
    whether the next calendars may choose it (POST saves them)."""
    stop = access_stop_by_id(request.user, siren, pk)
    initial = {
        "name": stop.name,
        "address": stop.address,
        "latitude": round(stop.latitude, 6),
        "longitude": round(stop.longitude, 6),
        "service_minutes": stop.service_minutes,
        "is_active": stop.is_active,
        "preferred_weekdays": stop.preferred_weekdays,
        "partner": stop.partner,
    }
    form = StopForm(initial=initial)
    status = 200
    if request.method == "POST":
        form = StopForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                stop_update(
                    stop=stop,
                    name=data["name"],
                    address=data["address"],
                    latitude=float(data["latitude"]),
                    longitude=float(data["longitude"]),
                    service_minutes=data["service_minutes"],
                    is_active=data["is_active"],
                    preferred_weekdays=data["preferred_weekdays"],
                    partner=data["partner"],
                )
            except StopError as error:
                add_to_form(form, error)
            else:
                messages.success(request, f"Arrêt « {stop.name} » enregistré.")
                return redirect(reverse("outreach_stops", args=[siren]))
        status = 422
    return render(
        request,
        "outreach/stop.html",
        {"territory": stop.territory, "stop": stop, "form": form},
        status=status,
    )


@never_cache
@login_required
def outreach_bus_settings(request: AuthenticatedRequest, siren: str) -> HttpResponse:
    """The rules of the bus (depot, days, half-days, partners on board) the
    next calendars are computed with (POST saves them)."""
    territory = access_outreach_planning_by_siren(request.user, siren)
    stops_prefill(territory=territory)
    stops = [
        (str(s.pk), s.name)
        for s in sorted(
            Stop.objects.filter(territory=territory, is_active=True), key=lambda s: sort_key(s.name)
        )
    ]
    rules = bus_rules(territory)
    morning, afternoon = rules.half_days
    initial: dict[str, object] = {
        "depot": str(rules.depot.pk) if rules.depot else "",
        "weekdays": sorted(rules.weekdays),
        "morning_start": morning.start,
        "morning_end": morning.end,
        "afternoon_start": afternoon.start,
        "afternoon_end": afternoon.end,
    }
    initial |= {f"partners_{d}": ", ".join(n) for d, n in rules.partner_days.items()}
    form = BusSettingsForm(initial=initial, stops=stops)
    status = 200
    if request.method == "POST":
        form = BusSettingsForm(request.POST, stops=stops)
        if form.is_valid():
            data = form.cleaned_data
            try:
                bus_settings_save(
                    territory=territory,
                    depot_id=data["depot"],
                    weekdays=data["weekdays"],
                    morning=(data["morning_start"], data["morning_end"]),
                    afternoon=(data["afternoon_start"], data["afternoon_end"]),
                    partner_days=form.partner_days(),
                    user=request.user,
                )
            except BusSettingsError as error:
                add_to_form(form, error)
            else:
                messages.success(
                    request, "Réglages du bus enregistrés : les prochains calendriers les suivent."
                )
                return redirect(reverse("outreach_calendars", args=[siren]))
        status = 422
    return render(
        request,
        "outreach/bus_settings.html",
        {"territory": territory, "form": form},
        status=status,
    )
