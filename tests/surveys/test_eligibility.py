"""Potential non-take-up: respondents simulated with the rights engine."""

from io import StringIO

import numpy as np
import pytest
from django.core.management import call_command

from nonrecours.analysis.estimators import mean
from nonrecours.rights.engine import simulate
from nonrecours.surveys.analysis import campaign_analysis
from nonrecours.surveys.eligibility import (
    charges_flat_amount,
    potential_non_take_up,
    rent_without_charges,
    situation_of,
)
from nonrecours.surveys.models import Campaign

pytestmark = pytest.mark.django_db

ANSWERS = {
    "tranche_age": "35_44", "type_foyer": "monoparental", "activite": "recherche_emploi",
    "logement_statut": "locataire_prive", "loyer": 450, "enfants_3_10": 1,
    "revenus_foyer": 0, "handicap_reconnu": "non",
}  # fmt: skip


def test_answers_become_a_situation_with_the_documented_approximations():
    situation = situation_of(ANSWERS, "62041", "2026-11")
    claimant, child = situation.persons
    assert claimant.age_on(situation.first_day) == 40
    january = situation_of(ANSWERS, "62041", "2026-01")
    assert january.persons[0].age_on(january.first_day) == 40
    assert claimant.activity.value == "chomeur"
    assert child.schooling.value == "primaire" and child.age_on(situation.first_day) == 7
    # 450 € charges comprises, minus the housing aid's flat amount for charges
    # of a household with one child in November 2026 (61,29 + 13,90 €).
    assert situation.housing.value == "locataire_vide" and situation.rent == 374.81
    (result,) = simulate([situation])
    assert result.by_id("asf").eligible and result.by_id("aide_logement").eligible
    # Without the optional section, or a tenant without rent: not simulated.
    assert situation_of({**ANSWERS, "logement_statut": None}, "62041", "2026-11") is None
    assert (
        situation_of({k: v for k, v in ANSWERS.items() if k != "loyer"}, "62041", "2026-11") is None
    )


def test_share_of_eligible_who_do_not_receive_with_its_interval(arras):
    call_command("demo", "--responses", "800", "--seed", "9", stdout=StringIO())
    campaign = Campaign.objects.get(slug="demo-2024")
    analysis = campaign_analysis(campaign)
    potential = potential_non_take_up(campaign, analysis)
    assert 0.5 * 800 < potential.simulated < 0.7 * 800  # 60 % answer the optional section
    row = potential.row("aide_logement")
    assert not row.suppressed and 0 < row.estimate < 1 and row.ci_low < row.estimate < row.ci_high
    # The same estimate computed by hand: base = estimated eligible.
    answers = dict(campaign.responses.values_list("pk", "answers"))
    codes = analysis.respondents.commune_codes
    values = np.full(len(analysis.respondents.ids), np.nan)
    situations = [
        situation_of(answers[pk], codes[c], potential.month)
        for pk, c in zip(analysis.respondents.ids, analysis.respondents.communes, strict=True)
    ]
    kept = [i for i, s in enumerate(situations) if s]
    for i, result in zip(kept, simulate([situations[i] for i in kept]), strict=True):
        if result.by_id("aide_logement").eligible:
            received = answers[analysis.respondents.ids[i]]["prestations_percues"]
            values[i] = 0.0 if "aide_logement" in received else 1.0
    expected = mean(analysis.raking, values)
    assert row.estimate == pytest.approx(expected.estimate)
    assert row.se == pytest.approx(expected.se)
    assert row.n == expected.n


def test_an_aah_recipient_is_not_counted_as_not_taking_up_the_rsa(arras):
    """Hand-made respondent: AAH received (and said so), no other income.
    The simulation, which does not know the AAH amount, finds the RSA: it
    must not count as non-take-up of the RSA."""
    from nonrecours.surveys.enums import Channel

    call_command("demo", "--responses", "60", "--seed", "3", stdout=StringIO())
    campaign = Campaign.objects.get(slug="demo-2024")
    campaign.responses.all().delete()
    answers = {
        "commune": "62041", "sexe": "homme", "tranche_age": "45_54", "type_foyer": "seul",
        "activite": "invalidite", "logement_statut": "heberge", "revenus_foyer": 0,
        "handicap_reconnu": "oui", "prestations_percues": ["aah"],
    }  # fmt: skip
    from django.utils import timezone

    from nonrecours.surveys.models import Response

    commune = arras.communes.get(insee_code="62041")
    for i in range(12):
        Response.objects.create(
            campaign=campaign, questionnaire=campaign.questionnaire, commune=commune,
            channel=Channel.ONLINE, answers=answers, idempotency_key=f"aah-{i}",
            submitted_at=timezone.now(),
        )  # fmt: skip
    analysis = campaign_analysis(campaign)
    potential = potential_non_take_up(campaign, analysis)
    assert potential.row("rsa").n == 0  # left out, not "eligible and not receiving"
    assert potential.row("aah").n == 12 and potential.row("aah").estimate == 0.0


def test_the_rent_asked_charges_included_is_simulated_without_charges():
    """Issue 13: the questionnaire (v2) asks the rent « charges comprises »,
    the simulator reads it without charges (the housing aid adds its own flat
    amount for charges): the flat amount is taken off, so the calculation
    counts exactly what was declared."""
    assert charges_flat_amount(0, "2026-11") == pytest.approx(61.29)  # rights/cases, zone 3
    assert charges_flat_amount(2, "2026-11") > charges_flat_amount(0, "2026-11")
    assert rent_without_charges(450, 0, "2026-11") == pytest.approx(388.71)
    alone = {**ANSWERS, "type_foyer": "seul", "enfants_3_10": 0}
    assert situation_of(alone, "62041", "2026-11").rent == pytest.approx(388.71)
    # Nothing left once the charges are taken off: cannot be simulated.
    assert situation_of({**alone, "loyer": 60}, "62041", "2026-11") is None
    # A later version asking the rent alone is taken as given.
    later = {**alone, "loyer_hors_charges": 400}
    del later["loyer"]
    assert situation_of(later, "62041", "2026-11").rent == 400
    # The housing aid of the declared rent is no longer the one of a rent
    # 61 € higher.
    (converted,) = simulate([situation_of(alone, "62041", "2026-11")])
    (as_is,) = simulate([situation_of({**alone, "loyer_hors_charges": 450}, "62041", "2026-11")])
    assert converted.by_id("aide_logement").monthly <= as_is.by_id("aide_logement").monthly
