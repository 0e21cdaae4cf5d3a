"""The demonstration campaign: biased like door-to-door collection, yet its
weighted results reproduce the published figures within sampling error."""

import math
from collections import Counter
from io import StringIO

import pytest
from django.core.management import call_command

from nonrecours.surveys.actions import demo_campaign_create
from nonrecours.surveys.demo import BREAKDOWN_STRATA, published_targets
from nonrecours.surveys.models import Campaign, Contact, Response
from nonrecours.territories.models import Commune

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo(arras):
    call_command("demo", "--responses", "2500", "--seed", "2024", stdout=StringIO())
    return Campaign.objects.get(slug="demo-2024")


def weighted_share(rows, weights, indicator, stratum=None):
    """Share of the indicator among its base, rows weighted by commune."""
    numerator = denominator = sum_w2 = 0.0
    for row in rows:
        if stratum is not None and row["stratum"] != stratum:
            continue
        if indicator.base_condition and not indicator.base_condition.evaluate(row["answers"]):
            continue
        w = weights[row["commune"]]
        denominator += w
        sum_w2 += w * w
        if indicator.numerator.evaluate(row["answers"]):
            numerator += w
    share = numerator / denominator
    effective_n = denominator**2 / sum_w2
    return share, math.sqrt(share * (1 - share) / effective_n)


def test_demo_reproduces_the_published_figures_once_weighted(demo):
    questionnaire = demo.questionnaire.questionnaire()
    communes = {c.pk: c for c in Commune.objects.all()}
    rows = [
        {
            "commune": r.commune_id,
            "stratum": communes[r.commune_id].stratum,
            "answers": r.answers,
        }
        for r in Response.objects.filter(campaign=demo)
    ]
    assert len(rows) == 2500
    sample = Counter(r["commune"] for r in rows)
    weights = {pk: communes[pk].population / n for pk, n in sample.items()}
    indicators = {i.id: i for i in questionnaire.indicators}
    for ident, published in published_targets().items():
        indicator = indicators[ident]
        if "value" in published:
            share, se = weighted_share(rows, weights, indicator)
            assert abs(share - published["value"]) < 3 * se, (ident, share, published["value"])
        for name, value in (published.get("breakdowns") or {}).items():
            share, se = weighted_share(rows, weights, indicator, BREAKDOWN_STRATA[name])
            assert abs(share - value) < 3 * se, (ident, name, share, value)


def test_demo_has_the_biases_of_door_to_door_collection(demo):
    responses = list(Response.objects.filter(campaign=demo).select_related("commune"))
    sexes = Counter(r.answers["sexe"] for r in responses)
    assert sexes["femme"] / len(responses) > 0.54
    older = sum(r.answers["tranche_age"] in {"65_74", "75_plus"} for r in responses)
    assert older / len(responses) > 0.35  # about a quarter of adults in the population
    per_commune = Counter(r.commune.insee_code for r in responses)
    rates = [per_commune[c.insee_code] / c.population for c in Commune.objects.all()]
    mean = sum(rates) / len(rates)
    spread = math.sqrt(sum((r - mean) ** 2 for r in rates) / len(rates)) / mean
    assert spread > 0.3  # coverage of communes is uneven
    assert len(per_commune) >= 40
    channels = Counter(r.channel for r in responses)
    assert channels["door_to_door"] > 3 * channels["online"]


def test_demo_is_labelled_synthetic_repeatable_and_created_once(demo, arras):
    assert demo.is_synthetic
    assert "synthétiques" in demo.name
    out = StringIO()
    call_command("demo", stdout=out)
    assert "déjà présente (2500 réponses)" in out.getvalue()
    assert Response.objects.filter(campaign=demo).count() == 2500
    twin, created = demo_campaign_create(territory=arras, responses=50, seed=2024, slug="jumeau")
    again, _ = demo_campaign_create(territory=arras, responses=50, seed=2024, slug="jumeau-2")
    assert created
    assert [r.answers for r in twin.responses.order_by("pk")] == [
        r.answers for r in again.responses.order_by("pk")
    ]


def test_demo_contacts_are_apart_and_fictional(demo):
    contacts = Contact.objects.filter(campaign=demo)
    assert contacts.exists()
    assert all(c.phone.startswith("019900") and len(c.phone) == 10 for c in contacts)
    for response in Response.objects.filter(campaign=demo):
        assert "contact_telephone" not in response.answers


@pytest.mark.parametrize("strata", [["rural"], ["urban", "small_commune"], ["central_city"]])
def test_a_territory_without_some_published_strata_gets_its_demo(arras, strata):
    # A rural community has no central city, a metropolis no rural commune:
    # the demo was a KeyError for any territory lacking one of the strata
    # the Arras publication breaks down.
    from nonrecours.surveys.demo import stratum_probabilities

    communes = list(Commune.objects.filter(territory=arras).order_by("insee_code"))
    for index, commune in enumerate(communes):
        commune.stratum = strata[index % len(strata)]
    Commune.objects.bulk_update(communes, ["stratum"])
    campaign, created = demo_campaign_create(territory=arras, responses=50, seed=3)
    assert created and campaign.responses.count() == 50
    targets = published_targets()
    shares = {stratum: 1 / len(strata) for stratum in strata}
    for indicator in targets.values():
        p = stratum_probabilities(indicator, shares)
        assert set(p) == set(strata)
        for name, value in (indicator.get("breakdowns") or {}).items():
            if BREAKDOWN_STRATA.get(name) in p:
                assert p[BREAKDOWN_STRATA[name]] == float(value)
        if "value" in indicator and not any(
            BREAKDOWN_STRATA.get(name) in p for name in indicator.get("breakdowns") or {}
        ):
            assert sum(shares[s] * p[s] for s in strata) == pytest.approx(
                min(max(float(indicator["value"]), 0.01), 0.99)
            )
