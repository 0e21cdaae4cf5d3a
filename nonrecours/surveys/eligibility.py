"""Potential non-take-up: respondents simulated, eligibility compared with
what they say they receive.

For respondents who answered the optional situation section, the answers
become a rights.Situation (approximations below), every benefit is
simulated (one vectorised OpenFisca run for the whole campaign), and for
each benefit the barometer estimates, among those estimated eligible, the
weighted share who do not receive it — with the calibrated weights and
standard errors of the rest of the barometer.

Approximations (said on the pages): age = middle of the age band; a partner
has the respondent's age and no income of their own; the household's
income is the respondent's, of the kind their activity suggests (salary,
unemployment benefit, pension); children at the middle of their age band;
benefits received count as received, without their amount.

Rent: the questionnaire (version 2) asks the rent « charges comprises »;
the simulator reads the rent without charges (rights.situation), and the
housing aid adds the law's flat amount for charges itself (the « forfait
charges » C of CCH art. D823-16, 3°, by household). So the rent simulated
is the rent declared minus that same flat amount for the household and
month (rent_without_charges): the rent plus charges the calculation counts
is then the amount declared. A declared rent not above the flat amount
cannot be told apart from charges alone: the respondent is not simulated.
A published version is never edited in place (answers keep the version
they were given under); an answer ``loyer_hors_charges`` (a later version
asking the rent alone) is taken as given.

Local aids (issue 13): the barometer knows who receives a local aid when
the campaign's questionnaire has, in « prestations_percues » or in the
question « aides_locales_percues » a territory's local module may add
(select_multiple), a choice named like the aid's identifier (slug, e.g.
``pass_sante_jeunes``; a hyphen of the slug written ``_``, choice_code).
A respondent to whom « aides_locales_percues » was not shown (a relevance
condition of the module) is left out for the aids only it names; one who
was shown it and ticked nothing receives none of them (« prestations_percues »
is asked of everyone: no answer there counts as none received, as for
the national benefits). Such
an aid, confirmed, covering the respondent's commune and valid on the
last day of the collection, is evaluated on the same situation
(localaids.queries.evaluate_aids) and counted like a national benefit;
only « probablement droit » counts as eligible (an aid « à vérifier » —
a condition the simulator cannot know — is left out, and an aid « à
confirmer » has no line).
"""

import datetime
import functools
from dataclasses import dataclass
from typing import Any

import numpy as np

from nonrecours.analysis.files import OVERALL, ResultRow
from nonrecours.localaids.enums import Status
from nonrecours.localaids.models import LocalAid
from nonrecours.localaids.queries import current_aids_by_commune, evaluate_aids
from nonrecours.rights.engine import (
    LEGISLATION_FROM,
    LEGISLATION_UNTIL,
    SimulationResult,
    simulate,
    tax_benefit_system,
)
from nonrecours.rights.situation import Situation, SituationError
from nonrecours.rights.situation_parse import parse_situation
from nonrecours.surveys.analysis import CampaignAnalysis
from nonrecours.surveys.models import Campaign
from nonrecours.surveys.release import KEY_TABLES, ReleasePlan, released_rows
from nonrecours.territories.enums import Stratum

# Benefits of the question « prestations_percues » the engine simulates.
SIMULATED = {
    "rsa": "rsa",
    "prime_activite": "prime_activite",
    "aide_logement": "aide_logement",
    "css": "css",
    "aspa": "aspa",
    "aah": "aah",
    "cheque_energie": "cheque_energie",
}
SHORT_LABELS = {
    "rsa": "RSA",
    "prime_activite": "Prime d'activité",
    "aide_logement": "Aide au logement",
    "css": "Complémentaire santé",
    "aspa": "ASPA",
    "aah": "AAH",
    "cheque_energie": "Chèque énergie",
}
AGE_MIDDLE = {
    "18_24": 21,
    "25_34": 30,
    "35_44": 40,
    "45_54": 50,
    "55_64": 60,
    "65_74": 70,
    "75_plus": 80,
}
HOUSING = {
    "locataire_hlm": "locataire_hlm",
    "locataire_prive": "locataire_vide",
    "proprietaire": "proprietaire",
    "heberge": "loge_gratuitement",
}
ACTIVITY = {
    "emploi": ("salarie", "salaire_net"),
    "recherche_emploi": ("chomeur", "chomage_net"),
    "retraite": ("retraite", "retraite_nette"),
    "etudes": ("etudiant", "salaire_net"),
    "foyer": ("inactif", "salaire_net"),
    "invalidite": ("inactif", "pension_invalidite"),
    "autre": ("inactif", "salaire_net"),
}
CHILDREN = {
    "enfants_moins_3": (1, None),
    "enfants_3_10": (7, "primaire"),
    "enfants_11_17": (14, "college"),
}


def _born(day: datetime.date, age: int) -> str:
    """A birth date giving exactly `age` on `day` (half a year before the
    birthday would make it `age` + 0.5 on average)."""
    birthday = (
        datetime.date(day.year - age, 7, 1)
        if day.month >= 7
        else datetime.date(day.year - age - 1, 7, 1)
    )
    return birthday.isoformat()


def charges_flat_amount(children: int, month: str) -> float:
    """The housing aid's flat amount for charges (« forfait charges » C,
    CCH art. D823-16, 3°; OpenFisca-France parameter
    prestations_sociales.aides_logement.allocations_logement.locatif.
    formule.c_forfait_charges.cas_general), in euros a month, for a
    household with ``children`` dependent children, in ``month``
    (YYYY-MM), metropolitan France."""
    base, per_child = _charges_parameters(month)
    return base + children * per_child


@functools.lru_cache(maxsize=64)
def _charges_parameters(month: str) -> tuple[float, float]:
    """(flat amount, increase per child) of charges_flat_amount in `month`.
    Kept: reading the parameters at an instant builds the whole tree of the
    legislation (about a second), and a wave asks for one month only."""
    parameters = tax_benefit_system().parameters(f"{month}-01")
    flat = parameters.prestations_sociales.aides_logement.allocations_logement.locatif
    general = flat.formule.c_forfait_charges.cas_general
    return float(general.cas_general), float(general.majoration_par_enfant)


def rent_without_charges(rent_with_charges: float, children: int, month: str) -> float:
    """A rent declared « charges comprises » as the simulator reads it: minus
    the housing aid's flat amount for charges (charges_flat_amount), in
    euros a month, rounded to the cent; ≤ 0 when the amount declared does
    not exceed it."""
    return round(rent_with_charges - charges_flat_amount(children, month), 2)


def situation_of(answers: dict[str, Any], commune: str, month: str) -> Situation | None:
    """The respondent's situation, or None when the optional section was
    not answered (or not enough of it)."""
    data = situation_input_of(answers, commune, month)
    if data is None:
        return None
    try:
        return parse_situation(data)
    except SituationError:
        return None


def situation_input_of(answers: dict[str, Any], commune: str, month: str) -> dict[str, Any] | None:
    """The simulator's input (the mapping rights.situation_parse reads) for
    the respondent's answers, ``commune`` an INSEE code and ``month``
    "YYYY-MM", with the approximations of this module; None when the
    optional section was not answered (or not enough of it). Not checked
    yet: situation_of parses it."""
    housing = HOUSING.get(str(answers.get("logement_statut")))
    income = answers.get("revenus_foyer")
    band = answers.get("tranche_age")
    if housing is None or income is None or band not in AGE_MIDDLE:
        return None
    day = datetime.date(int(month[:4]), int(month[5:]), 1)
    activity, resource = ACTIVITY.get(str(answers.get("activite")), ("inactif", "salaire_net"))
    claimant: dict[str, Any] = {
        "role": "demandeur",
        "naissance": _born(day, AGE_MIDDLE[str(band)]),
        "activite": activity,
        "ressources": {resource: income} if income else {},
    }
    if answers.get("handicap_reconnu") == "oui":
        claimant["taux_incapacite"] = 0.8
    persons = [claimant]
    if str(answers.get("type_foyer", "")).startswith("couple"):
        persons.append(
            {"role": "conjoint", "naissance": claimant["naissance"], "activite": "inactif"}
        )
    for question, (age, schooling) in CHILDREN.items():
        for _ in range(int(answers.get(question) or 0)):
            child: dict[str, Any] = {"role": "enfant", "naissance": _born(day, age)}
            if schooling:
                child["scolarite"] = schooling
            persons.append(child)
    logement: dict[str, Any] = {"statut": housing}
    if housing.startswith("locataire"):
        if answers.get("loyer_hors_charges") is not None:
            logement["loyer"] = answers["loyer_hors_charges"]
        elif answers.get("loyer") is not None:
            children = sum(int(answers.get(question) or 0) for question in CHILDREN)
            rent = rent_without_charges(float(answers["loyer"]), children, month)
            if rent <= 0:
                return None
            logement["loyer"] = rent
        else:
            return None
    return {"mois": month, "commune": commune, "logement": logement, "personnes": persons}


@dataclass(frozen=True)
class PotentialNonTakeUp:
    month: str
    simulated: int  # respondents simulated
    rows: list[ResultRow]  # indicator = benefit id; by/domain as the barometer's
    labels: dict[str, str]  # benefit id -> label, in the pages' order
    local: tuple[str, ...] = ()  # the local aids' slugs among the labels

    def row(self, benefit: str, domain: str = OVERALL) -> ResultRow:
        return next(r for r in self.rows if r.indicator == benefit and r.domain == domain)


def potential_to_data(potential: PotentialNonTakeUp) -> dict[str, Any]:
    """``potential`` as JSON data (StoredPotential.content). A hidden cell
    keeps no value (estimate, standard error, interval): only what may be
    published is stored."""

    def figures(row: ResultRow) -> list[float | None]:
        if row.suppressed:
            return [None, None, None, None]
        return [row.estimate, row.se, row.ci_low, row.ci_high]

    return {
        "month": potential.month,
        "simulated": potential.simulated,
        "labels": list(potential.labels.items()),
        "local": list(potential.local),
        "rows": [
            [r.indicator, r.by, r.domain, r.n, r.suppressed, *figures(r)] for r in potential.rows
        ],
    }


def potential_from_data(data: dict[str, Any]) -> PotentialNonTakeUp:
    """The PotentialNonTakeUp that potential_to_data gave ``data`` for."""
    rows = [
        ResultRow(
            indicator=indicator,
            by=by,
            domain=domain,
            estimate=estimate,
            se=se,
            ci_low=ci_low,
            ci_high=ci_high,
            n=n,
            suppressed=suppressed,
        )
        for indicator, by, domain, n, suppressed, estimate, se, ci_low, ci_high in data["rows"]
    ]
    return PotentialNonTakeUp(
        month=data["month"],
        simulated=data["simulated"],
        rows=rows,
        labels=dict(data["labels"]),
        local=tuple(data["local"]),
    )


def simulation_month(campaign: Campaign) -> str:
    """The month simulated: the end of the collection, within the legislation."""
    month = campaign.ends_on.strftime("%Y-%m")
    return min(max(month, LEGISLATION_FROM), LEGISLATION_UNTIL)


RECEIVED_QUESTION = "prestations_percues"
# The question a territory's local module may add for its local aids (the
# core question cannot be changed by a module).
LOCAL_RECEIVED_QUESTION = "aides_locales_percues"
# Received, not simulated: the RSA, the prime d'activité and the local aids
# with a resource or benefit condition cannot be judged for their recipients.
COUNTED_IN_RESOURCES = ("aah", "aspa")
LOCAL_LABEL_SUFFIX = " (aide locale)"


def local_aid_choices(campaign: Campaign) -> dict[str, tuple[str, ...]]:
    """The choices that may name a local aid → the questions that ask them:
    « prestations_percues » (choices neither a national benefit of SIMULATED
    nor exclusive, such as « aucune »), and « aides_locales_percues » (a
    local module's, non-exclusive choices); empty when the questionnaire
    asks neither."""
    questionnaire = campaign.questionnaire.questionnaire()
    asked = {q.name for q in questionnaire.questions}
    choices: dict[str, tuple[str, ...]] = {}
    for name in (RECEIVED_QUESTION, LOCAL_RECEIVED_QUESTION):
        if name not in asked:
            continue
        for choice in questionnaire.question(name).choices:
            if not choice.exclusive and choice.code not in SIMULATED:
                choices[choice.code] = (*choices.get(choice.code, ()), name)
    return choices


def _codes(answer: Any) -> set[str]:
    """The codes of a choice answer (a list, or one code)."""
    if isinstance(answer, list):
        return {str(code) for code in answer}
    return {answer} if isinstance(answer, str) and answer else set()


def choice_code(slug: str) -> str:
    """The « prestations_percues » choice naming a local aid: its slug, its
    hyphens written as underscores (a choice code has none)."""
    return slug.replace("-", "_")


def _local_aids(
    campaign: Campaign, communes: tuple[str, ...], choices: dict[str, tuple[str, ...]]
) -> dict[str, list[LocalAid]]:
    """By commune, the confirmed local aids the barometer knows who
    receives (``choices``: local_aid_choices), valid on the last day of the
    collection."""
    if not choices:
        return {}
    by_commune = current_aids_by_commune(communes, today=campaign.ends_on)
    kept = {
        commune: [
            a for a in aids if choice_code(a.slug) in choices and a.status == Status.CONFIRMED
        ]
        for commune, aids in by_commune.items()
    }
    return {commune: aids for commune, aids in kept.items() if aids}


def _judges_resources(aid: LocalAid) -> bool:
    """Whether the aid's conditions read resources or national benefits
    (file grammar keys « ressources », « prestations »)."""
    conditions = aid.conditions if isinstance(aid.conditions, dict) else {}
    return bool(conditions.get("ressources") or conditions.get("prestations"))


def _local_values(
    campaign: Campaign,
    communes: tuple[str, ...],
    responses: list[tuple[str, dict[str, Any]]],
    index: list[int],
    results: list[SimulationResult],
) -> dict[str, tuple[str, Any]]:
    """slug -> (label, values by respondent: 1 eligible and not received,
    0 eligible and received, NaN otherwise) for the local aids the
    questionnaire knows (_local_aids), ordered by label. ``responses``:
    (commune, answers) of every respondent; ``results``: the simulations
    of the respondents at positions ``index``."""
    choices = local_aid_choices(campaign)
    aids_of = _local_aids(campaign, communes, choices)
    questionnaire = campaign.questionnaire.questionnaire()
    local_question = (
        questionnaire.question(LOCAL_RECEIVED_QUESTION)
        if any(LOCAL_RECEIVED_QUESTION in asked for asked in choices.values())
        else None
    )
    labels = {aid.slug: aid.label + LOCAL_LABEL_SUFFIX for aids in aids_of.values() for aid in aids}
    values = {slug: np.full(len(responses), np.nan) for slug in labels}
    for position, result in zip(index, results, strict=True):
        commune, answers = responses[position]
        aids = aids_of.get(commune)
        if not aids:
            continue
        received = answers.get(RECEIVED_QUESTION) or []
        counted = any(b in received for b in COUNTED_IN_RESOURCES)
        judged = [a for a in aids if not (counted and _judges_resources(a))]
        # Only « probablement droit »: « à vérifier » is neither eligible nor not.
        local_asked = local_question is not None and questionnaire.is_relevant(
            local_question, answers
        )
        for item in evaluate_aids(judged, result.situation, result):
            if not item.eligible:
                continue
            code = choice_code(item.slug)
            asked = [
                question
                for question in choices[code]
                if question == RECEIVED_QUESTION or local_asked
            ]
            if not asked:
                continue  # named only by the module's question, not asked (relevance)
            taken = any(code in _codes(answers.get(question)) for question in asked)
            values[item.slug][position] = 0.0 if taken else 1.0
    order = sorted(labels, key=lambda slug: (labels[slug], slug))
    return {slug: (labels[slug], values[slug]) for slug in order}


def potential_non_take_up(campaign: Campaign, analysis: CampaignAnalysis) -> PotentialNonTakeUp:
    """The potential non-take-up of ``campaign``: for each national benefit
    of SIMULATED, then each local aid the questionnaire knows (see the
    module's docstring), the weighted share, among respondents estimated
    eligible, who do not say they receive it — overall and by stratum,
    released by the barometer's secrecy model (released_rows, KEY_TABLES).
    Raises ValueError when the analysis has no respondent or no layout."""
    from nonrecours.rights.catalogue import benefit as catalogue_benefit

    month = simulation_month(campaign)
    respondents = analysis.respondents
    if respondents is None:
        raise ValueError("analyse sans répondant·es")
    # The same respondents, in the same order, as the analysis.
    answers_of = dict(
        campaign.responses.filter(pk__in=respondents.ids).values_list("pk", "answers")
    )
    responses = [
        (respondents.commune_codes[code], answers_of[pk])
        for pk, code in zip(respondents.ids, respondents.communes.tolist(), strict=True)
    ]
    situations: list[Situation | None] = [
        situation_of(answers, commune, month) for commune, answers in responses
    ]
    index = [i for i, s in enumerate(situations) if s is not None]
    # By partitions: the engine's lock is released between them, so the web
    # simulator's requests are not kept waiting behind a whole campaign.
    kept = [s for s in situations if s is not None]
    results = [
        r
        for start in range(0, len(kept), 250)
        for r in simulate(kept[start : start + 250], ranges=False)
    ]
    labels = {}
    values_by_benefit: dict[str, Any] = {}
    for code, benefit_id in SIMULATED.items():
        labels[code] = catalogue_benefit(benefit_id).label
        values = np.full(len(situations), np.nan)
        for position, result in zip(index, results, strict=True):
            item = result.by_id(benefit_id)
            received = responses[position][1].get("prestations_percues") or []
            # The RSA and the prime d'activité of someone who receives a
            # benefit counted in their resources (not given to the
            # simulation) cannot be judged: left out.
            counted = any(b in received for b in COUNTED_IN_RESOURCES)
            if code in ("rsa", "prime_activite") and counted:
                continue
            if item.eligible:
                values[position] = 0.0 if code in received else 1.0
        values_by_benefit[code] = values
    # Local aids: fetched once for all the communes, evaluated in memory.
    local = _local_values(campaign, respondents.commune_codes, responses, index, results)
    for slug, (label, values) in local.items():
        labels[slug] = label
        values_by_benefit[slug] = values
    # Published with the rest of the wave: overall and by stratum, on the
    # same respondents and atoms, decided by the same secrecy model.
    if analysis.layout is None:
        raise ValueError("analyse sans découpage publié")
    rows = released_rows(
        ReleasePlan(analysis.layout, KEY_TABLES),
        analysis.raking,
        values_by_benefit,
        analysis.weighting.threshold,
    )
    return PotentialNonTakeUp(
        month=month,
        simulated=len(index),
        rows=rows,
        labels=labels,
        local=tuple(local),
    )


def potential_lines(
    potential: PotentialNonTakeUp,
) -> list[tuple[str, str, ResultRow, list[tuple[str, ResultRow]]]]:
    """(benefit, label, overall row, [(stratum label, row)]) for the pages:
    the national benefits, then the local aids (potential.labels' order)."""
    return [
        (
            code,
            potential.labels[code],
            potential.row(code),
            [(str(s.label), potential.row(code, s.value)) for s in Stratum],
        )
        for code in potential.labels
    ]
