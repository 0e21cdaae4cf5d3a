"""Writes of what the yearly report needs entered by hand: budget lines,
partners of the year, data-sharing agreements (evaluation.report_models).

Every function takes keyword arguments as a person typed them (text from
a form or the command line), checks them, and writes in one transaction or
not at all; a refusal is a ReportEntryError (French, naming the field).
"""

import datetime
import re
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.db import IntegrityError, transaction
from django.utils import timezone

from nonrecours import french
from nonrecours.accounts.models import User
from nonrecours.errors import UserError
from nonrecours.evaluation.enums import AgreementStatus
from nonrecours.evaluation.report_models import BudgetLine, DataAgreement, ReportPartner
from nonrecours.territories.models import Territory
from nonrecours.textrules import clean_text, database_id, shown

# The experiment began in 2024 (the 39 territories of the call for
# projects); a year before the product or far after it is a typing error.
FIRST_YEAR, LAST_YEAR = 2020, 2100
# A territory's yearly budget line above a hundred million euros is a typo.
MAX_AMOUNT = Decimal("100000000")
# « 1e6 », « 2,5E+3 »: a number with a power of ten.
_EXPONENT = re.compile(r"\d\s*[eE]\s*[+-]?\s*\d")
# Where the experiment runs: « today » for the dates of an agreement.
PARIS = ZoneInfo("Europe/Paris")


class ReportEntryError(UserError, ValueError):
    """An entry of the yearly report refused (French, naming the field)."""


def check_year(year: object, *, field: str = "annee") -> int:
    """The civil year written in ``year`` (int or text). Raises
    ReportEntryError (French) unless it is a whole year from FIRST_YEAR to
    LAST_YEAR."""
    text = str(year).strip() if year is not None else ""
    if not text.isascii() or not text.isdigit() or not FIRST_YEAR <= int(text) <= LAST_YEAR:
        raise ReportEntryError(
            f"Année « {shown(text, 20)} » : indiquez une année civile entre {FIRST_YEAR} et "
            f"{LAST_YEAR}, par exemple 2026.",
            field=field,
        )
    return int(text)


def _text(value: object, *, field: str, label: str, required: bool, max_length: int) -> str:
    try:
        text = clean_text("" if value is None else value, max_length=max_length)
    except ValueError as error:
        raise ReportEntryError(f"{label} : {error}", field=field) from None
    if required and not text:
        raise ReportEntryError(f"{label} : à indiquer.", field=field)
    return text


def _amount(value: object) -> Decimal:
    raw = "" if value is None else str(value).strip()
    if not raw:
        raise ReportEntryError(
            "Montant : à indiquer, en euros (par exemple 12 500).", field="montant"
        )
    if _EXPONENT.search(raw):
        # Decimal reads « 1e6 » as a million: nobody types a budget so.
        raise ReportEntryError(
            f"Montant : « {shown(raw, 30)} » : écrivez le montant en chiffres, sans puissance "
            "de dix (« e ») : par exemple 1 000 000 pour un million d'euros.",
            field="montant",
        )
    try:
        amount = french.parse_decimal(raw)
    except ValueError as error:
        raise ReportEntryError(f"Montant : {error}", field="montant") from None
    if not amount.is_finite() or not 0 <= amount <= MAX_AMOUNT:
        raise ReportEntryError(
            f"Montant : « {shown(raw, 30)} » n'est pas entre 0 et "
            f"{french.amount(float(MAX_AMOUNT))}.",
            field="montant",
        )
    if amount != amount.quantize(Decimal("0.01")):
        raise ReportEntryError(
            f"Montant : « {shown(raw, 30)} » a plus de deux décimales (au centime près).",
            field="montant",
        )
    return amount.quantize(Decimal("0.01"))


def _date(value: object, *, field: str, label: str) -> datetime.date | None:
    if isinstance(value, datetime.date):
        return value
    raw = "" if value is None else str(value).strip()
    if not raw:
        return None
    for pattern in ("%Y-%m-%d", "%d/%m/%Y"):
        try:
            day = datetime.datetime.strptime(raw, pattern).date()  # noqa: DTZ007 (a day)
        except ValueError:
            continue
        if FIRST_YEAR - 10 <= day.year <= LAST_YEAR:
            return day
    raise ReportEntryError(
        f"{label} : « {shown(raw, 30)} » n'est pas une date (jj/mm/aaaa, par exemple 15/03/2026).",
        field=field,
    )


def budget_line_add(
    *,
    territory: Territory,
    year: object,
    label: object,
    amount: object,
    funder: object = "",
    user: User | None,
) -> BudgetLine:
    """Add a line of the budget spent in civil ``year``: ``label`` (what the
    money paid for, one line, ≤ 200 characters), ``amount`` in euros spent
    in that year as a person writes it (« 12 500 », « 1 234,50 »; 0 to
    MAX_AMOUNT, to the cent), ``funder`` optional. Raises ReportEntryError
    (French, with the field) and writes nothing when one is wrong."""
    line = BudgetLine(
        territory=territory,
        year=check_year(year),
        label=_text(label, field="poste", label="Poste de dépense", required=True, max_length=200),
        amount=_amount(amount),
        funder=_text(funder, field="financeur", label="Financeur", required=False, max_length=200),
        entered_at=timezone.now(),
        entered_by=user,
    )
    with transaction.atomic():
        line.save()
    return line


def _same_name(first: str, second: str) -> bool:
    """Two names of one organisation, whatever their case and spaces."""
    return " ".join(first.split()).casefold() == " ".join(second.split()).casefold()


def partner_add(
    *, territory: Territory, year: object, name: object, role: object = "", user: User | None
) -> ReportPartner:
    """Add a partner involved in civil ``year`` (``name`` ≤ 200 characters,
    ``role`` optional ≤ 300). Raises ReportEntryError (French) for a wrong
    value or a partner already entered that year; writes nothing then."""
    checked = check_year(year)
    text = _text(name, field="nom", label="Partenaire", required=True, max_length=200)
    text = " ".join(text.split())
    for known in ReportPartner.objects.filter(territory=territory, year=checked).values_list(
        "name", flat=True
    ):
        if _same_name(known, text):
            raise ReportEntryError(
                f"« {shown(text)} » est déjà parmi les partenaires de {checked} "
                f"(« {shown(known)} », majuscules et espaces mis à part).",
                field="nom",
            )
    partner = ReportPartner(
        territory=territory,
        year=checked,
        name=text,
        role=_text(role, field="role", label="Rôle", required=False, max_length=300),
        entered_at=timezone.now(),
        entered_by=user,
    )
    try:
        with transaction.atomic():
            partner.save()
    except IntegrityError:
        raise ReportEntryError(
            f"« {shown(partner.name)} » est déjà parmi les partenaires de {partner.year}.",
            field="nom",
        ) from None
    return partner


def agreement_add(
    *,
    territory: Territory,
    partner: object,
    purpose: object,
    status: object,
    signed_on: object = None,
    ends_on: object = None,
    user: User | None,
) -> DataAgreement:
    """Add a data-sharing agreement: ``partner`` (≤ 200 characters),
    ``purpose`` (≤ 500), ``status`` (an AgreementStatus value),
    ``signed_on`` and ``ends_on`` (dates, jj/mm/aaaa or AAAA-MM-JJ,
    optional; a signed agreement needs its date; the end not before the
    signature). Raises ReportEntryError (French) and writes nothing when
    one is wrong."""
    if status not in AgreementStatus.values:
        raise ReportEntryError(
            "État : choisissez « en préparation », « signée » ou « terminée ».", field="etat"
        )
    agreement = DataAgreement(
        territory=territory,
        partner=_text(partner, field="partenaire", label="Partenaire", required=True,
                      max_length=200),
        purpose=_text(purpose, field="objet", label="Objet", required=True, max_length=500),
        status=str(status),
        signed_on=_date(signed_on, field="signee_le", label="Signée le"),
        ends_on=_date(ends_on, field="fin_le", label="Prend fin le"),
        entered_at=timezone.now(),
        entered_by=user,
    )  # fmt: skip
    _check_agreement_dates(agreement)
    with transaction.atomic():
        agreement.save()
    return agreement


def _check_agreement_dates(agreement: DataAgreement) -> None:
    """Dates that agree with the status, today in Europe/Paris: in
    preparation, not signed; signed or ended, signed by today; ended, by
    today; the end not before the signature."""
    today = timezone.localdate(timezone=PARIS)
    status, signed_on, ends_on = agreement.status, agreement.signed_on, agreement.ends_on
    if status == AgreementStatus.PREPARING and signed_on is not None:
        raise ReportEntryError(
            "Signée le : une convention en préparation n'est pas encore signée ; laissez la "
            "date vide, ou choisissez l'état « signée ».",
            field="signee_le",
        )
    if signed_on is not None and signed_on > today:
        raise ReportEntryError(
            f"Signée le : le {french.date_text(signed_on)} est après aujourd'hui "
            f"({french.date_text(today)}) ; une convention à signer est « en préparation ».",
            field="signee_le",
        )
    if status == AgreementStatus.ENDED and ends_on is not None and ends_on > today:
        raise ReportEntryError(
            f"Prend fin le : le {french.date_text(ends_on)} est après aujourd'hui "
            f"({french.date_text(today)}) ; une convention qui court encore est « signée », "
            "avec sa date de fin.",
            field="fin_le",
        )
    if status != AgreementStatus.PREPARING and agreement.signed_on is None:
        raise ReportEntryError(
            "Signée le : une convention signée ou terminée a une date de signature.",
            field="signee_le",
        )
    if agreement.signed_on and agreement.ends_on and agreement.ends_on < agreement.signed_on:
        raise ReportEntryError("Prend fin le : la fin est avant la signature.", field="fin_le")


_KINDS: dict[str, type[BudgetLine] | type[ReportPartner] | type[DataAgreement]] = {
    "budget": BudgetLine,
    "partenaire": ReportPartner,
    "convention": DataAgreement,
}


def report_entry_delete(*, territory: Territory, kind: object, entry_id: object) -> str:
    """Delete one entry of the territory (``kind``: « budget »,
    « partenaire » or « convention »; ``entry_id`` its id as text). Returns
    what was deleted, in French. Raises ReportEntryError (French) for an
    unknown kind, or an entry that is not the territory's (one answer for
    unknown and another territory's)."""
    model = _KINDS.get(str(kind))
    key = database_id(entry_id)
    entry = None
    if model is not None and key is not None:
        entry = model.objects.filter(territory=territory, pk=key).first()
    if entry is None:
        raise ReportEntryError("Cette ligne n'existe pas (ou plus) pour ce territoire.")
    text = str(entry)
    with transaction.atomic():
        entry.delete()
    return text
