"""The benefits the simulator computes, as data (benefits.yaml): what each
one is, who pays it, how to claim it, the documents to bring, and a source
page, with the date these texts were checked."""

from dataclasses import dataclass
from functools import cache
from pathlib import Path

import yaml

from nonrecours.french import amount

CATALOGUE_FILE = Path(__file__).with_name("benefits.yaml")
# OpenFisca-France entity of each variable used (checked by the tests).
INDIVIDUAL = {"aah", "asi", "contrat_engagement_jeune", "bourse_criteres_sociaux"}
HOUSEHOLD = {"cheque_energie"}  # ménage; a situation is one famille, one ménage


@dataclass(frozen=True)
class Benefit:
    id: str
    label: str
    variable: str
    period: str  # "month" or "year": OpenFisca's period of the variable
    payer: str
    funder: str
    description: str
    conditions: str
    how_to_claim: str
    documents: tuple[str, ...]
    online: str
    source: str
    verified_on: str
    caveat: str = ""
    frequency: str = "mensuelle"
    annual_amount: bool = False  # a monthly variable holding a yearly amount (grants)
    months_per_year: int = 12  # months it is paid (the CROUS grant: 10)

    @property
    def entity(self) -> str:
        if self.variable in INDIVIDUAL:
            return "individu"
        return "menage" if self.variable in HOUSEHOLD else "famille"


@cache
def benefits() -> tuple[Benefit, ...]:
    data = yaml.safe_load(CATALOGUE_FILE.read_text(encoding="utf-8"))
    items = []
    for item in data["benefits"]:
        items.append(
            Benefit(
                id=item["id"],
                label=item["label"],
                variable=item["variable"],
                period=item["period"],
                payer=item["payer"],
                funder=item["funder"],
                description=" ".join(item["description"].split()),
                conditions=item["conditions"],
                how_to_claim=item["how_to_claim"],
                documents=tuple(item["documents"]),
                online=item["online"],
                source=item["source"],
                verified_on=str(data["verified_on"]),
                caveat=item.get("caveat", ""),
                frequency=item.get("frequency", "mensuelle"),
                annual_amount=bool(item.get("annual_amount", False)),
                months_per_year=int(item.get("months_per_year", 12)),
            )
        )
    return tuple(items)


def benefit(benefit_id: str) -> Benefit:
    return next(b for b in benefits() if b.id == benefit_id)


# Rights given in kind: no money is received (their monthly amount is 0), the
# household may pay a monthly participation. Source: code de la sécurité
# sociale, art. L861-1 (complémentaire santé solidaire, avec ou sans
# participation financière).
IN_KIND = frozenset({"css"})


def in_kind_text(participation: float | None) -> str:
    """How a right in kind reads for a person, in French: « gratuite » with
    no participation, « avec une participation de 8,00 € par mois » (euros
    per month, for the household), or « gratuite ou avec une participation »
    when the participation is not known. Never « 0 € par mois »."""
    if participation is None:
        return "gratuite ou avec une participation"
    if participation <= 0:
        return "gratuite"
    return f"avec une participation de {amount(participation, 2)} par mois"
