"""One year of a territory's activity for the yearly report's tests, built
row by row so that every figure can be counted independently here.

2025 (the year reported; the clock is frozen in 2026):
- 72 referrals sent in 2025: 12 refused; 60 accepted, of which 5 without
  an outcome, and 55 with rights opened: RSA 25 (500 €/month each), aide au
  logement 15 (5 with 200 €/month, 10 without an amount), prime d'activité
  12 (150 €/month), ASPA 3 (400 €/month); 12 of the RSA outcomes are
  corrections of an earlier « pas de droit »;
- 4 referrals sent in 2024 with an RSA right (not counted);
- budget lines 30 000 € and 25 000 € (and 9 999 € in 2024, not counted).
"""

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.utils import timezone

from nonrecours.evaluation import report_actions
from nonrecours.evaluation.enums import AgreementStatus
from nonrecours.referrals.enums import OutcomeKind, Status
from nonrecours.referrals.models import Outcome, Referral
from nonrecours.territories.models import Territory
from tests.factories import OrganisationFactory, StructureFactory

YEAR = 2025
FROZEN = datetime.datetime(2026, 3, 2, 10, 0, tzinfo=datetime.UTC)
# benefit id: (rights, monthly amounts of each right)
RIGHTS: dict[str, list[Decimal | None]] = {
    "rsa": [Decimal(500)] * 25,
    "aide_logement": [Decimal(200)] * 5 + [None] * 10,
    "prime_activite": [Decimal(150)] * 12,
    "aspa": [Decimal(400)] * 3,
}
REFUSED = 12
ACCEPTED_OPEN = 5
CORRECTED = 12
BUDGET = (("Chargée de mission", "30000"), ("Bus (carburant, entretien)", "25 000"))


@dataclass
class YearData:
    territory: Territory
    referrals: int  # sent in YEAR
    rights: dict[str, int]
    yearly: dict[str, Decimal]
    budget: Decimal


def _referral(territory, structure, sender, sent_at, status):
    return Referral(
        territory=territory, structure=structure, structure_name=structure.name,
        sender_organisation=sender, sender_name="test", commune="62041", first_name="A",
        last_name="B", phone="0600000000", consent_text="oui", consent_mode="oral",
        status=status, sent_at=sent_at,
        answered_at=None if status == Status.SENT else sent_at + datetime.timedelta(days=2),
    )  # fmt: skip


def build_year(territory: Territory) -> YearData:
    """Create the rows described in the module's docstring."""
    structure = StructureFactory(territory=territory)
    sender = OrganisationFactory(territory=territory, name="CCAS d'Arras")
    zone = timezone.get_current_timezone()
    referrals, opened = [], []
    day = 0

    def moment(year: int) -> datetime.datetime:
        nonlocal day
        day += 1
        return datetime.datetime(year, 1 + day % 12, 1 + day % 28, 10, tzinfo=zone)

    for _ in range(REFUSED):
        referrals.append(_referral(territory, structure, sender, moment(YEAR), Status.REFUSED))
    for _ in range(ACCEPTED_OPEN):
        referrals.append(_referral(territory, structure, sender, moment(YEAR), Status.ACCEPTED))
    for benefit, amounts in RIGHTS.items():
        for amount in amounts:
            referral = _referral(territory, structure, sender, moment(YEAR), Status.ACCEPTED)
            referrals.append(referral)
            opened.append((referral, benefit, amount))
    earlier = [
        _referral(territory, structure, sender, moment(YEAR - 1), Status.ACCEPTED) for _ in range(4)
    ]
    Referral.objects.bulk_create([*referrals, *earlier])
    now = timezone.now()
    Outcome.objects.bulk_create(
        Outcome(referral=r, kind=OutcomeKind.RIGHT_OPENED, benefit=b, monthly_amount=a,
                recorded_at=now, recorded_via="account")
        for r, b, a in [*opened, *((r, "rsa", Decimal(500)) for r in earlier)]
    )  # fmt: skip
    # 12 RSA rights each correct an earlier « pas de droit » of the same referral.
    for referral, _, _ in opened[:CORRECTED]:
        wrong = Outcome.objects.create(
            referral=referral, kind=OutcomeKind.NO_RIGHT, recorded_at=now, recorded_via="account"
        )
        Outcome.objects.filter(referral=referral, kind=OutcomeKind.RIGHT_OPENED).update(
            corrects=wrong, correction_reason="Erreur de saisie"
        )
    for label, amount in BUDGET:
        report_actions.budget_line_add(
            territory=territory, year=YEAR, label=label, amount=amount, user=None
        )
    report_actions.budget_line_add(
        territory=territory, year=YEAR - 1, label="Ancien", amount="9999", user=None
    )
    report_actions.partner_add(
        territory=territory, year=YEAR, name="CAF du Pas-de-Calais", role="Ouvre les droits",
        user=None,
    )  # fmt: skip
    report_actions.agreement_add(
        territory=territory, partner="CAF du Pas-de-Calais", purpose="Échange des résultats",
        status=AgreementStatus.SIGNED, signed_on="15/03/2025", user=None,
    )  # fmt: skip
    report_actions.agreement_add(
        territory=territory, partner="Ancienne", purpose="Terminée avant l'année",
        status=AgreementStatus.ENDED, signed_on="2023-01-10", ends_on="2024-06-30", user=None,
    )  # fmt: skip
    return YearData(
        territory=territory,
        referrals=len(referrals),
        rights={b: len(a) for b, a in RIGHTS.items()},
        yearly={b: 12 * sum((x or Decimal(0) for x in a), Decimal(0)) for b, a in RIGHTS.items()},
        budget=sum((Decimal(a.replace(" ", "")) for _, a in BUDGET), Decimal(0)),
    )
