"""What a household lives on, listed once: its resources by kind and the
benefits it may already receive. The situation format (keys of
`ressources` and `prestations_percues`), the simulator's forms, the
situation's French summary and the screening file's columns all read these
lists; nothing else names them.

Amounts given under these keys are euros per month (rights.situation).
"""

from dataclasses import dataclass
from enum import StrEnum


class ResourceKind(StrEnum):
    """Where a resource is asked in the simulator's form."""

    INCOME = "income"  # asked of every adult
    CAPITAL = "capital"  # asked of every adult, with a help text
    TURNOVER = "turnover"  # asked of a self-employed person only


@dataclass(frozen=True)
class Resource:
    """A kind of monthly resource of a person. `key`: its key in a
    situation's `ressources` (and the screening file's `demandeur_<key>`
    column); `label`: the simulator's field label (French); `text`: the same
    in a sentence, lower-case (the situation's summary); `help_text`: the
    field's help (French, "" when none)."""

    key: str
    label: str
    text: str
    kind: ResourceKind = ResourceKind.INCOME
    help_text: str = ""


@dataclass(frozen=True)
class ReceivedBenefit:
    """A benefit a household may declare it already receives (euros per
    month). `id`: the catalogue id (rights/benefits.yaml) when the engine
    simulates it, else the benefit's own short name (ass, aeeh, pch are only
    declared); `label`: the simulator's field label; `text`: the same in a
    sentence (the situation's summary)."""

    id: str
    label: str
    text: str


TURNOVER_HELP = "Micro-entreprise : le chiffre d'affaires encaissé, par mois."

RESOURCE_LIST = (
    Resource("salaire_net", "Salaire net", "salaire net"),
    Resource("chomage_net", "Allocation chômage", "allocation chômage nette"),
    Resource("retraite_nette", "Retraite", "retraite nette"),
    Resource("pension_invalidite", "Pension d'invalidité", "pension d'invalidité"),
    Resource("pension_alimentaire", "Pension alimentaire reçue", "pension alimentaire reçue"),
    Resource(
        "indemnites_journalieres",
        "Indemnités journalières (arrêt maladie…)",
        "indemnités journalières",
    ),
    Resource(
        "pension_alimentaire_versee", "Pension alimentaire versée", "pension alimentaire versée"
    ),
    Resource(
        "revenus_capital",
        "Revenus du patrimoine (loyers perçus, dividendes, intérêts imposables)",
        "revenus du capital (intérêts, dividendes, loyers perçus)",
        ResourceKind.CAPITAL,
        "Pas les intérêts des livrets : l'épargne est demandée à part.",
    ),
    # A micro-entrepreneur's monthly turnover (chiffre d'affaires), by kind
    # of activity: OpenFisca-France applies the tax allowance of each kind.
    Resource(
        "ca_micro_vente",
        "Chiffre d'affaires : vente de marchandises (ou hébergement)",
        "chiffre d'affaires de micro-entreprise (vente de marchandises)",
        ResourceKind.TURNOVER,
        TURNOVER_HELP,
    ),
    Resource(
        "ca_micro_services",
        "Chiffre d'affaires : prestations de services (artisanales, commerciales)",
        "chiffre d'affaires de micro-entreprise (prestations de services)",
        ResourceKind.TURNOVER,
        TURNOVER_HELP,
    ),
    Resource(
        "ca_micro_liberal",
        "Chiffre d'affaires : activité libérale",
        "chiffre d'affaires de micro-entreprise (activité libérale)",
        ResourceKind.TURNOVER,
        TURNOVER_HELP,
    ),
)

RECEIVED_LIST = (
    ReceivedBenefit("rsa", "RSA", "RSA"),
    ReceivedBenefit("prime_activite", "Prime d'activité", "prime d'activité"),
    ReceivedBenefit("aide_logement", "Aide au logement", "aide au logement"),
    ReceivedBenefit("af", "Allocations familiales", "allocations familiales"),
    ReceivedBenefit("cf", "Complément familial", "complément familial"),
    ReceivedBenefit("asf", "Allocation de soutien familial", "allocation de soutien familial"),
    ReceivedBenefit("paje_base", "Allocation de base de la PAJE", "allocation de base de la PAJE"),
    ReceivedBenefit("aspa", "ASPA (minimum vieillesse)", "ASPA"),
    ReceivedBenefit("aah", "AAH", "AAH"),
    ReceivedBenefit("asi", "ASI", "ASI"),
    # Allocation de solidarité spécifique (France Travail), the claimant's.
    ReceivedBenefit("ass", "ASS (allocation de solidarité spécifique, France Travail)", "ASS"),
    ReceivedBenefit("aeeh", "AEEH (allocation d'éducation de l'enfant handicapé)", "AEEH"),
    # Prestation de compensation du handicap, the claimant's.
    ReceivedBenefit("pch", "PCH (prestation de compensation du handicap)", "PCH"),
)

# Derived views, for the readers that only need the keys or the texts.
RESOURCES = {resource.key: resource.text for resource in RESOURCE_LIST}
RECEIVED = tuple(benefit.id for benefit in RECEIVED_LIST)
RECEIVED_TEXT = {benefit.id: benefit.text for benefit in RECEIVED_LIST}
