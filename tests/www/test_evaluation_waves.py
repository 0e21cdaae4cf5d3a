"""The waves' pages: comparison, CSV, difference-in-differences and the
answers-needed calculator (www/evaluation/waves.py)."""

import csv
import datetime
import html
import io
import re
from io import StringIO
from urllib.parse import parse_qs, urlsplit

import pytest
import time_machine
from django.core.cache import cache
from django.core.management import call_command
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from nonrecours.accounts.enums import Role
from nonrecours.surveys.models import Campaign
from nonrecours.territories.models import Commune

pytestmark = pytest.mark.django_db

TODAY = datetime.datetime(2026, 1, 15, 10, 0, tzinfo=datetime.UTC)


@pytest.fixture(autouse=True)
def frozen_clock():
    with time_machine.travel(TODAY, tick=False):
        yield


@pytest.fixture
def waves(arras):
    from nonrecours.surveys.actions import demo_campaign_create

    call_command("demo", "--responses", "400", "--seed", "1", stdout=StringIO())
    first = Campaign.objects.get(slug="demo-2024")
    later, _ = demo_campaign_create(territory=arras, responses=400, seed=7, slug="demo-2025")
    later.starts_on = datetime.date(2025, 9, 1)
    later.ends_on = datetime.date(2025, 11, 28)
    later.name = "Baromètre 2025 — démonstration"
    later.save()
    cache.clear()
    return first, later


@pytest.fixture
def partner(client, arras, make_member):
    client.force_login(make_member(arras, Role.PARTNER))
    return client


@pytest.fixture
def lead(client, arras, make_member):
    """The team, who may read the answers: the difference-in-differences
    and the calculator work on them."""
    client.force_login(make_member(arras, Role.PROJECT_LEAD))
    return client


def test_the_two_latest_waves_are_compared_by_default(partner, waves, arras):
    response = partner.get(reverse("evaluation_waves", args=[arras.siren]))
    assert response.status_code == 200
    page = html.unescape(response.text)
    assert "Vague A : Baromètre 2024" in page
    assert "Benjamini–Hochberg" in page
    assert "<caption" in page
    assert "masquée par le secret statistique" in page
    assert "pas d'écart décelable" in page


def test_csv_export_of_the_comparison(partner, waves, arras):
    first, later = waves
    url = reverse("evaluation_waves_csv", args=[arras.siren])
    response = partner.get(url, {"a": later.slug, "b": first.slug, "indicateur": ""})
    assert response.status_code == 200
    assert "comparaison-demo-2024-demo-2025-2026-01-15.csv" in response["Content-Disposition"]
    text = response.content.decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(text), delimiter=";"))
    overall = next(
        r for r in rows if r["indicateur"] == "non_recours_declare" and r["tableau"] == "Ensemble"
    )
    a = float(overall["estimation_a_pct"].replace(",", "."))
    b = float(overall["estimation_b_pct"].replace(",", "."))
    assert float(overall["ecart_points"].replace(",", ".")) == pytest.approx(b - a, abs=0.011)
    hidden = [r for r in rows if "secret" in r["statut"]]
    assert hidden
    assert all(r["ecart_points"] == "" for r in hidden)


def test_bad_choices_get_a_french_message_not_an_error_page(partner, waves, arras):
    first, _ = waves
    url = reverse("evaluation_waves", args=[arras.siren])
    response = partner.get(url, {"a": first.slug, "b": first.slug})
    assert response.status_code == 422
    assert "Choisissez deux vagues différentes." in response.text
    response = partner.get(url, {"a": "<script>", "b": first.slug})
    assert response.status_code == 422
    assert "Le formulaire contient des erreurs" in response.text
    csv_url = reverse("evaluation_waves_csv", args=[arras.siren])
    assert partner.get(csv_url, {"a": "x", "b": "y"}).status_code == 422


def test_difference_in_differences_page(lead, waves, arras):
    first, later = waves
    urban = Commune.objects.members_of(arras).filter(stratum="urban")
    params = {"a": first.slug, "b": later.slug, "exposees": [c.insee_code for c in urban]}
    response = lead.get(reverse("evaluation_waves_did", args=[arras.siren]), params)
    assert response.status_code == 200
    assert "Double différence par indicateur" in response.text
    assert "tendances communes" in response.text
    response = lead.get(reverse("evaluation_waves_did_csv", args=[arras.siren]), params)
    assert response.status_code == 200
    assert "double_difference_points" in response.content.decode("utf-8-sig")
    # No bus between the waves: the first visit asks to tick communes, with
    # no error; sent with none ticked, a French refusal on the communes.
    url = reverse("evaluation_waves_did", args=[arras.siren])
    response = lead.get(url, {"a": first.slug, "b": later.slug})
    assert response.status_code == 200
    assert "cochez les communes exposées" in html.unescape(response.text)
    assert "Erreur" not in response.text.split("</title>")[0]
    response = lead.get(url, {"a": first.slug, "b": later.slug, "calculer": "1"})
    assert response.status_code == 422
    assert "Cochez au moins une commune exposée" in html.unescape(response.text)


def test_power_page_is_prefilled_and_proposes_targets(lead, waves, arras):
    response = lead.get(reverse("evaluation_waves_power", args=[arras.siren]))
    assert response.status_code == 200
    page = html.unescape(response.text)
    assert "Réponses à recueillir" in page
    assert "Objectif de réponses par commune" in page
    assert 'name="deff_central_city"' in page
    # The next campaign's form starts from these targets, stratum by stratum.
    link = re.search(r'href="(/territoires/[^"]+/campagnes/nouvelle/\?[^"]+)"', page)
    assert link, "no link to the new campaign's form"
    asked = parse_qs(urlsplit(link.group(1)).query)
    assert asked and all(k.startswith("target_") for k in asked)
    form = lead.get(link.group(1))
    assert form.status_code == 200
    for key, (value,) in asked.items():
        assert re.search(rf'name="{key}"[^>]*value="{value}"', form.text), key


def test_power_page_refuses_bad_numbers_in_french(lead, waves, arras):
    first, _ = waves
    params = {
        "vague": first.slug, "indicateur": "non_recours_declare", "alpha": "0.05",
        "puissance": "0.8",
    }  # fmt: skip
    for stratum in ("central_city", "small_commune", "urban", "rural"):
        params |= {f"part_{stratum}": "40", f"ecart_{stratum}": "-5", f"deff_{stratum}": "1,2"}
    params["ecart_rural"] = "0"
    params["part_urban"] = "douze"
    response = lead.get(reverse("evaluation_waves_power", args=[arras.siren]), params)
    assert response.status_code == 422
    text = html.unescape(response.text)
    assert (
        "Rural : écart à détecter (points, − pour une baisse) : L'écart à détecter ne peut " in text
    )
    assert "« douze » n'est pas un nombre" in text


def test_who_may_see(client, waves, arras, make_member):
    url = reverse("evaluation_waves", args=[arras.siren])
    assert client.get(url).status_code == 302  # to the login page
    client.force_login(make_member(arras, Role.FIELD_AGENT))
    assert client.get(url).status_code == 403
    assert client.get(reverse("evaluation_waves_power", args=[arras.siren])).status_code == 403
    assert client.get(reverse("evaluation_waves", args=["000000000"])).status_code == 404


def test_partners_see_the_published_comparison_not_what_reads_the_answers(partner, waves, arras):
    """The difference-in-differences and the calculator work on the answers
    for groups the user picks: two queries differing by one small commune
    would give back its hidden cells (review of issue 17). A partner sees
    the comparison of published cells only."""
    first, later = waves
    assert partner.get(reverse("evaluation_waves", args=[arras.siren])).status_code == 200
    params = {"a": first.slug, "b": later.slug, "exposees": ["62041", "62004"]}
    for name in ("evaluation_waves_did", "evaluation_waves_did_csv", "evaluation_waves_power"):
        response = partner.get(reverse(name, args=[arras.siren]), params)
        assert response.status_code == 403, name


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    values=st.dictionaries(
        st.sampled_from(["a", "b", "alpha", "exposees", "vague", "indicateur", "part_urban",
                         "ecart_urban", "deff_urban", "prevu_urban", "base_urban", "tableau"]),
        st.text(max_size=12),
    )
)  # fmt: skip
def test_hostile_queries_never_give_an_error_page(lead, arras, values):
    for name in ("evaluation_waves", "evaluation_waves_did", "evaluation_waves_power"):
        response = lead.get(reverse(name, args=[arras.siren]), values)
        assert response.status_code in (200, 422)
