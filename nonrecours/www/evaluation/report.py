"""The yearly report's page: read the report of a civil year (``?annee=``),
download it (``&format=pdf|csv|xlsx``), and enter the budget spent, the
partners and the data-sharing agreements (POST, one form each, and
deletion).

Who: the territory's team (evaluation.access: reading with
VIEW_REFERRAL_STATISTICS, entering with MANAGE_CAMPAIGNS).
"""

from collections.abc import Iterable

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache

from nonrecours import french
from nonrecours.accounts.access import has_capability
from nonrecours.accounts.enums import Capability
from nonrecours.errors import UserError
from nonrecours.evaluation import report_actions, report_queries
from nonrecours.evaluation.access import (
    access_yearly_report_by_siren,
    access_yearly_report_entries_by_siren,
)
from nonrecours.evaluation.enums import AgreementStatus
from nonrecours.evaluation.report import YearlyReport, check_report_year, yearly_report
from nonrecours.evaluation.report_files import XLSX, report_csv, report_xlsx
from nonrecours.evaluation.report_models import BudgetLine, DataAgreement, ReportPartner
from nonrecours.evaluation.report_render import report_context, report_pdf
from nonrecours.territories.models import Territory
from nonrecours.www.errors import add_to_form
from nonrecours.www.requests import AuthenticatedRequest

FORMATS = {"pdf": "application/pdf", "csv": "text/csv; charset=utf-8", "xlsx": XLSX}


class YearForm(forms.Form):
    """``?annee=AAAA`` (checked by evaluation.report.check_report_year) and
    ``&format=pdf|csv|xlsx`` for a download (any other value: the page)."""

    annee = forms.CharField(label="Année", max_length=8, required=False)
    format = forms.CharField(label="Format", max_length=8, required=False)


class BudgetForm(forms.Form):
    poste = forms.CharField(label="Poste de dépense", max_length=200)
    montant = forms.CharField(label="Montant dépensé (euros)", max_length=40,
                              help_text="Par exemple 12 500 ou 1 234,50.")  # fmt: skip
    financeur = forms.CharField(label="Financeur (facultatif)", max_length=200, required=False)


class PartnerForm(forms.Form):
    nom = forms.CharField(label="Partenaire", max_length=200)
    role = forms.CharField(label="Rôle dans l'expérimentation (facultatif)", max_length=300,
                           required=False)  # fmt: skip


class AgreementForm(forms.Form):
    partenaire = forms.CharField(label="Partenaire", max_length=200)
    objet = forms.CharField(label="Objet", max_length=500)
    etat = forms.ChoiceField(label="État", choices=AgreementStatus.choices)
    signee_le = forms.CharField(label="Signée le (jj/mm/aaaa)", max_length=20, required=False)
    fin_le = forms.CharField(label="Prend fin le (jj/mm/aaaa, facultatif)", max_length=20,
                             required=False)  # fmt: skip


def _what(entry: BudgetLine | ReportPartner | DataAgreement) -> str:
    """What deleting ``entry`` removes, in French, for its button's name."""
    if isinstance(entry, BudgetLine):
        return f"la ligne de budget « {entry.label} » ({french.amount(float(entry.amount))})"
    if isinstance(entry, ReportPartner):
        return f"le partenaire « {entry.name} » de {entry.year}"
    when = f", signée le {french.date_text(entry.signed_on)}" if entry.signed_on else ""
    return (
        f"la convention avec {entry.partner} : {entry.purpose} "
        f"({entry.get_status_display().lower()}{when})"
    )


def deletable(
    entries: Iterable[BudgetLine | ReportPartner | DataAgreement], kind: str
) -> list[tuple[BudgetLine | ReportPartner | DataAgreement, str, str]]:
    """Each entry with its ``kind`` (the form's « type ») and what deleting it
    removes (_what), told apart by « n° 2 », « n° 3 »… when two are the
    same: every « Supprimer » button has its own accessible name."""
    listed = list(entries)
    names = [_what(entry) for entry in listed]
    seen: dict[str, int] = {}
    unique = []
    for name in names:
        seen[name] = seen.get(name, 0) + 1
        unique.append(name if names.count(name) == 1 else f"{name}, n° {seen[name]}")
    return [(entry, kind, name) for entry, name in zip(listed, unique, strict=True)]


def _download(report: YearlyReport, kind: str) -> HttpResponse:
    if kind == "pdf":
        content = report_pdf(report)
    elif kind == "csv":
        content = ("\ufeff" + report_csv(report)).encode()
    else:
        content = report_xlsx(report)
    response = HttpResponse(content, content_type=FORMATS[kind])
    suffix = "-provisoire" if report.provisional else ""
    name = f"rapport-annuel-{report.territory.siren}-{report.year}{suffix}.{kind}"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


def _year(form: YearForm) -> int | None:
    """The year asked (after is_valid), default the last one over; None
    with the error on the form."""
    today = timezone.localdate()
    text = form.cleaned_data.get("annee") or str(today.year - 1)
    try:
        return check_report_year(text, today=today)
    except UserError as error:
        add_to_form(form, error)
        return None


def _save(request: AuthenticatedRequest, territory: Territory, year: int) -> forms.Form | None:
    """Apply the POSTed entry; None when saved, else the form with its
    errors."""
    kind = request.POST.get("saisie", "")
    form: forms.Form
    if kind == "supprimer":
        try:
            text = report_actions.report_entry_delete(
                territory=territory, kind=request.POST.get("type"), entry_id=request.POST.get("id")
            )
        except UserError as error:
            messages.error(request, str(error))
        else:
            messages.success(request, f"Supprimé : {text}.")
        return None
    if kind == "partenaire":
        form = PartnerForm(request.POST, prefix="partenaire")
    elif kind == "convention":
        form = AgreementForm(request.POST, prefix="convention")
    else:
        form = BudgetForm(request.POST, prefix="budget")
    if not form.is_valid():
        return form
    data = form.cleaned_data
    try:
        if isinstance(form, PartnerForm):
            report_actions.partner_add(territory=territory, year=year, name=data["nom"],
                                       role=data["role"], user=request.user)  # fmt: skip
        elif isinstance(form, AgreementForm):
            report_actions.agreement_add(
                territory=territory, partner=data["partenaire"], purpose=data["objet"],
                status=data["etat"], signed_on=data["signee_le"], ends_on=data["fin_le"],
                user=request.user,
            )  # fmt: skip
        else:
            report_actions.budget_line_add(
                territory=territory, year=year, label=data["poste"], amount=data["montant"],
                funder=data["financeur"], user=request.user,
            )  # fmt: skip
    except UserError as error:
        add_to_form(form, error)
        return form
    messages.success(request, "Enregistré : le rapport en tient compte.")
    return None


@never_cache
@login_required
def yearly_report_page(request: AuthenticatedRequest, siren: str) -> HttpResponse:
    """The report of ``?annee=`` (default: last year), its downloads
    (``&format=``), and the entries (POST). A year that cannot be reported:
    the page with the error on its field, status 422."""
    territory = access_yearly_report_by_siren(request.user, siren)
    year_form = YearForm(request.GET)
    year = _year(year_form) if year_form.is_valid() else None
    forms_shown: dict[str, forms.Form] = {
        "budget": BudgetForm(prefix="budget"),
        "partenaire": PartnerForm(prefix="partenaire"),
        "convention": AgreementForm(prefix="convention"),
    }
    status = 200 if year is not None else 422
    if request.method == "POST" and year is not None:
        access_yearly_report_entries_by_siren(request.user, siren)
        refused = _save(request, territory, year)
        if refused is None:
            return redirect(reverse("evaluation_report", args=[siren]) + f"?annee={year}#saisies")
        forms_shown[request.POST.get("saisie", "budget")] = refused
        status = 422
    report = yearly_report(territory, year) if year is not None else None
    kind = year_form.cleaned_data.get("format") if year_form.is_valid() else ""
    if report is not None and kind in FORMATS and request.method == "GET":
        return _download(report, kind)
    context: dict[str, object] = {
        "territory": territory,
        "year_form": year_form,
        "year": year,
        "forms": forms_shown,
        "can_enter": has_capability(request.user, territory, Capability.MANAGE_CAMPAIGNS),
        "report": None,
        "shown_sections": [],
        "budget_lines": [],
        "partners": [],
        "agreements": [],
    }
    if report is not None:
        context |= report_context(report)
        context |= {
            "budget_lines": deletable(
                report_queries.budget_lines(territory, report.year), "budget"
            ),
            "partners": deletable(
                report_queries.year_partners(territory, report.year), "partenaire"
            ),
            "agreements": deletable(report_queries.all_agreements(territory), "convention"),
        }
    return render(request, "evaluation/report.html", context, status=status)
