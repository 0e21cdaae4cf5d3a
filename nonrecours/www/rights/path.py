"""The simulator's questions as screens, and the situation they describe.

The resident's path asks a question only when it applies: which screen
comes next is decided from the answers already given (`steps`), each
screen's forms from the same answers (`step_forms`). The professional's
one-page mode shows every field of the situation format at once; a
person's block left empty (the partner, a child) is absent, not an error
(`drop_absent_blocks`). Both end in the plain situation of
nonrecours.rights.situation, which `parse_situation` checks again."""

from typing import Any

from django import forms

from nonrecours.territories.models import Commune, Territory
from nonrecours.territories.queries import member_communes
from nonrecours.www.rights.forms import (
    MAX_CHILDREN,
    PARTIAL_DISABILITY,
    STUDIES,
    TENANT_STATUSES,
    ChildForm,
    ExpertHousingForm,
    ExpertPersonForm,
    HouseholdForm,
    HouseholdMoneyForm,
    HousingForm,
    PersonDetailsForm,
    PersonForm,
    ReceivedForm,
    RentForm,
    ResourcesForm,
    TaxNoticeForm,
    answered,
    income_year,
)

Answers = dict[str, dict[str, Any]]
Legended = list[tuple[str, Any]]  # (legend, form): a screen's forms

STEP_TITLES = {
    "logement": "Votre logement",
    "loyer": "Votre loyer",
    "vous": "Vous",
    "foyer": "Votre foyer",
    "conjoint": "Votre conjoint·e",
    "enfants": "Vos enfants",
    "ressources": "Vos ressources",
    "ressources-12-mois": "Vos ressources sur 12 mois",
    "percues": "Ce que vous percevez déjà",
}
DETAIL_TITLES = {
    # (person, student, incapacity of 50 to 79 %)
    ("demandeur", True, False): "Vos études",
    ("demandeur", False, True): "Votre handicap",
    ("demandeur", True, True): "Vos études et votre handicap",
    ("conjoint", True, False): "Les études de votre conjoint·e",
    ("conjoint", False, True): "Le handicap de votre conjoint·e",
    ("conjoint", True, True): "Les études et le handicap de votre conjoint·e",
}
PERSON_STEP = {"demandeur": "vous", "conjoint": "conjoint"}
DETAIL_STEP = {"demandeur": "vous-precisions", "conjoint": "conjoint-precisions"}


def communes(territory: Territory | None) -> list[Commune]:
    """The communes a person of the territory may live in (empty without one)."""
    if territory is None:
        return []
    return member_communes(territory)


def _person(answers: Answers, who: str) -> dict[str, Any]:
    return answers.get(PERSON_STEP[who], {})


def _details(answers: Answers, who: str) -> tuple[bool, bool]:
    """(a student, an incapacity rate of 50 to 79 %) for `who`, from the
    answers of their screen."""
    person = _person(answers, who)
    return (
        person.get(f"{who}-activite") == "etudiant",
        person.get(f"{who}-handicap") == PARTIAL_DISABILITY,
    )


def _self_employed(answers: Answers, who: str) -> bool:
    return _person(answers, who).get(f"{who}-activite") == "independant"


def _couple(answers: Answers) -> bool:
    return answers.get("foyer", {}).get("foyer-en_couple") == "oui"


def _children(answers: Answers) -> int:
    return int(answers.get("foyer", {}).get("foyer-enfants") or 0)


def steps(answers: Answers) -> list[str]:
    """The screens of the path, in order, for the answers given so far: the
    tenant's rent, a person's studies or RSDAE, the partner, the children
    and the 12-month resources only when they apply."""
    result = ["logement"]
    if answers.get("logement", {}).get("logement-statut") in TENANT_STATUSES:
        result.append("loyer")
    result.append("vous")
    if any(_details(answers, "demandeur")):
        result.append("vous-precisions")
    result.append("foyer")
    if _couple(answers):
        result.append("conjoint")
        if any(_details(answers, "conjoint")):
            result.append("conjoint-precisions")
    if _children(answers) > 0:
        result.append("enfants")
    result.append("ressources")
    if answers.get("ressources", {}).get("menage-revenus_changes") == "oui":
        result.append("ressources-12-mois")
    return [*result, "percues"]


def step_title(step: str, answers: Answers) -> str:
    """The heading of a screen (the details' one says what it asks)."""
    for who, detail_step in DETAIL_STEP.items():
        if step == detail_step:
            return DETAIL_TITLES.get((who, *_details(answers, who)), "Quelques précisions")
    return STEP_TITLES[step]


def step_forms(
    step: str, answers: Answers, data: Any, territory: Territory | None, month: str
) -> Legended:
    """(legend, form) of a screen, bound to `data` (a POST or the stored
    answers; None: unbound); `month` (« AAAA-MM ») gives the tax year asked."""
    year = income_year(month)
    if step == "logement":
        return [("", HousingForm(data, prefix="logement", communes=communes(territory)))]
    if step == "loyer":
        return [("", RentForm(data, prefix="logement"))]
    if step in ("vous", "conjoint"):
        return [("", PersonForm(data, prefix="demandeur" if step == "vous" else "conjoint"))]
    if step in ("vous-precisions", "conjoint-precisions"):
        who = "demandeur" if step == "vous-precisions" else "conjoint"
        student, partial = _details(answers, who)
        details = PersonDetailsForm(
            data, prefix=who, year=year, student=student, partial_disability=partial
        )
        return [("", details)]
    if step == "foyer":
        return [("", HouseholdForm(data, prefix="foyer"))]
    if step == "enfants":
        return [
            (f"Enfant {i + 1}", ChildForm(data, prefix=f"enfant{i}"))
            for i in range(_children(answers))
        ]
    if step in ("ressources", "ressources-12-mois"):
        months = 3 if step == "ressources" else 12
        prefix = "ressources" if step == "ressources" else "ressources12"
        parts: Legended = [
            (
                f"Vos ressources : moyenne par mois des {months} derniers mois",
                ResourcesForm(
                    data,
                    prefix=f"{prefix}-demandeur",
                    self_employed=_self_employed(answers, "demandeur"),
                ),
            )
        ]
        if _couple(answers):
            parts.append(
                (
                    "Celles de votre conjoint·e",
                    ResourcesForm(
                        data,
                        prefix=f"{prefix}-conjoint",
                        self_employed=_self_employed(answers, "conjoint"),
                    ),
                )
            )
        if step == "ressources":
            parts.append(
                (
                    "Pour tout le foyer",
                    HouseholdMoneyForm(data, prefix="menage", couple=_couple(answers)),
                )
            )
        return parts
    return [
        ("Votre avis d'imposition", TaxNoticeForm(data, prefix="percues", year=year)),
        ("Les aides que vous percevez déjà", ReceivedForm(data, prefix="percues")),
    ]


def situation_from_answers(
    answers: Answers, territory: Territory | None, month: str
) -> dict[str, Any]:
    """The situation (rights.situation format) of `month` from the stored
    answers of every screen; raises ValueError when one no longer validates
    (the path then starts again)."""
    merged: dict[str, Any] = {}
    for stored in answers.values():
        merged.update(stored)
    parts = {step: step_forms(step, answers, merged, territory, month) for step in steps(answers)}
    for step_parts in parts.values():
        for _, form in step_parts:
            if not form.is_valid():
                raise ValueError("des réponses enregistrées sont invalides : recommencez")

    def only(step: str) -> Any:
        return parts[step][0][1]

    situation: dict[str, Any] = {"mois": month, **only("logement").part()}
    if "loyer" in parts:
        situation["logement"].update(only("loyer").rent_part())
    adults = {"demandeur": {"role": "demandeur", **only("vous").part()}}
    if "conjoint" in parts:
        adults["conjoint"] = {"role": "conjoint", **only("conjoint").part()}
    for who, adult in adults.items():
        if DETAIL_STEP[who] in parts:
            adult.update(only(DETAIL_STEP[who]).part())
    pregnancy = only("foyer").cleaned_data.get("grossesse")
    if pregnancy in adults:
        adults[pregnancy]["enceinte"] = True
    for (_, form), adult in zip(parts["ressources"], adults.values(), strict=False):
        adult["ressources"] = form.part()
    for (_, form), adult in zip(parts.get("ressources-12-mois", []), adults.values(), strict=False):
        adult["ressources_12_mois"] = form.part()
    children = [form.part() for _, form in parts.get("enfants", [])]
    situation["personnes"] = [*adults.values(), *children]
    situation.update(parts["ressources"][-1][1].part())  # the household's savings
    for _, form in parts["percues"]:
        situation.update(form.part())
    return situation


# --- The professional's one-page mode ---------------------------------------

PARTNER_BLOCK = "Conjoint·e"
PARTNER_FORMS = ("partner", "partner_resources", "partner_resources_12")


def _person_blocks(data: Any, month: str) -> dict[str, Any]:
    year = income_year(month)
    return {
        "partner": ExpertPersonForm(
            data, prefix="conjoint", year=year, block=PARTNER_BLOCK, use_required_attribute=False
        ),
        "partner_resources": ResourcesForm(data, prefix="ressources-conjoint", self_employed=True),
        "partner_resources_12": ResourcesForm(
            data, prefix="ressources12-conjoint", self_employed=True
        ),
        "children": [
            ChildForm(
                data, prefix=f"enfant{i}", block=f"Enfant {i + 1}", use_required_attribute=False
            )
            for i in range(MAX_CHILDREN)
        ],
    }


def expert_forms(data: Any, territory: Territory | None, month: str) -> dict[str, Any]:
    """Every form of the one-page mode, bound to `data` (None: unbound)."""
    year = income_year(month)
    return {
        "housing": ExpertHousingForm(data, prefix="logement", communes=communes(territory)),
        "claimant": ExpertPersonForm(data, prefix="demandeur", year=year),
        "claimant_resources": ResourcesForm(
            data, prefix="ressources-demandeur", self_employed=True
        ),
        "claimant_resources_12": ResourcesForm(
            data, prefix="ressources12-demandeur", self_employed=True
        ),
        **_person_blocks(data, month),
        "household": HouseholdMoneyForm(data, prefix="menage", ask_change=False),
        "tax": TaxNoticeForm(data, prefix="percues", year=year, ask_unknown=False),
        "received": ReceivedForm(data, prefix="percues"),
    }


def _started(form: forms.Form) -> bool:
    """Whether a bound form holds an answer other than its defaults (an
    unchecked « Non », the first schooling…): a block left out is empty.
    """
    return any(answered(form, name) for name in form.fields)


def drop_absent_blocks(expert: dict[str, Any], month: str) -> tuple[bool, list[int]]:
    """Replace the partner's and the children's blocks left empty by unbound
    forms (shown empty, never « Ce champ est obligatoire »); returns
    (partner present, indexes of the children present). A block that is
    only partly filled stays bound: its missing fields are errors that name
    the block."""
    blank = _person_blocks(None, month)
    partner = any(_started(expert[name]) for name in PARTNER_FORMS)
    if not partner:
        for name in PARTNER_FORMS:
            expert[name] = blank[name]
    children = []
    for index, child in enumerate(expert["children"]):
        if _started(child):
            children.append(index)
        else:
            expert["children"][index] = blank["children"][index]
    return partner, children


def expert_error_forms(expert: dict[str, Any]) -> Legended:
    """(legend, form) of the one-page mode, for the error summary: each
    message says which person and which field."""
    return [
        ("Logement", expert["housing"]),
        ("Demandeur·se", expert["claimant"]),
        ("Demandeur·se, ressources sur 3 mois", expert["claimant_resources"]),
        ("Demandeur·se, ressources sur 12 mois", expert["claimant_resources_12"]),
        (PARTNER_BLOCK, expert["partner"]),
        (f"{PARTNER_BLOCK}, ressources sur 3 mois", expert["partner_resources"]),
        (f"{PARTNER_BLOCK}, ressources sur 12 mois", expert["partner_resources_12"]),
        *((f"Enfant {i + 1}", child) for i, child in enumerate(expert["children"])),
        ("Épargne", expert["household"]),
        ("Impôts", expert["tax"]),
        ("Déjà perçu", expert["received"]),
    ]


def situation_from_expert(expert: dict[str, Any], month: str) -> dict[str, Any] | None:
    """The situation of `month`, or None when a form has errors (shown on
    the page). Empty blocks are dropped first (`drop_absent_blocks`)."""
    partner, children = drop_absent_blocks(expert, month)
    checked = [
        expert[name]
        for name in (
            "housing",
            "claimant",
            "claimant_resources",
            "claimant_resources_12",
            "household",
            "tax",
            "received",
        )
    ]
    if partner:
        checked += [expert[name] for name in PARTNER_FORMS]
    checked += [expert["children"][i] for i in children]
    if not all(form.is_valid() for form in checked):
        return None
    situation: dict[str, Any] = {"mois": month, **expert["housing"].part()}
    adults = [("demandeur", "claimant")] + ([("conjoint", "partner")] if partner else [])
    persons = []
    for role, name in adults:
        person = {"role": role, **expert[name].part()}
        person["ressources"] = expert[f"{name}_resources"].part()
        if _started(expert[f"{name}_resources_12"]):
            person["ressources_12_mois"] = expert[f"{name}_resources_12"].part()
        persons.append(person)
    persons += [expert["children"][i].part() for i in children]
    situation["personnes"] = persons
    for name in ("household", "tax", "received"):
        situation.update(expert[name].part())
    return situation


def _rate_choice(rate: Any) -> str:
    if not rate:
        return ""
    return "0.8" if float(rate) >= 0.8 else PARTIAL_DISABILITY


def _yes_no(value: Any) -> str:
    return "oui" if value is True or str(value).lower() in ("oui", "true", "1") else "non"


def expert_initial(situation: dict[str, Any], month: str) -> dict[str, Any]:
    """Form data that shows a kept situation in the one-page mode of
    `month`; a tax notice counts only if it is the one on the incomes that
    `month` reads (N-2)."""
    housing = situation.get("logement") or {}
    data: dict[str, Any] = {
        "logement-commune": situation.get("commune", ""),
        "logement-statut": housing.get("statut", ""),
        "logement-loyer": housing.get("loyer", ""),
        "logement-colocation": _yes_no(housing.get("colocation")),
        "logement-bailleur_parent": _yes_no(housing.get("bailleur_parent")),
    }
    children = 0
    for person in situation.get("personnes", []):
        if person.get("role") == "enfant":
            prefix = f"enfant{children}"
            children += 1
            data[f"{prefix}-naissance"] = person.get("naissance", "")
            data[f"{prefix}-scolarite"] = person.get("scolarite", "aucune")
            data[f"{prefix}-handicap"] = _rate_choice(person.get("taux_incapacite"))
            data[f"{prefix}-garde_alternee"] = _yes_no(person.get("garde_alternee"))
            continue
        prefix = "demandeur" if person.get("role") == "demandeur" else "conjoint"
        data[f"{prefix}-naissance"] = person.get("naissance", "")
        data[f"{prefix}-activite"] = person.get("activite", "")
        data[f"{prefix}-handicap"] = _rate_choice(person.get("taux_incapacite"))
        data[f"{prefix}-rsdae"] = _yes_no(person.get("rsdae"))
        data[f"{prefix}-enceinte"] = _yes_no(person.get("enceinte"))
        studies = person.get("etudes") or {}
        for key in STUDIES:
            if key in studies:
                value = studies[key]
                data[f"{prefix}-{key}"] = _yes_no(value) if key == STUDIES[0] else value
        for key, value in (person.get("ressources") or {}).items():
            data[f"ressources-{prefix}-{key}"] = value
        for key, value in (person.get("ressources_12_mois") or {}).items():
            data[f"ressources12-{prefix}-{key}"] = value
    if situation.get("epargne") is not None:
        data["menage-epargne"] = situation["epargne"]
    notices = {
        str(notice.get("revenus")): notice.get("revenu_fiscal_reference")
        for notice in situation.get("avis_imposition") or []
        if isinstance(notice, dict)
    }
    if situation.get("revenu_fiscal_reference") is not None:
        legacy_year = int(str(situation.get("mois") or month)[:4]) - 2
        notices[str(legacy_year)] = situation["revenu_fiscal_reference"]
    if notices.get(str(income_year(month))) is not None:
        data["percues-revenu_fiscal_reference"] = notices[str(income_year(month))]
    for key, value in (situation.get("prestations_percues") or {}).items():
        data[f"percues-{key}"] = value
    return data
