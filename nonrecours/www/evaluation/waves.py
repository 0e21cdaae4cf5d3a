"""Pages of the waves' comparison: every released cell of two waves, the
difference-in-differences between exposed and unexposed communes, and the
answers-needed calculator (evaluation.waves, waves_did, waves_power)."""

import csv
import io
import math
from collections.abc import Mapping
from urllib.parse import urlencode

from django import forms
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from nonrecours import french
from nonrecours.evaluation.access import access_waves_answers_by_siren, access_waves_by_siren
from nonrecours.evaluation.waves import (
    TABLE_LABELS,
    WaveComparison,
    WavesError,
    compare_waves,
    comparison_file_name,
    comparison_table,
    territory_waves,
    wave_pair,
)
from nonrecours.evaluation.waves_did import (
    DidComparison,
    did_file_name,
    did_table,
    exposed_by_bus,
    waves_difference_in_differences,
)
from nonrecours.evaluation.waves_power import (
    StratumInput,
    StratumPlan,
    power_defaults,
    power_plan,
    proposed_targets,
)
from nonrecours.surveys.models import Campaign
from nonrecours.territories.enums import Stratum
from nonrecours.territories.models import Territory
from nonrecours.territories.queries import member_communes
from nonrecours.www.requests import AuthenticatedRequest

LEVELS = [("0.05", "5 %"), ("0.01", "1 %"), ("0.1", "10 %")]
POWERS = [("0.8", "80 %"), ("0.9", "90 %")]


def _wave_choices(waves: list[Campaign]) -> list[tuple[str, str]]:
    return [
        (c.slug, f"{c.name} (du {c.starts_on:%d/%m/%Y} au {c.ends_on:%d/%m/%Y})") for c in waves
    ]


class PairForm(forms.Form):
    a = forms.ChoiceField(label="Vague A")
    b = forms.ChoiceField(label="Vague B")
    alpha = forms.ChoiceField(label="Seuil des tests", choices=LEVELS, required=False)

    def __init__(self, *args: object, waves: list[Campaign], **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        for name in ("a", "b"):
            self.fields[name].choices = _wave_choices(waves)  # type: ignore[attr-defined]

    def clean(self) -> dict[str, object]:
        data = super().clean() or {}
        if data.get("a") and data.get("a") == data.get("b"):
            self.add_error("b", "Choisissez deux vagues différentes.")
        return data


class CompareForm(PairForm):
    indicateur = forms.ChoiceField(label="Indicateur", required=False)
    tableau = forms.ChoiceField(
        label="Cellules",
        required=False,
        choices=[("", "Toutes"), *TABLE_LABELS.items()],
    )

    def __init__(self, *args: object, indicators: list[tuple[str, str]], **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        choices = [("", "Tous"), *indicators]
        self.fields["indicateur"].choices = choices  # type: ignore[attr-defined]


def _pair_data(request: AuthenticatedRequest, waves: list[Campaign]) -> dict[str, str]:
    """The query; the two latest waves when none is chosen."""
    data = {key: request.GET.get(key, "") for key in request.GET}
    if "a" in data or "b" in data:
        return data
    if len(waves) < 2:
        return {}
    return {**data, "a": waves[1].slug, "b": waves[0].slug}


def _indicators(waves: list[Campaign]) -> list[tuple[str, str]]:
    if not waves:
        return []
    return [(i.id, i.label) for i in waves[0].questionnaire.questionnaire().indicators]


def _alpha(data: dict[str, object]) -> float:
    return float(str(data.get("alpha") or "0.05"))


def _csv(header: list[str], lines: list[list[str]], filename: str) -> HttpResponse:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(lines)
    # With a BOM, so that Excel reads the accents.
    response = HttpResponse(("\ufeff" + out.getvalue()).encode(), content_type="text/csv")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def _compare(
    request: AuthenticatedRequest, territory: Territory
) -> tuple[CompareForm, WaveComparison | None, list[Campaign]]:
    waves = territory_waves(territory)
    data = _pair_data(request, waves)
    form = CompareForm(data or None, waves=waves, indicators=_indicators(waves))
    comparison = None
    if data and form.is_valid():
        try:
            first, second = wave_pair(territory, form.cleaned_data["a"], form.cleaned_data["b"])
            comparison = compare_waves(first, second, alpha=_alpha(form.cleaned_data))
        except WavesError as error:
            form.add_error(None, str(error))
    return form, comparison, waves


@login_required
@require_GET
def waves_compare(request: AuthenticatedRequest, siren: str) -> HttpResponse:
    territory = access_waves_by_siren(request.user, siren)
    form, comparison, waves = _compare(request, territory)
    sections = []
    if comparison is not None:
        chosen = form.cleaned_data.get("indicateur") or ""
        table = form.cleaned_data.get("tableau") or ""
        for indicator, label, base in comparison.indicators:
            if chosen and indicator != chosen:
                continue
            cells = [
                c
                for c in comparison.cells
                if c.indicator == indicator and (not table or c.by == table)
            ]
            sections.append({"id": indicator, "label": label, "base": base, "cells": cells})
    return render(
        request,
        "evaluation/waves_compare.html",
        {
            "territory": territory,
            "form": form,
            "waves": waves,
            "comparison": comparison,
            "sections": sections,
            "tables": TABLE_LABELS,
            "query": request.GET.urlencode(),
            "form_has_errors": bool(form.errors),
        },
        status=422 if form.errors else 200,
    )


@login_required
@require_GET
def waves_compare_csv(request: AuthenticatedRequest, siren: str) -> HttpResponse:
    territory = access_waves_by_siren(request.user, siren)
    form, comparison, waves = _compare(request, territory)
    if comparison is None:
        return render(
            request,
            "evaluation/waves_compare.html",
            {
                "territory": territory,
                "form": form,
                "waves": waves,
                "comparison": None,
                "sections": [],
                "tables": TABLE_LABELS,
                "query": "",
            },
            status=422,
        )
    header, lines = comparison_table(comparison)
    name = comparison_file_name(comparison, timezone.localdate())
    return _csv(header, lines, name)


class DidForm(PairForm):
    exposees = forms.MultipleChoiceField(
        label="Communes exposées",
        widget=forms.CheckboxSelectMultiple,
        error_messages={
            "required": "Cochez au moins une commune exposée : le bus ne s'est arrêté dans "
            "aucune commune entre le début de la vague A et la fin de la vague B."
        },
        help_text="Par défaut, les communes où le bus s'est arrêté entre le début de la vague A "
        "et la fin de la vague B.",
    )

    def __init__(self, *args: object, communes: list[tuple[str, str]], **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["exposees"].choices = communes  # type: ignore[attr-defined]
        self.notice = ""  # what the page says before the user has chosen


def _did(
    request: AuthenticatedRequest, territory: Territory
) -> tuple[DidForm, DidComparison | None]:
    waves = territory_waves(territory)
    communes = [(c.insee_code, c.name) for c in member_communes(territory)]
    data: dict[str, object] = dict(_pair_data(request, waves))
    if "exposees" in request.GET:
        data["exposees"] = request.GET.getlist("exposees")
    elif data.get("a") and data.get("b"):
        try:
            first, second = wave_pair(territory, str(data["a"]), str(data["b"]))
            data["exposees"] = exposed_by_bus(territory, first, second)
        except WavesError:
            pass  # the form says why below
    submitted = "exposees" in request.GET or "calculer" in request.GET
    if not submitted and not data.get("exposees"):
        # First visit with no bus between the waves: the form to fill in, not
        # an error yet.
        form = DidForm(initial=data, waves=waves, communes=communes)
        form.notice = (
            "Le bus ne s'est arrêté dans aucune commune entre ces deux vagues : cochez les "
            "communes exposées à comparer aux autres."
        )
        return form, None
    form = DidForm(data or None, waves=waves, communes=communes)
    result = None
    if data and form.is_valid():
        try:
            first, second = wave_pair(territory, form.cleaned_data["a"], form.cleaned_data["b"])
            result = waves_difference_in_differences(
                first, second, form.cleaned_data["exposees"], alpha=_alpha(form.cleaned_data)
            )
        except WavesError as error:
            form.add_error("exposees" if error.field == "exposed" else None, str(error))
    return form, result


@login_required
@require_GET
def waves_did(request: AuthenticatedRequest, siren: str) -> HttpResponse:
    territory = access_waves_answers_by_siren(request.user, siren)
    form, result = _did(request, territory)
    return render(
        request,
        "evaluation/waves_did.html",
        {
            "territory": territory,
            "form": form,
            "result": result,
            "query": request.GET.urlencode(),
            "form_has_errors": bool(form.errors),
        },
        status=422 if form.errors else 200,
    )


@login_required
@require_GET
def waves_did_csv(request: AuthenticatedRequest, siren: str) -> HttpResponse:
    territory = access_waves_answers_by_siren(request.user, siren)
    form, result = _did(request, territory)
    if result is None:
        context = {"territory": territory, "form": form, "result": None, "query": ""}
        return render(request, "evaluation/waves_did.html", context, status=422)
    header, lines = did_table(result)
    return _csv(header, lines, did_file_name(result, timezone.localdate()))


class PowerForm(forms.Form):
    vague = forms.ChoiceField(label="Vague de référence")
    indicateur = forms.ChoiceField(label="Indicateur")
    alpha = forms.ChoiceField(label="Seuil du test", choices=LEVELS)
    puissance = forms.ChoiceField(label="Puissance", choices=POWERS)

    def __init__(
        self,
        *args: object,
        waves: list[Campaign],
        indicators: list[tuple[str, str]],
        **kwargs: object,
    ) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["vague"].choices = _wave_choices(waves)  # type: ignore[attr-defined]
        self.fields["indicateur"].choices = indicators  # type: ignore[attr-defined]
        for stratum in Stratum:
            for prefix, label in (
                ("part", "part de départ (%)"),
                ("ecart", "écart à détecter (points, − pour une baisse)"),
                ("deff", "effet de plan"),
                ("prevu", "réponses prévues par vague (facultatif)"),
            ):
                self.fields[f"{prefix}_{stratum.value}"] = forms.CharField(
                    label=f"{stratum.label} : {label}", required=prefix != "prevu", max_length=20
                )

    def number(self, name: str, *, whole: bool = False) -> float | None:
        raw = str(self.cleaned_data.get(name) or "").strip()
        if not raw:
            return None
        try:
            value = french.parse_number(raw)
        except ValueError as error:
            self.add_error(name, str(error))
            return None
        if whole and (value != math.floor(value) or value < 1):
            self.add_error(name, f"« {raw} » : un nombre entier de réponses (1 ou plus) attendu.")
            return None
        return value

    def inputs(self) -> list[StratumInput]:
        items = []
        for stratum in Stratum:
            s = stratum.value
            part, ecart = self.number(f"part_{s}"), self.number(f"ecart_{s}")
            deff, planned = self.number(f"deff_{s}"), self.number(f"prevu_{s}", whole=True)
            if part is None or ecart is None or deff is None:
                continue
            items.append(
                StratumInput(
                    s,
                    part / 100,
                    ecart / 100,
                    deff,
                    None if planned is None else int(planned),
                    _base_share(self.data, s),
                )
            )
        return items


def _base_share(data: Mapping[str, object], stratum: str) -> float:
    """The share of a stratum's answers in the indicator's base, carried by
    the page (hidden input); 1 when missing or not a share."""
    try:
        share = float(str(data.get(f"base_{stratum}") or "1"))
    except ValueError:
        return 1.0
    return share if 0 < share <= 1 else 1.0


FIELD_NAMES = {"baseline": "part", "change": "ecart", "deff": "deff", "first_n": "prevu"}


@login_required
@require_GET
def waves_power(request: AuthenticatedRequest, siren: str) -> HttpResponse:
    territory = access_waves_answers_by_siren(request.user, siren)
    waves = territory_waves(territory)
    indicators = _indicators(waves)
    data: dict[str, object] = {key: request.GET.get(key, "") for key in request.GET}
    problem = ""
    if waves and indicators and not data.get("part_central_city"):
        slug = str(data.get("vague") or waves[0].slug)
        indicator = str(data.get("indicateur") or indicators[0][0])
        wave = next((w for w in waves if w.slug == slug), waves[0])
        try:
            defaults = power_defaults(wave, indicator)
        except WavesError as error:
            problem, defaults = str(error), []
        data = {"vague": wave.slug, "indicateur": indicator, "alpha": "0.05", "puissance": "0.8"}
        for item in defaults:
            data[f"part_{item.stratum}"] = (
                french.number(100 * item.baseline, 1) if item.baseline is not None else ""
            )
            data[f"ecart_{item.stratum}"] = "-5"
            data[f"deff_{item.stratum}"] = french.number(item.deff, 2)
            data[f"prevu_{item.stratum}"] = str(item.answers) if item.answers else ""
            data[f"base_{item.stratum}"] = f"{item.base_share:.4f}"
        hidden = [item for item in defaults if item.baseline is None]
        if hidden and not problem:
            # First visit: the strata whose share the secrecy rule hides are
            # left to type, not shown as errors.
            problem = (
                "La part de la dernière vague n'est pas publiée (secret statistique) pour : "
                + ", ".join(Stratum(item.stratum).label for item in hidden)
                + ". Saisissez une part de référence pour ces strates, puis calculez."
            )
            form = PowerForm(initial=data, waves=waves, indicators=indicators)
            return _power_page(request, territory, form, problem, [], {}, data)
    form = PowerForm(data or None, waves=waves, indicators=indicators)
    plans: list[StratumPlan] = []
    targets: dict[str, int] = {}
    if data and form.is_valid():
        inputs = form.inputs()
        if inputs:
            plans = power_plan(
                inputs,
                alpha=float(form.cleaned_data["alpha"]),
                power=float(form.cleaned_data["puissance"]),
            )
            for plan in plans:
                if plan.problem:
                    prefix = FIELD_NAMES.get(plan.field, "")
                    name = f"{prefix}_{plan.stratum}" if prefix else None
                    form.add_error(name, plan.problem)
            try:
                targets = proposed_targets(territory, plans) if not form.errors else {}
            except WavesError as error:
                form.add_error(None, str(error))
    return _power_page(request, territory, form, problem, plans, targets, data)


def _power_page(
    request: AuthenticatedRequest,
    territory: Territory,
    form: PowerForm,
    problem: str,
    plans: list[StratumPlan],
    targets: dict[str, int],
    data: Mapping[str, object],
) -> HttpResponse:
    names = {c.insee_code: c.name for c in member_communes(territory)}
    return render(
        request,
        "evaluation/waves_power.html",
        {
            "territory": territory,
            "form": form,
            "problem": problem,
            "plans": plans,
            "strata": [
                (s, [form[f"{p}_{s.value}"] for p in ("part", "ecart", "deff", "prevu")])
                for s in Stratum
            ],
            "base_shares": {s.value: str(data.get(f"base_{s.value}", "")) for s in Stratum},
            "targets": sorted(
                ((names.get(code, code), n) for code, n in targets.items()),
                key=lambda item: french.sort_key(item[0]),
            ),
            "total": sum(p.to_collect or 0 for p in plans),
            # The new campaign's form, its stratum targets filled in.
            "new_campaign_query": urlencode(
                {f"target_{p.stratum}": p.to_collect for p in plans if p.to_collect}
            )
            if targets
            else "",
            "form_has_errors": bool(form.errors),
        },
        status=422 if form.errors else 200,
    )
